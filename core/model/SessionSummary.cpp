#include "model/SessionSummary.h"

#include "model/ToolOperation.h"
#include "json/JsonFields.h"
#include "json/JsonParser.h"

#include <QJsonDocument>
#include <QRegularExpression>

#include <string>
#include <unordered_set>

namespace ea {

namespace {

using json::arrayAt;
using json::memberAt;
using json::stringAt;

// Failed tool calls, each once: a delegation lists its calls again beside the session's list
// (our files), or only there (older files).
void collectFailedOperations(const simdjson::dom::array& operations,
                             std::unordered_set<std::string>* failed)
{
    for (const simdjson::dom::element op : operations) {
        if (ToolOperation::outcomeOf(op) == ToolOperation::Outcome::Failure)
            failed->insert(simdjson::minify(op));
    }
}

} // namespace

SessionSummary SessionSummary::fromDocument(const simdjson::dom::element& session)
{
    SessionSummary s;
    s.sessionId = stringAt(session, "session_id");
    s.startTime = parseTime(stringAt(session, "start_time"));
    s.endTime = parseTime(stringAt(session, "end_time"));
    s.status = stringAt(session, "status");
    // The Python aggregator wrote no status and saved sessions only once they had ended.
    if (s.status.isEmpty() && s.endTime.isValid())
        s.status = QStringLiteral("completed");

    // A default element reads no memory it could check: absent ones are never read.
    simdjson::dom::element metrics, metadata;
    const bool hasMetrics = memberAt(session, "metrics", &metrics);
    const bool hasMetadata = memberAt(session, "metadata", &metadata);
    const auto metric = [&](std::string_view key, int fallback) {
        return hasMetrics ? json::intAt(metrics, key, fallback) : fallback;
    };
    simdjson::dom::array delegations;
    const bool hasDelegations = arrayAt(session, "delegations", &delegations);
    simdjson::dom::array topLevelOps;
    int operations = 0;
    std::unordered_set<std::string> failedOps;
    if (arrayAt(session, "tool_operations", &topLevelOps)) {
        operations = int(topLevelOps.size());
        collectFailedOperations(topLevelOps, &failedOps);
    }
    int failed = 0;
    if (hasDelegations) {
        for (const simdjson::dom::element delegation : delegations) {
            simdjson::dom::array ops;
            if (arrayAt(delegation, "tool_operations", &ops)) {
                operations += int(ops.size());
                collectFailedOperations(ops, &failedOps);
            }
            if (json::boolAt(delegation, "success") == false)
                ++failed;
        }
    }
    failed += int(failedOps.size());

    s.totalEvents = metric("total_events", int(json::arraySizeAt(session, "events")));
    s.toolCalls = metric("total_tool_calls", operations);
    s.delegations = metric("total_delegations", hasDelegations ? int(delegations.size()) : 0);
    s.failures = metric("total_failures", failed);
    s.unknownResults = metric("tool_unknown_results", 0);
    s.turns = metric("turns", int(json::arraySizeAt(session, "turns")));
    simdjson::dom::element usage;
    if (hasMetrics && memberAt(metrics, "token_usage", &usage)) {
        if (const std::optional<double> total = json::numberAt(usage, "total_tokens"))
            s.totalTokens = qint64(*total);
    }

    s.workingDirectory = stringAt(session, "working_directory");
    if (s.workingDirectory.isEmpty() && hasMetadata)
        s.workingDirectory = stringAt(metadata, "project_root");
    if (hasMetadata)
        s.gitBranch = stringAt(metadata, "git_branch");
    if (s.gitBranch.isEmpty())
        s.gitBranch = stringAt(session, "git_branch");
    return s;
}

SessionSummary SessionSummary::fromDocument(const QJsonObject& session)
{
    return fromText(QJsonDocument(session).toJson(QJsonDocument::Compact));
}

SessionSummary SessionSummary::fromText(QByteArrayView text)
{
    // Its own parser, sized to the text: a session file may be far bigger than one payload.
    JsonParser parser(std::max<qsizetype>(text.size(), 1));
    if (parser.parse(text) != JsonParser::Status::Ok)
        return {};
    return fromDocument(parser.root());
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
