#include "model/Turn.h"

#include "util/IsoTime.h"

namespace ea {

qint64 Turn::durationMs() const
{
    if (!start.isValid() || !end.isValid())
        return -1;
    return qMax<qint64>(0, start.msecsTo(end));
}

QJsonObject Turn::toJson() const
{
    const qint64 duration = durationMs();
    QJsonObject o;
    o.insert(QLatin1String("index"), index);
    o.insert(QLatin1String("start_time"), IsoTime::toJson(start));
    o.insert(QLatin1String("end_time"), IsoTime::toJson(end));
    o.insert(QLatin1String("ended_by"),
             endedBy.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(endedBy));
    o.insert(QLatin1String("prompt"),
             prompt.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(prompt));
    o.insert(QLatin1String("tool_calls"), toolCalls);
    o.insert(QLatin1String("tool_failures"), toolFailures);
    o.insert(QLatin1String("tool_unknown_results"), toolUnknown);
    o.insert(QLatin1String("delegations"), delegations);
    o.insert(QLatin1String("duration_ms"),
             duration >= 0 ? QJsonValue(duration) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("token_usage"),
             tokens ? QJsonValue(tokens->toJson()) : QJsonValue(QJsonValue::Null));
    return o;
}

} // namespace ea
