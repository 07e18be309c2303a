#include "RecordedStream.h"
#include "aggregation/AgentSession.h"
#include "ingest/Deduplicator.h"
#include "ingest/EventNormalizer.h"
#include "util/IsoTime.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <algorithm>
#include <map>
#include <random>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace ea;

namespace {

using SessionMap = std::map<QString, AgentSession>;

// Replays a recording the way the aggregator will: normalize, drop duplicates, route by id.
// Events naming no session are not session events (the aggregator attributes them later).
SessionMap aggregate(const QList<RecordedEvent>& lines, Deduplicator& dedup, int* dropped = nullptr)
{
    SessionMap sessions;
    for (const RecordedEvent& line : lines) {
        const NormalizeResult r = EventNormalizer::normalize(line.name, line.payload,
                                                             RecordedStream::receivedAt(line.line));
        for (const ClaudeEvent& e : r.events) {
            if (!e.hasSession())
                continue;
            if (!dedup.insert(e)) {
                if (dropped)
                    ++*dropped;
                continue;
            }
            sessions.try_emplace(e.sessionId, e.sessionId).first->second.addEvent(e);
        }
    }
    return sessions;
}

QStringList strings(const QJsonValue& v)
{
    QStringList list;
    for (const QJsonValue& item : v.toArray())
        list.append(item.toString());
    return list;
}

const QDateTime kStart(QDate(2026, 7, 27), QTime(9, 0), Qt::UTC);

// Hand-made events in the current server's shape; `ms` is the offset from kStart.
ClaudeEvent make(const char* subtype, qint64 ms, QJsonObject data = {}, const QString& corr = {},
                 const QString& session = QStringLiteral("hand"))
{
    data.insert(QStringLiteral("session_id"), session);
    if (!corr.isEmpty())
        data.insert(QStringLiteral("correlation_id"), corr);
    QJsonObject top{{QStringLiteral("type"), QStringLiteral("hook_event")},
                    {QStringLiteral("subtype"), QString::fromLatin1(subtype)},
                    {QStringLiteral("session_id"), session},
                    {QStringLiteral("timestamp"), IsoTime::toString(kStart.addMSecs(ms))},
                    {QStringLiteral("data"), data}};
    if (!corr.isEmpty())
        top.insert(QStringLiteral("correlation_id"), corr);
    const NormalizeResult r = EventNormalizer::normalize(
        QStringLiteral("hook_event"), QJsonDocument(top).toJson(QJsonDocument::Compact), kStart);
    return r.events.value(0);
}

ClaudeEvent pre(const QString& tool, qint64 ms, const QString& corr = {}, const QString& file = {})
{
    QJsonObject params{{QStringLiteral("input_type"), QStringLiteral("dict")}};
    if (!file.isEmpty())
        params.insert(QStringLiteral("file_path"), file);
    return make("pre_tool", ms,
                {{QStringLiteral("tool_name"), tool}, {QStringLiteral("tool_parameters"), params}},
                corr);
}

ClaudeEvent post(const QString& tool, qint64 ms, const QString& corr = {}, bool success = true)
{
    return make(
        "post_tool", ms,
        {{QStringLiteral("tool_name"), tool},
         {QStringLiteral("success"), success},
         {QStringLiteral("exit_code"), success ? 0 : 1},
         {QStringLiteral("status"), success ? QStringLiteral("success") : QStringLiteral("error")},
         {QStringLiteral("result_summary"), QJsonObject{{QStringLiteral("has_output"), true}}}},
        corr);
}

ClaudeEvent task(const QString& agent, qint64 ms, const QString& corr = {})
{
    return make("pre_tool", ms,
                {{QStringLiteral("tool_name"), QStringLiteral("Task")},
                 {QStringLiteral("delegation_details"),
                  QJsonObject{{QStringLiteral("agent_type"), agent},
                              {QStringLiteral("description"), agent + QStringLiteral(" work")},
                              {QStringLiteral("prompt"), QStringLiteral("Please ") + agent}}}},
                corr);
}

ClaudeEvent taskResult(qint64 ms, const QString& corr = {}, bool success = true)
{
    return make("post_tool", ms,
                {{QStringLiteral("tool_name"), QStringLiteral("Task")},
                 {QStringLiteral("success"), success}},
                corr);
}

ClaudeEvent subagentStop(const QString& agent, qint64 ms,
                         const QString& results = QStringLiteral("done"))
{
    return make(
        "subagent_stop", ms,
        {{QStringLiteral("agent_type"), agent},
         {QStringLiteral("is_successful_completion"), true},
         {QStringLiteral("structured_response"),
          QJsonObject{{QStringLiteral("results"), results},
                      {QStringLiteral("files_modified"), QJsonArray{QStringLiteral("/r/x.py")}}}}});
}

} // namespace

class tst_AgentSession : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("ea.*.debug=false")); }
    void samplesMatchTruth_data();
    void samplesMatchTruth();
    void samplesPairToolsByCorrelationId();
    void samplesRoundTripThroughJson_data();
    void samplesRoundTripThroughJson();
    void historyReplayDoesNotCountTwice();
    void parallelSameToolByCorrelationId();
    void sameToolWithoutIdsPairsOldestFirstWithinAgent();
    void outOfOrderResultBeforeCall();
    void outOfOrderWithoutIds();
    void orphanResultIsFlagged();
    void nestedDelegations();
    void parallelSiblingDelegations();
    void openDelegationAtCompletionAndReopen();
    void failedDelegation();
    void toolFailuresAndFileMetrics();
    void captureFilterCountsInsteadOfStoring();
    void todosAndMemoryGoToTheirDelegation();
    void sessionFacts();
    void unattributedEventJoinsSession();
    void eventAtRebuildsTheEvent();
    void jsonLayout();
    void jsonRoundTripKeepsStateAndContinues();
    void fromJsonReadsPythonAggregatorFiles();
    void fromJsonRejectsBadInput();
    void statusNames();
#ifndef EA_TESTS_SANITIZED // ASan's allocator has its own statistics: glibc's say nothing there
    void heldMemoryPerEvent();
#endif
    void stopEndsTheTurnAndCompanionsJoinIt();
    void newTurnReopensACompletedSession();
    void callWithoutResultClosesUnknownAtItsTurnEnd();
    void lateResultAfterTheTurnStillCounts();
    void subagentStopReasonUnknownIsNoFailure();
    void subagentStartBeforeItsTaskJoinsIt();
    void tokensPerTurnFromRunningSums();
    void hookExecutionFoldsIntoOverhead();
    void arrivalOrderLeavesNoTrace_data();
    void arrivalOrderLeavesNoTrace();
    void outOfOrderAllTheTimeStaysCheap();
    void namesCountTogetherWhateverTheirOrigin();
    void sameMillisecondFollowsHookOrder();
};

void tst_AgentSession::samplesMatchTruth_data()
{
    QTest::addColumn<QString>("stem");
    QTest::newRow("current") << "current-server";
    QTest::newRow("legacy") << "legacy-server";
    QTest::newRow("seed") << "seed-format";
    QTest::newRow("hostile") << "hostile";
}

void tst_AgentSession::samplesMatchTruth()
{
    QFETCH(QString, stem);
    const QList<RecordedEvent> lines = RecordedStream::load(stem + QStringLiteral(".jsonl"));
    const QJsonObject truth = RecordedStream::truth(stem + QStringLiteral(".truth.json"));
    QVERIFY(!lines.isEmpty());
    QCOMPARE(lines.size(), truth.value(QStringLiteral("lines")).toInt());
    Deduplicator dedup;
    int dropped = 0;
    const SessionMap sessions = aggregate(lines, dedup, &dropped);
    QCOMPARE(dropped, 0);

    const QJsonArray expected = truth.value(QStringLiteral("sessions")).toArray();
    QCOMPARE(int(sessions.size()), int(expected.size())); // no "srv" from the welcome, no "42"
    for (const QJsonValue& v : expected) {
        const QJsonObject t = v.toObject();
        const QString id = t.value(QStringLiteral("session_id")).toString();
        const auto it = sessions.find(id);
        QVERIFY2(it != sessions.end(), qPrintable(id.left(40)));
        const AgentSession& s = it->second;
        const QMap<QString, int> counts = s.eventCounts();
        const auto check = [&](const char* key, int actual) {
            const int want = t.value(QLatin1String(key)).toInt();
            if (actual != want)
                qWarning("%s %s: %s is %d, truth says %d", qPrintable(stem),
                         qPrintable(id.left(20)), key, actual, want);
            return actual == want;
        };
        QVERIFY(check("events", s.totalEvents()));
        QVERIFY(check("prompts", counts.value(QStringLiteral("user_prompt"))));
        QVERIFY(check("tool_ops", int(s.toolOperations().size())));
        QVERIFY(check("tool_failures", s.toolFailures()));
        QVERIFY(check("delegations", int(s.delegations().size())));
        QVERIFY(check("stops", counts.value(QStringLiteral("stop"))));
        QVERIFY(check("todos", counts.value(QStringLiteral("todo_updated"))));
        QVERIFY(check("responses", counts.value(QStringLiteral("assistant_response"))));
        QVERIFY(check("notifications", counts.value(QStringLiteral("notification"))));
        QCOMPARE(s.agentsUsed(), strings(t.value(QStringLiteral("agents"))));
        QCOMPARE(s.filesModified(), strings(t.value(QStringLiteral("files_modified"))));
        QCOMPARE(s.filesRead(), strings(t.value(QStringLiteral("files_read"))));
        QCOMPARE(s.sessionEndSeen(), t.value(QStringLiteral("ended")).toBool());

        // Every call found its result and every delegation its end.
        QCOMPARE(s.orphanResults(), 0);
        for (const ToolOperation& op : s.toolOperations()) {
            QVERIFY(op.isFinished());
            QVERIFY(op.durationMs >= 0);
            QVERIFY(!EventCategory::isDelegationTool(op.toolName));
        }
        for (const Delegation& d : s.delegations()) {
            QVERIFY(!d.isOpen());
            QVERIFY(d.completed);
            QVERIFY(d.subagentStopped);
            QVERIFY(d.resultReceived);
            QVERIFY(!d.taskDescription.isEmpty());
            QVERIFY(!d.prompt.isEmpty());
            QCOMPARE(d.response, QStringLiteral("done"));
            for (const int opIndex : d.toolOperations)
                QCOMPARE(s.toolOperations().at(opIndex).agentType, d.agentType);
        }
        QCOMPARE(s.openDelegationCount(), 0);

        // The saved layout agrees with the accessors.
        const QJsonObject json = s.toJson();
        const QJsonObject metrics = json.value(QStringLiteral("metrics")).toObject();
        QCOMPARE(metrics.value(QStringLiteral("total_events")).toInt(),
                 t.value(QStringLiteral("events")).toInt());
        QCOMPARE(json.value(QStringLiteral("events")).toArray().size(),
                 t.value(QStringLiteral("events")).toInt());
        QCOMPARE(metrics.value(QStringLiteral("total_tool_calls")).toInt(),
                 t.value(QStringLiteral("tool_ops")).toInt());
        QCOMPARE(metrics.value(QStringLiteral("total_delegations")).toInt(),
                 t.value(QStringLiteral("delegations")).toInt());
        QCOMPARE(metrics.value(QStringLiteral("tool_failures")).toInt(),
                 t.value(QStringLiteral("tool_failures")).toInt());
        QCOMPARE(strings(metrics.value(QStringLiteral("files_read"))),
                 strings(t.value(QStringLiteral("files_read"))));
    }
}

