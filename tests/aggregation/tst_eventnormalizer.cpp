#include "RecordedStream.h"
#include "ingest/EventNormalizer.h"
#include "protocol/SocketPacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QtTest>

using namespace ea;

class tst_EventNormalizer : public QObject
{
    Q_OBJECT

private:
    static QDateTime now() { return QDateTime(QDate(2026, 7, 27), QTime(17, 0), Qt::UTC); }
    static QDateTime utc(const char* iso)
    {
        return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs).toUTC();
    }
    static ClaudeEvent one(const QString& name, const QByteArray& json)
    {
        const NormalizeResult r = EventNormalizer::normalize(name, json, now());
        if (!r.isEvents() || r.events.size() != 1) {
            qWarning("expected one event from %s: %s", json.constData(), qPrintable(r.message));
            return {};
        }
        return r.events.first();
    }

private slots:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("ea.*.debug=false")); }
    void currentServerToolEvents();
    void currentServerTaskDelegation();
    void currentServerOtherEvents();
    void legacyServerEvents();
    void legacyMemoryEvents();
    void seedFormat();
    void oldestDottedType();
    void rawHookPayloads_data();
    void rawHookPayloads();
    void rawHookFields();
    void historyUnpacksToLiveIdentities();
    void historyRejectsBadShapes();
    void chatter_data();
    void chatter();
    void errors_data();
    void errors();
    void depthLimitIsConfigurable();
    void sizeLimitIsConfigurable();
    void timestamps_data();
    void timestamps();
    void numericTimestamps();
    void missingTimestampFallsBackToReceipt();
    void subtypeNormalization_data();
    void subtypeNormalization();
    void categoryRules_data();
    void categoryRules();
    void categoryNames();
    void rawIsCanonicalAndCompact();
    void derivedTexts();
    void hostileRecording();
    void everySampleLineNormalizes_data();
    void everySampleLineNormalizes();
    void mutatedPayloadsNeverCrash();
    void eventIsCompact();
    void readsTheFramesParse();
    void detailsForTheSessionModel();
    void repeatedDirectoriesShareOneString();
    void numbersOutOfRangeKeptAsText();
};

void tst_EventNormalizer::currentServerToolEvents()
{
    const ClaudeEvent pre = one(
        QStringLiteral("tool_event"),
        R"({"type":"tool_event","subtype":"pre_tool","data":{"tool_name":"Edit","operation_type":"write",
            "tool_parameters":{"input_type":"dict","file_path":"/home/dev/proj3/src/mod_16.py"},
            "session_id":"e4b06ce6","timestamp":"2026-07-27T16:30:29.052510+00:00",
            "working_directory":"/home/dev/proj3","git_branch":"feature/parser","correlation_id":"ceea"},
            "timestamp":"2026-07-27T16:30:29.052510+00:00","session_id":"e4b06ce6","source":"hook",
            "correlation_id":"ceea","cwd":"/home/dev/proj3"})");
    QCOMPARE(pre.eventName, QStringLiteral("tool_event"));
    QCOMPARE(pre.sessionId, QStringLiteral("e4b06ce6"));
    QCOMPARE(pre.subtype, QStringLiteral("pre_tool"));
    QCOMPARE(pre.toolName, QStringLiteral("Edit"));
    QCOMPARE(pre.correlationId, QStringLiteral("ceea"));
    QCOMPARE(pre.filePath, QStringLiteral("/home/dev/proj3/src/mod_16.py"));
    QCOMPARE(pre.workingDirectory, QStringLiteral("/home/dev/proj3"));
    QCOMPARE(pre.gitBranch, QStringLiteral("feature/parser"));
    QCOMPARE(pre.timestamp, utc("2026-07-27T16:30:29.052Z"));
    QVERIFY(!pre.timestampFromReceipt);
    QCOMPARE(pre.category, EventCategory(EventCategory::File));
    QVERIFY(pre.isPreTool());
    QVERIFY(!pre.isDelegationTool());
    QVERIFY(pre.identity != 0);

    const ClaudeEvent post =
        one(QStringLiteral("tool_event"),
            R"({"type":"tool_event","subtype":"post_tool","data":{"tool_name":"Bash","exit_code":1,
            "success":false,"status":"error","session_id":"s1","correlation_id":"d8dd"},
            "timestamp":"2026-07-27T16:30:28.589510+00:00","session_id":"s1","correlation_id":"d8dd"})");
    QCOMPARE(post.subtype, QStringLiteral("post_tool"));
    QCOMPARE(post.toolName, QStringLiteral("Bash"));
    QCOMPARE(post.category, EventCategory(EventCategory::Tool));
    QVERIFY(post.filePath.isEmpty());
    QVERIFY(post.identity != pre.identity);
}

void tst_EventNormalizer::currentServerTaskDelegation()
{
    const ClaudeEvent task = one(
        QStringLiteral("tool_event"),
        R"({"type":"tool_event","subtype":"pre_tool","data":{"tool_name":"Task","is_delegation":true,
            "tool_parameters":{"subagent_type":"engineer","description":"engineer task 0"},
            "delegation_details":{"agent_type":"engineer","original_agent_type":"Engineer",
            "prompt":"Please engineer task 0","description":"engineer task 0"},
            "session_id":"s","timestamp":"2026-07-27T16:30:30.772510+00:00","correlation_id":"a2a8"},
            "timestamp":"2026-07-27T16:30:30.772510+00:00","session_id":"s","correlation_id":"a2a8"})");
    QCOMPARE(task.toolName, QStringLiteral("Task"));
    QCOMPARE(task.agentType, QStringLiteral("engineer"));
    QCOMPARE(task.category, EventCategory(EventCategory::Delegation));
    QVERIFY(task.isDelegationTool());

    // Without delegation_details the subagent_type of the parameters names the agent.
    const ClaudeEvent agent = one(QStringLiteral("tool_event"),
                                  R"({"type":"tool_event","subtype":"pre_tool","session_id":"s",
            "data":{"tool_name":"Agent","tool_parameters":{"subagent_type":"qa"}}})");
    QCOMPARE(agent.agentType, QStringLiteral("qa"));
    QCOMPARE(agent.category, EventCategory(EventCategory::Delegation));

    const ClaudeEvent stop =
        one(QStringLiteral("hook_event"),
            R"({"type":"hook_event","subtype":"subagent_stop","data":{"agent_type":"engineer",
            "agent_id":"engineer_1","reason":"completed","session_id":"s"},"session_id":"s"})");
    QCOMPARE(stop.subtype, QStringLiteral("subagent_stop"));
    QCOMPARE(stop.agentType, QStringLiteral("engineer"));
    QCOMPARE(stop.category, EventCategory(EventCategory::Delegation));
}

