#include "aggregation/ToolCallMatcher.h"

#include <QtTest>

using namespace ea;

namespace {

const QDateTime kStart(QDate(2026, 7, 27), QTime(9, 0), Qt::UTC);

ToolCallMatcher::Half half(const char* tool, qint64 ms, const QString& corr = {}, int event = 0,
                           int delegation = -1)
{
    ToolCallMatcher::Half h;
    h.toolName = QString::fromLatin1(tool);
    h.agentType = QStringLiteral("main");
    h.correlationId = corr;
    h.at = kStart.addMSecs(ms);
    h.eventIndex = event;
    h.delegation = delegation;
    h.turn = 0;
    return h;
}

ToolOutcome failed(const char* error)
{
    ToolOutcome o;
    o.success = false;
    o.error = QString::fromLatin1(error);
    return o;
}

} // namespace

class tst_ToolCallMatcher : public QObject
{
    Q_OBJECT

private slots:
    // Parallel calls of one tool are told apart by their ids, whatever order the results
    // come back in.
    void parallelCallsMatchById()
    {
        ToolCallMatcher m;
        bool created = false;
        QCOMPARE(m.addCall(half("Bash", 0, QStringLiteral("a"), 0), &created), 0);
        QVERIFY(created);
        QCOMPARE(m.addCall(half("Bash", 10, QStringLiteral("b"), 1), &created), 1);
        QCOMPARE(m.addResult(half("Bash", 20, QStringLiteral("b"), 2), failed("boom"), &created),
                 1);
        QVERIFY(!created);
        QCOMPARE(m.addResult(half("Bash", 30, QStringLiteral("a"), 3), ToolOutcome(), &created), 0);
        QCOMPARE(m.operations().at(0).postEvent, 3);
        QCOMPARE(m.operations().at(0).durationMs, 30);
        QVERIFY(m.operations().at(1).failed());
        QCOMPARE(m.operations().at(1).error, QStringLiteral("boom"));
        QCOMPARE(m.toolCounts().value(QStringLiteral("Bash")), 2);
    }

    // Counts are by tool name, whichever copy of the name an event carried (a literal from
    // the normalizer or a string of its own), an orphan result included; listed by name.
    void toolCountsAreByName()
    {
        ToolCallMatcher m;
        bool created = false;
        m.addCall(half("Read", 0, {}, 0), &created);
        m.addCall(half("Bash", 1, {}, 1), &created);
        ToolCallMatcher::Half literal = half("Read", 2, {}, 2);
        literal.toolName = QStringLiteral("Read");
        m.addCall(literal, &created);
        m.addResult(half("Grep", 3, QStringLiteral("x"), 3), ToolOutcome(), &created);
        QVERIFY(created);
        const QMap<QString, int> counts = m.toolCounts();
        QCOMPARE(counts.keys(), (QStringList{QStringLiteral("Bash"), QStringLiteral("Grep"),
                                             QStringLiteral("Read")}));
        QCOMPARE(counts.value(QStringLiteral("Read")), 2);
        QCOMPARE(counts.value(QStringLiteral("Bash")), 1);
        QCOMPARE(counts.value(QStringLiteral("Grep")), 1);
        m.clear();
        QVERIFY(m.toolCounts().isEmpty());
    }

    // Without ids a result closes the oldest open call of the same tool by the same agent.
    void resultWithoutIdTakesOldestCallOfItsAgent()
    {
        ToolCallMatcher m;
        bool created = false;
        m.addCall(half("Read", 0, {}, 0, 2), &created);
        m.addCall(half("Read", 5, {}, 1, -1), &created);
        m.addCall(half("Read", 6, {}, 2, -1), &created);
        QCOMPARE(m.addResult(half("Read", 9, {}, 3, -1), ToolOutcome(), &created), 1);
        QVERIFY(!m.operations().at(0).isFinished());
        QVERIFY(!m.operations().at(2).isFinished());
    }

    // A result that overtook its call becomes an orphan, then the call completes it.
    void resultBeforeItsCallIsCompletedNotDuplicated()
    {
        ToolCallMatcher m;
        bool created = false;
        QCOMPARE(m.addResult(half("Edit", 50, QStringLiteral("x"), 0), ToolOutcome(), &created), 0);
        QVERIFY(created);
        QCOMPARE(m.orphans().size(), 1);
        QCOMPARE(m.addCall(half("Edit", 40, QStringLiteral("x"), 1), &created), 0);
        QVERIFY(!created);
        QCOMPARE(m.operations().size(), 1);
        QVERIFY(m.orphans().isEmpty());
        QVERIFY(!m.operations().at(0).orphan);
        QCOMPARE(m.operations().at(0).durationMs, 10);
        QCOMPARE(m.toolCounts().value(QStringLiteral("Edit")), 1);
    }

    // A turn that ends leaves open calls unknown; a late result with the call's id still
    // tells the outcome.
    void turnEndMakesOpenCallsUnknownUntilTheirResult()
    {
        ToolCallMatcher m;
        bool created = false;
        m.addCall(half("Bash", 0, QStringLiteral("late"), 0), &created);
        m.addCall(half("Grep", 0, {}, 1), &created);
        m.closePending(kStart.addMSecs(100));
        QCOMPARE(m.operations().at(0).outcome(), ToolOperation::Outcome::Unknown);
        QCOMPARE(m.operations().at(1).outcome(), ToolOperation::Outcome::Unknown);
        QCOMPARE(m.operations().at(1).durationMs, 100);
        QCOMPARE(
            m.addResult(half("Bash", 150, QStringLiteral("late"), 2), failed("exit 1"), &created),
            0);
        QVERIFY(!created);
        QCOMPARE(m.operations().at(0).outcome(), ToolOperation::Outcome::Failure);
        // Without an id nothing can claim the unknown call: an orphan.
        m.addResult(half("Grep", 160, {}, 3), ToolOutcome(), &created);
        QVERIFY(created);
        QCOMPARE(m.operations().at(1).outcome(), ToolOperation::Outcome::Unknown);
        m.clear();
        QVERIFY(m.operations().isEmpty() && m.orphans().isEmpty() && m.toolCounts().isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_ToolCallMatcher)
#include "tst_toolcallmatcher.moc"