void tst_AgentSession::samplesPairToolsByCorrelationId()
{
    // Read the recording independently: correlation id -> (pre time, post time).
    const QList<RecordedEvent> lines = RecordedStream::load(QStringLiteral("current-server.jsonl"));
    QHash<QString, QPair<QDateTime, QDateTime>> expected;
    for (const RecordedEvent& line : lines) {
        const QJsonObject p = QJsonDocument::fromJson(line.payload).object();
        const QString subtype = p.value(QStringLiteral("subtype")).toString();
        const QString corr = p.value(QStringLiteral("correlation_id")).toString();
        const QDateTime at = EventNormalizer::parseTimestamp(p.value(QStringLiteral("timestamp")))
                                 .value_or(QDateTime());
        if (subtype == u"pre_tool")
            expected[corr].first = at;
        else if (subtype == u"post_tool")
            expected[corr].second = at;
    }
    Deduplicator dedup;
    const SessionMap sessions = aggregate(lines, dedup);
    int checked = 0;
    for (const auto& [id, session] : sessions) {
        for (const ToolOperation& op : session.toolOperations()) {
            QVERIFY(expected.contains(op.correlationId));
            QCOMPARE(op.startTime, expected.value(op.correlationId).first);
            QCOMPARE(op.endTime, expected.value(op.correlationId).second);
            QCOMPARE(session.eventAt(op.postEvent).correlationId, op.correlationId);
            ++checked;
        }
    }
    // The recording has parallel Read calls whose results come back in reverse order: pairing
    // by tool name would have swapped their times and failed above.
    QCOMPARE(checked, 62);
}

void tst_AgentSession::samplesRoundTripThroughJson_data()
{
    samplesMatchTruth_data();
}

void tst_AgentSession::samplesRoundTripThroughJson()
{
    QFETCH(QString, stem);
    Deduplicator dedup;
    const SessionMap sessions =
        aggregate(RecordedStream::load(stem + QStringLiteral(".jsonl")), dedup);
    QVERIFY(!sessions.empty());
    for (const auto& [id, session] : sessions) {
        const QJsonObject saved = session.toJson();
        // Through bytes, as the store writes and reads them.
        const QJsonObject reread =
            QJsonDocument::fromJson(QJsonDocument(saved).toJson(QJsonDocument::Compact)).object();
        QString error;
        const std::optional<AgentSession> reopened = AgentSession::fromJson(reread, &error);
        QVERIFY2(reopened, qPrintable(error));
        QCOMPARE(reopened->sessionId(), id);
        QCOMPARE(reopened->toJson(), saved);
        QCOMPARE(reopened->eventIdentities().size(), session.eventIdentities().size());
        const QList<quint64> identities = session.eventIdentities();
        const QSet<quint64> before(identities.cbegin(), identities.cend());
        for (const quint64 identity : reopened->eventIdentities())
            QVERIFY(before.contains(identity));
    }
}

void tst_AgentSession::historyReplayDoesNotCountTwice()
{
    const QList<RecordedEvent> lines = RecordedStream::load(QStringLiteral("legacy-server.jsonl"));
    Deduplicator dedup;
    SessionMap sessions = aggregate(lines, dedup);
    const QJsonObject before =
        sessions.at(QStringLiteral("d95bafc8-f2a4-d27b-dcf4-bb99f4bea973")).toJson();

    // Reconnect: the legacy server sends its last 50 events as a history batch.
    QByteArray history = "{\"events\":[";
    for (qsizetype i = lines.size() - 50; i < lines.size(); ++i)
        history += lines.at(i).payload + ',';
    history.chop(1);
    history += "],\"count\":50,\"total_available\":152}";
    const NormalizeResult replay =
        EventNormalizer::normalize(QStringLiteral("history"), history, kStart.addDays(1));
    QCOMPARE(replay.events.size(), 50);
    int dropped = 0;
    for (const ClaudeEvent& e : replay.events) {
        if (!dedup.insert(e)) {
            ++dropped;
            continue;
        }
        sessions.at(e.sessionId).addEvent(e);
    }
    QCOMPARE(dropped, 50);
    QCOMPARE(sessions.at(QStringLiteral("d95bafc8-f2a4-d27b-dcf4-bb99f4bea973")).toJson(), before);
}

void tst_AgentSession::parallelSameToolByCorrelationId()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(task(QStringLiteral("research"), 0, QStringLiteral("T")));
    s.addEvent(pre(QStringLiteral("Read"), 100, QStringLiteral("A"), QStringLiteral("/a")));
    s.addEvent(pre(QStringLiteral("Read"), 110, QStringLiteral("B"), QStringLiteral("/b")));
    s.addEvent(post(QStringLiteral("Read"), 150, QStringLiteral("B")));
    s.addEvent(post(QStringLiteral("Read"), 900, QStringLiteral("A")));
    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 2);
    QCOMPARE(ops.at(0).correlationId, QStringLiteral("A"));
    QCOMPARE(ops.at(0).filePath, QStringLiteral("/a"));
    QCOMPARE(ops.at(0).durationMs, 800);
    QCOMPARE(ops.at(1).correlationId, QStringLiteral("B"));
    QCOMPARE(ops.at(1).durationMs, 40);
    QCOMPARE(ops.at(0).agentType, QStringLiteral("research"));
    QCOMPARE(s.delegations().at(0).toolOperations, QList<int>({0, 1}));
    QCOMPARE(s.toolDurationMaxMs().value(), 800);
    QCOMPARE(s.toolDurationP50Ms().value(), 40);
}

void tst_AgentSession::sameToolWithoutIdsPairsOldestFirstWithinAgent()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(pre(QStringLiteral("Bash"), 0)); // main agent
    s.addEvent(task(QStringLiteral("engineer"), 10));
    s.addEvent(pre(QStringLiteral("Bash"), 20));  // engineer
    s.addEvent(pre(QStringLiteral("Bash"), 30));  // engineer
    s.addEvent(post(QStringLiteral("Bash"), 40)); // engineer's oldest (20)
    s.addEvent(subagentStop(QStringLiteral("engineer"), 50));
    s.addEvent(taskResult(60));
    s.addEvent(post(QStringLiteral("Bash"), 70)); // back in main: the call at 0
    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 3);
    QCOMPARE(ops.at(0).agentType, QStringLiteral("main"));
    QCOMPARE(ops.at(0).durationMs, 70);
    QCOMPARE(ops.at(1).agentType, QStringLiteral("engineer"));
    QCOMPARE(ops.at(1).durationMs, 20);
    QVERIFY(!ops.at(2).isFinished()); // the engineer's second call never reported back
    QCOMPARE(s.orphanResults(), 0);
}

