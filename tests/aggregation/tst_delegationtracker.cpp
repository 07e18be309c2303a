#include "aggregation/DelegationTracker.h"

#include <QtTest>

using namespace ea;

namespace {

const QDateTime kStart(QDate(2026, 7, 27), QTime(9, 0), Qt::UTC);

DelegationTracker::Start start(const char* agent, qint64 ms, int parent = -1,
                               const QString& corr = {})
{
    DelegationTracker::Start s;
    s.agentType = QString::fromLatin1(agent);
    s.at = kStart.addMSecs(ms);
    s.parent = parent;
    s.correlationId = corr;
    return s;
}

} // namespace

class tst_DelegationTracker : public QObject
{
    Q_OBJECT

private slots:
    void nestedDelegationEndsWithItsParent()
    {
        DelegationTracker t;
        const int outer = t.open(start("engineer", 0));
        const int inner = t.open(start("qa", 10, outer));
        QCOMPARE(t.current(), inner);
        QCOMPARE(t.at(inner).depth, 1);
        t.close(outer, kStart.addMSecs(50), {});
        QCOMPARE(t.current(), -1);
        QVERIFY(t.at(outer).completed);
        QVERIFY(!t.at(inner).completed);
        QVERIFY(!t.at(inner).success);
        QCOMPARE(t.at(inner).error, QStringLiteral("Delegation ended with its parent"));
        QCOMPARE(t.at(inner).endTime, kStart.addMSecs(50));
    }

    // Parallel subagents stop by type; without a type the innermost one stops.
    void stopFindsItsDelegationByType()
    {
        DelegationTracker t;
        const int a = t.open(start("research", 0));
        const int b = t.open(start("engineer", 1));
        QCOMPARE(t.forStop(QStringLiteral("RESEARCH")), a);
        QCOMPARE(t.forStop(QString()), b);
        DelegationTracker::Stop stop;
        stop.errorTermination = true;
        stop.reason = QStringLiteral("unknown");
        stop.filesModified = {QStringLiteral("/a"), QStringLiteral("/a"), QString()};
        t.applySubagentStop(a, stop, kStart.addMSecs(5), {});
        QVERIFY(!t.at(a).success);
        QCOMPARE(t.at(a).error, QStringLiteral("subagent stopped with an error"));
        QCOMPARE(t.at(a).fileChanges, QStringList{QStringLiteral("/a")});
        QCOMPARE(t.current(), b);
        t.noteUnmatchedStop(kStart);
        QCOMPARE(t.unmatchedStops().size(), 1);
    }

    // claude-mpm sends SubagentStart before the Task call: it is kept for that call.
    void subagentStartBeforeItsCallIsKept()
    {
        DelegationTracker t;
        t.noteSubagentStart(-1, QStringLiteral("qa"), QStringLiteral("agent-7"));
        const int d = t.open(start("qa", 10));
        QVERIFY(t.at(d).subagentStarted);
        QCOMPARE(t.at(d).agentId, QStringLiteral("agent-7"));
    }

    // Back-to-back Task calls of one agent are siblings; a subagent at work calls nested.
    void callerOfParallelAndNestedCalls()
    {
        DelegationTracker t;
        const int first = t.open(start("a", 0));
        QCOMPARE(t.callerOf(first), -1); // nothing done yet: a parallel call of the main agent
        t.addToolOperation(first, 0);
        QCOMPARE(t.callerOf(first), first); // at work: its own nested call
    }

    void resultClosesByCorrelationIdAndTurnEndClosesTheRest()
    {
        DelegationTracker t;
        const int a = t.open(start("a", 0, -1, QStringLiteral("t1")));
        const int b = t.open(start("b", 1, -1, QStringLiteral("t2")));
        QCOMPARE(t.forResult(QStringLiteral("t1")), a);
        ToolOutcome failure;
        failure.success = false;
        failure.error = QStringLiteral("denied");
        t.applyResult(a, failure, QStringLiteral("text"), kStart.addMSecs(9), {});
        QCOMPARE(t.at(a).outcome(), ToolOperation::Outcome::Failure);
        QCOMPARE(t.at(a).response, QStringLiteral("text"));
        QCOMPARE(t.forResult(QStringLiteral("t1")), -1); // already has its result
        t.closeAll(kStart.addMSecs(20));
        QCOMPARE(t.openCount(), 0);
        QCOMPARE(t.at(b).outcome(), ToolOperation::Outcome::Unknown);
        QVERIFY(!t.at(b).completed);
        QCOMPARE(t.agentTypeOf(b), QStringLiteral("b"));
        QCOMPARE(t.agentTypeOf(-1), QStringLiteral("main"));
    }

    // Of two delegations with one id the first answers, before and after its result; an id
    // never opened finds none; after clear() the ids are gone with the delegations.
    void resultsFindTheFirstDelegationOfTheirId()
    {
        DelegationTracker t;
        for (int i = 0; i < 500; ++i)
            t.open(start("many", i, -1, QStringLiteral("id-%1").arg(i)));
        const int first = t.open(start("x", 600, -1, QStringLiteral("dup")));
        t.open(start("y", 601, -1, QStringLiteral("dup")));
        QCOMPARE(t.forResult(QStringLiteral("id-499")), 499);
        QCOMPARE(t.forResult(QStringLiteral("dup")), first);
        t.applyResult(first, ToolOutcome(), QString(), kStart.addMSecs(700), {});
        QCOMPARE(t.forResult(QStringLiteral("dup")), -1);
        QCOMPARE(t.forResult(QStringLiteral("never opened")), -1);
        t.clear();
        QCOMPARE(t.forResult(QStringLiteral("id-0")), -1);
        QCOMPARE(t.open(start("again", 0, -1, QStringLiteral("id-0"))), 0);
        QCOMPARE(t.forResult(QStringLiteral("id-0")), 0);
    }
};

QTEST_GUILESS_MAIN(tst_DelegationTracker)
#include "tst_delegationtracker.moc"
