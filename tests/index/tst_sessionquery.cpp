#include "index/SessionIndexSchema.h"
#include "index/SessionQuery.h"

#include <QTest>

using namespace ea;

// The query syntax: what each term becomes, where bad input is reported, nothing unbound.
class TestSessionQuery : public QObject
{
    Q_OBJECT

    const QDateTime m_now{QDate(2026, 11, 10), QTime(12, 0), Qt::UTC};

private Q_SLOTS:
    void theIssuesExampleParses()
    {
        QueryError error;
        const SessionQuery q = SessionQuery::parse(
            u"project:api branch:main agent:qa tool:Bash file:src/auth.py status:completed "
            u"failed since:7d until:2026-11-01 tokens>10000 login bug",
            &error, m_now);
        QVERIFY2(!error.isError(), qPrintable(error.message));
        QCOMPARE(q.where().count(QLatin1Char('?')), q.bindings().size());
        QVERIFY(q.hasText());
        QCOMPARE(q.textMatch(), QStringLiteral("\"login\" \"bug\""));
        QCOMPARE(q.textTerms(), (QStringList{QStringLiteral("login"), QStringLiteral("bug")}));
        const QVariantList b = q.bindings();
        // since:7d counts back from the injected now; until: a date includes that whole day.
        QVERIFY(b.contains(m_now.addDays(-7).toMSecsSinceEpoch()));
        QVERIFY(
            b.contains(QDateTime(QDate(2026, 11, 2), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch()));
        QVERIFY(b.contains(qint64(10000)));
        // file: an end of the path, as a prefix of the reversed paths; tool:/agent: an entry of
        // the session's own lists.
        QVERIFY(b.contains(SessionIndexSchema::reversedPath(u"src/auth.py")));
        QVERIFY(b.contains(SessionIndexSchema::reversedPath(u"src/auth.py") + QLatin1Char('/')));
        QVERIFY(b.contains(SessionIndexSchema::listEntry(u"Bash")));
        QVERIFY(b.contains(SessionIndexSchema::listEntry(u"qa")));
        QVERIFY(q.where().contains(QStringLiteral("s.failures > 0")));
    }

    void hostileTextIsBoundNeverSql()
    {
        QueryError error;
        const QString evil = QStringLiteral("x') OR 1=1; DROP TABLE sessions; --");
        const SessionQuery q =
            SessionQuery::parse(QStringLiteral("project:\"%1\" %2").arg(evil, evil), &error, m_now);
        QVERIFY(!error.isError());
        QVERIFY(!q.where().contains(QStringLiteral("DROP")));
        QVERIFY(!q.where().contains(QStringLiteral("1=1")));
        QVERIFY(q.bindings().contains(evil));
        // Free text is quoted for FTS5: its operators (NEAR, OR, column filters) are words.
        const SessionQuery fts = SessionQuery::parse(u"NEAR(a b) OR x\"y", &error, m_now);
        QVERIFY(!error.isError());
        QCOMPARE(fts.textMatch(), QStringLiteral("\"NEAR(a\" \"b)\" \"OR\" \"x\"\"y\""));
    }

    void wildcardsAndPrefixes()
    {
        QueryError error;
        const SessionQuery q = SessionQuery::parse(u"project:ap* tool:Ba%_ auth*", &error, m_now);
        QVERIFY(!error.isError());
        QVERIFY(q.bindings().contains(QStringLiteral("ap%")));
        // No *: matched literally (an entry of the session's tools, not a LIKE pattern).
        QVERIFY(q.bindings().contains(SessionIndexSchema::listEntry(u"Ba%_")));
        const SessionQuery w = SessionQuery::parse(u"tool:Ba* file:src/*.py", &error, m_now);
        QVERIFY(!error.isError());
        // On the session's list of tools: an entry that starts with "ba".
        const QString separator(QChar(0x1f));
        QVERIFY(w.bindings().contains(QLatin1Char('%') + separator + QStringLiteral("ba%") +
                                      separator + QLatin1Char('%')));
        QVERIFY(w.bindings().contains(QStringLiteral("%/src/%.py")));
        QCOMPARE(q.textMatch(), QStringLiteral("\"auth\"*"));
    }

    void badSyntaxNamesThePosition_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("position");
        QTest::newRow("unknown field") << QStringLiteral("tool:Bash colour:red") << 10;
        QTest::newRow("empty value") << QStringLiteral("project: x") << 8;
        QTest::newRow("unterminated quote") << QStringLiteral("a \"b c") << 2;
        QTest::newRow("unterminated value quote") << QStringLiteral("project:\"api") << 8;
        QTest::newRow("bad since") << QStringLiteral("since:yesterday") << 6;
        QTest::newRow("bad number") << QStringLiteral("tokens>lots") << 7;
        QTest::newRow("negative number") << QStringLiteral("  turns<-1") << 8;
    }
    void badSyntaxNamesThePosition()
    {
        QFETCH(QString, text);
        QFETCH(int, position);
        QueryError error;
        const SessionQuery q = SessionQuery::parse(text, &error, m_now);
        QVERIFY(error.isError());
        QCOMPARE(error.position, position);
        QVERIFY(!error.message.isEmpty());
        QCOMPARE(q.where(), QStringLiteral("1")); // nothing half-parsed
    }

    void emptyMatchesEverything()
    {
        QueryError error;
        const SessionQuery q = SessionQuery::parse(u"   ", &error, m_now);
        QVERIFY(!error.isError());
        QCOMPARE(q.where(), QStringLiteral("1"));
        QVERIFY(q.bindings().isEmpty());
        QVERIFY(!q.hasText());
    }
};

QTEST_GUILESS_MAIN(TestSessionQuery)
#include "tst_sessionquery.moc"
