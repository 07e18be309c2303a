#include "util/IsoTime.h"

#include <QLoggingCategory>

#include <cmath>

namespace ea {

Q_LOGGING_CATEGORY(lcIsoTime, "ea.util.isotime")

namespace {

bool readDigits(QStringView text, qsizetype& pos, int count, int& out)
{
    if (pos + count > text.size())
        return false;
    int value = 0;
    for (int i = 0; i < count; ++i) {
        const char16_t c = text[pos + i].unicode();
        if (c < u'0' || c > u'9')
            return false;
        value = value * 10 + (c - u'0');
    }
    pos += count;
    out = value;
    return true;
}

bool at(QStringView text, qsizetype pos, char16_t c)
{
    return pos < text.size() && text[pos].unicode() == c;
}

} // namespace

std::optional<QDateTime> IsoTime::parse(QStringView text)
{
    text = text.trimmed();
    qsizetype pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, msec = 0;
    if (!readDigits(text, pos, 4, year) || !at(text, pos++, u'-') ||
        !readDigits(text, pos, 2, month) || !at(text, pos++, u'-') ||
        !readDigits(text, pos, 2, day))
        return std::nullopt;
    if (!(at(text, pos, u'T') || at(text, pos, u't') || at(text, pos, u' ')))
        return std::nullopt;
    ++pos;
    if (!readDigits(text, pos, 2, hour) || !at(text, pos++, u':') ||
        !readDigits(text, pos, 2, minute))
        return std::nullopt;
    if (at(text, pos, u':')) {
        ++pos;
        if (!readDigits(text, pos, 2, second))
            return std::nullopt;
        if (at(text, pos, u'.') || at(text, pos, u',')) {
            ++pos;
            int digits = 0;
            int scale = 100;
            while (pos < text.size() && text[pos].isDigit() && text[pos].unicode() < 128) {
                // Python writes microseconds; we keep milliseconds and drop the rest.
                if (digits < 3) {
                    msec += (text[pos].unicode() - u'0') * scale;
                    scale /= 10;
                }
                ++digits;
                ++pos;
            }
            if (digits == 0 || digits > 9)
                return std::nullopt;
        }
    }
    int offsetSeconds = 0;
    if (at(text, pos, u'Z') || at(text, pos, u'z')) {
        ++pos;
    } else if (at(text, pos, u'+') || at(text, pos, u'-')) {
        const int sign = at(text, pos, u'-') ? -1 : 1;
        ++pos;
        int offH = 0, offM = 0;
        if (!readDigits(text, pos, 2, offH))
            return std::nullopt;
        if (at(text, pos, u':'))
            ++pos;
        if (pos < text.size() && text[pos].isDigit() && !readDigits(text, pos, 2, offM))
            return std::nullopt;
        if (offH > 18 || offM > 59)
            return std::nullopt;
        offsetSeconds = sign * (offH * 3600 + offM * 60);
        // A fallback path of the dashboard appends "Z" to an already zoned time: "+00:00Z".
        if (at(text, pos, u'Z') || at(text, pos, u'z'))
            ++pos;
    }
    if (pos != text.size())
        return std::nullopt;
    const QDate date(year, month, day);
    const QTime time(hour, minute, second, msec);
    if (!date.isValid() || !time.isValid())
        return std::nullopt;
    const QDateTime utc(date, time, Qt::UTC);
    return offsetSeconds ? utc.addSecs(-offsetSeconds) : utc;
}

std::optional<QDateTime> IsoTime::fromNumber(double number)
{
    if (!std::isfinite(number) || number < 0)
        return std::nullopt;
    // Seconds since 1970 stay below 1e11 until the year 5138; milliseconds are above it
    // from 1973 on, so the magnitude tells the unit.
    const double ms = number >= 1e11 ? number : number * 1000.0;
    if (ms > 253402300799999.0) // 9999-12-31T23:59:59.999Z
        return std::nullopt;
    return QDateTime::fromMSecsSinceEpoch(qint64(ms), Qt::UTC);
}

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
    char b[UtcLength];
    if (!writeUtc(ms, b))
        return false;
    out->append(b, UtcLength);
    return true;
}

bool IsoTime::writeUtc(qint64 ms, char* b)
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
    const auto put = [b](int at, qint64 v, int width) {
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
    std::optional<QDateTime> parsed;
    if (value.isString())
        parsed = parse(value.toString());
    else if (value.isDouble())
        parsed = fromNumber(value.toDouble());
    if (!parsed) {
        qCDebug(lcIsoTime) << "unreadable timestamp" << value;
        return {};
    }
    return *parsed;
}

} // namespace ea