void tst_AgentSession::outOfOrderResultBeforeCall()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(make("user_prompt", 0, {{QStringLiteral("prompt_text"), QStringLiteral("go")}}));
    s.addEvent(post(QStringLiteral("Grep"), 500, QStringLiteral("G")));
    QCOMPARE(s.orphanResults(), 1);
    s.addEvent(pre(QStringLiteral("Grep"), 200, QStringLiteral("G")));
    QCOMPARE(s.orphanResults(), 0);
    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 1);
    QVERIFY(!ops.first().orphan);
    QCOMPARE(ops.first().startTime, kStart.addMSecs(200));
    QCOMPARE(ops.first().endTime, kStart.addMSecs(500));
    QCOMPARE(ops.first().durationMs, 300);
    QCOMPARE(s.toolCounts().value(QStringLiteral("Grep")), 1);
    QVERIFY(s.possibleGaps().isEmpty());

    // Saved events are in time order whatever the arrival order.
    const QJsonArray events = s.toJson().value(QStringLiteral("events")).toArray();
    QStringList types;
    for (const QJsonValue& e : events)
        types.append(e.toObject().value(QStringLiteral("event_type")).toString());
    QCOMPARE(types, QStringList({QStringLiteral("user_prompt"), QStringLiteral("pre_tool"),
                                 QStringLiteral("post_tool")}));
    QCOMPARE(s.startTime(), kStart);
    QCOMPARE(s.lastEventTime(), kStart.addMSecs(500));
    QCOMPARE(s.eventAt(1).subtype, QStringLiteral("post_tool")); // arrival order kept
}

void tst_AgentSession::outOfOrderWithoutIds()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(post(QStringLiteral("Glob"), 300));
    // A later call of the same tool cannot have produced an earlier result.
    s.addEvent(pre(QStringLiteral("Glob"), 400));
    QCOMPARE(s.orphanResults(), 1);
    s.addEvent(pre(QStringLiteral("Glob"), 100));
    QCOMPARE(s.orphanResults(), 0);
    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 2);
    QCOMPARE(ops.at(0).durationMs, 200);
    QVERIFY(!ops.at(1).isFinished());
}

void tst_AgentSession::orphanResultIsFlagged()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(post(QStringLiteral("Bash"), 1000, QStringLiteral("lost"), false));
    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 1);
    QVERIFY(ops.first().orphan);
    QVERIFY(!ops.first().startTime.isValid());
    QCOMPARE(ops.first().durationMs, -1);
    QCOMPARE(ops.first().exitCode.value(), 1);
    QCOMPARE(ops.first().error, QStringLiteral("error"));
    QCOMPARE(s.toolFailures(), 1);
    QCOMPARE(s.orphanResults(), 1);
    QVERIFY(!s.toolDurationMaxMs());
    const QList<AgentSession::PossibleGap> gaps = s.possibleGaps();
    QCOMPARE(gaps.size(), 1);
    QVERIFY(gaps.first().derived);
    QCOMPARE(gaps.first().to, kStart.addMSecs(1000));
    QVERIFY(gaps.first().reason.contains(QLatin1String("Bash")));

    const QJsonObject json = s.toJson();
    const QJsonObject op =
        json.value(QStringLiteral("tool_operations")).toArray().first().toObject();
    QCOMPARE(op.value(QStringLiteral("orphan")).toBool(), true);
    QVERIFY(op.value(QStringLiteral("start_time")).isNull());
    QCOMPARE(json.value(QStringLiteral("metrics"))
                 .toObject()
                 .value(QStringLiteral("orphan_tool_results"))
                 .toInt(),
             1);
    QCOMPARE(json.value(QStringLiteral("capture"))
                 .toObject()
                 .value(QStringLiteral("possible_gaps"))
                 .toArray()
                 .size(),
             1);
}

void tst_AgentSession::nestedDelegations()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(task(QStringLiteral("engineer"), 0, QStringLiteral("T1")));
    s.addEvent(make("subagent_start", 5,
                    {{QStringLiteral("agent_type"), QStringLiteral("engineer")},
                     {QStringLiteral("agent_id"), QStringLiteral("eng_1")}}));
    s.addEvent(pre(QStringLiteral("Read"), 10, QStringLiteral("R1"), QStringLiteral("/r/a.py")));
    s.addEvent(post(QStringLiteral("Read"), 20, QStringLiteral("R1")));
    s.addEvent(task(QStringLiteral("qa"), 30, QStringLiteral("T2")));
    s.addEvent(pre(QStringLiteral("Bash"), 40, QStringLiteral("B1")));
    s.addEvent(post(QStringLiteral("Bash"), 50, QStringLiteral("B1")));
    s.addEvent(subagentStop(QStringLiteral("qa"), 60, QStringLiteral("qa ok")));
    s.addEvent(taskResult(70, QStringLiteral("T2")));
    s.addEvent(pre(QStringLiteral("Edit"), 80, QStringLiteral("E1"), QStringLiteral("/r/b.py")));
    s.addEvent(post(QStringLiteral("Edit"), 90, QStringLiteral("E1")));
    s.addEvent(subagentStop(QStringLiteral("engineer"), 100, QStringLiteral("eng ok")));
    s.addEvent(taskResult(110, QStringLiteral("T1")));
    s.addEvent(pre(QStringLiteral("Read"), 120, QStringLiteral("R2"), QStringLiteral("/r/c.py")));
    s.addEvent(post(QStringLiteral("Read"), 130, QStringLiteral("R2")));

    const QList<Delegation> ds = s.delegations();
    QCOMPARE(ds.size(), 2);
    QCOMPARE(ds.at(0).agentType, QStringLiteral("engineer"));
    QCOMPARE(ds.at(0).parent, -1);
    QCOMPARE(ds.at(0).depth, 0);
    QCOMPARE(ds.at(0).agentId, QStringLiteral("eng_1"));
    QVERIFY(ds.at(0).subagentStarted);
    QCOMPARE(ds.at(0).endTime, kStart.addMSecs(100)); // the SubagentStop, not the later result
    QCOMPARE(ds.at(0).durationMs(), 100);
    QCOMPARE(ds.at(0).response, QStringLiteral("eng ok"));
    QCOMPARE(ds.at(0).taskDescription, QStringLiteral("engineer work"));
    QCOMPARE(ds.at(0).prompt, QStringLiteral("Please engineer"));
    QCOMPARE(ds.at(1).agentType, QStringLiteral("qa"));
    QCOMPARE(ds.at(1).parent, 0);
    QCOMPARE(ds.at(1).depth, 1);
    QCOMPARE(ds.at(1).response, QStringLiteral("qa ok"));
    QVERIFY(ds.at(0).completed && ds.at(1).completed && ds.at(0).resultReceived &&
            ds.at(1).resultReceived);

    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 4);
    QCOMPARE(ops.at(0).agentType, QStringLiteral("engineer"));
    QCOMPARE(ops.at(1).agentType, QStringLiteral("qa"));
    QCOMPARE(ops.at(2).agentType, QStringLiteral("engineer"));
    QCOMPARE(ops.at(3).agentType, QStringLiteral("main"));
    QCOMPARE(ds.at(0).toolOperations, QList<int>({0, 2}));
    QCOMPARE(ds.at(1).toolOperations, QList<int>({1}));
    QCOMPARE(ds.at(0).fileChanges,
             QStringList({QStringLiteral("/r/b.py"), QStringLiteral("/r/x.py")}));

    // Agent context per event: the Task call belongs to its caller, the stop to the stopping agent.
    QStringList contexts;
    for (qsizetype i = 0; i < s.eventCount(); ++i)
        contexts.append(s.eventAgentContext(i));
    QCOMPARE(contexts,
             QStringList({"", "engineer", "engineer", "engineer", "engineer", "qa", "qa", "qa",
                          "engineer", "engineer", "engineer", "engineer", "", "", ""}));
    QCOMPARE(s.agentsUsed(), QStringList({QStringLiteral("engineer"), QStringLiteral("qa")}));

    const QJsonArray json = s.toJson().value(QStringLiteral("delegations")).toArray();
    QCOMPARE(json.at(1).toObject().value(QStringLiteral("parent")).toInt(), 0);
    QVERIFY(json.at(0).toObject().value(QStringLiteral("parent")).isNull());
    QCOMPARE(json.at(0).toObject().value(QStringLiteral("tool_operations")).toArray().size(), 2);
    QCOMPARE(json.at(0).toObject().value(QStringLiteral("duration_ms")).toInt(), 100);
}

void tst_AgentSession::parallelSiblingDelegations()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(task(QStringLiteral("engineer"), 0, QStringLiteral("T1")));
    s.addEvent(task(QStringLiteral("research"), 1, QStringLiteral("T2")));
    QCOMPARE(s.openDelegationCount(), 2);
    // The engineer finishes first: the research agent keeps running.
    s.addEvent(subagentStop(QStringLiteral("engineer"), 50));
    QCOMPARE(s.openDelegationCount(), 1);
    s.addEvent(taskResult(51, QStringLiteral("T1")));
    s.addEvent(pre(QStringLiteral("WebFetch"), 60, QStringLiteral("W")));
    s.addEvent(post(QStringLiteral("WebFetch"), 70, QStringLiteral("W")));
    s.addEvent(subagentStop(QStringLiteral("research"), 80));
    s.addEvent(taskResult(81, QStringLiteral("T2")));
    const QList<Delegation> ds = s.delegations();
    QCOMPARE(ds.at(0).endTime, kStart.addMSecs(50));
    QCOMPARE(ds.at(1).endTime, kStart.addMSecs(80));
    QVERIFY(ds.at(0).completed && ds.at(1).completed);
    QCOMPARE(ds.at(1).parent, -1);
    QCOMPARE(s.eventAgentContext(1), QString()); // the second Task call was the main agent's
    QCOMPARE(s.toolOperations().first().agentType, QStringLiteral("research"));
}

