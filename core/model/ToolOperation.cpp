#include "model/ToolOperation.h"

#include "util/IsoTime.h"
#include "json/JsonFields.h"
#include "json/QtJsonFields.h"

namespace ea {

using qtjson::objectOrNull;
using qtjson::stringOrNull;

QJsonObject ToolOperation::toJson() const
{
    QJsonObject o;
    o.insert(QLatin1String("tool_name"), toolName);
    o.insert(QLatin1String("agent_type"), agentType);
    o.insert(QLatin1String("start_time"), IsoTime::toJson(startTime));
    o.insert(QLatin1String("end_time"), IsoTime::toJson(endTime));
    o.insert(QLatin1String("input_data"), objectOrNull(inputData));
    o.insert(QLatin1String("output_data"), objectOrNull(outputData));
    o.insert(QLatin1String("duration_ms"),
             durationMs >= 0 ? QJsonValue(durationMs) : QJsonValue(QJsonValue::Null));
    const Outcome result = outcome();
    o.insert(QLatin1String("success"), result == Outcome::Success   ? QJsonValue(true)
                                       : result == Outcome::Failure ? QJsonValue(false)
                                                                    : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("result"), outcomeName(result));
    o.insert(QLatin1String("turn"), turn >= 0 ? QJsonValue(turn) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("error"), stringOrNull(error));
    o.insert(QLatin1String("correlation_id"), stringOrNull(correlationId));
    o.insert(QLatin1String("file_path"), stringOrNull(filePath));
    o.insert(QLatin1String("exit_code"),
             exitCode ? QJsonValue(*exitCode) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("orphan"), orphan);
    o.insert(QLatin1String("finished"), isFinished());
    o.insert(QLatin1String("delegation"),
             delegation >= 0 ? QJsonValue(delegation) : QJsonValue(QJsonValue::Null));
    return o;
}

ToolOperation::Outcome ToolOperation::outcome() const
{
    if (noResult)
        return Outcome::Unknown;
    if (!isFinished())
        return Outcome::Pending;
    return success ? Outcome::Success : Outcome::Failure;
}

QString ToolOperation::outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Pending:
        return QStringLiteral("pending");
    case Outcome::Success:
        return QStringLiteral("success");
    case Outcome::Failure:
        return QStringLiteral("failure");
    case Outcome::Unknown:
        return QStringLiteral("unknown");
    }
    return QStringLiteral("unknown");
}

namespace {

// Both readers of a saved operation: "result" when it names an outcome; else a call that says
// it is not finished is pending, and "success" decides a finished one.
ToolOperation::Outcome outcomeFrom(QStringView result, bool finished, std::optional<bool> success)
{
    using Outcome = ToolOperation::Outcome;
    for (const Outcome o :
         {Outcome::Pending, Outcome::Success, Outcome::Failure, Outcome::Unknown}) {
        if (result == ToolOperation::outcomeName(o))
            return o;
    }
    if (!finished)
        return Outcome::Pending;
    if (success)
        return *success ? Outcome::Success : Outcome::Failure;
    return Outcome::Unknown;
}

} // namespace

ToolOperation::Outcome ToolOperation::outcomeOf(const QJsonObject& saved)
{
    const QJsonValue success = saved.value(QLatin1String("success"));
    return outcomeFrom(saved.value(QLatin1String("result")).toString(),
                       saved.value(QLatin1String("finished")).toBool(true),
                       success.isBool() ? std::optional<bool>(success.toBool()) : std::nullopt);
}

ToolOperation::Outcome ToolOperation::outcomeOf(const simdjson::dom::element& saved)
{
    return outcomeFrom(json::stringAt(saved, "result"),
                       json::boolAt(saved, "finished").value_or(true),
                       json::boolAt(saved, "success"));
}

} // namespace ea
