#include "IsoTime.h"

#include "EventNormalizer.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcIsoTime, "ea.aggregation.isotime")

QString IsoTime::toString(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    // QDateTime::toString is a large share of a save's cost; the common range is formatted
    // directly.
    QByteArray fast;
    if (appendUtc(time.toMSecsSinceEpoch(), &fast))
        return QString::fromLatin1(fast);
    return time.toUTC().toString(Qt::ISODateWithMs);
}

bool IsoTime::appendUtc(qint64 ms, QByteArray* out)
{
    qint64 days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    const qint64 msOfDay = ms - days * 86400000;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 day = doy - (153 * mp + 2) / 5 + 1;
    const qint64 month = mp < 10 ? mp + 3 : mp - 9;
    const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 1000 || year > 9999)
        return false;
    char b[24];
    const auto put = [&b](int at, qint64 v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10)
            b[at + i] = char('0' + v % 10);
    };
    put(0, year, 4);
    b[4] = '-';
    put(5, month, 2);
    b[7] = '-';
    put(8, day, 2);
    b[10] = 'T';
    put(11, msOfDay / 3600000, 2);
    b[13] = ':';
    put(14, msOfDay / 60000 % 60, 2);
    b[16] = ':';
    put(17, msOfDay / 1000 % 60, 2);
    b[19] = '.';
    put(20, msOfDay % 1000, 3);
    b[23] = 'Z';
    out->append(b, 24);
    return true;
}

QJsonValue IsoTime::toJson(const QDateTime& time)
{
    if (!time.isValid())
        return QJsonValue(QJsonValue::Null);
    return toString(time);
}

QDateTime IsoTime::fromJson(const QJsonValue& value)
{
    if (value.isNull() || value.isUndefined())
        return {};
    // Session files written by the Python aggregator use the same ISO variants as the wire.
    const std::optional<QDateTime> parsed = EventNormalizer::parseTimestamp(value);
    if (!parsed) {
        qCDebug(lcIsoTime) << "unreadable timestamp" << value;
        return {};
    }
    return *parsed;
}