void tst_EventNormalizer::currentServerOtherEvents()
{
    struct Case
    {
        const char* name;
        const char* json;
        const char* subtype;
        EventCategory::Value category;
    };
    const Case cases[] = {
        {"claude_event",
         R"({"type":"claude_event","subtype":"user_prompt","data":{"prompt_text":"Fix it","session_id":"s"},"session_id":"s"})",
         "user_prompt", EventCategory::Prompt},
        {"claude_event",
         R"({"type":"claude_event","subtype":"stop","data":{"reason":"completed","session_id":"s"},"session_id":"s"})",
         "stop", EventCategory::Response},
        {"claude_event",
         R"({"type":"claude_event","subtype":"assistant_response","data":{"response_text":"done"},"session_id":"s"})",
         "assistant_response", EventCategory::Response},
        {"claude_event",
         R"({"type":"claude_event","subtype":"notification","data":{"message":"needs permission"},"session_id":"s"})",
         "notification", EventCategory::Meta},
        {"hook_event",
         R"({"type":"hook_event","subtype":"todo_updated","data":{"todos":[],"session_id":"s"},"session_id":"s"})",
         "todo_updated", EventCategory::Todo},
        {"hook_event",
         R"({"type":"hook_event","subtype":"subagent_start","data":{"agent_type":"qa"},"session_id":"s"})",
         "subagent_start", EventCategory::Delegation},
        {"session_event",
         R"({"type":"session_event","subtype":"session_start","data":{"hook_event_name":"SessionStart"},"session_id":"s"})",
         "session_start", EventCategory::Meta},
        {"session_event", R"({"type":"session_event","subtype":"session.ended","session_id":"s"})",
         "session_end", EventCategory::Meta},
        {"session_event",
         R"({"type":"session_event","subtype":"token_usage_updated","session_id":"s"})",
         "token_usage_updated", EventCategory::Meta},
        {"response_event",
         R"({"type":"response_event","subtype":"response.start","session_id":"s"})",
         "response_started", EventCategory::Response},
        {"agent_event", R"({"type":"agent_event","subtype":"agent.delegated","session_id":"s"})",
         "agent_delegated", EventCategory::Delegation},
        {"file_event",
         R"({"type":"file_event","subtype":"file.write","data":{"file_path":"/a.txt"},"session_id":"s"})",
         "file_write", EventCategory::File},
        {"system_event", R"({"type":"system_event","subtype":"system_ready"})", "system_ready",
         EventCategory::Meta},
        {"claude_event",
         R"({"type":"claude_event","subtype":"command_acknowledged","data":{"command":"/mpm"}})",
         "command_acknowledged", EventCategory::Meta},
        {"tool_event",
         R"({"type":"tool_event","subtype":"tool.start","data":{"tool_name":"Grep"},"session_id":"s"})",
         "pre_tool", EventCategory::Tool},
        {"tool_event",
         R"({"type":"tool_event","subtype":"tool_result","data":{"tool_name":"Grep"},"session_id":"s"})",
         "post_tool", EventCategory::Tool},
    };
    for (const Case& c : cases) {
        const ClaudeEvent e = one(QString::fromLatin1(c.name), QByteArray(c.json));
        QVERIFY2(e.subtype == QLatin1String(c.subtype), c.json);
        QVERIFY2(e.category == c.category, c.json);
        QCOMPARE(e.eventName, QString::fromLatin1(c.name));
    }
    // command_acknowledged names no session: the aggregator attributes it by directory.
    const ClaudeEvent ack = one(QStringLiteral("claude_event"),
                                R"({"type":"claude_event","subtype":"command_acknowledged",
                                    "data":{"working_directory":"/w"}})");
    QVERIFY(!ack.hasSession());
    QCOMPARE(ack.workingDirectory, QStringLiteral("/w"));
}

void tst_EventNormalizer::legacyServerEvents()
{
    const ClaudeEvent e =
        one(QStringLiteral("claude_event"),
            R"({"event":"mpm_event","source":"hook","type":"hook","subtype":"pre_tool",
            "timestamp":"2026-07-27T16:30:17.476730+00:00",
            "data":{"tool_name":"Write","tool_parameters":{"file_path":"/p/src/mod_12.py"},
            "session_id":"d5e3","working_directory":"/home/dev/proj1","git_branch":"main",
            "correlation_id":"bc1b"},"session_id":"d5e3","cwd":"/home/dev/proj1","correlation_id":"bc1b"})");
    QCOMPARE(e.sessionId, QStringLiteral("d5e3"));
    QCOMPARE(e.subtype, QStringLiteral("pre_tool"));
    QCOMPARE(e.toolName, QStringLiteral("Write"));
    QCOMPARE(e.filePath, QStringLiteral("/p/src/mod_12.py"));
    QCOMPARE(e.correlationId, QStringLiteral("bc1b"));
    QCOMPARE(e.category, EventCategory(EventCategory::File));
    QCOMPARE(e.timestamp, utc("2026-07-27T16:30:17.476Z"));
}

void tst_EventNormalizer::legacyMemoryEvents()
{
    for (const char* sub : {"loaded", "created", "updated", "injected"}) {
        const QByteArray json = QByteArray(R"({"event":"mpm_event","type":"memory","subtype":")") +
                                sub + R"(","session_id":"m","data":{"agent_id":"engineer"}})";
        const ClaudeEvent e = one(QStringLiteral("claude_event"), json);
        QCOMPARE(e.subtype, QStringLiteral("memory_") + QLatin1String(sub));
        QCOMPARE(e.category, EventCategory(EventCategory::Memory));
    }
}

void tst_EventNormalizer::seedFormat()
{
    // The seed format names the session only inside data, with a millisecond "Z" timestamp.
    const ClaudeEvent e =
        one(QStringLiteral("claude_event"),
            R"({"type":"hook","subtype":"pre_tool","timestamp":"2025-01-08T14:30:22.123Z",
            "data":{"session_id":"seed-1","tool_name":"Task","tool_input":{"subagent_type":"research",
            "description":"look","prompt":"please"}}})");
    QCOMPARE(e.sessionId, QStringLiteral("seed-1"));
    QCOMPARE(e.subtype, QStringLiteral("pre_tool"));
    QCOMPARE(e.toolName, QStringLiteral("Task"));
    QCOMPARE(e.agentType, QStringLiteral("research"));
    QCOMPARE(e.timestamp, utc("2025-01-08T14:30:22.123Z"));
    QCOMPARE(e.category, EventCategory(EventCategory::Delegation));

    // camelCase session id, as some dashboard builds send it.
    const ClaudeEvent camel = one(QStringLiteral("claude_event"),
                                  R"({"type":"hook","subtype":"stop","data":{"sessionId":"c-1"}})");
    QCOMPARE(camel.sessionId, QStringLiteral("c-1"));
}