void tst_AgentSession::openDelegationAtCompletionAndReopen()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(task(QStringLiteral("ops"), 0, QStringLiteral("T")));
    s.addEvent(pre(QStringLiteral("Bash"), 10, QStringLiteral("B")));
    s.setStatus(AgentSession::Status::TimedOut, QStringLiteral("idle for 30 minutes"));
    QCOMPARE(s.status(), AgentSession::Status::TimedOut);
    QCOMPARE(s.endTime(), kStart.addMSecs(10));

    Delegation d = s.delegations().first();
    QCOMPARE(d.endTime, kStart.addMSecs(10));
    QVERIFY(!d.completed);
    // Without a result: unknown, neither a success nor a failure.
    QCOMPARE(d.outcome(), ToolOperation::Outcome::Unknown);
    QVERIFY(d.error.isEmpty());
    ToolOperation op = s.toolOperations().first();
    QCOMPARE(op.outcome(), ToolOperation::Outcome::Unknown);
    QCOMPARE(op.endTime, kStart.addMSecs(10));
    QCOMPARE(op.durationMs, 0);
    QVERIFY(op.error.isEmpty());
    QCOMPARE(s.toolFailures(), 0); // no result reported a failure

    const QJsonObject json = s.toJson();
    QCOMPARE(json.value(QStringLiteral("status")).toString(), QStringLiteral("timed_out"));
    QCOMPARE(json.value(QStringLiteral("completion_reason")).toString(),
             QStringLiteral("idle for 30 minutes"));
    QCOMPARE(json.value(QStringLiteral("end_time")).toString(),
             IsoTime::toString(kStart.addMSecs(10)));

    // A late event reopens the record; the delegation had merely been waiting.
    s.addEvent(post(QStringLiteral("Bash"), 5000, QStringLiteral("B")));
    QCOMPARE(s.status(), AgentSession::Status::Active);
    QVERIFY(s.completionReason().isEmpty());
    QVERIFY(!s.endTime().isValid());
    QVERIFY(s.toolOperations().first().success);
    QVERIFY(s.delegations().first().isOpen());
    s.addEvent(subagentStop(QStringLiteral("ops"), 6000));
    s.setStatus(AgentSession::Status::Completed, QStringLiteral("session_end"), kStart.addSecs(10));
    d = s.delegations().first();
    QVERIFY(d.completed);
    QVERIFY(d.success);
    QCOMPARE(s.endTime(), kStart.addSecs(10));
    QCOMPARE(s.sessionDurationMs(), 10000);
}

void tst_AgentSession::failedDelegation()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(task(QStringLiteral("qa"), 0, QStringLiteral("T")));
    s.addEvent(make("subagent_stop", 10,
                    {{QStringLiteral("agent_type"), QStringLiteral("qa")},
                     {QStringLiteral("reason"), QStringLiteral("crashed")},
                     {QStringLiteral("is_successful_completion"), false},
                     {QStringLiteral("is_error_termination"), true}}));
    s.addEvent(taskResult(20, QStringLiteral("T"), false));
    const Delegation d = s.delegations().first();
    QVERIFY(d.completed);
    QVERIFY(!d.success);
    QCOMPARE(d.error, QStringLiteral("crashed"));
    // A second result for the same Task changes nothing.
    s.addEvent(taskResult(30, QStringLiteral("T")));
    QCOMPARE(s.delegations().first().endTime, kStart.addMSecs(10));
    QCOMPARE(s.delegations().size(), 1);
    QCOMPARE(s.totalEvents(), 4);
}

void tst_AgentSession::toolFailuresAndFileMetrics()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(pre(QStringLiteral("Read"), 0, QStringLiteral("1"), QStringLiteral("/ok.py")));
    s.addEvent(post(QStringLiteral("Read"), 10, QStringLiteral("1")));
    s.addEvent(pre(QStringLiteral("Read"), 20, QStringLiteral("2"), QStringLiteral("/missing.py")));
    s.addEvent(post(QStringLiteral("Read"), 50, QStringLiteral("2"), false));
    s.addEvent(pre(QStringLiteral("Edit"), 60, QStringLiteral("3"), QStringLiteral("/ro.py")));
    s.addEvent(post(QStringLiteral("Edit"), 90, QStringLiteral("3"), false));
    s.addEvent(pre(QStringLiteral("Write"), 100, QStringLiteral("4"), QStringLiteral("/new.py")));
    s.addEvent(post(QStringLiteral("Write"), 200, QStringLiteral("4")));
    s.addEvent(
        pre(QStringLiteral("MultiEdit"), 300, QStringLiteral("5"), QStringLiteral("/pending.py")));
    s.addEvent(pre(QStringLiteral("Bash"), 400, QStringLiteral("6")));
    s.addEvent(post(QStringLiteral("Bash"), 405, QStringLiteral("6")));
    QCOMPARE(s.filesRead(), QStringList({QStringLiteral("/ok.py")}));
    QCOMPARE(s.filesModified(),
             QStringList({QStringLiteral("/new.py"), QStringLiteral("/pending.py")}));
    QCOMPARE(s.toolFailures(), 2);
    QCOMPARE(s.toolCounts().value(QStringLiteral("Read")), 2);
    QCOMPARE(s.toolCounts().value(QStringLiteral("Bash")), 1);
    // Durations 10, 30, 30, 100, 5: median 30, longest 100; the pending call has none.
    QCOMPARE(s.toolDurationP50Ms().value(), 30);
    QCOMPARE(s.toolDurationMaxMs().value(), 100);
    QCOMPARE(s.categoryCount(EventCategory::File), 9);
    QCOMPARE(s.categoryCount(EventCategory::Tool), 2);

    const QJsonObject metrics = s.toJson().value(QStringLiteral("metrics")).toObject();
    QCOMPARE(metrics.value(QStringLiteral("total_file_operations")).toInt(), 5);
    QCOMPARE(metrics.value(QStringLiteral("tool_duration_p50_ms")).toInt(), 30);
    QCOMPARE(metrics.value(QStringLiteral("tool_duration_max_ms")).toInt(), 100);
    QCOMPARE(metrics.value(QStringLiteral("tool_counts"))
                 .toObject()
                 .value(QStringLiteral("Read"))
                 .toInt(),
             2);
    QCOMPARE(strings(metrics.value(QStringLiteral("tools_used"))),
             QStringList({"Bash", "Edit", "MultiEdit", "Read", "Write"}));
    QCOMPARE(metrics.value(QStringLiteral("events_by_category"))
                 .toObject()
                 .value(QStringLiteral("file"))
                 .toInt(),
             9);
    QCOMPARE(metrics.value(QStringLiteral("session_duration_ms")).toInt(), 405);
    const QJsonObject failed =
        s.toJson().value(QStringLiteral("tool_operations")).toArray().at(1).toObject();
    QCOMPARE(failed.value(QStringLiteral("success")).toBool(), false);
    QCOMPARE(failed.value(QStringLiteral("exit_code")).toInt(), 1);
    QCOMPARE(failed.value(QStringLiteral("input_data"))
                 .toObject()
                 .value(QStringLiteral("file_path"))
                 .toString(),
             QStringLiteral("/missing.py"));
    QCOMPARE(failed.value(QStringLiteral("output_data"))
                 .toObject()
                 .value(QStringLiteral("has_output"))
                 .toBool(),
             true);
}

void tst_AgentSession::captureFilterCountsInsteadOfStoring()
{
    CaptureFilter filter;
    filter.toolOperations = false;
    filter.userPrompts = false;
    AgentSession s(QStringLiteral("hand"), filter);
    QCOMPARE(s.addEvent(make("user_prompt", 0,
                             {{QStringLiteral("prompt_text"), QStringLiteral("secret")}})),
             AgentSession::AddResult::Filtered);
    QCOMPARE(s.addEvent(pre(QStringLiteral("Bash"), 10, QStringLiteral("b"))),
             AgentSession::AddResult::Filtered);
    QCOMPARE(s.addEvent(post(QStringLiteral("Bash"), 20, QStringLiteral("b"))),
             AgentSession::AddResult::Filtered);
    QCOMPARE(s.addEvent(pre(QStringLiteral("Read"), 30, QStringLiteral("r"), QStringLiteral("/f"))),
             AgentSession::AddResult::Stored); // file operations stay on
    QCOMPARE(s.addEvent(make("session_end", 40)), AgentSession::AddResult::Stored);

    QCOMPARE(s.totalEvents(), 2);
    QCOMPARE(s.filteredCount(EventCategory::Tool), 2);
    QCOMPARE(s.filteredCount(EventCategory::Prompt), 1);
    QCOMPARE(s.filteredTotal(), 3);
    QVERIFY(s.initialPrompt().isEmpty()); // a filtered prompt leaves no trace but its count
    QCOMPARE(s.toolOperations().size(), 1);
    QCOMPARE(s.startTime(), kStart); // filtered events still show the session was active

    const QJsonObject capture = s.toJson().value(QStringLiteral("capture")).toObject();
    QCOMPARE(
        capture.value(QStringLiteral("filtered")).toObject().value(QStringLiteral("tool")).toInt(),
        2);
    QCOMPARE(capture.value(QStringLiteral("filtered_total")).toInt(), 3);
    QCOMPARE(capture.value(QStringLiteral("switches"))
                 .toObject()
                 .value(QStringLiteral("tool_operations"))
                 .toBool(),
             false);
    QCOMPARE(CaptureFilter::fromJson(capture.value(QStringLiteral("switches")).toObject()), filter);

    // Meta events cannot be switched off.
    CaptureFilter none{false, false, false, false, false, false, false};
    for (const EventCategory::Value c : EventCategory::all())
        QCOMPARE(none.accepts(c), c == EventCategory::Meta);
}

