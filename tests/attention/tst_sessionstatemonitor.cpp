#include "AttentionEvents.h"
#include "TestClock.h"
#include "attention/SessionStateMonitor.h"

#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>

using namespace ea;
using namespace ea::test;
using Kind = LiveState::Kind;

namespace {

struct Recorded
{
    QString name;
    QByteArray payload;
};

// The real claude-mpm's current server, recorded (tests/fixtures/claude-mpm).
QList<ClaudeEvent> realStream()
{
    QList<ClaudeEvent> out;
    QFile file(QStringLiteral(EA_FIXTURES_DIR "/claude-mpm/current-server.jsonl"));
    if (!file.open(QIODevice::ReadOnly))
        return out;
    while (!file.atEnd()) {
        const QJsonObject line = QJsonDocument::fromJson(file.readLine()).object();
        const QJsonArray args = line.value(QLatin1String("args")).toArray();
        if (args.isEmpty() || !args.first().isObject())
            continue;
        const QByteArray payload =
            QJsonDocument(args.first().toObject()).toJson(QJsonDocument::Compact);
        const NormalizeResult r =
            EventNormalizer::normalize(line.value(QLatin1String("name")).toString(), payload, kT0);
        for (const ClaudeEvent& e : r.events)
            if (e.hasSession())
                out.append(e);
    }
    return out;
}

// Every session's announced states, in order, for events arriving 5 ms apart.
QHash<QString, QList<Kind>> transitions(const QList<ClaudeEvent>& events)
{
    TestClock clock;
    SessionStateMonitor monitor({}, &clock);
    QHash<QString, QList<Kind>> seen;
    QObject::connect(&monitor, &SessionStateMonitor::stateChanged,
                     [&](const QString& id, const LiveState& s) { seen[id].append(s.kind); });
    for (const ClaudeEvent& e : events) {
        clock.advance(5);
        monitor.onEvent(e.sessionId, e, clock.monotonicMs());
    }
    return seen;
}

} // namespace

class tst_SessionStateMonitor : public QObject
{
    Q_OBJECT

private slots:
    void oneTimerForTheEarliestDeadline()
    {
        TestClock clock;
        SessionStateMonitor monitor({}, &clock);
        QSignalSpy changes(&monitor, &SessionStateMonitor::stateChanged);
        monitor.onEvent(
            QStringLiteral("a"),
            preTool(QStringLiteral("Bash"), QStringLiteral("1"), 0, QStringLiteral("a")),
            clock.monotonicMs());
        QCOMPARE(changes.size(), 1);
        const qint64 armed = monitor.armedForMs();
        QCOMPARE(armed, clock.monotonicMs() + 20000);
        // Events with later deadlines leave the timer alone.
        for (int i = 0; i < 50; ++i) {
            clock.advance(100);
            monitor.onEvent(QStringLiteral("b"),
                            wireEvent(QStringLiteral("user_prompt"), i, {}, QStringLiteral("b")),
                            clock.monotonicMs());
        }
        QCOMPARE(monitor.armedForMs(), armed);
        QCOMPARE(monitor.count(), 2);
        clock.advance(15000); // 20 s after a's call
        QCOMPARE(changes.size(), 3);
        QCOMPARE(changes.last().at(0).toString(), QStringLiteral("a"));
        QCOMPARE(changes.last().at(1).value<LiveState>().kind, Kind::Blocked);
        const QJsonObject counts = monitor.countsJson();
        QCOMPARE(counts.value(QLatin1String("blocked")).toInt(), 1);
        QCOMPARE(counts.value(QLatin1String("working")).toInt(), 1);
        const QJsonArray list = monitor.sessionsJson();
        QCOMPARE(list.at(0).toObject().value(QLatin1String("session")).toString(),
                 QStringLiteral("a")); // attention first
        QCOMPARE(list.at(0).toObject().value(QLatin1String("project")).toString(),
                 QStringLiteral("api"));
        QCOMPARE(list.at(0).toObject().value(QLatin1String("branch")).toString(),
                 QStringLiteral("feature/x"));
    }

    void anEarlierDeadlineArmsTheTimerAgain()
    {
        TestClock clock;
        SessionStateMonitor monitor({}, &clock);
        const QString a = QStringLiteral("a");
        monitor.onEvent(a, wireEvent(QStringLiteral("user_prompt"), 0, {}, a), clock.monotonicMs());
        monitor.onEvent(a, wireEvent(QStringLiteral("stop"), 10, {}, a), clock.monotonicMs());
        QCOMPARE(monitor.armedForMs(), clock.monotonicMs() + 10 * 60 * 1000); // idle
        clock.advance(1000);
        // A tool call in another session: blocked 20 s later, before a goes idle.
        const QString b = QStringLiteral("b");
        monitor.onEvent(b, preTool(QStringLiteral("Bash"), QStringLiteral("1"), 1000, b),
                        clock.monotonicMs());
        QCOMPARE(monitor.armedForMs(), clock.monotonicMs() + 20000);
        // Activity in a working session moves nothing earlier: the timer stays.
        clock.advance(1000);
        monitor.onEvent(b, postTool(QStringLiteral("Bash"), QStringLiteral("1"), 2000, b),
                        clock.monotonicMs());
        QCOMPARE(monitor.armedForMs(), clock.monotonicMs() - 1000 + 20000);
        QSignalSpy changes(&monitor, &SessionStateMonitor::stateChanged);
        clock.advance(19000);
        QCOMPARE(changes.size(), 0); // b's call has its result: not blocked
    }