void tst_EventNormalizer::oldestDottedType()
{
    const ClaudeEvent e =
        one(QStringLiteral("claude_event"),
            R"({"type":"hook.pre_tool","data":{"session_id":"old","tool_name":"Read",
                                  "tool_input":{"file_path":"/x.py"}}})");
    QCOMPARE(e.subtype, QStringLiteral("pre_tool"));
    QCOMPARE(e.filePath, QStringLiteral("/x.py"));
    QCOMPARE(e.category, EventCategory(EventCategory::File));

    const ClaudeEvent user = one(QStringLiteral("claude_event"),
                                 R"({"type":"hook.user_prompt","data":{"session_id":"old"}})");
    QCOMPARE(user.subtype, QStringLiteral("user_prompt"));

    const ClaudeEvent memory =
        one(QStringLiteral("claude_event"), R"({"type":"memory.updated","session_id":"old"})");
    QCOMPARE(memory.subtype, QStringLiteral("memory_updated"));
    QCOMPARE(memory.category, EventCategory(EventCategory::Memory));

    const ClaudeEvent session =
        one(QStringLiteral("claude_event"), R"({"type":"session.start","session_id":"old"})");
    QCOMPARE(session.subtype, QStringLiteral("session_start"));
}

void tst_EventNormalizer::rawHookPayloads_data()
{
    QTest::addColumn<QString>("hook");
    QTest::addColumn<QString>("subtype");
    QTest::newRow("UserPromptSubmit") << "UserPromptSubmit"
                                      << "user_prompt";
    QTest::newRow("PreToolUse") << "PreToolUse"
                                << "pre_tool";
    QTest::newRow("PostToolUse") << "PostToolUse"
                                 << "post_tool";
    QTest::newRow("Stop") << "Stop"
                          << "stop";
    QTest::newRow("SubagentStop") << "SubagentStop"
                                  << "subagent_stop";
    QTest::newRow("SessionStart") << "SessionStart"
                                  << "session_start";
    QTest::newRow("SessionEnd") << "SessionEnd"
                                << "session_end";
    QTest::newRow("Notification") << "Notification"
                                  << "notification";
    QTest::newRow("PreCompact") << "PreCompact"
                                << "pre_compact";
}

void tst_EventNormalizer::rawHookPayloads()
{
    QFETCH(QString, hook);
    QFETCH(QString, subtype);
    const QByteArray json = QByteArray(R"({"hook_event_name":")") + hook.toLatin1() +
                            R"(","session_id":"raw-1","transcript_path":"/t.jsonl","cwd":"/repo"})";
    const ClaudeEvent e = one(QStringLiteral("claude_event"), json);
    QCOMPARE(e.subtype, subtype);
    QCOMPARE(e.sessionId, QStringLiteral("raw-1"));
    QCOMPARE(e.workingDirectory, QStringLiteral("/repo"));
    QVERIFY(e.timestampFromReceipt);
    QCOMPARE(e.timestamp, now());
}

void tst_EventNormalizer::rawHookFields()
{
    const ClaudeEvent pre = one(
        QStringLiteral("claude_event"),
        R"({"hook_event_name":"PreToolUse","session_id":"r","cwd":"/repo","tool_name":"NotebookEdit",
            "tool_use_id":"toolu_01","tool_input":{"notebook_path":"/repo/a.ipynb"}})");
    QCOMPARE(pre.subtype, QStringLiteral("pre_tool"));
    QCOMPARE(pre.toolName, QStringLiteral("NotebookEdit"));
    QCOMPARE(pre.correlationId, QStringLiteral("toolu_01"));
    QCOMPARE(pre.filePath, QStringLiteral("/repo/a.ipynb"));
    QCOMPARE(pre.category, EventCategory(EventCategory::File));

    // Any tool that names a file is a file operation, not only the well-known ones.
    const ClaudeEvent custom =
        one(QStringLiteral("claude_event"),
            R"({"hook_event_name":"PostToolUse","session_id":"r","tool_name":"mcp__fs__write",
            "tool_call_id":"c9","tool_input":{"file_path":"/repo/b"},"tool_response":{"ok":true}})");
    QCOMPARE(custom.correlationId, QStringLiteral("c9"));
    QCOMPARE(custom.category, EventCategory(EventCategory::File));

    const ClaudeEvent task =
        one(QStringLiteral("claude_event"),
            R"({"hook_event_name":"PreToolUse","session_id":"r","tool_name":"Task",
            "tool_input":{"subagent_type":"general-purpose","prompt":"p"}})");
    QCOMPARE(task.agentType, QStringLiteral("general-purpose"));

    const ClaudeEvent prompt =
        one(QStringLiteral("claude_event"),
            R"({"hook_event_name":"UserPromptSubmit","session_id":"r","prompt":"hi"})");
    QCOMPARE(prompt.promptText(), QStringLiteral("hi"));
    QCOMPARE(prompt.category, EventCategory(EventCategory::Prompt));
}

void tst_EventNormalizer::historyUnpacksToLiveIdentities()
{
    const QByteArray first =
        R"({"event":"mpm_event","type":"hook","subtype":"user_prompt","timestamp":"2026-07-27T16:30:16.379730+00:00","data":{"prompt_text":"a","session_id":"h"},"session_id":"h"})";
    const QByteArray second =
        R"({"event":"mpm_event","type":"hook","subtype":"stop","timestamp":"2026-07-27T16:30:18.000000+00:00","data":{"session_id":"h"},"session_id":"h"})";
    // The live copy arrives with other spacing and key order than inside the history batch.
    const QByteArray live =
        R"({ "session_id": "h", "data": {"session_id": "h", "prompt_text": "a"}, "timestamp": "2026-07-27T16:30:16.379730+00:00",
             "subtype": "user_prompt", "type": "hook", "event": "mpm_event" })";
    const QByteArray batch =
        "{\"events\":[" + first + ",42," + second + ",{}],\"count\":4,\"total_available\":9}";

    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("2 entries were not event objects")));
    const NormalizeResult history =
        EventNormalizer::normalize(QStringLiteral("history"), batch, now());
    QVERIFY(history.isEvents());
    QCOMPARE(history.events.size(), 2);
    QCOMPARE(history.skipped, 2);
    QCOMPARE(history.events.at(0).subtype, QStringLiteral("user_prompt"));
    QCOMPARE(history.events.at(1).subtype, QStringLiteral("stop"));
    QCOMPARE(history.events.at(0).eventName, QStringLiteral("claude_event"));

    const ClaudeEvent liveEvent = one(QStringLiteral("claude_event"), live);
    QCOMPARE(liveEvent.identity, history.events.at(0).identity);
    QCOMPARE(liveEvent.raw, history.events.at(0).raw);
    QVERIFY(liveEvent.identity != history.events.at(1).identity);

    // The same history received later still yields the same identities.
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("2 entries were not event objects")));
    const NormalizeResult again =
        EventNormalizer::normalize(QStringLiteral("history"), batch, now().addSecs(3600));
    QCOMPARE(again.events.at(1).identity, history.events.at(1).identity);

    const NormalizeResult empty =
        EventNormalizer::normalize(QStringLiteral("history"), R"({"events":[],"count":0})", now());
    QVERIFY(empty.isEvents());
    QVERIFY(empty.events.isEmpty());
}