void tst_AgentSession::todosAndMemoryGoToTheirDelegation()
{
    AgentSession s(QStringLiteral("hand"));
    const QJsonArray todos{QJsonObject{{QStringLiteral("content"), QStringLiteral("write tests")},
                                       {QStringLiteral("status"), QStringLiteral("pending")}}};
    s.addEvent(make("todo_updated", 0, {{QStringLiteral("todos"), todos}})); // main: no delegation
    s.addEvent(task(QStringLiteral("engineer"), 10, QStringLiteral("T")));
    s.addEvent(make("todo_updated", 20, {{QStringLiteral("todos"), todos}}));
    s.addEvent(
        make("pre_tool", 25,
             {{QStringLiteral("tool_name"), QStringLiteral("TodoWrite")},
              {QStringLiteral("tool_parameters"), QJsonObject{{QStringLiteral("todos"), todos}}}},
             QStringLiteral("TW")));
    s.addEvent(
        make("memory_updated", 30, {{QStringLiteral("agent_id"), QStringLiteral("engineer")}}));
    const Delegation d = s.delegations().first();
    QCOMPARE(d.todosModified.size(), 2);
    QCOMPARE(d.todosModified.at(0).toArray(), todos);
    QCOMPARE(d.memoryUpdates.size(), 1);
    QCOMPARE(s.categoryCount(EventCategory::Todo), 3);
    QCOMPARE(s.categoryCount(EventCategory::Memory), 1);
}

void tst_AgentSession::sessionFacts()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(make("session_start", 0,
                    {{QStringLiteral("working_directory"), QStringLiteral("/home/dev/p")},
                     {QStringLiteral("git_branch"), QStringLiteral("main")},
                     {QStringLiteral("launch_method"), QStringLiteral("cli")},
                     {QStringLiteral("pid"), 4242}}));
    s.addEvent(make("user_prompt", 10, {{QStringLiteral("prompt_text"), QStringLiteral("first")}}));
    s.addEvent(make("assistant_response", 20,
                    {{QStringLiteral("response_text"), QStringLiteral("one")},
                     {QStringLiteral("git_branch"), QStringLiteral("fix")}}));
    s.addEvent(
        make("user_prompt", 30, {{QStringLiteral("prompt_text"), QStringLiteral("second")}}));
    s.addEvent(
        make("assistant_response", 40, {{QStringLiteral("response_text"), QStringLiteral("two")}}));
    s.addEvent(make("session_end", 50));
    QCOMPARE(s.workingDirectory(), QStringLiteral("/home/dev/p"));
    QCOMPARE(s.gitBranch(), QStringLiteral("fix"));
    QCOMPARE(s.launchMethod(), QStringLiteral("cli"));
    QCOMPARE(s.initialPrompt(), QStringLiteral("first"));
    QCOMPARE(s.finalResponse(), QStringLiteral("two"));
    QVERIFY(s.sessionEndSeen());
    // The session end ended the turn the prompt opened: the session is complete.
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    QCOMPARE(s.completionReason(), QStringLiteral("session end"));
    const QJsonObject json = s.toJson();
    QCOMPARE(json.value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("claude_pid"))
                 .toInt(),
             4242);
    QCOMPARE(json.value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("git_branch"))
                 .toString(),
             QStringLiteral("fix"));
    QCOMPARE(json.value(QStringLiteral("end_time")).toString(),
             IsoTime::toString(kStart.addMSecs(50)));
    QCOMPARE(json.value(QStringLiteral("metrics"))
                 .toObject()
                 .value(QStringLiteral("session_duration_ms"))
                 .toInt(),
             50);

    // Raw Claude Code SessionStart: the launch method is its "source".
    AgentSession raw(QStringLiteral("raw"));
    raw.addEvent(
        EventNormalizer::normalize(
            QStringLiteral("claude_event"),
            R"({"hook_event_name":"SessionStart","session_id":"raw","source":"resume","cwd":"/r"})",
            kStart)
            .events.first());
    QCOMPARE(raw.launchMethod(), QStringLiteral("resume"));
    QCOMPARE(raw.workingDirectory(), QStringLiteral("/r"));
}

void tst_AgentSession::unattributedEventJoinsSession()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(
        make("user_prompt", 0, {{QStringLiteral("working_directory"), QStringLiteral("/w")}}));
    const ClaudeEvent ack =
        EventNormalizer::normalize(
            QStringLiteral("claude_event"),
            R"({"type":"claude_event","subtype":"command_acknowledged","data":{"working_directory":"/w"}})",
            kStart.addSecs(1))
            .events.first();
    QVERIFY(!ack.hasSession());
    QCOMPARE(s.addEvent(ack), AgentSession::AddResult::Stored);
    QCOMPARE(s.totalEvents(), 2);
    const QJsonArray events = s.toJson().value(QStringLiteral("events")).toArray();
    QCOMPARE(events.at(1).toObject().value(QStringLiteral("session_id")).toString(),
             QStringLiteral("hand"));
    QCOMPARE(events.at(1).toObject().value(QStringLiteral("timestamp_from_receipt")).toBool(),
             true);
}

void tst_AgentSession::eventAtRebuildsTheEvent()
{
    AgentSession s(QStringLiteral("hand"));
    const ClaudeEvent original =
        pre(QStringLiteral("Edit"), 42, QStringLiteral("E"), QStringLiteral("/e.py"));
    s.addEvent(original);
    const ClaudeEvent back = s.eventAt(0);
    QCOMPARE(back.raw, original.raw);
    QCOMPARE(back.identity, original.identity);
    QCOMPARE(back.timestamp, original.timestamp);
    QCOMPARE(back.subtype, original.subtype);
    QCOMPARE(back.toolName, original.toolName);
    QCOMPARE(back.correlationId, original.correlationId);
    QCOMPARE(back.filePath, original.filePath);
    QCOMPARE(back.category, original.category);
    QCOMPARE(back.eventName, original.eventName);
    QCOMPARE(s.eventAt(7).raw, QByteArray());
    QCOMPARE(s.eventIdentities(), QList<quint64>({original.identity}));
}

void tst_AgentSession::jsonLayout()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(task(QStringLiteral("qa"), 0, QStringLiteral("T")));
    s.addEvent(pre(QStringLiteral("Read"), 1, QStringLiteral("R"), QStringLiteral("/f")));
    const QJsonObject json = s.toJson();
    // claude-mpm's AgentSession.to_dict keys, then ours.
    for (const char* key :
         {"session_id", "start_time", "end_time", "working_directory", "launch_method",
          "initial_prompt", "final_response", "events", "delegations", "metrics", "metadata",
          "schema_version", "status", "completion_reason", "tool_operations", "capture"})
        QVERIFY2(json.contains(QLatin1String(key)), key);
    QCOMPARE(json.value(QStringLiteral("schema_version")).toInt(), 1);
    QCOMPARE(json.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    const QJsonObject event = json.value(QStringLiteral("events")).toArray().at(1).toObject();
    for (const char* key : {"timestamp", "event_type", "category", "data", "session_id",
                            "agent_context", "correlation_id"})
        QVERIFY2(event.contains(QLatin1String(key)), key);
    QCOMPARE(event.value(QStringLiteral("category")).toString(), QStringLiteral("file"));
    QCOMPARE(event.value(QStringLiteral("agent_context")).toString(), QStringLiteral("qa"));
    QCOMPARE(event.value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("tool_name"))
                 .toString(),
             QStringLiteral("Read"));
    QCOMPARE(event.value(QStringLiteral("timestamp")).toString(),
             QStringLiteral("2026-07-27T09:00:00.001Z"));
    const QJsonObject delegation =
        json.value(QStringLiteral("delegations")).toArray().first().toObject();
    for (const char* key : {"agent_type", "task_description", "start_time", "end_time", "prompt",
                            "response", "tool_operations", "file_changes", "todos_modified",
                            "memory_updates", "duration_ms", "success", "error"})
        QVERIFY2(delegation.contains(QLatin1String(key)), key);
    const QJsonObject op =
        delegation.value(QStringLiteral("tool_operations")).toArray().first().toObject();
    for (const char* key : {"tool_name", "agent_type", "start_time", "end_time", "input_data",
                            "output_data", "duration_ms", "success", "error"})
        QVERIFY2(op.contains(QLatin1String(key)), key);
    const QJsonObject metrics = json.value(QStringLiteral("metrics")).toObject();
    for (const char* key :
         {"total_events", "event_counts", "agents_used", "tools_used", "files_modified",
          "total_delegations", "total_tool_calls", "total_file_operations", "session_duration_ms",
          "files_read", "tool_failures", "events_by_category", "tool_duration_p50_ms",
          "tool_duration_max_ms"})
        QVERIFY2(metrics.contains(QLatin1String(key)), key);
    QCOMPARE(metrics.value(QStringLiteral("events_by_category")).toObject().size(),
             EventCategory::Count);
    const QJsonObject metadata = json.value(QStringLiteral("metadata")).toObject();
    for (const char* key : {"claude_pid", "git_branch", "project_root"})
        QVERIFY2(metadata.contains(QLatin1String(key)), key);
}

