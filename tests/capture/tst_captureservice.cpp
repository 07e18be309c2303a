// Tests CaptureService on an injected clock with its default settings: timeouts fire when the
// clock says so, and past the default live-session limit sessions spill and still end up
// saved whole, each event once, with nothing reloaded.
#include "TestClock.h"
#include "capture/CaptureService.h"
#include "storage/SessionStore.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace ea;

class TestCaptureService : public QObject
{
    Q_OBJECT

    static QByteArray payload(const QString& session, const QString& subtype, int n)
    {
        return QStringLiteral(
                   R"({"type":"hook","subtype":"%1","timestamp":"2026-01-01T10:00:%2.%3Z",)"
                   R"("session_id":"%4","cwd":"/w","data":{"n":%5}})")
            .arg(subtype)
            .arg((n / 1000) % 60, 2, 10, QLatin1Char('0'))
            .arg(n % 1000, 3, 10, QLatin1Char('0'))
            .arg(session)
            .arg(n)
            .toUtf8();
    }
    static CaptureSettings settingsFor(const QString& dir)
    {
        CaptureSettings s;
        s.activityDirectory = dir;
        s.events = {QStringLiteral("claude_event")};
        return s;
    }

private Q_SLOTS:
    void turnsReuseTheirMemory()
    {
        // A turn's buffers (its events, the journal's lines) are reused, and freed ones stay in
        // the heap: no turn gives memory back to the system only to fault it in again (before,
        // every turn of ~200 KB of lines did: dozens of page faults and a brk() each).
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        TestClock clock;
        CaptureService capture(settingsFor(dir.path()), nullptr, &clock);
        QVERIFY2(capture.initialize(), qPrintable(capture.lastError()));
        // Chatter is journaled and released at once: nothing is held, so a steady stream of it
        // needs no new memory at all.
        QList<CaptureService::Incoming> turn;
        const QByteArray padding(1500, 'x');
        for (int i = 0; i < 128; ++i)
            turn.append(
                {QStringLiteral("heartbeat"),
                 QByteArray(R"({"n":)") + QByteArray::number(i) + R"(,"pad":")" + padding + R"("})",
                 clock.currentUtc()});
        const auto faults = [] {
            rusage usage{};
            getrusage(RUSAGE_SELF, &usage);
            return usage.ru_minflt;
        };
        for (int i = 0; i < 20; ++i)
            capture.ingest(turn);
        constexpr int kTurns = 200;
        const long before = faults();
        for (int i = 0; i < kTurns; ++i)
            capture.ingest(turn);
        const long faulted = faults() - before;
        QCOMPARE(capture.counters().chatter, quint64(220 * 128));
#ifdef EA_TESTS_SANITIZED // the tree, not this file, is instrumented (tests/CMakeLists.txt)
        // ASan's allocator quarantines freed memory and hands out new pages: faults say nothing.
        Q_UNUSED(faulted);
#else
        QVERIFY2(faulted < kTurns,
                 qPrintable(QStringLiteral("%1 page faults in %2 turns").arg(faulted).arg(kTurns)));
#endif
    }

    void sessionTimesOutOnTheInjectedClock()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        TestClock clock;
        CaptureService capture(settingsFor(dir.path()), nullptr, &clock);
        QVERIFY2(capture.initialize(), qPrintable(capture.lastError()));
        QSignalSpy saved(&capture, &CaptureService::sessionSaved);
        capture.ingest(QStringLiteral("claude_event"),
                       payload(QStringLiteral("t1"), QStringLiteral("user_prompt"), 1),
                       clock.currentUtc());
        clock.advance(capture.settings().sessionTimeoutMs);
        QCOMPARE(capture.aggregator().liveCount(), 1); // idle exactly the timeout: not yet
        clock.advance(1);
        QCOMPARE(capture.aggregator().liveCount(), 0);
        QVERIFY(saved.count() == 1 || saved.wait(10000)); // written by the save worker
        QString error;
        const auto doc = capture.store().loadSession(QStringLiteral("t1"), &error);
        QVERIFY2(doc.has_value(), qPrintable(error));
        QCOMPARE(doc->value(QLatin1String("status")).toString(), QStringLiteral("timed_out"));
    }

    void pastTheDefaultSessionLimitSessionsSpillAndAreSavedWhole()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        TestClock clock;
        CaptureService capture(settingsFor(dir.path()), nullptr, &clock);
        QVERIFY2(capture.initialize(), qPrintable(capture.lastError()));
        const int sessions = capture.settings().limits.maxLiveSessions + 50;
        constexpr int kEach = 3;
        int n = 0;
        for (int i = 0; i < kEach; ++i) {
            for (int k = 0; k < sessions; ++k) {
                capture.ingest(
                    QStringLiteral("claude_event"),
                    payload(QStringLiteral("s%1").arg(k),
                            i == 0 ? QStringLiteral("user_prompt") : QStringLiteral("notification"),
                            n++),
                    clock.currentUtc());
                clock.advance(1);
            }
        }
        const QJsonObject c = capture.countersJson();
        QCOMPARE(c.value(QLatin1String("events_aggregated")).toInt(), sessions * kEach);
        QCOMPARE(c.value(QLatin1String("sessions_live")).toInt(), sessions);
        QCOMPARE(c.value(QLatin1String("sessions_reopened")).toInt(), 0);
        QCOMPARE(c.value(QLatin1String("sessions_released")).toInt(), 0);
        QCOMPARE(c.value(QLatin1String("sessions_saved")).toInt(), 0); // no save per event
        QVERIFY(c.value(QLatin1String("spills")).toInt() >= 50);
        QVERIFY(capture.shutdown());
        QCOMPARE(capture.countersJson().value(QLatin1String("sessions_saved")).toInt(), sessions);
        QSet<int> seen;
        for (int k = 0; k < sessions; ++k) {
            const auto doc = capture.store().loadSession(QStringLiteral("s%1").arg(k));
            QVERIFY(doc.has_value());
            const QJsonArray events = doc->value(QLatin1String("events")).toArray();
            QCOMPARE(events.size(), kEach);
            for (const QJsonValue& e : events) {
                const int v = e.toObject()
                                  .value(QLatin1String("data"))
                                  .toObject()
                                  .value(QLatin1String("n"))
                                  .toInt();
                QCOMPARE(v % sessions, k);  // in its own session's file
                QVERIFY(!seen.contains(v)); // and only once
                seen.insert(v);
            }
        }
        QCOMPARE(seen.size(), sessions * kEach);
    }
};

QTEST_GUILESS_MAIN(TestCaptureService)
#include "tst_captureservice.moc"
