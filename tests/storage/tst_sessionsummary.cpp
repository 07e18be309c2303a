// Tests SessionSummary: reading summaries from session documents of both aggregators, and times.
#include "model/SessionSummary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace ea;

class TstSessionSummary : public QObject
{
    Q_OBJECT

private slots:
    void parsesTheTimesTheDashboardSends_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDateTime>("expected");
        const QDateTime t(QDate(2026, 7, 27), QTime(16, 30, 5, 120), Qt::UTC);
        QTest::newRow("offset, microseconds") << "2026-07-27T16:30:05.120391+00:00" << t;
        QTest::newRow("Z") << "2026-07-27T16:30:05.120Z" << t;
        QTest::newRow("offset then Z") << "2026-07-27T16:30:05.120391+00:00Z" << t;
        QTest::newRow("other offset") << "2026-07-27T18:30:05.120+02:00" << t;
        QTest::newRow("naive is UTC") << "2026-07-27T16:30:05.120" << t;
        QTest::newRow("space") << "2026-07-27 16:30:05.120Z" << t;
        QTest::newRow("padded") << "  2026-07-27T16:30:05.120Z " << t;
        QTest::newRow("empty") << "" << QDateTime();
        QTest::newRow("garbage") << "yesterday" << QDateTime();
        QTest::newRow("bad month") << "2026-13-27T16:30:05Z" << QDateTime();
    }

    void parsesTheTimesTheDashboardSends()
    {
        QFETCH(QString, text);
        QFETCH(QDateTime, expected);
        const QDateTime got = SessionSummary::parseTime(text);
        QCOMPARE(got.isValid(), expected.isValid());
        if (expected.isValid()) {
            QCOMPARE(got, expected);
            QCOMPARE(got.timeSpec(), Qt::UTC);
        }
    }

    void readsMetricsWhenPresent()
    {
        const QJsonObject doc{
            {"session_id", "abc"},
            {"start_time", "2025-01-08T14:30:22Z"},
            {"end_time", "2025-01-08T15:30:22Z"},
            {"status", "timed_out"},
            {"working_directory", "/w"},
            {"metadata", QJsonObject{{"git_branch", "dev"}}},
            {"metrics", QJsonObject{{"total_events", 12},
                                    {"total_tool_calls", 5},
                                    {"total_delegations", 2},
                                    {"total_failures", 3}}},
        };
        const SessionSummary s = SessionSummary::fromDocument(doc);
        QCOMPARE(s.sessionId, QStringLiteral("abc"));
        QCOMPARE(s.status, QStringLiteral("timed_out"));
        QVERIFY(s.isEnded());
        QCOMPARE(s.startTime.secsTo(s.endTime), 3600);
        QCOMPARE(s.totalEvents, 12);
        QCOMPARE(s.toolCalls, 5);
        QCOMPARE(s.delegations, 2);
        QCOMPARE(s.failures, 3);
        QCOMPARE(s.workingDirectory, QStringLiteral("/w"));
        QCOMPARE(s.gitBranch, QStringLiteral("dev"));
        QVERIFY(!s.damaged);
    }

    void countsAFailedCallInsideADelegationOnce()
    {
        // Our own layout: the session's list holds every call, its delegation lists it again.
        const QJsonObject failedOp{
            {"tool_name", "Bash"}, {"success", false}, {"correlation_id", "c1"}, {"delegation", 0}};
        const QJsonObject otherFailed{{"tool_name", "Bash"},
                                      {"success", false},
                                      {"correlation_id", "c2"},
                                      {"delegation", QJsonValue::Null}};
        const QJsonObject doc{
            {"session_id", "ours"},
            {"status", "completed"},
            {"tool_operations", QJsonArray{failedOp, otherFailed}},
            {"delegations",
             QJsonArray{QJsonObject{{"tool_operations", QJsonArray{failedOp}}, {"success", true}}}},
        };
        QCOMPARE(SessionSummary::fromDocument(doc).failures, 2);
    }

    void countsWhenMetricsAreMissing()
    {
        // The Python aggregator's layout: no status, no total_failures.
        const QJsonObject op{{"tool_name", "Read"}, {"success", true}};
        const QJsonObject failedOp{{"tool_name", "Bash"}, {"success", false}};
        const QJsonObject doc{
            {"session_id", "py"},
            {"start_time", "2025-01-08T14:30:22.123456"},
            {"end_time", "2025-01-08T14:40:22.123456"},
            {"events", QJsonArray{1, 2, 3}},
            {"delegations", QJsonArray{QJsonObject{{"tool_operations", QJsonArray{op, failedOp}},
                                                   {"success", false}},
                                       QJsonObject{{"tool_operations", QJsonArray{op}}}}},
            {"metadata", QJsonObject{{"project_root", "/p"}}},
            {"git_branch", "main"},
        };
        const SessionSummary s = SessionSummary::fromDocument(doc);
        QCOMPARE(s.status, QStringLiteral("completed")); // ended, as Python saved only at the end
        QCOMPARE(s.totalEvents, 3);
        QCOMPARE(s.delegations, 2);
        QCOMPARE(s.toolCalls, 3);
        QCOMPARE(s.failures, 2); // one failed operation, one failed delegation
        QCOMPARE(s.workingDirectory, QStringLiteral("/p"));
        QCOMPARE(s.gitBranch, QStringLiteral("main"));

        QJsonObject running = doc;
        running.remove("end_time");
        QVERIFY(SessionSummary::fromDocument(running).status.isEmpty());
        QVERIFY(!SessionSummary::fromDocument(running).isEnded());
    }

    void survivesWrongTypes()
    {
        const QJsonObject doc{{"session_id", 5},
                              {"start_time", QJsonArray{}},
                              {"metrics", "not an object"},
                              {"events", "nope"},
                              {"delegations", QJsonArray{1, "x", QJsonArray{}}}};
        const SessionSummary s = SessionSummary::fromDocument(doc);
        QVERIFY(s.sessionId.isEmpty());
        QVERIFY(!s.startTime.isValid());
        QCOMPARE(s.totalEvents, 0);
        QCOMPARE(s.delegations, 3);
    }

    // A count is read as Qt reads an int: a fraction or a number beyond int's range is no
    // count, and the arrays count instead; text that is not JSON reads as nothing at all.
    void readsCountsFromTextAsQtReadsThem()
    {
        const SessionSummary s = SessionSummary::fromText(
            R"({"session_id":"t","events":[1,2,3],"turns":[{},{}],)"
            R"("metrics":{"total_events":2.5,"turns":1e300,"total_tool_calls":-4,)"
            R"("token_usage":{"total_tokens":12345678901}}})");
        QCOMPARE(s.sessionId, QStringLiteral("t"));
        QCOMPARE(s.totalEvents, 3);
        QCOMPARE(s.turns, 2);
        QCOMPARE(s.toolCalls, -4);
        QCOMPARE(s.totalTokens, Q_INT64_C(12345678901));
        // A token total beyond qint64 (a hostile file) is no total, not an undefined cast.
        QCOMPARE(SessionSummary::fromText(R"({"metrics":{"token_usage":{"total_tokens":1e300}}})")
                     .totalTokens,
                 qint64(-1));
        // From a Qt tree the events are counted, not read: the same summary as from the text.
        const QJsonObject tree{{"session_id", "t"},
                               {"events", QJsonArray{1, QJsonObject{{"a", "b"}}, "x"}},
                               {"metrics", QJsonObject{{"turns", 1}}}};
        const SessionSummary fromTree = SessionSummary::fromDocument(tree);
        QCOMPARE(fromTree.totalEvents, 3);
        QCOMPARE(fromTree.toJson(),
                 SessionSummary::fromText(QJsonDocument(tree).toJson()).toJson());
        const SessionSummary none = SessionSummary::fromText("{\"session_id\": \"t\"");
        QVERIFY(none.sessionId.isEmpty());
        QCOMPARE(none.totalEvents, 0);
    }

    void jsonFormForScripts()
    {
        SessionSummary s;
        s.sessionId = QStringLiteral("x");
        s.startTime = QDateTime(QDate(2025, 1, 1), QTime(1, 2, 3, 4), Qt::UTC);
        s.status = QStringLiteral("stopped");
        s.failures = 4;
        s.compressed = true;
        const QJsonObject o = s.toJson();
        QCOMPARE(o.value(QStringLiteral("session_id")).toString(), QStringLiteral("x"));
        QCOMPARE(o.value(QStringLiteral("start_time")).toString(),
                 QStringLiteral("2025-01-01T01:02:03.004Z"));
        QCOMPARE(o.value(QStringLiteral("end_time")).toString(), QString());
        QCOMPARE(o.value(QStringLiteral("failures")).toInt(), 4);
        QVERIFY(o.value(QStringLiteral("total_tokens")).isNull());
        QVERIFY(!o.contains(QStringLiteral("damaged")));
        SessionSummary broken;
        broken.damaged = true;
        broken.error = QStringLiteral("why");
        QCOMPARE(broken.toJson().value(QStringLiteral("error")).toString(), QStringLiteral("why"));
    }
};

QTEST_GUILESS_MAIN(TstSessionSummary)
#include "tst_sessionsummary.moc"