void tst_AgentSession::jsonRoundTripKeepsStateAndContinues()
{
    CaptureFilter filter;
    filter.todoUpdates = false;
    AgentSession s(QStringLiteral("hand"), filter);
    s.addEvent(make("user_prompt", 0, {{QStringLiteral("prompt_text"), QStringLiteral("go")}}));
    s.addEvent(make("todo_updated", 1, {{QStringLiteral("todos"), QJsonArray()}}));
    s.addEvent(task(QStringLiteral("engineer"), 10, QStringLiteral("T")));
    s.addEvent(pre(QStringLiteral("Bash"), 20, QStringLiteral("B")));
    s.addEvent(post(QStringLiteral("Grep"), 25, QStringLiteral("lost")));
    s.addPossibleGap(kStart.addMSecs(21), kStart.addMSecs(24), QStringLiteral("reconnect"));
    s.setProjectRoot(QStringLiteral("/root"));
    s.setStatus(AgentSession::Status::Interrupted, QStringLiteral("shutdown"));

    const QJsonObject saved = s.toJson();
    QString error;
    std::optional<AgentSession> reopened = AgentSession::fromJson(saved, &error);
    QVERIFY2(reopened, qPrintable(error));
    QCOMPARE(reopened->toJson(), saved);
    QCOMPARE(reopened->status(), AgentSession::Status::Interrupted);
    QCOMPARE(reopened->completionReason(), QStringLiteral("shutdown"));
    QCOMPARE(reopened->filteredCount(EventCategory::Todo), 1);
    QCOMPARE(reopened->captureFilter(), filter);
    QCOMPARE(reopened->possibleGaps().size(), 2); // the recorded reconnect and the derived orphan
    QCOMPARE(reopened->openDelegationCount(), 1);

    // A later event of the same session continues where the saved record stopped.
    AgentSession& r = *reopened;
    r.addEvent(post(QStringLiteral("Bash"), 30, QStringLiteral("B")));
    r.addEvent(subagentStop(QStringLiteral("engineer"), 40));
    QVERIFY(r.isActive());
    QCOMPARE(r.toolOperations().first().durationMs, 10);
    QCOMPARE(r.toolOperations().first().agentType, QStringLiteral("engineer"));
    QVERIFY(r.delegations().first().completed);
    QCOMPARE(r.totalEvents(), 6);
    QCOMPARE(r.initialPrompt(), QStringLiteral("go"));
}

void tst_AgentSession::fromJsonReadsPythonAggregatorFiles()
{
    // The shape claude-mpm's AgentSession.to_dict writes (event_type is the wrapper type).
    const QByteArray python = R"({
        "session_id": "py-1", "start_time": "2026-07-27T09:00:00+00:00Z",
        "end_time": "2026-07-27T09:05:00+00:00", "working_directory": "/py", "launch_method": "cli",
        "initial_prompt": "hello", "final_response": null,
        "events": [
          {"timestamp": "2026-07-27T09:00:01+00:00", "event_type": "hook", "category": "system",
           "data": {"hook_event_name": "UserPromptSubmit", "prompt": "hello", "session_id": "py-1"},
           "session_id": "py-1", "agent_context": null, "correlation_id": null},
          {"timestamp": "2026-07-27T09:00:02+00:00", "event_type": "hook", "category": "system",
           "data": {"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_use_id": "t1",
                    "tool_input": {"file_path": "/py/a.py"}}, "session_id": "py-1",
           "agent_context": null, "correlation_id": null},
          {"timestamp": "not a time", "event_type": "hook", "data": {}}
        ],
        "delegations": [], "metrics": {"total_events": 3},
        "metadata": {"claude_pid": 99, "git_branch": "main", "project_root": null}})";
    QString error;
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("without 1 unreadable events")));
    const std::optional<AgentSession> s =
        AgentSession::fromJson(QJsonDocument::fromJson(python).object(), &error);
    QVERIFY2(s, qPrintable(error));
    QCOMPARE(s->totalEvents(), 2);
    QCOMPARE(s->eventCounts().value(QStringLiteral("user_prompt")), 1);
    QCOMPARE(s->filesRead(), QStringList({QStringLiteral("/py/a.py")}));
    QCOMPARE(s->status(), AgentSession::Status::Completed);
    QCOMPARE(s->endTime(), QDateTime(QDate(2026, 7, 27), QTime(9, 5), Qt::UTC));
    QCOMPARE(s->startTime(), QDateTime(QDate(2026, 7, 27), QTime(9, 0), Qt::UTC));
    QCOMPARE(s->workingDirectory(), QStringLiteral("/py"));
    QCOMPARE(s->gitBranch(), QStringLiteral("main"));
    QCOMPARE(s->toJson()
                 .value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("claude_pid"))
                 .toInt(),
             99);
}

void tst_AgentSession::fromJsonRejectsBadInput()
{
    // Each refusal is logged, so a store that skips a file can say why.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("no session_id")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("no session_id")));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("unsupported schema_version")));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("events is not an array")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("no session_id")));
    QString error;
    QVERIFY(!AgentSession::fromJson(QJsonObject(), &error));
    QVERIFY(error.contains(QLatin1String("session_id")));
    QVERIFY(!AgentSession::fromJson({{QStringLiteral("session_id"), 42}}, &error));
    QVERIFY(!AgentSession::fromJson({{QStringLiteral("session_id"), QStringLiteral("s")},
                                     {QStringLiteral("schema_version"), 99}},
                                    &error));
    QVERIFY(error.contains(QLatin1String("schema_version")));
    QVERIFY(!AgentSession::fromJson({{QStringLiteral("session_id"), QStringLiteral("s")},
                                     {QStringLiteral("schema_version"), 1},
                                     {QStringLiteral("events"), QStringLiteral("nope")}},
                                    &error));
    QVERIFY(error.contains(QLatin1String("events")));
    QVERIFY(!AgentSession::fromJson(QJsonObject(), nullptr)); // error pointer is optional
    const std::optional<AgentSession> minimal =
        AgentSession::fromJson({{QStringLiteral("session_id"), QStringLiteral("s")},
                                {QStringLiteral("schema_version"), 1}},
                               &error);
    QVERIFY(minimal);
    QCOMPARE(minimal->totalEvents(), 0);
    QVERIFY(minimal->isActive());
}

void tst_AgentSession::statusNames()
{
    QStringList names;
    for (const AgentSession::Status s :
         {AgentSession::Status::Active, AgentSession::Status::Completed,
          AgentSession::Status::TimedOut, AgentSession::Status::Stopped,
          AgentSession::Status::Interrupted}) {
        names.append(AgentSession::statusName(s));
        QCOMPARE(AgentSession::statusFromName(AgentSession::statusName(s)).value(), s);
    }
    QCOMPARE(names, QStringList({"active", "completed", "timed_out", "stopped", "interrupted"}));
    QVERIFY(!AgentSession::statusFromName(u"finished"));
}

#ifndef EA_TESTS_SANITIZED
void tst_AgentSession::heldMemoryPerEvent()
{
    // 1,000 payloads of about 400 bytes, shaped like the current server's tool events.
    QList<QByteArray> payloads;
    qsizetype bytes = 0;
    for (int i = 0; i < 1000; ++i) {
        const bool isPre = i % 2 == 0;
        QJsonObject data{
            {QStringLiteral("tool_name"),
             i % 4 < 2 ? QStringLiteral("Read") : QStringLiteral("Bash")},
            {QStringLiteral("session_id"), QStringLiteral("5283b66c-0741-c7a8-7ce4-2c8218072e8c")},
            {QStringLiteral("working_directory"), QStringLiteral("/home/dev/proj3")},
            {QStringLiteral("git_branch"), QStringLiteral("main")},
            {QStringLiteral("operation_type"), QStringLiteral("read")}};
        if (isPre)
            data.insert(QStringLiteral("tool_parameters"),
                        QJsonObject{{QStringLiteral("file_path"),
                                     QStringLiteral("/home/dev/proj3/src/m%1.py").arg(i)}});
        else
            data.insert(QStringLiteral("success"), true);
        const QJsonObject top{
            {QStringLiteral("type"), QStringLiteral("tool_event")},
            {QStringLiteral("subtype"),
             isPre ? QStringLiteral("pre_tool") : QStringLiteral("post_tool")},
            {QStringLiteral("session_id"), QStringLiteral("5283b66c-0741-c7a8-7ce4-2c8218072e8c")},
            {QStringLiteral("timestamp"), IsoTime::toString(kStart.addMSecs(i * 10))},
            {QStringLiteral("correlation_id"),
             QStringLiteral("%1").arg(i / 2, 32, 16, QLatin1Char('0'))},
            {QStringLiteral("data"), data}};
        payloads.append(QJsonDocument(top).toJson(QJsonDocument::Compact));
        bytes += payloads.last().size();
    }
    const qsizetype average = bytes / payloads.size();
    QVERIFY2(average > 350 && average < 450, qPrintable(QString::number(average)));

    AgentSession session(QStringLiteral("5283b66c-0741-c7a8-7ce4-2c8218072e8c"));
    malloc_trim(0);
    const size_t before = mallinfo2().uordblks;
    for (const QByteArray& payload : payloads)
        session.addEvent(EventNormalizer::normalize(QStringLiteral("tool_event"), payload, kStart)
                             .events.first());
    const size_t after = mallinfo2().uordblks;
    QCOMPARE(session.totalEvents(), 1000);
    QCOMPARE(session.toolOperations().size(), 500);
    const qint64 perEvent = qint64(after - before) / 1000;
    qInfo("payload %lld bytes, held %lld bytes per event", qlonglong(average), qlonglong(perEvent));
    // The budget is 1 MB of RSS per 1,000 events; the heap must leave room for the rest.
    QVERIFY2(perEvent < 800, qPrintable(QString::number(perEvent)));
}
#endif