void tst_EventNormalizer::historyRejectsBadShapes()
{
    for (const QByteArray& bad : {QByteArray(R"({"count":3})"), QByteArray(R"({"events":{"a":1}})"),
                                  QByteArray(R"({"events":"x"})")}) {
        const NormalizeResult r = EventNormalizer::normalize(QStringLiteral("history"), bad, now());
        QVERIFY2(r.isError(), bad.constData());
        QCOMPARE(r.error, NormalizeResult::Error::BadHistory);
        QVERIFY(!r.message.isEmpty());
    }
}

void tst_EventNormalizer::chatter_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("heartbeat") << "heartbeat"
                               << QByteArray(R"({"type":"heartbeat","server_uptime":180})");
    QTest::newRow("dashboard:welcome")
        << "dashboard:welcome" << QByteArray(R"({"message":"Connected","session_id":"srv"})");
    QTest::newRow("dashboard:client:count") << "dashboard:client:count" << QByteArray("3");
    QTest::newRow("status") << "status" << QByteArray(R"({"clients":1})");
    QTest::newRow("welcome") << "welcome" << QByteArray();
    QTest::newRow("reload") << "reload" << QByteArray("{}");
    QTest::newRow("config_event") << "config_event" << QByteArray(R"({"session_id":"x"})");
}

void tst_EventNormalizer::chatter()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, payload);
    QVERIFY(EventNormalizer::isChatter(name));
    const NormalizeResult r = EventNormalizer::normalize(name, payload, now());
    QVERIFY(r.isChatter());
    QVERIFY(r.events.isEmpty());
    QVERIFY(!EventNormalizer::isChatter(QStringLiteral("claude_event")));
    QVERIFY(!EventNormalizer::isChatter(QStringLiteral("history")));
}

void tst_EventNormalizer::errors_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("error");
    using E = NormalizeResult::Error;
    QTest::newRow("no payload") << QByteArray() << int(E::Empty);
    QTest::newRow("blank") << QByteArray(" \n\t ") << int(E::Empty);
    QTest::newRow("empty object") << QByteArray("{}") << int(E::Empty);
    QTest::newRow("string") << QByteArray(R"("not an object")") << int(E::NotAnObject);
    QTest::newRow("null") << QByteArray("null") << int(E::NotAnObject);
    QTest::newRow("number") << QByteArray("42") << int(E::NotAnObject);
    QTest::newRow("array") << QByteArray(R"([{"type":"hook"}])") << int(E::NotAnObject);
    QTest::newRow("truncated") << QByteArray("{\"type\":\"hook\",\"subtype\":")
                               << int(E::InvalidJson);
    QTest::newRow("garbage") << QByteArray("\xff\xfe{]") << int(E::InvalidJson);
    QTest::newRow("two objects") << QByteArray(R"({"a":1}{"b":2})") << int(E::InvalidJson);
    QTest::newRow("deep") << (QByteArray(40, '[') + QByteArray(40, ']')) << int(E::TooDeep);
    QTest::newRow("deep object") << (QByteArray("{\"a\":").repeated(33) + "1" + QByteArray(33, '}'))
                                 << int(E::TooDeep);
}

void tst_EventNormalizer::errors()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, error);
    const NormalizeResult r =
        EventNormalizer::normalize(QStringLiteral("claude_event"), payload, now());
    QVERIFY(r.isError());
    QCOMPARE(int(r.error), error);
    QVERIFY(r.events.isEmpty());
    QVERIFY(!r.message.isEmpty());
    QVERIFY(r.message.contains(QLatin1String("claude_event")));
    QVERIFY(!NormalizeResult::errorName(r.error).isEmpty());
}

void tst_EventNormalizer::depthLimitIsConfigurable()
{
    // The hostile recording's nested event: an object holding 32 nested arrays.
    const QByteArray deep = "{\"deep\":" + QByteArray(32, '[') + "1" + QByteArray(32, ']') + "}";
    QCOMPARE(EventNormalizer::nestingDepth(deep, 100), 33);
    // Brackets inside strings do not nest.
    QCOMPARE(EventNormalizer::nestingDepth("{\"a\":\"[[[{{{\\\"]]]\"}", 100), 1);

    const NormalizeResult strict =
        EventNormalizer::normalize(QStringLiteral("claude_event"), deep, now());
    QCOMPARE(strict.error, NormalizeResult::Error::TooDeep);

    EventNormalizer::Limits relaxed;
    relaxed.maxDepth = 64;
    const NormalizeResult r =
        EventNormalizer::normalize(QStringLiteral("claude_event"), deep, now(), relaxed);
    QVERIFY(r.isEvents());
    QCOMPARE(r.events.first().subtype, QStringLiteral("unknown"));
    QCOMPARE(r.events.first().category, EventCategory(EventCategory::Meta));
    QVERIFY(!r.events.first().hasSession());

    // A history batch gets two levels for its wrapper: a 32-deep event still fits.
    const QByteArray inner =
        "{\"session_id\":\"h\",\"x\":" + QByteArray(31, '[') + QByteArray(31, ']') + "}";
    QCOMPARE(EventNormalizer::nestingDepth(inner, 100), 32);
    const NormalizeResult history = EventNormalizer::normalize(
        QStringLiteral("history"), "{\"events\":[" + inner + "]}", now());
    QVERIFY(history.isEvents());
    QCOMPARE(history.events.size(), 1);
}

void tst_EventNormalizer::sizeLimitIsConfigurable()
{
    const QByteArray big = R"({"session_id":"s","blob":")" + QByteArray(5000, 'x') + R"("})";
    EventNormalizer::Limits small;
    small.maxPayloadBytes = 4096;
    const NormalizeResult r =
        EventNormalizer::normalize(QStringLiteral("claude_event"), big, now(), small);
    QVERIFY(r.isError());
    QCOMPARE(r.error, NormalizeResult::Error::Oversized);
    QVERIFY(r.message.contains(QString::number(big.size())));
    QVERIFY(EventNormalizer::normalize(QStringLiteral("claude_event"), big, now()).isEvents());
    QVERIFY(EventNormalizer::Limits().maxPayloadBytes >= 1024 * 1024);
}