    void theTimerFiresOnTheEventLoop()
    {
        TestClock clock;
        SessionStateMonitor monitor({50, 600000, 3600000}, &clock);
        QSignalSpy changes(&monitor, &SessionStateMonitor::stateChanged);
        monitor.onEvent(
            QStringLiteral("a"),
            preTool(QStringLiteral("Bash"), QStringLiteral("1"), 0, QStringLiteral("a")),
            clock.monotonicMs());
        // The test clock stands still, so the armed timer fires and finds nothing due yet ...
        QTest::qWait(120);
        QCOMPARE(changes.size(), 1);
        // ... until the clock has moved: then the next check (re-armed at once) finds it.
        clock.advance(50);
        QCOMPARE(changes.size(), 2);
    }

    void endedSessionsAreForgottenAndStayEnded()
    {
        TestClock clock;
        SessionStateMonitor monitor({}, &clock);
        QSignalSpy changes(&monitor, &SessionStateMonitor::stateChanged);
        monitor.onEvent(QStringLiteral("s1"), wireEvent(QStringLiteral("user_prompt"), 0), 1);
        monitor.endSession(QStringLiteral("s1"), QStringLiteral("timed out"));
        QCOMPARE(changes.last().at(1).value<LiveState>().kind, Kind::Ended);
        QCOMPARE(monitor.count(), 0);
        // Late companions do not bring it back; a new prompt does.
        monitor.onEvent(QStringLiteral("s1"), wireEvent(QStringLiteral("stop"), 10), 2);
        monitor.onEvent(QStringLiteral("s1"), hookExecution(QStringLiteral("Stop"), 11), 3);
        QCOMPARE(monitor.count(), 0);
        QCOMPARE(changes.size(), 2);
        monitor.onEvent(QStringLiteral("s1"), wireEvent(QStringLiteral("user_prompt"), 20), 4);
        QCOMPARE(monitor.count(), 1);
        QCOMPARE(changes.last().at(1).value<LiveState>().kind, Kind::Working);
        // A hook's timing alone starts nothing.
        monitor.onEvent(QStringLiteral("other"),
                        hookExecution(QStringLiteral("SessionStart"), 0, QStringLiteral("other")),
                        5);
        QCOMPARE(monitor.count(), 1);
    }

    // The recorded real claude-mpm stream: session C asks for permission in its first turn.
    void theRealStream()
    {
        const QList<ClaudeEvent> events = realStream();
        QVERIFY(events.size() > 50);
        const auto seen = transitions(events);
        const QString c = QStringLiteral("0343932a-b677-4297-ac63-8c39e2016423");
        QCOMPARE(seen.value(c), (QList<Kind>{Kind::Working, Kind::NeedsPermission, Kind::Waiting,
                                             Kind::Working, Kind::Waiting}));
        const QString a = QStringLiteral("d2bfe93c-3e16-4d17-9b2f-8054941eda35");
        QCOMPARE(seen.value(a), (QList<Kind>{Kind::Waiting, Kind::Working, Kind::Waiting,
                                             Kind::Working, Kind::Waiting}));
    }

    // The same stream with each event delayed by 0-20 ms (claude-mpm's two posting threads):
    // the same states in the same order.
    void theRealStreamOutOfOrder()
    {
        const QList<ClaudeEvent> events = realStream();
        const auto expected = transitions(events);
        for (int round = 0; round < 20; ++round) {
            QRandomGenerator random(quint32(round + 1));
            QList<std::pair<qint64, ClaudeEvent>> arrival;
            for (const ClaudeEvent& e : events)
                arrival.append({e.timestamp.toMSecsSinceEpoch() + random.bounded(20), e});
            std::stable_sort(arrival.begin(), arrival.end(),
                             [](const auto& x, const auto& y) { return x.first < y.first; });
            QList<ClaudeEvent> shuffled;
            for (const auto& [at, e] : arrival)
                shuffled.append(e);
            QCOMPARE(transitions(shuffled), expected);
        }
    }
};

QTEST_GUILESS_MAIN(tst_SessionStateMonitor)
#include "tst_sessionstatemonitor.moc"