// A known subtype arrives as the normalizer's literal; the same text read from a payload (or an
// unknown subtype) is a string of its own. Each name is one entry either way.
void tst_AgentSession::namesCountTogetherWhateverTheirOrigin()
{
    AgentSession s(QStringLiteral("hand"));
    ClaudeEvent asText = pre(QStringLiteral("Bash"), 0, QStringLiteral("c0"));
    asText.subtype = QString::fromUtf8("pre_tool"); // heap copy, not the literal
    QVERIFY(asText.subtype.data_ptr().isMutable());
    s.addEvent(asText);
    for (int i = 1; i <= 3; ++i)
        s.addEvent(pre(QStringLiteral("Bash"), i * 10, QStringLiteral("c%1").arg(i)));
    ClaudeEvent unknown = make("made_up_kind", 100);
    unknown.identity = 424242;
    s.addEvent(unknown);
    const QMap<QString, int> counts = s.eventCounts();
    QCOMPARE(counts.value(QStringLiteral("pre_tool")), 4);
    QCOMPARE(counts.value(QStringLiteral("made_up_kind")), 1);
    QCOMPARE(counts.size(), 2);
}

QTEST_GUILESS_MAIN(tst_AgentSession)
#include "tst_agentsession.moc"

namespace {

ClaudeEvent stopAt(qint64 ms, qint64 in = -1, qint64 out = 0, qint64 creation = 0, qint64 read = 0)
{
    QJsonObject data{{QStringLiteral("reason"), QStringLiteral("unknown")}};
    if (in >= 0)
        data.insert(QStringLiteral("usage"),
                    QJsonObject{{QStringLiteral("input_tokens"), in},
                                {QStringLiteral("output_tokens"), out},
                                {QStringLiteral("cache_creation_input_tokens"), creation},
                                {QStringLiteral("cache_read_input_tokens"), read}});
    return make("stop", ms, data);
}

ClaudeEvent usageUpdate(qint64 ms, qint64 in, qint64 out, qint64 creation, qint64 read)
{
    return make("token_usage_updated", ms,
                {{QStringLiteral("input_tokens"), in},
                 {QStringLiteral("output_tokens"), out},
                 {QStringLiteral("cache_creation_tokens"), creation},
                 {QStringLiteral("cache_read_tokens"), read},
                 {QStringLiteral("total_tokens"), in + out + creation + read}});
}

ClaudeEvent prompt(const QString& text, qint64 ms)
{
    return make("user_prompt", ms, {{QStringLiteral("prompt_text"), text}});
}

ClaudeEvent hookExecution(const QString& hook, qint64 ms, int durationMs)
{
    return make("hook_execution", ms,
                {{QStringLiteral("hook_name"), hook}, {QStringLiteral("duration_ms"), durationMs}});
}

} // namespace

// Events of one millisecond sort in the order Claude Code fires the hooks, however they arrive;
// the second turn's names are found by the address of their literal text (the first turn's
// lookups remembered them), so this checks the rank that path gives too.
void tst_AgentSession::sameMillisecondFollowsHookOrder()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("one"), 0));
    s.addEvent(pre(QStringLiteral("Read"), 10, QStringLiteral("c1")));
    s.addEvent(post(QStringLiteral("Read"), 20, QStringLiteral("c1")));
    s.addEvent(stopAt(30));
    s.addEvent(stopAt(1000));
    s.addEvent(post(QStringLiteral("Read"), 1000, QStringLiteral("c2")));
    s.addEvent(pre(QStringLiteral("Read"), 1000, QStringLiteral("c2")));
    s.addEvent(prompt(QStringLiteral("two"), 1000));
    const QList<Turn> turns = s.turns();
    QCOMPARE(turns.size(), 2);
    QCOMPARE(turns.at(1).prompt, QStringLiteral("two"));
    QCOMPARE(turns.at(1).endedBy, QStringLiteral("stop"));
    QCOMPARE(turns.at(1).toolCalls, 1);
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    QCOMPARE(s.toolOperations().at(1).turn, 1);
    // Saved in the same order.
    QStringList subtypes;
    for (const QJsonValue& e : s.toJson().value(QLatin1String("events")).toArray())
        subtypes.append(e.toObject().value(QLatin1String("event_type")).toString());
    QCOMPARE(subtypes.mid(4),
             (QStringList{QStringLiteral("user_prompt"), QStringLiteral("pre_tool"),
                          QStringLiteral("post_tool"), QStringLiteral("stop")}));
}

void tst_AgentSession::stopEndsTheTurnAndCompanionsJoinIt()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("do it"), 0));
    s.addEvent(pre(QStringLiteral("Read"), 100, QStringLiteral("c1")));
    s.addEvent(post(QStringLiteral("Read"), 200, QStringLiteral("c1")));
    QVERIFY(s.isActive());
    s.addEvent(stopAt(300));
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    QCOMPARE(s.endTime(), kStart.addMSecs(300));
    // The Stop's companions arrive after it: they join the ended turn.
    s.addEvent(usageUpdate(302, 10, 5, 0, 0));
    s.addEvent(hookExecution(QStringLiteral("Stop"), 318, 30));
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    QCOMPARE(s.endTime(), kStart.addMSecs(300));
    QCOMPARE(s.totalEvents(), 6);
    const QList<Turn> turns = s.turns();
    QCOMPARE(turns.size(), 1);
    QCOMPARE(turns.first().prompt, QStringLiteral("do it"));
    QCOMPARE(turns.first().endedBy, QStringLiteral("stop"));
    QCOMPARE(turns.first().toolCalls, 1);
    QCOMPARE(turns.first().durationMs(), 300);
    QCOMPARE(s.toJson().value(QLatin1String("status")).toString(), QStringLiteral("completed"));
}

void tst_AgentSession::newTurnReopensACompletedSession()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("one"), 0));
    s.addEvent(stopAt(100));
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    s.addEvent(prompt(QStringLiteral("two"), 5000));
    QCOMPARE(s.status(), AgentSession::Status::Active);
    QVERIFY(!s.endTime().isValid());
    s.addEvent(stopAt(6000));
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    QCOMPARE(s.endTime(), kStart.addMSecs(6000));
    QCOMPARE(s.turns().size(), 2);
    QCOMPARE(s.turns().at(1).prompt, QStringLiteral("two"));
    // A companion timestamped before the Stop, arriving late, joins without reopening.
    s.addEvent(pre(QStringLiteral("Grep"), 5500, QStringLiteral("g")));
    QCOMPARE(s.status(), AgentSession::Status::Completed);
    QCOMPARE(s.turns().at(1).toolCalls, 1);
}

void tst_AgentSession::callWithoutResultClosesUnknownAtItsTurnEnd()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("one"), 0));
    s.addEvent(pre(QStringLiteral("Bash"), 100, QStringLiteral("b1")));
    s.addEvent(pre(QStringLiteral("Edit"), 200, QStringLiteral("e1")));
    s.addEvent(post(QStringLiteral("Edit"), 300, QStringLiteral("e1"), false));
    s.addEvent(stopAt(1000));
    s.addEvent(prompt(QStringLiteral("two"), 60000));
    s.addEvent(stopAt(61000));
    const QList<ToolOperation> ops = s.toolOperations();
    QCOMPARE(ops.size(), 2);
    QCOMPARE(ops.at(0).outcome(), ToolOperation::Outcome::Unknown);
    QCOMPARE(ops.at(0).endTime, kStart.addMSecs(1000)); // its own turn's end, not the session's
    QCOMPARE(ops.at(0).durationMs, 900);
    QCOMPARE(ops.at(0).turn, 0);
    QCOMPARE(ops.at(1).outcome(), ToolOperation::Outcome::Failure);
    QCOMPARE(s.toolFailures(), 1);
    const QJsonObject doc = s.toJson();
    const QJsonObject metrics = doc.value(QLatin1String("metrics")).toObject();
    QCOMPARE(metrics.value(QLatin1String("tool_failures")).toInt(), 1);
    QCOMPARE(metrics.value(QLatin1String("tool_unknown_results")).toInt(), 1);
    QCOMPARE(metrics.value(QLatin1String("total_failures")).toInt(), 1);
    const QJsonObject saved =
        doc.value(QLatin1String("tool_operations")).toArray().at(0).toObject();
    QCOMPARE(saved.value(QLatin1String("result")).toString(), QStringLiteral("unknown"));
    QVERIFY(saved.value(QLatin1String("success")).isNull());
    QCOMPARE(ToolOperation::outcomeOf(saved), ToolOperation::Outcome::Unknown);
    const QJsonObject turn0 = doc.value(QLatin1String("turns")).toArray().at(0).toObject();
    QCOMPARE(turn0.value(QLatin1String("tool_unknown_results")).toInt(), 1);
    QCOMPARE(turn0.value(QLatin1String("tool_failures")).toInt(), 1);
}

void tst_AgentSession::lateResultAfterTheTurnStillCounts()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("one"), 0));
    s.addEvent(pre(QStringLiteral("Bash"), 100, QStringLiteral("b1")));
    s.addEvent(stopAt(1000));
    QCOMPARE(s.toolOperations().first().outcome(), ToolOperation::Outcome::Unknown);
    s.addEvent(post(QStringLiteral("Bash"), 1500, QStringLiteral("b1"), true));
    QCOMPARE(s.toolOperations().first().outcome(), ToolOperation::Outcome::Success);
    QCOMPARE(s.status(), AgentSession::Status::Completed);
}