void tst_EventNormalizer::timestamps_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDateTime>("expected"); // invalid: must be rejected
    const QDateTime base(QDate(2026, 7, 27), QTime(16, 30, 5, 120), Qt::UTC);
    QTest::newRow("python micro +00:00") << "2026-07-27T16:30:05.120391+00:00" << base;
    QTest::newRow("malformed +00:00Z") << "2026-07-27T16:30:05.120391+00:00Z" << base;
    QTest::newRow("millis Z") << "2026-07-27T16:30:05.120Z" << base;
    QTest::newRow("no zone means UTC") << "2026-07-27T16:30:05.120391" << base;
    QTest::newRow("space separator") << "2026-07-27 16:30:05.120" << base;
    QTest::newRow("no fraction") << "2026-07-27T16:30:05Z" << base.addMSecs(-120);
    QTest::newRow("no seconds") << "2026-07-27T16:30Z" << base.addMSecs(-5120);
    QTest::newRow("one fraction digit") << "2026-07-27T16:30:05.1Z" << base.addMSecs(-20);
    QTest::newRow("nanoseconds") << "2026-07-27T16:30:05.120999999Z" << base;
    QTest::newRow("comma fraction") << "2026-07-27T16:30:05,120Z" << base;
    QTest::newRow("offset +02:00") << "2026-07-27T18:30:05.120+02:00" << base;
    QTest::newRow("offset -0530") << "2026-07-27T11:00:05.120-0530" << base;
    QTest::newRow("offset +02") << "2026-07-27T18:30:05.120+02" << base;
    QTest::newRow("lowercase") << "2026-07-27t16:30:05.120z" << base;
    QTest::newRow("padded") << "  2026-07-27T16:30:05.120Z " << base;
    // Longer than the normalizer widens on its stack: read through a QString instead.
    QTest::newRow("padded past 64")
        << QString(70, QLatin1Char(' ')) + "2026-07-27T16:30:05.120Z" << base;
    QTest::newRow("yesterday") << "yesterday" << QDateTime();
    QTest::newRow("empty") << "" << QDateTime();
    QTest::newRow("date only") << "2026-07-27" << QDateTime();
    QTest::newRow("month 13") << "2026-13-01T00:00:00Z" << QDateTime();
    QTest::newRow("hour 25") << "2026-07-27T25:00:00Z" << QDateTime();
    QTest::newRow("february 30") << "2026-02-30T00:00:00Z" << QDateTime();
    QTest::newRow("trailing junk") << "2026-07-27T16:30:05Zjunk" << QDateTime();
    QTest::newRow("double Z") << "2026-07-27T16:30:05ZZ" << QDateTime();
    QTest::newRow("empty fraction") << "2026-07-27T16:30:05.Z" << QDateTime();
    QTest::newRow("offset 99") << "2026-07-27T16:30:05+99:00" << QDateTime();
    QTest::newRow("arabic digits") << QString::fromUtf8("٢٠٢٦-07-27T16:30:05Z") << QDateTime();
}

void tst_EventNormalizer::timestamps()
{
    QFETCH(QString, text);
    QFETCH(QDateTime, expected);
    const std::optional<QDateTime> parsed = EventNormalizer::parseIsoTimestamp(text);
    const QByteArray json = R"({"type":"hook","subtype":"stop","session_id":"t","timestamp":")" +
                            text.toUtf8() + R"("})";
    if (!expected.isValid()) {
        QVERIFY2(!parsed, qPrintable(text));
        // Through the normalizer: the time of receipt stands in.
        QVERIFY(one(QStringLiteral("claude_event"), json).timestampFromReceipt);
        return;
    }
    QVERIFY2(parsed, qPrintable(text));
    QCOMPARE(*parsed, expected);
    QCOMPARE(parsed->timeSpec(), Qt::UTC);

    // Through the normalizer, at the top level of a wrapped event.
    const ClaudeEvent e = one(QStringLiteral("claude_event"), json);
    QCOMPARE(e.timestamp, expected);
    QVERIFY(!e.timestampFromReceipt);
}

void tst_EventNormalizer::numericTimestamps()
{
    const QDateTime expected = QDateTime::fromMSecsSinceEpoch(1785169805120, Qt::UTC);
    QCOMPARE(EventNormalizer::parseTimestamp(QJsonValue(1785169805.12)).value(), expected);
    QCOMPARE(EventNormalizer::parseTimestamp(QJsonValue(double(1785169805120))).value(), expected);
    QVERIFY(!EventNormalizer::parseTimestamp(QJsonValue(-5)));
    QVERIFY(!EventNormalizer::parseTimestamp(QJsonValue(1e300)));
    QVERIFY(!EventNormalizer::parseTimestamp(QJsonValue(true)));
    QVERIFY(!EventNormalizer::parseTimestamp(QJsonValue(QJsonObject())));
}

void tst_EventNormalizer::missingTimestampFallsBackToReceipt()
{
    const QByteArray json = R"({"type":"hook","subtype":"stop","data":{"session_id":"n"}})";
    const NormalizeResult a =
        EventNormalizer::normalize(QStringLiteral("claude_event"), json, now());
    const NormalizeResult b =
        EventNormalizer::normalize(QStringLiteral("claude_event"), json, now().addSecs(1));
    const NormalizeResult a2 =
        EventNormalizer::normalize(QStringLiteral("claude_event"), json, now());
    QVERIFY(a.events.first().timestampFromReceipt);
    QCOMPARE(a.events.first().timestamp, now());
    // Identical payloads without a timestamp received at different times are two events...
    QVERIFY(a.events.first().identity != b.events.first().identity);
    // ...but a replay of the same receipt (journal recovery) is the same event.
    QCOMPARE(a.events.first().identity, a2.events.first().identity);

    // An unreadable top-level timestamp falls back to the one in data, then to receipt.
    const ClaudeEvent inData = one(QStringLiteral("claude_event"),
                                   R"({"type":"hook","subtype":"stop","timestamp":"yesterday",
                                       "data":{"session_id":"n","timestamp":"2026-07-27T10:00:00Z"}})");
    QCOMPARE(inData.timestamp, utc("2026-07-27T10:00:00.000Z"));
    QVERIFY(!inData.timestampFromReceipt);
    const ClaudeEvent none =
        one(QStringLiteral("claude_event"),
            R"({"type":"hook","subtype":"stop","timestamp":"yesterday","session_id":"n"})");
    QVERIFY(none.timestampFromReceipt);
}

void tst_EventNormalizer::subtypeNormalization_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("pre_tool") << "pre_tool"
                              << "pre_tool";
    QTest::newRow("PreToolUse") << "PreToolUse"
                                << "pre_tool";
    QTest::newRow("tool_use") << "tool_use"
                              << "pre_tool";
    QTest::newRow("tool.start") << "tool.start"
                                << "pre_tool";
    QTest::newRow("tool.end") << "tool.end"
                              << "post_tool";
    QTest::newRow("UserPromptSubmit") << "UserPromptSubmit"
                                      << "user_prompt";
    QTest::newRow("session.started") << "session.started"
                                     << "session_start";
    QTest::newRow("response.end") << "response.end"
                                  << "response_ended";
    QTest::newRow("response_started") << "response_started"
                                      << "response_started";
    QTest::newRow("file.edit") << "file.edit"
                               << "file_edit";
    QTest::newRow("SubagentStop") << "SubagentStop"
                                  << "subagent_stop";
    QTest::newRow("unknown kept snake") << "SomethingNew2Happened"
                                        << "something_new2_happened";
    QTest::newRow("junk stripped") << "../../etc/passwd"
                                   << "etc_passwd";
    QTest::newRow("emoji dropped") << QString::fromUtf8("stop😀") << "stop";
    QTest::newRow("empty") << ""
                           << "unknown";
    QTest::newRow("only junk") << "***"
                               << "unknown";
    QTest::newRow("long") << QString(500, QLatin1Char('a')) << QString(64, QLatin1Char('a'));
}

