#include "aggregation/TurnTracker.h"

#include <QtTest>

using namespace ea;

namespace {

const QDateTime kStart(QDate(2026, 7, 27), QTime(9, 0), Qt::UTC);

TokenUsage usage(qint64 input, qint64 output)
{
    TokenUsage u;
    u.input = input;
    u.output = output;
    return u;
}

} // namespace

class tst_TurnTracker : public QObject
{
    Q_OBJECT

private slots:
    void endClosesTheOpenTurnOnce()
    {
        TurnTracker t;
        QVERIFY(!t.end(kStart, kStart, QStringLiteral("stop"))); // none open
        t.open(kStart, QStringLiteral("hi"));
        QVERIFY(t.isOpen());
        QCOMPARE(t.openPrompt(), QStringLiteral("hi"));
        const auto end = t.end(QDateTime(), kStart.addSecs(3), QStringLiteral("stop"));
        QCOMPARE(end, std::optional(kStart.addSecs(3))); // no time: the fallback
        QVERIFY(!t.isOpen());
        QCOMPARE(t.currentOrLast(), 0);
        QCOMPARE(t.list().at(0).endedBy, QStringLiteral("stop"));
        QCOMPARE(t.list().at(0).durationMs(), 3000);
    }

    // Counts per turn, an open turn closed by the session's end, and tokens from running sums.
    void summarizeFillsCountsAndTokens()
    {
        TurnTracker t;
        t.open(kStart, QStringLiteral("one"));
        t.addUsage({{kStart.addSecs(1).toMSecsSinceEpoch(), 7, 1}, usage(100, 10), true});
        t.end(kStart.addSecs(1), {}, QStringLiteral("stop"));
        t.open(kStart.addSecs(2), QStringLiteral("two"));
        t.addUsage({{kStart.addSecs(3).toMSecsSinceEpoch(), 8, 2}, usage(150, 30), false});

        QList<ToolOperation> ops(3);
        ops[0].turn = 0;
        ops[0].endTime = kStart;
        ops[0].success = false; // a failure
        ops[1].turn = 1;        // still open: unknown once the session is over
        ops[2].turn = 1;
        ops[2].endTime = kStart.addSecs(2);
        QList<Delegation> delegations(1);
        delegations[0].turn = 1;

        const QList<Turn> turns =
            t.summarize(ops, delegations, false, kStart.addSecs(9), QStringLiteral("timed_out"));
        QCOMPARE(turns.size(), 2);
        QCOMPARE(turns.at(0).toolCalls, 1);
        QCOMPARE(turns.at(0).toolFailures, 1);
        QCOMPARE(turns.at(1).toolCalls, 2);
        QCOMPARE(turns.at(1).toolUnknown, 1);
        QCOMPARE(turns.at(1).delegations, 1);
        QCOMPARE(turns.at(1).end, kStart.addSecs(9));
        QCOMPARE(turns.at(1).endedBy, QStringLiteral("timed_out"));
        QCOMPARE(turns.at(0).tokens, std::optional(usage(100, 10)));
        QCOMPARE(turns.at(1).tokens, std::optional(usage(50, 20))); // the difference
        QCOMPARE(TurnTracker::tokenUsage(turns), std::optional(usage(150, 30)));
        // While the session is active the open turn stays open.
        QVERIFY(t.summarize(ops, delegations, true, {}, {}).at(1).isOpen());
    }

    // A rebuild forgets turns and Stop usage; token_usage_updated facts stay.
    void resetKeepsUpdateSamples()
    {
        TurnTracker t;
        t.open(kStart, {});
        t.addUsage({{kStart.toMSecsSinceEpoch() + 1, 7, 1}, usage(5, 5), true});
        t.addUsage({{kStart.toMSecsSinceEpoch() + 2, 8, 2}, usage(9, 9), false});
        t.reset();
        QVERIFY(t.isEmpty() && !t.isOpen());
        t.open(kStart, {});
        QCOMPARE(t.summarize({}, {}, true, {}, {}).at(0).tokens, std::optional(usage(9, 9)));
    }
};

QTEST_GUILESS_MAIN(tst_TurnTracker)
#include "tst_turntracker.moc"
