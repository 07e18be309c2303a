#include "AttentionEvents.h"
#include "TestClock.h"
#include "attention/SessionStateMachine.h"

#include <QtTest>

using namespace ea;
using namespace ea::test;
using Kind = LiveState::Kind;

namespace {

// Feeds events in the order given, each arriving `gapMs` after the one before (receive time,
// on the test clock), and records every state the machine announces.
struct Driver
{
    TestClock clock;
    SessionStateMachine machine;
    QList<Kind> seen;

    bool feed(const ClaudeEvent& e, qint64 gapMs = 5)
    {
        clock.advance(gapMs);
        const bool changed = machine.onEvent(e, clock.monotonicMs(), clock);
        if (changed)
            seen.append(machine.state().kind);
        return changed;
    }
    bool wait(qint64 ms)
    {
        clock.advance(ms);
        const bool changed = machine.onTime(clock.monotonicMs(), clock);
        if (changed)
            seen.append(machine.state().kind);
        return changed;
    }
    Kind kind() const { return machine.state().kind; }
};

} // namespace

class tst_SessionStateMachine : public QObject
{
    Q_OBJECT

private slots:
    void aTurnWorksThenWaits()
    {
        Driver d;
        QVERIFY(d.feed(wireEvent(QStringLiteral("user_prompt"), 0,
                                 {{QStringLiteral("prompt_text"), QStringLiteral("fix it")}})));
        QCOMPARE(d.kind(), Kind::Working);
        QVERIFY(!d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("c1"), 100)));
        QVERIFY(!d.feed(postTool(QStringLiteral("Bash"), QStringLiteral("c1"), 900)));
        QVERIFY(d.feed(wireEvent(QStringLiteral("stop"), 2000)));
        QCOMPARE(d.kind(), Kind::Waiting);
        QCOMPARE(d.machine.state().reason, QStringLiteral("finished its turn"));
        QCOMPARE(d.machine.state().since, d.clock.currentUtc());
        QCOMPARE(d.machine.turn().tools, 1);
        QCOMPARE(d.machine.turn().start.msecsTo(d.machine.turn().end), 2000);
        // The Stop's companions confirm the end without a second change.
        QVERIFY(!d.feed(wireEvent(QStringLiteral("token_usage_updated"), 2001)));
        QVERIFY(!d.feed(hookExecution(QStringLiteral("Stop"), 2002)));
        QCOMPARE(d.seen, (QList<Kind>{Kind::Working, Kind::Waiting}));
    }

    // claude-mpm posts a hook's events from two threads: the Stop's companions may come first,
    // and a result before its call.
    void companionsOutOfOrderChangeNothing()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(hookExecution(QStringLiteral("PostToolUse"), 1010));
        d.feed(postTool(QStringLiteral("Read"), QStringLiteral("r1"), 1000)); // before its call
        d.feed(preTool(QStringLiteral("Read"), QStringLiteral("r1"), 500));
        QVERIFY(!d.wait(60000)); // the call has its result: nothing looks blocked
        QCOMPARE(d.kind(), Kind::Working);
        d.feed(hookExecution(QStringLiteral("Stop"), 3010));
        QVERIFY(d.feed(wireEvent(QStringLiteral("token_usage_updated"), 3001)));
        QCOMPARE(d.kind(), Kind::Waiting);
        QVERIFY(!d.feed(wireEvent(QStringLiteral("stop"), 3000)));
        // A late result of the ended turn does not reopen it.
        QVERIFY(!d.feed(postTool(QStringLiteral("Grep"), QStringLiteral("g1"), 2900)));
        QCOMPARE(d.seen, (QList<Kind>{Kind::Working, Kind::Waiting}));
    }

    // Up to one event per hook is lost inside claude-mpm, usually the third of three.
    void aLostThirdEventLosesNoState()
    {
        Driver d;
        // UserPromptSubmit without its hook_execution; Stop without its stop (token count only).
        d.feed(wireEvent(QStringLiteral("command_acknowledged"), 0));
        d.feed(wireEvent(QStringLiteral("user_prompt"), 1));
        QCOMPARE(d.kind(), Kind::Working);
        d.feed(wireEvent(QStringLiteral("token_usage_updated"), 4000));
        QCOMPARE(d.kind(), Kind::Waiting);
        // Stop without its token count.
        d.feed(wireEvent(QStringLiteral("user_prompt"), 9000));
        QCOMPARE(d.kind(), Kind::Working);
        d.feed(hookExecution(QStringLiteral("Stop"), 12001));
        QCOMPARE(d.kind(), Kind::Working); // a hook's timing alone says nothing
        d.feed(wireEvent(QStringLiteral("stop"), 12000));
        QCOMPARE(d.kind(), Kind::Waiting);
        QCOMPARE(d.seen, (QList<Kind>{Kind::Working, Kind::Waiting, Kind::Working, Kind::Waiting}));
    }

    void permissionUntilTheNextActivity()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(preTool(QStringLiteral("Glob"), QStringLiteral("g"), 100));
        d.feed(postTool(QStringLiteral("Glob"), QStringLiteral("g"), 200));
        QVERIFY(
            d.feed(notification(QStringLiteral("permission_prompt"),
                                QStringLiteral("Claude needs your permission to use Bash"), 5000)));
        QCOMPARE(d.kind(), Kind::NeedsPermission);
        QCOMPARE(d.machine.state().reason,
                 QStringLiteral("Claude needs your permission to use Bash"));
        // What it waits for, from the notification's words (it has no tool_name).
        QCOMPARE(d.machine.state().tool, QStringLiteral("Bash"));
        const QDateTime since = d.machine.state().since;
        // Its companions and the PermissionRequest of the same prompt change nothing.
        QVERIFY(!d.feed(hookExecution(QStringLiteral("Notification"), 5001)));
        QVERIFY(!d.feed(wireEvent(QStringLiteral("permission_request"), 9000,
                                  {{QStringLiteral("tool_name"), QStringLiteral("Bash")}})));
        QCOMPARE(d.machine.state().tool, QStringLiteral("Bash"));
        QCOMPARE(d.machine.state().since, since);
        // An earlier event arriving late is no answer to it.
        QVERIFY(!d.feed(postTool(QStringLiteral("Glob"), QStringLiteral("g2"), 4000)));
        QVERIFY(!d.wait(120000)); // never "blocked" or "idle" while it asks
        QCOMPARE(d.kind(), Kind::NeedsPermission);
        QVERIFY(d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("b"), 130000)));
        QCOMPARE(d.kind(), Kind::Working);
    }

    void aPermissionRequestAloneAsks()
    {
        Driver d;
        d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("b"), 0));
        d.feed(wireEvent(QStringLiteral("permission_request"), 10,
                         {{QStringLiteral("tool_name"), QStringLiteral("Bash")}}));
        QCOMPARE(d.kind(), Kind::NeedsPermission);
        QCOMPARE(d.machine.state().reason, QStringLiteral("needs your permission to use Bash"));
        d.feed(wireEvent(QStringLiteral("stop"), 2000));
        QCOMPARE(d.kind(), Kind::Waiting);
    }

    void aToolCallWithoutResultIsProbablyBlocked()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("b"), 100), 100);
        const QDateTime callArrived = d.clock.currentUtc();
        QCOMPARE(d.machine.nextDeadlineMs(), d.clock.monotonicMs() + 20000);
        QVERIFY(!d.wait(19999));
        QCOMPARE(d.kind(), Kind::Working);
        QVERIFY(d.wait(1));
        QCOMPARE(d.kind(), Kind::Blocked);
        QCOMPARE(d.machine.state().tool, QStringLiteral("Bash"));
        QCOMPARE(d.machine.state().since, callArrived); // since the call, not since the guess
        QVERIFY(d.machine.state().reason.contains(QLatin1String("a guess")));
        QVERIFY(d.feed(postTool(QStringLiteral("Bash"), QStringLiteral("b"), 25000)));
        QCOMPARE(d.kind(), Kind::Working);
        QCOMPARE(d.machine.nextDeadlineMs(), d.clock.monotonicMs() + 3600 * 1000); // only the end
    }

    // A failed call gets no result from claude-mpm; Claude moves on and the session is not
    // stuck in it. Any other activity keeps the guess away too.
    void aFailedCallWithoutResultIsNotBlocked()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("fails"), 100));
        d.feed(preTool(QStringLiteral("Edit"), QStringLiteral("e"), 3000));
        d.feed(postTool(QStringLiteral("Edit"), QStringLiteral("e"), 3100));
        QVERIFY(!d.wait(60000));
        QCOMPARE(d.kind(), Kind::Working);
        d.feed(preTool(QStringLiteral("Read"), QStringLiteral("r"), 70000));
        QVERIFY(!d.wait(15000));
        d.feed(wireEvent(QStringLiteral("assistant_response"), 85000)); // something moves
        QVERIFY(!d.wait(15000));
        QCOMPARE(d.kind(), Kind::Working);
        QVERIFY(d.wait(5000));
        QCOMPARE(d.kind(), Kind::Blocked);
        QCOMPARE(d.machine.state().tool, QStringLiteral("Read"));
    }

    // claude-mpm posts a hook's events from two threads: a result may come just before its
    // call, and then the two cancel out. One that waited longer is dropped (it would otherwise
    // wait for the rest of the turn): a call with its id much later is a call of its own.
    // (The call is stamped after its result here, as two threads' clocks may have it: with
    // the call first in event time, the latest result alone keeps it from looking stuck.)
    void aResultBeforeItsCallWaitsBriefly()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(postTool(QStringLiteral("Bash"), QStringLiteral("x"), 1000));
        d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("x"), 1010));
        QVERIFY(!d.wait(60000));
        QCOMPARE(d.kind(), Kind::Working);

        d.feed(postTool(QStringLiteral("Read"), QStringLiteral("late"), 70000));
        d.feed(preTool(QStringLiteral("Read"), QStringLiteral("late"), 81000));
        QVERIFY(!d.wait(19999));
        QVERIFY(d.wait(1));
        QCOMPARE(d.kind(), Kind::Blocked);
        QCOMPARE(d.machine.state().tool, QStringLiteral("Read"));
    }

    void idleAfterTheTurnThenWorkingAgain()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(wireEvent(QStringLiteral("stop"), 1000));
        QCOMPARE(d.machine.nextDeadlineMs(), d.clock.monotonicMs() + 600000);
        QVERIFY(!d.wait(599999));
        QVERIFY(d.wait(1));
        QCOMPARE(d.kind(), Kind::Idle);
        QVERIFY(d.feed(wireEvent(QStringLiteral("user_prompt"), 700000)));
        QCOMPARE(d.kind(), Kind::Working);
    }

    void anIdlePromptMeansWaiting()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        QVERIFY(d.feed(notification(QStringLiteral("idle_prompt"),
                                    QStringLiteral("Claude is waiting for your input"), 60000)));
        QCOMPARE(d.kind(), Kind::Waiting);
        QCOMPARE(d.machine.state().reason, QStringLiteral("Claude is waiting for your input"));
        // After a Stop it confirms the wait without a new change.
        d.feed(wireEvent(QStringLiteral("user_prompt"), 70000));
        d.feed(wireEvent(QStringLiteral("stop"), 71000));
        QVERIFY(!d.feed(notification(QStringLiteral("idle_prompt"),
                                     QStringLiteral("Claude is waiting for your input"), 131000)));
    }

    void endedBySessionEndTimeoutOrStop()
    {
        Driver a;
        a.feed(wireEvent(QStringLiteral("session_start"), 0));
        QCOMPARE(a.kind(), Kind::Waiting);
        a.feed(wireEvent(QStringLiteral("session_end"), 10));
        QCOMPARE(a.kind(), Kind::Ended);
        QCOMPARE(a.machine.nextDeadlineMs(), -1);
        QVERIFY(!a.feed(wireEvent(QStringLiteral("token_usage_updated"), 11)));

        Driver b;
        b.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        QVERIFY(b.wait(3600 * 1000));
        QCOMPARE(b.kind(), Kind::Ended);
        QCOMPARE(b.machine.state().reason, QStringLiteral("no activity for 60 min"));

        Driver c;
        c.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        QVERIFY(c.machine.end(QStringLiteral("capture stopped"), c.clock));
        QVERIFY(!c.machine.end(QStringLiteral("capture stopped"), c.clock));
        QCOMPARE(c.kind(), Kind::Ended);
    }

    void settingsMoveTheDeadlines()
    {
        Driver d;
        d.machine.setSettings({5000, 60000, 3600000});
        d.feed(preTool(QStringLiteral("Bash"), QStringLiteral("b"), 0));
        QVERIFY(d.wait(5000));
        QCOMPARE(d.kind(), Kind::Blocked);
        QVERIFY(d.machine.state().reason.contains(QLatin1String("5 s")));
    }
    void aPermissionPromptWithoutAToolNameNamesThePendingCall()
    {
        Driver d;
        d.feed(wireEvent(QStringLiteral("user_prompt"), 0));
        d.feed(preTool(QStringLiteral("Glob"), QStringLiteral("g"), 100));
        d.feed(postTool(QStringLiteral("Glob"), QStringLiteral("g"), 200));
        d.feed(preTool(QStringLiteral("WebFetch"), QStringLiteral("w"), 300));
        QVERIFY(d.feed(notification(QStringLiteral("permission_prompt"),
                                    QStringLiteral("Claude needs your approval"), 400)));
        QCOMPARE(d.kind(), Kind::NeedsPermission);
        QCOMPARE(d.machine.state().tool, QStringLiteral("WebFetch"));
    }

    void aRestoredStateGoesOnFromWhereItWas()
    {
        // Saved by the last run while asking; restored 3 s after its last activity.
        Driver d;
        d.clock.advance(100000);
        const QDateTime asked = d.clock.currentUtc().addSecs(-3);
        d.machine.restore({Kind::NeedsPermission,
                           QStringLiteral("Claude needs your permission to use Bash"), asked,
                           QStringLiteral("Bash")},
                          d.clock.monotonicMs() - 3000, d.clock.monotonicMs(), d.clock);
        QCOMPARE(d.kind(), Kind::NeedsPermission);
        QCOMPARE(d.machine.state().since, asked);
        QCOMPARE(d.machine.state().tool, QStringLiteral("Bash"));
        QVERIFY(!d.wait(120000)); // still asking: never blocked or idle meanwhile
        // The answer: the tool's result, then the turn ends.
        const qint64 later = asked.toMSecsSinceEpoch() - kT0.toMSecsSinceEpoch() + 130000;
        QVERIFY(d.feed(postTool(QStringLiteral("Bash"), QStringLiteral("b"), later)));
        QCOMPARE(d.kind(), Kind::Working);
        QVERIFY(d.feed(wireEvent(QStringLiteral("stop"), later + 10)));
        QCOMPARE(d.kind(), Kind::Waiting);

        // Waiting for longer than idle after when restored: idle at once, since the last
        // activity.
        Driver w;
        w.clock.advance(10000000);
        const QDateTime ended = w.clock.currentUtc().addSecs(-11 * 60);
        w.machine.restore({Kind::Waiting, QStringLiteral("finished its turn"), ended, {}},
                          w.clock.monotonicMs() - 11 * 60 * 1000, w.clock.monotonicMs(), w.clock);
        QCOMPARE(w.kind(), Kind::Idle);
        QCOMPARE(w.machine.state().since, ended);
        QVERIFY(w.feed(wireEvent(QStringLiteral("user_prompt"),
                                 ended.toMSecsSinceEpoch() - kT0.toMSecsSinceEpoch() + 700000)));
        QCOMPARE(w.kind(), Kind::Working);
    }
};

QTEST_GUILESS_MAIN(tst_SessionStateMachine)
#include "tst_sessionstatemachine.moc"