void tst_EventNormalizer::subtypeNormalization()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(EventNormalizer::normalizeSubtype(input), expected);
}

void tst_EventNormalizer::categoryRules_data()
{
    QTest::addColumn<QString>("subtype");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<bool>("hasFile");
    QTest::addColumn<QString>("category");
    QTest::newRow("prompt") << "user_prompt"
                            << "" << false << "prompt";
    QTest::newRow("task pre") << "pre_tool"
                              << "Task" << false << "delegation";
    QTest::newRow("task post") << "post_tool"
                               << "Task" << false << "delegation";
    QTest::newRow("agent tool") << "pre_tool"
                                << "Agent" << false << "delegation";
    QTest::newRow("subagent start") << "subagent_start"
                                    << "" << false << "delegation";
    QTest::newRow("subagent stop") << "subagent_stop"
                                   << "" << false << "delegation";
    QTest::newRow("read") << "pre_tool"
                          << "Read" << false << "file";
    QTest::newRow("write") << "post_tool"
                           << "Write" << false << "file";
    QTest::newRow("edit") << "pre_tool"
                          << "Edit" << true << "file";
    QTest::newRow("multiedit") << "pre_tool"
                               << "MultiEdit" << false << "file";
    QTest::newRow("notebookedit") << "pre_tool"
                                  << "NotebookEdit" << false << "file";
    QTest::newRow("tool with path") << "pre_tool"
                                    << "mcp__fs__read" << true << "file";
    QTest::newRow("todowrite") << "pre_tool"
                               << "TodoWrite" << false << "todo";
    QTest::newRow("todo updated") << "todo_updated"
                                  << "" << false << "todo";
    QTest::newRow("bash") << "pre_tool"
                          << "Bash" << false << "tool";
    QTest::newRow("unnamed tool") << "post_tool"
                                  << "" << false << "tool";
    QTest::newRow("assistant response") << "assistant_response"
                                        << "" << false << "response";
    QTest::newRow("stop") << "stop"
                          << "" << false << "response";
    QTest::newRow("memory") << "memory_injected"
                            << "" << false << "memory";
    QTest::newRow("session start") << "session_start"
                                   << "" << false << "meta";
    QTest::newRow("session end") << "session_end"
                                 << "" << false << "meta";
    QTest::newRow("notification") << "notification"
                                  << "" << false << "meta";
    QTest::newRow("unknown") << "unknown"
                             << "" << false << "meta";
    // A tool name only matters on tool events.
    QTest::newRow("notification naming Task") << "notification"
                                              << "Task" << false << "meta";
}

void tst_EventNormalizer::categoryRules()
{
    QFETCH(QString, subtype);
    QFETCH(QString, tool);
    QFETCH(bool, hasFile);
    QFETCH(QString, category);
    QCOMPARE(EventCategory::classify(subtype, tool, hasFile).name(), category);
}

void tst_EventNormalizer::categoryNames()
{
    QSet<QString> names;
    for (const EventCategory::Value c : EventCategory::all()) {
        const QString name = EventCategory(c).name();
        names.insert(name);
        QCOMPARE(EventCategory::fromName(name).value(), EventCategory(c));
    }
    QCOMPARE(names.size(), EventCategory::Count);
    QVERIFY(!EventCategory::fromName(u"bogus"));
    QCOMPARE(EventCategory::fromName(u"system").value(), EventCategory(EventCategory::Meta));
}

void tst_EventNormalizer::rawIsCanonicalAndCompact()
{
    const ClaudeEvent e =
        one(QStringLiteral("claude_event"),
            "{ \"z\" : 1,\n \"type\":\"hook\", \"subtype\":\"stop\", \"session_id\":\"c\" }");
    QCOMPARE(e.raw, QByteArray(R"({"session_id":"c","subtype":"stop","type":"hook","z":1})"));
    // No slack capacity: held events must cost their size, not twice it.
    QVERIFY(e.raw.capacity() <= e.raw.size() + 1);
    QCOMPARE(e.payload().value(QStringLiteral("z")).toInt(), 1);
    QCOMPARE(e.identityHex().size(), 16);
}

void tst_EventNormalizer::derivedTexts()
{
    const ClaudeEvent prompt =
        one(QStringLiteral("claude_event"),
            R"({"type":"claude_event","subtype":"user_prompt","session_id":"d",
                                       "data":{"prompt_text":"Fix the login bug","prompt":"ignored"}})");
    QCOMPARE(prompt.promptText(), QStringLiteral("Fix the login bug"));
    const ClaudeEvent response =
        one(QStringLiteral("claude_event"),
            R"({"type":"claude_event","subtype":"assistant_response","session_id":"d",
                                         "data":{"response_text":"Done."}})");
    QCOMPARE(response.responseText(), QStringLiteral("Done."));
    QCOMPARE(response.data().value(QStringLiteral("response_text")).toString(),
             QStringLiteral("Done."));
    const ClaudeEvent raw =
        one(QStringLiteral("claude_event"), R"({"hook_event_name":"Stop","session_id":"d"})");
    QCOMPARE(raw.data().value(QStringLiteral("hook_event_name")).toString(),
             QStringLiteral("Stop"));
}

void tst_EventNormalizer::hostileRecording()
{
    const QList<RecordedEvent> lines = RecordedStream::load(QStringLiteral("hostile.jsonl"));
    QVERIFY(!lines.isEmpty());
    const QJsonObject truth = RecordedStream::truth(QStringLiteral("hostile.truth.json"));
    QCOMPARE(lines.size(), truth.value(QStringLiteral("lines")).toInt());

    QHash<QString, int> perSession;
    int chatter = 0, errors = 0, unattributed = 0;
    QList<NormalizeResult::Error> errorKinds;
    for (const RecordedEvent& line : lines) {
        const NormalizeResult r = EventNormalizer::normalize(line.name, line.payload,
                                                             RecordedStream::receivedAt(line.line));
        if (r.isChatter()) {
            ++chatter;
        } else if (r.isError()) {
            ++errors;
            errorKinds.append(r.error);
        } else {
            for (const ClaudeEvent& e : r.events) {
                if (e.hasSession())
                    ++perSession[e.sessionId];
                else
                    ++unattributed;
            }
        }
    }
    QCOMPARE(chatter, 2);      // dashboard:welcome, heartbeat
    QCOMPARE(errors, 3);       // "not an object", the deep nest, an event without arguments
    QCOMPARE(unattributed, 2); // numeric session id, null data
    QVERIFY(errorKinds.contains(NormalizeResult::Error::NotAnObject));
    QVERIFY(errorKinds.contains(NormalizeResult::Error::TooDeep));
    QVERIFY(errorKinds.contains(NormalizeResult::Error::Empty));

    const QJsonArray sessions = truth.value(QStringLiteral("sessions")).toArray();
    QCOMPARE(perSession.size(), sessions.size());
    for (const QJsonValue& v : sessions) {
        const QJsonObject s = v.toObject();
        const QString id = s.value(QStringLiteral("session_id")).toString();
        QVERIFY2(perSession.contains(id), qPrintable(id.left(40)));
        QCOMPARE(perSession.value(id), s.value(QStringLiteral("events")).toInt());
    }
    // The 3,000-character and emoji ids survive untouched; cleaning them is the store's job.
    QVERIFY(perSession.contains(QString(3000, QLatin1Char('x'))));
    QVERIFY(perSession.contains(QString::fromUtf8("séss-😀-4a14876a")));
}

