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

// The fields of a summary; eventCount: the number of events when the array is not in
// `session` (counted by the caller), else its size.
SessionSummary read(const simdjson::dom::element& session, std::optional<int> eventCount)
{
    using S = SessionSummary;
    SessionSummary s;
    s.sessionId = stringAt(session, "session_id");
    s.startTime = S::parseTime(stringAt(session, "start_time"));
    s.endTime = S::parseTime(stringAt(session, "end_time"));
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

    s.totalEvents =
        metric("total_events", eventCount.value_or(int(json::arraySizeAt(session, "events"))));
    s.toolCalls = metric("total_tool_calls", operations);
    s.delegations = metric("total_delegations", hasDelegations ? int(delegations.size()) : 0);
    s.failures = metric("total_failures", failed);
    s.unknownResults = metric("tool_unknown_results", 0);
    s.turns = metric("turns", int(json::arraySizeAt(session, "turns")));
    simdjson::dom::element usage;
    if (hasMetrics && memberAt(metrics, "token_usage", &usage)) {
        if (const std::optional<qint64> total = json::int64At(usage, "total_tokens"))
            s.totalTokens = *total;
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

// Its own parser, sized to the text: a session file may be far bigger than one payload.
SessionSummary readText(QByteArrayView text, std::optional<int> eventCount)
{
    JsonParser parser(std::max<qsizetype>(text.size(), 1));
    if (parser.parse(text) != JsonParser::Status::Ok)
        return {};
    return read(parser.root(), eventCount);
}

} // namespace

SessionSummary SessionSummary::fromDocument(const simdjson::dom::element& session)
{
    return read(session, std::nullopt);
}

SessionSummary SessionSummary::fromDocument(const QJsonObject& session)
{
    // Read without the events, which are counted: written out as text and parsed again they
    // were most of the cost for a big session (the detail view reads its summary this way).
    QJsonObject head;
    for (auto it = session.begin(); it != session.end(); ++it) {
        if (it.key() != QLatin1String("events"))
            head.insert(it.key(), it.value());
    }
    const QJsonValue events = session.value(QLatin1String("events"));
    return readText(QJsonDocument(head).toJson(QJsonDocument::Compact),
                    int(events.isArray() ? events.toArray().size() : 0));
}

SessionSummary SessionSummary::fromText(QByteArrayView text)
{
    return readText(text, std::nullopt);
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
