#include "IsoTime.h"

#include "EventNormalizer.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcIsoTime, "ea.aggregation.isotime")

QString IsoTime::toString(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    return time.toUTC().toString(Qt::ISODateWithMs);
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