void tst_EventNormalizer::everySampleLineNormalizes_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("current") << "current-server.jsonl";
    QTest::newRow("legacy") << "legacy-server.jsonl";
    QTest::newRow("seed") << "seed-format.jsonl";
}

void tst_EventNormalizer::everySampleLineNormalizes()
{
    QFETCH(QString, file);
    const QList<RecordedEvent> lines = RecordedStream::load(file);
    QVERIFY(!lines.isEmpty());
    for (const RecordedEvent& line : lines) {
        const NormalizeResult r = EventNormalizer::normalize(line.name, line.payload, QDateTime());
        QVERIFY2(!r.isError(),
                 qPrintable(QStringLiteral("line %1: %2").arg(line.line).arg(r.message)));
        for (const ClaudeEvent& e : r.events) {
            QVERIFY2(e.subtype != u"unknown", qPrintable(QString::number(line.line)));
            QVERIFY2(!e.timestampFromReceipt, qPrintable(QString::number(line.line)));
            QVERIFY2(e.timestamp.isValid(), qPrintable(QString::number(line.line)));
            if (e.isPreTool() || e.isPostTool()) {
                QVERIFY(!e.toolName.isEmpty());
                QVERIFY(!e.correlationId.isEmpty());
            }
            if (e.isPreTool() && e.isDelegationTool())
                QVERIFY(!e.agentType.isEmpty());
        }
    }
}

void tst_EventNormalizer::mutatedPayloadsNeverCrash()
{
    const QList<RecordedEvent> lines = RecordedStream::load(QStringLiteral("current-server.jsonl"));
    QVERIFY(lines.size() > 10);
    QRandomGenerator random(20260727);
    int events = 0, errors = 0;
    for (int round = 0; round < 3000; ++round) {
        const RecordedEvent& source = lines.at(random.bounded(int(lines.size())));
        QByteArray mutated = source.payload;
        switch (random.bounded(4)) {
        case 0: // truncate
            mutated.truncate(random.bounded(int(mutated.size()) + 1));
            break;
        case 1: // flip bytes
            for (int i = 0; i < 1 + random.bounded(8) && !mutated.isEmpty(); ++i)
                mutated[random.bounded(int(mutated.size()))] = char(random.bounded(256));
            break;
        case 2: // change types: strings become numbers, objects become null
            mutated.replace("\"session_id\": \"", "\"session_id\": 7, \"x\": \"");
            mutated.replace("{\"",
                            random.bounded(2) ? "{\"data\":null,\"" : "{\"timestamp\":[],\"");
            break;
        case 3: // splice two payloads
            mutated = mutated.left(mutated.size() / 2) +
                      lines.at(random.bounded(int(lines.size()))).payload.mid(mutated.size() / 2);
            break;
        }
        const NormalizeResult r = EventNormalizer::normalize(source.name, mutated, now());
        QVERIFY(r.isEvents() || r.isError() || r.isChatter());
        if (r.isError()) {
            QVERIFY(!r.message.isEmpty());
            ++errors;
        } else {
            events += int(r.events.size());
        }
    }
    // Both outcomes happened, so the mutations exercised both paths.
    QVERIFY(events > 100);
    QVERIFY(errors > 100);
}

void tst_EventNormalizer::eventIsCompact()
{
    // Documented budget; grows only with a reason (held events use a smaller record anyway).
    QVERIFY2(sizeof(ClaudeEvent) <= 272, qPrintable(QString::number(sizeof(ClaudeEvent))));
    qInfo("sizeof(ClaudeEvent) = %zu", sizeof(ClaudeEvent));

    // Known names share static data: two events' subtype strings are the same buffer.
    const QByteArray json =
        R"({"type":"hook","subtype":"pre_tool","session_id":"s","data":{"tool_name":"Read"}})";
    const ClaudeEvent a = one(QStringLiteral("claude_event"), json);
    const ClaudeEvent b = one(QStringLiteral("claude_event"), json);
    QCOMPARE(a.subtype.constData(), b.subtype.constData());
    QCOMPARE(a.toolName.constData(), b.toolName.constData());
    QCOMPARE(a.eventName.constData(), b.eventName.constData());
}

// One parse per frame: the normalizer reads the payload from the Socket.IO decoder's parse
// while it is current (the bytes it is given are then not parsed at all), and parses the
// bytes itself once that parse went stale.
void tst_EventNormalizer::readsTheFramesParse()
{
    JsonParser parser;
    const auto packet = SocketPacket::decode(
        R"(2["claude_event",{"session_id":"from-frame","subtype":"stop","timestamp":1785169805}])",
        &parser);
    QVERIFY2(packet.ok(), qPrintable(packet.error));
    const ParsedJson payload = packet.value.parsed.element(1);
    const QByteArray other = R"({"session_id":"from-bytes","subtype":"stop"})";
    NormalizeResult r =
        EventNormalizer::normalize(QStringLiteral("claude_event"), other, now(), payload);
    QVERIFY(r.isEvents());
    QCOMPARE(r.events.first().sessionId, QStringLiteral("from-frame"));
    QCOMPARE(r.events.first().raw,
             QByteArray(R"({"session_id":"from-frame","subtype":"stop","timestamp":1785169805})"));

    QCOMPARE(parser.parse("[]"), JsonParser::Status::Ok); // the next frame
    r = EventNormalizer::normalize(QStringLiteral("claude_event"), other, now(), payload);
    QVERIFY(r.isEvents());
    QCOMPARE(r.events.first().sessionId, QStringLiteral("from-bytes"));
}

