#include "presentation/LiveSessionMatcher.h"
#include "presentation/QueryAssist.h"
#include "presentation/TextHighlight.h"

#include <QTest>

using namespace ea;

// Completion of the search syntax's words and the marking of matched text.
class TestQueryAssist : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void completesFieldNames()
    {
        QueryAssist assist;
        QCOMPARE(assist.candidates(QStringLiteral("pro"), 3), QStringList{"project:"});
        QCOMPARE(assist.candidates(QStringLiteral("auth fa"), 7), QStringList{"failed"});
        // The word under the cursor, not the last one.
        QCOMPARE(assist.candidates(QStringLiteral("to auth"), 2),
                 (QStringList{"tool:", "tokens>"}));
        QVERIFY(assist.candidates(QStringLiteral("auth "), 5).isEmpty());
        QVERIFY(assist.candidates(QStringLiteral("tokens>10"), 9).isEmpty());

        int cursor = -1;
        QCOMPARE(
            QueryAssist::apply(QStringLiteral("auth pro"), 8, QStringLiteral("project:"), &cursor),
            QStringLiteral("auth project:"));
        QCOMPARE(cursor, 13);
        QCOMPARE(
            QueryAssist::apply(QStringLiteral("fa auth"), 2, QStringLiteral("failed"), &cursor),
            QStringLiteral("failed auth"));
        QCOMPARE(cursor, 7);
    }

    void completesKnownValues()
    {
        QueryAssist assist;
        assist.setValues(
            QStringLiteral("project"),
            {QStringLiteral("api"), QStringLiteral("web app"), QStringLiteral("rapid")});
        // Those starting with what is typed first, then those containing it.
        QCOMPARE(assist.candidates(QStringLiteral("project:a"), 9),
                 (QStringList{"project:api", "project:\"web app\"", "project:rapid"}));
        QCOMPARE(assist.candidates(QStringLiteral("project:w"), 9),
                 QStringList{"project:\"web app\""});
        QCOMPARE(assist.candidates(QStringLiteral("status:com"), 10),
                 QStringList{"status:completed"});
        QCOMPARE(QueryAssist::apply(QStringLiteral("project:w x"), 9,
                                    QStringLiteral("project:\"web app\"")),
                 QStringLiteral("project:\"web app\" x"));
    }

    void termsAndFreeText()
    {
        QCOMPARE(QueryAssist::term(QStringLiteral("file"), QStringLiteral("src/auth.py")),
                 QStringLiteral("file:src/auth.py"));
        QCOMPARE(QueryAssist::term(QStringLiteral("project"), QStringLiteral("my \"app\"")),
                 QStringLiteral("project:\"my \\\"app\\\"\""));
        QCOMPARE(QueryAssist::freeText(
                     QStringLiteral("project:api failed auth \"token refresh\" tokens>100 -skip")),
                 (QStringList{"auth", "token refresh"}));
    }

    void marksMatches()
    {
        const auto hits = TextHighlight::find(QStringLiteral("Auth the auth"),
                                              {QStringLiteral("auth"), QStringLiteral("th")});
        QCOMPARE(hits.size(), 3);
        QCOMPARE(hits.at(0), std::make_pair(0, 4));
        QCOMPARE(hits.at(1), std::make_pair(5, 2));
        QCOMPARE(hits.at(2), std::make_pair(9, 4));
        const QString html = TextHighlight::html(QStringLiteral("fix <b> in auth.py"),
                                                 {QStringLiteral("AUTH")}, 400);
        QVERIFY(html.contains(QStringLiteral("&lt;b&gt;")));
        QVERIFY(html.contains(QStringLiteral(">auth</span>.py")));
        // A match past the cut: the excerpt moves to it.
        const QString longText = QString(500, QLatin1Char('x')) + QStringLiteral(" needle");
        const QString excerpt = TextHighlight::html(longText, {QStringLiteral("needle")}, 100);
        QVERIFY(excerpt.startsWith(QChar(0x2026)));
        QVERIFY(excerpt.contains(QStringLiteral(">needle</span>")));
    }

    // Live sessions are not in the database: the query's words are judged on the snapshot.
    void liveSessionsMatchTheQuery()
    {
        LiveSessionSnapshot s;
        s.summary.sessionId = QStringLiteral("abc123");
        s.summary.workingDirectory = QStringLiteral("/home/dev/api");
        s.summary.gitBranch = QStringLiteral("main");
        s.summary.startTime = QDateTime(QDate(2026, 11, 30), QTime(10, 0), Qt::UTC);
        s.summary.totalTokens = 5000;
        s.summary.failures = 1;
        s.initialPrompt = QStringLiteral("Fix the login flow");
        s.tools = {QStringLiteral("Bash"), QStringLiteral("Edit")};
        s.agents = {QStringLiteral("qa")};
        s.files = {QStringLiteral("/home/dev/api/src/auth.py")};
        const QDateTime now(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
        const auto matches = [&](const char* q) { return LiveSessionMatcher(q, now).matches(s); };
        QVERIFY(matches(""));
        QVERIFY(matches("project:api tool:bash agent:qa file:auth.py failed"));
        QVERIFY(matches("login since:7d tokens>1000 status:active branch:main"));
        QVERIFY(!matches("project:web"));
        QVERIFY(!matches("tool:Grep"));
        QVERIFY(!matches("tokens>10000"));
        QVERIFY(!matches("since:1h"));
        QVERIFY(!matches("until:2026-11-29"));
        QVERIFY(matches("until:2026-11-30"));
        QVERIFY(!matches("logout"));
        QVERIFY(!matches("status:completed"));
        QVERIFY(!matches("pinned"));
        QVERIFY(matches("-logout"));
    }
};

QTEST_MAIN(TestQueryAssist)
#include "tst_queryassist.moc"
