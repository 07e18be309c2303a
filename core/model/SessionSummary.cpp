#include "model/SessionSummary.h"

#include "model/ToolOperation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

namespace ea {

static int intField(const QJsonObject& object, const QString& key, int fallback)
{
    const QJsonValue v = object.value(key);
    return v.isDouble() ? v.toInt(fallback) : fallback;
}

// Failed tool calls, each once: a delegation lists its calls again beside the session's list
// (our files), or only there (older files).
static void collectFailedOperations(const QJsonArray& operations, QSet<QByteArray>* failed)
{
    for (const QJsonValue& op : operations) {
        const QJsonObject o = op.toObject();
        if (ToolOperation::outcomeOf(o) == ToolOperation::Outcome::Failure)
            failed->insert(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
}

SessionSummary SessionSummary::fromDocument(const QJsonObject& session)
{
    SessionSummary s;
    s.sessionId = session.value(QStringLiteral("session_id")).toString();
    s.startTime = parseTime(session.value(QStringLiteral("start_time")).toString());
    s.endTime = parseTime(session.value(QStringLiteral("end_time")).toString());
    s.status = session.value(QStringLiteral("status")).toString();
    // The Python aggregator wrote no status and saved sessions only once they had ended.
    if (s.status.isEmpty() && s.endTime.isValid())
        s.status = QStringLiteral("completed");

    const QJsonObject metrics = session.value(QStringLiteral("metrics")).toObject();
    const QJsonObject metadata = session.value(QStringLiteral("metadata")).toObject();
    const QJsonArray events = session.value(QStringLiteral("events")).toArray();
    const QJsonArray delegations = session.value(QStringLiteral("delegations")).toArray();
    const QJsonArray topLevelOps = session.value(QStringLiteral("tool_operations")).toArray();

    int operations = int(topLevelOps.size());
    QSet<QByteArray> failedOps;
    collectFailedOperations(topLevelOps, &failedOps);
    int failed = 0;
    for (const QJsonValue& d : delegations) {
        const QJsonObject delegation = d.toObject();
        const QJsonArray ops = delegation.value(QStringLiteral("tool_operations")).toArray();
        operations += int(ops.size());
        collectFailedOperations(ops, &failedOps);
        if (delegation.value(QStringLiteral("success")) == QJsonValue(false))
            ++failed;
    }
    failed += int(failedOps.size());

    s.totalEvents = intField(metrics, QStringLiteral("total_events"), int(events.size()));
    s.toolCalls = intField(metrics, QStringLiteral("total_tool_calls"), operations);
    s.delegations = intField(metrics, QStringLiteral("total_delegations"), int(delegations.size()));
    s.failures = intField(metrics, QStringLiteral("total_failures"), failed);
    s.unknownResults = intField(metrics, QStringLiteral("tool_unknown_results"), 0);
    s.turns = intField(metrics, QStringLiteral("turns"),
                       int(session.value(QStringLiteral("turns")).toArray().size()));
    const QJsonValue total = metrics.value(QStringLiteral("token_usage"))
                                 .toObject()
                                 .value(QStringLiteral("total_tokens"));
    if (total.isDouble())
        s.totalTokens = qint64(total.toDouble());

    s.workingDirectory = session.value(QStringLiteral("working_directory")).toString();
    if (s.workingDirectory.isEmpty())
        s.workingDirectory = metadata.value(QStringLiteral("project_root")).toString();
    s.gitBranch = metadata.value(QStringLiteral("git_branch")).toString();
    if (s.gitBranch.isEmpty())
        s.gitBranch = session.value(QStringLiteral("git_branch")).toString();
    return s;
}

QDateTime SessionSummary::parseTime(const QString& text)
{
    QString t = text.trimmed();
    if (t.isEmpty())
        return {};
    // A fallback path in the hook handler appends "Z" to a time that already has an offset.
    static const QRegularExpression offsetThenZ(QStringLiteral("[+-]\\d{2}:?\\d{2}Z$"));
    if (offsetThenZ.match(t).hasMatch())
        t.chop(1);
    if (t.size() > 10 && t.at(10) == QLatin1Char(' '))
        t[10] = QLatin1Char('T');
    QDateTime d = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!d.isValid())
        return {};
    if (d.timeSpec() == Qt::LocalTime)
        d.setTimeSpec(Qt::UTC); // Python's naive isoformat() is UTC in practice
    return d.toUTC();
}

bool SessionSummary::isEnded() const
{
    return status == QLatin1String("completed") || status == QLatin1String("timed_out") ||
           status == QLatin1String("stopped");
}

static QString timeToJson(const QDateTime& d)
{
    return d.isValid() ? d.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject SessionSummary::toJson() const
{
    QJsonObject o{{QStringLiteral("session_id"), sessionId},
                  {QStringLiteral("start_time"), timeToJson(startTime)},
                  {QStringLiteral("end_time"), timeToJson(endTime)},
                  {QStringLiteral("status"), status},
                  {QStringLiteral("total_events"), totalEvents},
                  {QStringLiteral("tool_calls"), toolCalls},
                  {QStringLiteral("delegations"), delegations},
                  {QStringLiteral("failures"), failures},
                  {QStringLiteral("unknown_results"), unknownResults},
                  {QStringLiteral("turns"), turns},
                  {QStringLiteral("total_tokens"),
                   totalTokens >= 0 ? QJsonValue(totalTokens) : QJsonValue(QJsonValue::Null)},
                  {QStringLiteral("working_directory"), workingDirectory},
                  {QStringLiteral("git_branch"), gitBranch},
                  {QStringLiteral("compressed"), compressed}};
    if (damaged) {
        o.insert(QStringLiteral("damaged"), true);
        o.insert(QStringLiteral("error"), error);
    }
    return o;
}

} // namespace ea