// 1e999 and integers beyond 64 bits cannot be read as numbers: kept as strings of their text
// and counted, live (through the frame's parse) and from bytes alike.
void tst_EventNormalizer::numbersOutOfRangeKeptAsText()
{
    const QByteArray payload =
        R"({"session_id":"n","huge":1e999,"big":123456789012345678901234,"exact":9007199254740993})";
    const QByteArray raw =
        R"({"big":"123456789012345678901234","exact":9007199254740993,"huge":"1e999","session_id":"n"})";
    NormalizeResult r = EventNormalizer::normalize(QStringLiteral("claude_event"), payload, now());
    QVERIFY(r.isEvents());
    QCOMPARE(r.numbersAsText, 2);
    QCOMPARE(r.events.first().raw, raw);

    JsonParser parser;
    const auto packet = SocketPacket::decode("2[\"claude_event\"," + payload + "]", &parser);
    QVERIFY2(packet.ok(), qPrintable(packet.error));
    r = EventNormalizer::normalize(QStringLiteral("claude_event"), packet.value.elements.at(1),
                                   now(), packet.value.parsed.element(1));
    QVERIFY(r.isEvents());
    QCOMPARE(r.numbersAsText, 2);
    QCOMPARE(r.events.first().raw, raw);
}

// What the session model derives tool calls, delegations and prompts from is read from the one
// parse, in the payload's shapes (wrapped in "data" or a raw hook), never parsed again later.
void tst_EventNormalizer::detailsForTheSessionModel()
{
    const auto one = [](const QByteArray& json) {
        const NormalizeResult r =
            EventNormalizer::normalize(QStringLiteral("claude_event"), json, now());
        return r.events.value(0);
    };
    ClaudeEvent e = one(R"({"type":"hook","subtype":"post_tool","session_id":"s","data":{
        "tool_name":"Bash","exit_code":2,"duration_ms":41.9,
        "result_summary":{"error_preview":"boom"}}})");
    QVERIFY(e.hookDetails);
    QCOMPARE(e.details().success, false);
    QCOMPARE(e.details().exitCode, std::optional<int>(2));
    QCOMPARE(e.details().error, QStringLiteral("boom"));
    QCOMPARE(e.details().durationMs, 41);

    // A raw hook: the payload itself holds the fields; is_error in the tool_response.
    e = one(R"({"hook_event_name":"PostToolUse","session_id":"s","tool_name":"Read",
        "tool_response":{"is_error":true,"error":"no such file"}})");
    QCOMPARE(e.details().success, false);
    QCOMPARE(e.details().error, QStringLiteral("no such file"));
    QCOMPARE(e.details().exitCode, std::nullopt);

    e = one(
        R"({"subtype":"post_tool","session_id":"s","data":{"tool_name":"Task","status":"success",
        "tool_response":{"content":[{"type":"text","text":""},{"type":"text","text":"done"}]}}})");
    QCOMPARE(e.details().success, true);
    QCOMPARE(e.details().resultText, QStringLiteral("done"));

    e = one(R"({"subtype":"pre_tool","session_id":"s","data":{"tool_name":"Task",
        "tool_input":{"description":"Plan","prompt":"Plan it","subagent_type":"planner"}}})");
    QCOMPARE(e.details().taskDescription, QStringLiteral("Plan"));
    QCOMPARE(e.details().prompt, QStringLiteral("Plan it"));

    e = one(R"({"subtype":"user_prompt","session_id":"s","data":{"prompt_text":"Hi"}})");
    QCOMPARE(e.details().prompt, QStringLiteral("Hi"));
    QCOMPARE(e.details().promptPreview, QStringLiteral("Hi")); // no shortened copy: the text
    e = one(R"({"subtype":"user_prompt","session_id":"s","data":{"prompt_text":"Hello there",
        "prompt_preview":"Hello..."}})");
    QCOMPARE(e.details().prompt, QStringLiteral("Hello there"));
    QCOMPARE(e.details().promptPreview, QStringLiteral("Hello..."));
    // Without a session (command_acknowledged): what the aggregator attributes it by.
    e = one(R"({"subtype":"command_acknowledged","data":{"prompt_text":"Hello there",
        "prompt_preview":"Hello...","project":"api"}})");
    QCOMPARE(e.details().promptPreview, QStringLiteral("Hello..."));
    QCOMPARE(e.details().project, QStringLiteral("api"));
    e = one(R"({"subtype":"command_acknowledged","data":{"prompt_text":"Hi"}})");
    QCOMPARE(e.details().promptPreview, QStringLiteral("Hi"));

    e = one(R"({"subtype":"subagent_stop","session_id":"s","data":{"agent_id":"a1",
        "is_error_termination":true,"reason":"crash",
        "structured_response":{"results":"half","files_modified":["a.cpp",7]}}})");
    QCOMPARE(e.details().agentId, QStringLiteral("a1"));
    QCOMPARE(e.details().errorTermination, true);
    QCOMPARE(e.details().reason, QStringLiteral("crash"));
    QCOMPARE(e.details().resultText, QStringLiteral("half"));
    QCOMPARE(e.details().filesModified, (QStringList{QStringLiteral("a.cpp"), QString()}));

    // Kinds the model keeps no details of carry none.
    e = one(R"({"subtype":"notification","session_id":"s","data":{"message":"m"}})");
    QVERIFY(!e.hookDetails);
    QCOMPARE(e.details().success, true);
}

// Events of one directory and branch get one shared string (no allocation per event, and the
// session's and the live-state monitor's copies compare by address); the texts stay exact.
void tst_EventNormalizer::repeatedDirectoriesShareOneString()
{
    const auto one = [](const QByteArray& cwd, const QByteArray& branch) {
        const QByteArray json = R"({"subtype":"pre_tool","session_id":"s","cwd":")" + cwd +
                                R"(","data":{"git_branch":")" + branch + R"("}})";
        return EventNormalizer::normalize(QStringLiteral("claude_event"), json, now())
            .events.value(0);
    };
    const ClaudeEvent a = one("/home/dev/api", "main");
    const ClaudeEvent b = one("/home/dev/api", "main");
    QCOMPARE(a.workingDirectory, QStringLiteral("/home/dev/api"));
    QCOMPARE(a.gitBranch, QStringLiteral("main"));
    QCOMPARE(b.workingDirectory.constData(), a.workingDirectory.constData());
    QCOMPARE(b.gitBranch.constData(), a.gitBranch.constData());
    // Other values, non-ASCII ones and ones too long to keep: their own texts.
    const ClaudeEvent c = one("/home/dev/apj", "feature/\u00fcber");
    QCOMPARE(c.workingDirectory, QStringLiteral("/home/dev/apj"));
    QCOMPARE(c.gitBranch, QStringLiteral("feature/\u00fcber"));
    QCOMPARE(one("/home/dev/apj", "feature/\u00fcber").gitBranch.constData(),
             c.gitBranch.constData());
    const QByteArray longPath = "/" + QByteArray(2000, 'x');
    QCOMPARE(one(longPath, "").workingDirectory, QString::fromLatin1(longPath));
    QVERIFY(one("", "").workingDirectory.isEmpty());
    QCOMPARE(one("/home/dev/api", "main").workingDirectory, QStringLiteral("/home/dev/api"));
}

QTEST_GUILESS_MAIN(tst_EventNormalizer)
#include "tst_eventnormalizer.moc"
