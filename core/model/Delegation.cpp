#include "model/Delegation.h"

#include "util/IsoTime.h"
#include "json/QtJsonFields.h"

#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcDelegation, "ea.aggregation.delegation")

using qtjson::stringOrNull;

qint64 Delegation::durationMs() const
{
    if (!startTime.isValid() || !endTime.isValid())
        return -1;
    return qMax<qint64>(0, startTime.msecsTo(endTime));
}

ToolOperation::Outcome Delegation::outcome() const
{
    if (noResult)
        return ToolOperation::Outcome::Unknown;
    if (isOpen())
        return ToolOperation::Outcome::Pending;
    return success ? ToolOperation::Outcome::Success : ToolOperation::Outcome::Failure;
}

QJsonObject Delegation::toJson(const QList<ToolOperation>& sessionToolOperations) const
{
    QJsonArray operations;
    for (const int index : toolOperations) {
        if (index >= 0 && index < sessionToolOperations.size())
            operations.append(sessionToolOperations.at(index).toJson());
        else
            qCWarning(lcDelegation) << "delegation refers to missing tool operation" << index;
    }
    const qint64 duration = durationMs();
    QJsonObject o;
    o.insert(QLatin1String("agent_type"), agentType);
    o.insert(QLatin1String("task_description"), taskDescription);
    o.insert(QLatin1String("start_time"), IsoTime::toJson(startTime));
    o.insert(QLatin1String("end_time"), IsoTime::toJson(endTime));
    o.insert(QLatin1String("prompt"), stringOrNull(prompt));
    o.insert(QLatin1String("response"), stringOrNull(response));
    o.insert(QLatin1String("tool_operations"), operations);
    o.insert(QLatin1String("file_changes"), QJsonArray::fromStringList(fileChanges));
    o.insert(QLatin1String("todos_modified"), todosModified);
    o.insert(QLatin1String("memory_updates"), memoryUpdates);
    o.insert(QLatin1String("duration_ms"),
             duration >= 0 ? QJsonValue(duration) : QJsonValue(QJsonValue::Null));
    const ToolOperation::Outcome result = outcome();
    o.insert(QLatin1String("success"), result == ToolOperation::Outcome::Success ? QJsonValue(true)
                                       : result == ToolOperation::Outcome::Failure
                                           ? QJsonValue(false)
                                           : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("result"), ToolOperation::outcomeName(result));
    o.insert(QLatin1String("turn"), turn >= 0 ? QJsonValue(turn) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("error"), stringOrNull(error));
    o.insert(QLatin1String("completed"), completed);
    o.insert(QLatin1String("parent"),
             parent >= 0 ? QJsonValue(parent) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("depth"), depth);
    o.insert(QLatin1String("correlation_id"), stringOrNull(correlationId));
    o.insert(QLatin1String("agent_id"), stringOrNull(agentId));
    return o;
}

} // namespace ea