void tst_AgentSession::subagentStopReasonUnknownIsNoFailure()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("go"), 0));
    s.addEvent(task(QStringLiteral("research"), 100, QStringLiteral("t1")));
    // claude-mpm: reason "unknown", is_successful_completion false, always.
    s.addEvent(make("subagent_stop", 900,
                    {{QStringLiteral("agent_type"), QStringLiteral("research")},
                     {QStringLiteral("agent_id"), QStringLiteral("cc-id")},
                     {QStringLiteral("reason"), QStringLiteral("unknown")},
                     {QStringLiteral("is_successful_completion"), false},
                     {QStringLiteral("is_error_termination"), false}}));
    QCOMPARE(s.delegations().first().outcome(), ToolOperation::Outcome::Success);
    // Its Task result without a correlation id decides.
    s.addEvent(taskResult(950, QString(), true));
    s.addEvent(stopAt(1000));
    Delegation d = s.delegations().first();
    QCOMPARE(d.outcome(), ToolOperation::Outcome::Success);
    QVERIFY(d.completed);
    QVERIFY(d.resultReceived);
    QCOMPARE(d.agentId, QStringLiteral("cc-id"));
    QVERIFY(d.error.isEmpty());

    // A failing Task result is a failure.
    AgentSession f(QStringLiteral("hand"));
    f.addEvent(task(QStringLiteral("engineer"), 100, QStringLiteral("t2")));
    f.addEvent(subagentStop(QStringLiteral("engineer"), 500));
    f.addEvent(taskResult(600, QString(), false));
    QCOMPARE(f.delegations().first().outcome(), ToolOperation::Outcome::Failure);
    // No result before the turn ended: unknown.
    AgentSession u(QStringLiteral("hand"));
    u.addEvent(task(QStringLiteral("qa"), 100, QStringLiteral("t3")));
    u.addEvent(stopAt(700));
    QCOMPARE(u.delegations().first().outcome(), ToolOperation::Outcome::Unknown);
    QCOMPARE(u.delegations().first().endTime, kStart.addMSecs(700));
}

void tst_AgentSession::subagentStartBeforeItsTaskJoinsIt()
{
    const auto start = make("subagent_start", 100,
                            {{QStringLiteral("agent_type"), QStringLiteral("research")},
                             {QStringLiteral("agent_id"), QStringLiteral("research_hand")}});
    const auto stop = make("subagent_stop", 500,
                           {{QStringLiteral("agent_type"), QStringLiteral("research")},
                            {QStringLiteral("agent_id"), QStringLiteral("cc-id")},
                            {QStringLiteral("reason"), QStringLiteral("unknown")}});
    // Arrival order must not change which id is kept.
    for (const bool stopFirst : {false, true}) {
        AgentSession s(QStringLiteral("hand"));
        s.addEvent(start);
        if (stopFirst)
            s.addEvent(stop);
        s.addEvent(task(QStringLiteral("research"), 120, QStringLiteral("t1")));
        if (!stopFirst)
            s.addEvent(stop);
        QCOMPARE(s.delegations().size(), 1);
        QVERIFY(s.delegations().first().subagentStarted);
        QCOMPARE(s.delegations().first().agentId, QStringLiteral("cc-id"));
    }
}

void tst_AgentSession::tokensPerTurnFromRunningSums()
{
    AgentSession s(QStringLiteral("hand"));
    s.addEvent(prompt(QStringLiteral("one"), 0));
    // token_usage_updated repeats the Stop's numbers; arriving first must not matter.
    s.addEvent(usageUpdate(1002, 2000, 550, 5000, 5000));
    s.addEvent(stopAt(1000, 2000, 550, 5000, 5000));
    s.addEvent(prompt(QStringLiteral("two"), 5000));
    s.addEvent(stopAt(6000, 3500, 700, 5000, 14000));
    s.addEvent(usageUpdate(6002, 3500, 700, 5000, 14000));
    s.addEvent(prompt(QStringLiteral("three"), 9000)); // its Stop and usage were lost
    s.addEvent(stopAt(9500));
    const QList<Turn> turns = s.turns();
    QCOMPARE(turns.size(), 3);
    QCOMPARE(turns.at(0).tokens->total(), 12550);
    QCOMPARE(turns.at(1).tokens->input, 1500);
    QCOMPARE(turns.at(1).tokens->cacheRead, 9000);
    QCOMPARE(turns.at(1).tokens->total(), 10650);
    QVERIFY(!turns.at(2).tokens);
    QCOMPARE(AgentSession::tokenUsage(turns)->total(), 23200);
    const QJsonObject usage = s.toJson()
                                  .value(QLatin1String("metrics"))
                                  .toObject()
                                  .value(QLatin1String("token_usage"))
                                  .toObject();
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(), 23200);
    QCOMPARE(usage.value(QLatin1String("cache_read_input_tokens")).toInt(), 14000);

    // A sum that went down (per-turn counts, a new transcript) is taken whole.
    TokenUsage before;
    before.input = 100;
    TokenUsage after;
    after.input = 40;
    after.output = 7;
    QCOMPARE(after.since(before), after);
}

void tst_AgentSession::hookExecutionFoldsIntoOverhead()
{
    AgentSession s(QStringLiteral("hand"));
    for (int i = 0; i < 5; ++i)
        s.addEvent(hookExecution(QStringLiteral("PreToolUse"), i * 10, 10 + i));
    s.addEvent(hookExecution(QStringLiteral("Stop"), 100, 52));
    QCOMPARE(s.totalEvents(), 6); // kept
    const QJsonObject overhead = s.hookOverheadJson();
    const QJsonObject pre = overhead.value(QLatin1String("PreToolUse")).toObject();
    QCOMPARE(pre.value(QLatin1String("count")).toInt(), 5);
    QCOMPARE(pre.value(QLatin1String("p50_ms")).toInt(), 12);
    QCOMPARE(pre.value(QLatin1String("max_ms")).toInt(), 14);
    QCOMPARE(overhead.value(QLatin1String("Stop")).toObject().value(QLatin1String("count")).toInt(),
             1);
}

void tst_AgentSession::arrivalOrderLeavesNoTrace_data()
{
    QTest::addColumn<QString>("recording");
    QTest::newRow("samples current") << QStringLiteral("current-server.jsonl");
    QTest::newRow("samples legacy") << QStringLiteral("legacy-server.jsonl");
    QTest::newRow("claude-mpm current") << QStringLiteral("../claude-mpm/current-server.jsonl");
    QTest::newRow("claude-mpm legacy") << QStringLiteral("../claude-mpm/legacy-server.jsonl");
}

void tst_AgentSession::arrivalOrderLeavesNoTrace()
{
    QFETCH(QString, recording);
    const QList<RecordedEvent> lines = RecordedStream::load(recording);
    QVERIFY(!lines.isEmpty());
    // Each session's events in recorded order, and reversed / shuffled within 50 ms windows.
    std::map<QString, QList<ClaudeEvent>> bySession;
    for (const RecordedEvent& line : lines) {
        const NormalizeResult r = EventNormalizer::normalize(line.name, line.payload,
                                                             RecordedStream::receivedAt(line.line));
        for (const ClaudeEvent& e : r.events) {
            if (e.hasSession())
                bySession[e.sessionId].append(e);
        }
    }
    QVERIFY(!bySession.empty());
    std::mt19937 random(50);
    for (const auto& entry : bySession) {
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const QString& id = entry.first;
        const auto& events = entry.second;
        const auto build = [&id](const QList<ClaudeEvent>& list) {
            AgentSession s(id);
            Deduplicator dedup;
            for (const ClaudeEvent& e : list) {
                if (dedup.insert(e))
                    s.addEvent(e);
            }
            return s.toJson();
        };
        const QJsonObject expected = build(events);
        for (int round = 0; round < 3; ++round) {
            QList<ClaudeEvent> shuffled;
            for (qsizetype from = 0; from < events.size();) {
                const qint64 window = events.at(from).timestamp.toMSecsSinceEpoch() / 50;
                qsizetype to = from;
                while (to < events.size() &&
                       events.at(to).timestamp.toMSecsSinceEpoch() / 50 == window)
                    ++to;
                QList<ClaudeEvent> part = events.mid(from, to - from);
                if (round == 0)
                    std::reverse(part.begin(), part.end());
                else
                    std::shuffle(part.begin(), part.end(), random);
                shuffled += part;
                from = to;
            }
            const QJsonObject got = build(shuffled);
            if (got != expected) {
                for (const QString& key : expected.keys()) {
                    if (got.value(key) != expected.value(key))
                        qWarning().noquote() << id << "differs in" << key;
                }
            }
            QVERIFY2(got == expected, qPrintable(id));
        }
    }
}

void tst_AgentSession::outOfOrderAllTheTimeStaysCheap()
{
    // Every call earlier than the one before (a hostile stream, a clock running backwards):
    // rebuilding each time would be quadratic; the budget keeps it linear.
    QList<ClaudeEvent> events;
    for (int i = 0; i < 6000; ++i)
        events.append(pre(QStringLiteral("Bash"), 6000000 - i * 10, QString::number(i)));
    AgentSession s(QStringLiteral("hand"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("arrives out of order too often"));
    for (const ClaudeEvent& e : std::as_const(events))
        s.addEvent(e);
    QCOMPARE(s.toolOperations().size(), 6000);
    // Work, not time (the sanitized build is ten times slower): rebuilding on every event
    // would re-derive about 18 million events; the budget allows a few dozen per event.
    QVERIFY2(s.rebuildWork() < 64 * 6000 + 100000, qPrintable(QString::number(s.rebuildWork())));
}
