#include "TestClock.h"
#include "aggregation/Aggregator.h"
#include "aggregation/SessionSpill.h"
#include "capture/RecordingReader.h"
#include "ingest/EventNormalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// Routing, lifecycle (stop, timeout, manual), reopening, attribution and de-duplication.
class TestAggregator : public QObject
{
    Q_OBJECT

    static ClaudeEvent event(const QString& session, const QString& subtype, const QString& ts,
                             const QString& cwd = QStringLiteral("/p"),
                             const QString& extra = QString())
    {
        const QString json =
            QStringLiteral(R"({"type":"claude_event","subtype":"%1","timestamp":"%2",)"
                           R"("session_id":"%3","cwd":"%4","data":{"n":"%5"}})")
                .arg(subtype, ts, session, cwd, extra);
        const NormalizeResult r = EventNormalizer::normalize(
            QStringLiteral("claude_event"), json.toUtf8(), QDateTime::currentDateTimeUtc());
        Q_ASSERT(r.isEvents() && r.events.size() == 1);
        return r.events.first();
    }
    static qint64 ms(const ClaudeEvent& e) { return e.timestamp.toMSecsSinceEpoch(); }

    // An event in the real claude-mpm's shape (data carries the hook's fields).
    static ClaudeEvent mpm(const QString& session, const QString& subtype, const QString& ts,
                           const QJsonObject& data)
    {
        QJsonObject top{{QStringLiteral("type"), QStringLiteral("claude_event")},
                        {QStringLiteral("subtype"), subtype},
                        {QStringLiteral("timestamp"), ts},
                        {QStringLiteral("data"), data}};
        top.insert(QStringLiteral("session_id"),
                   session.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(session));
        const NormalizeResult r = EventNormalizer::normalize(
            QStringLiteral("claude_event"), QJsonDocument(top).toJson(QJsonDocument::Compact),
            QDateTime::currentDateTimeUtc());
        Q_ASSERT(r.isEvents() && r.events.size() == 1);
        return r.events.first();
    }
    static ClaudeEvent ack(const QString& prompt, const QString& project, const QString& ts)
    {
        return mpm(QString(), QStringLiteral("command_acknowledged"), ts,
                   {{QStringLiteral("prompt_preview"), prompt},
                    {QStringLiteral("status"), QStringLiteral("received")},
                    {QStringLiteral("project"), project}});
    }
    static ClaudeEvent userPrompt(const QString& session, const QString& prompt, const QString& cwd,
                                  const QString& ts)
    {
        return mpm(session, QStringLiteral("user_prompt"), ts,
                   {{QStringLiteral("prompt_text"), prompt},
                    {QStringLiteral("prompt_preview"), prompt},
                    {QStringLiteral("working_directory"), cwd}});
    }

    struct Saved
    {
        QHash<QString, QJsonObject> docs;
        QList<QPair<QString, QString>> completions; // id, status
    };
    static void record(Aggregator& a, Saved& saved)
    {
        QObject::connect(
            &a, &Aggregator::sessionCompleted, &a,
            [&saved](const AgentSession& s, const QList<qint64>&) {
                saved.docs.insert(s.sessionId(), s.toJson());
                saved.completions.append({s.sessionId(), AgentSession::statusName(s.status())});
            });
        a.setSessionLoader([&saved](const QString& id) -> std::optional<AgentSession> {
            if (!saved.docs.contains(id))
                return std::nullopt;
            QString error;
            return AgentSession::fromJson(saved.docs.value(id), &error);
        });
    }

    // An aggregator on the test clock with an hour's inactivity timeout, its saves recorded.
    struct OnTestClock
    {
        OnTestClock() : a(settings(), &clock) { record(a, saved); }
        static Aggregator::Settings settings()
        {
            Aggregator::Settings s;
            s.sessionTimeoutMs = 60 * 60 * 1000;
            return s;
        }
        qint64 timeoutMs() const { return a.settings().sessionTimeoutMs; }
        TestClock clock;
        Aggregator a;
        Saved saved;
    };

    // Every saved document's "n" values (the test's event numbers), to check each event is
    // saved once, in its own session.
    static QStringList numbersIn(const QJsonObject& doc)
    {
        QStringList numbers;
        for (const QJsonValue& v : doc.value(QLatin1String("events")).toArray())
            numbers.append(v.toObject()
                               .value(QLatin1String("data"))
                               .toObject()
                               .value(QLatin1String("n"))
                               .toString());
        numbers.sort();
        return numbers;
    }
    static QString nth(int session, int i)
    {
        return QStringLiteral("%1-%2").arg(session).arg(i, 4, 10, QLatin1Char('0'));
    }
    static QString timeOf(int seq)
    {
        return QDateTime(QDate(2026, 1, 1), QTime(10, 0), Qt::UTC)
            .addMSecs(seq)
            .toString(Qt::ISODateWithMs);
    }

private Q_SLOTS:
    void stopSettlesAndSavesOnceWithItsCompanions()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        Saved saved;
        record(a, saved);
        const auto p = userPrompt(QStringLiteral("s"), QStringLiteral("go"), QStringLiteral("/w/a"),
                                  QStringLiteral("2026-01-01T10:00:00Z"));
        const auto stop = mpm(QStringLiteral("s"), QStringLiteral("stop"),
                              QStringLiteral("2026-01-01T10:00:05.000Z"), {});
        const auto usage =
            mpm(QStringLiteral("s"), QStringLiteral("token_usage_updated"),
                QStringLiteral("2026-01-01T10:00:05.002Z"), {{QStringLiteral("input_tokens"), 5}});
        const auto hook = mpm(QStringLiteral("s"), QStringLiteral("hook_execution"),
                              QStringLiteral("2026-01-01T10:00:05.020Z"),
                              {{QStringLiteral("hook_name"), QStringLiteral("Stop")}});
        a.addEvent(p, 1, ms(p));
        // The companions arrive before and after the Stop.
        a.addEvent(usage, 2, ms(usage));
        a.addEvent(stop, 3, ms(stop));
        a.addEvent(hook, 4, ms(hook));
        QCOMPARE(saved.completions.size(), 0); // not yet settled
        QCOMPARE(a.liveSession(QStringLiteral("s"))->status(), AgentSession::Status::Completed);
        const auto other =
            userPrompt(QStringLiteral("o"), QStringLiteral("x"), QStringLiteral("/w/b"),
                       QStringLiteral("2026-01-01T10:00:07Z"));
        a.addEvent(other, 5, ms(other));
        QCOMPARE(saved.completions.size(), 1); // one save for the turn and its companions
        QCOMPARE(saved.completions[0],
                 (QPair<QString, QString>{QStringLiteral("s"), QStringLiteral("completed")}));
        const QJsonObject doc = saved.docs.value(QStringLiteral("s"));
        QCOMPARE(doc.value(QLatin1String("events")).toArray().size(), 4);
        QCOMPARE(doc.value(QLatin1String("end_time")).toString(),
                 QStringLiteral("2026-01-01T10:00:05.000Z"));
        // The end of a replay does not turn the completed session into a stopped one.
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("end of replay"));
        QCOMPARE(saved.completions.last(),
                 (QPair<QString, QString>{QStringLiteral("o"), QStringLiteral("stopped")}));
        QCOMPARE(saved.completions.size(), 2);
    }

    void acknowledgementJoinsTheSessionOfItsPrompt()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        const auto p1 =
            userPrompt(QStringLiteral("s1"), QStringLiteral("first thing"),
                       QStringLiteral("/x/alpha"), QStringLiteral("2026-01-01T10:00:00Z"));
        const auto p2 =
            userPrompt(QStringLiteral("s2"), QStringLiteral("second thing to do"),
                       QStringLiteral("/y/alpha"), QStringLiteral("2026-01-01T10:00:02.005Z"));
        a.addEvent(p1, -1, ms(p1));
        // s1 is the most recently active session of a folder named alpha, but the prompt text
        // says s2: its user_prompt follows the acknowledgement within milliseconds.
        const auto k = ack(QStringLiteral("second thing to do"), QStringLiteral("alpha"),
                           QStringLiteral("2026-01-01T10:00:02Z"));
        QVERIFY(a.addEvent(k, -1, ms(k)));
        QCOMPARE(a.liveCount(), 1);
        a.addEvent(p2, -1, ms(p2));
        QCOMPARE(a.liveSession(QStringLiteral("s2"))->totalEvents(), 2);
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->totalEvents(), 1);
        QCOMPARE(a.stats().attributed, quint64(1));
        // The user_prompt came first this time.
        const auto p3 =
            userPrompt(QStringLiteral("s1"), QStringLiteral("third"), QStringLiteral("/x/alpha"),
                       QStringLiteral("2026-01-01T10:00:10Z"));
        a.addEvent(p3, -1, ms(p3));
        const auto k3 = ack(QStringLiteral("third"), QStringLiteral("alpha"),
                            QStringLiteral("2026-01-01T10:00:09.990Z"));
        a.addEvent(k3, -1, ms(k3));
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->totalEvents(), 3);
        QCOMPARE(a.stats().attributed, quint64(2));
        QCOMPARE(a.stats().unattributed, quint64(0));
    }

    void acknowledgementWithoutItsPromptGoesByProjectFolder()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        const auto p1 =
            userPrompt(QStringLiteral("s1"), QStringLiteral("a"), QStringLiteral("/x/alpha"),
                       QStringLiteral("2026-01-01T10:00:00Z"));
        const auto p2 =
            userPrompt(QStringLiteral("s2"), QStringLiteral("b"), QStringLiteral("/y/beta"),
                       QStringLiteral("2026-01-01T10:00:01Z"));
        a.addEvent(p1, -1, ms(p1));
        a.addEvent(p2, -1, ms(p2));
        const auto k = ack(QStringLiteral("lost prompt"), QStringLiteral("alpha"),
                           QStringLiteral("2026-01-01T10:00:02Z"));
        a.addEvent(k, -1, ms(k));
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->totalEvents(), 1); // still waiting
        const auto later = mpm(QStringLiteral("s2"), QStringLiteral("notification"),
                               QStringLiteral("2026-01-01T10:00:08Z"), {});
        a.addEvent(later, -1, ms(later)); // the attribution window has passed
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->totalEvents(), 2);
        QCOMPARE(a.stats().attributed, quint64(1));
    }

    // The project folder of a session whose events are in the spill file is in its summary:
    // the search reads that, not the session it does not hold.
    void acknowledgementByProjectFolderFindsASpilledSession()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        Aggregator::Settings s;
        s.limits.maxLiveSessions = 1;
        Aggregator a(s);
        a.setTimerDriven(false);
        a.setSpill(&spill);
        Saved saved;
        record(a, saved);
        const auto p1 =
            userPrompt(QStringLiteral("s1"), QStringLiteral("a"), QStringLiteral("/x/alpha"),
                       QStringLiteral("2026-01-01T10:00:00Z"));
        const auto p2 =
            userPrompt(QStringLiteral("s2"), QStringLiteral("b"), QStringLiteral("/y/beta"),
                       QStringLiteral("2026-01-01T10:00:01Z"));
        a.addEvent(p1, -1, ms(p1));
        a.addEvent(p2, -1, ms(p2));
        QCOMPARE(a.spilledCount(), 1);
        QVERIFY(a.spilledView(QStringLiteral("s1")));
        const auto k = ack(QStringLiteral("lost prompt"), QStringLiteral("alpha"),
                           QStringLiteral("2026-01-01T10:00:02Z"));
        a.addEvent(k, -1, ms(k));
        const auto later = mpm(QStringLiteral("s2"), QStringLiteral("notification"),
                               QStringLiteral("2026-01-01T10:00:08Z"), {});
        a.addEvent(later, -1, ms(later)); // the attribution window has passed
        QCOMPARE(a.stats().attributed, quint64(1));
        QCOMPARE(a.stats().unattributed, quint64(0));
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("end"));
        QCOMPARE(saved.docs.value(QStringLiteral("s1"))
                     .value(QLatin1String("events"))
                     .toArray()
                     .size(),
                 2);
    }

    void unattributedCountsNoDuplicates()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        const auto k = ack(QStringLiteral("nobody asked"), QStringLiteral("ghost"),
                           QStringLiteral("2026-01-01T10:00:00Z"));
        QVERIFY(a.addEvent(k, -1, ms(k)));
        QVERIFY(!a.addEvent(k, -1, ms(k))); // a history replay while it waits
        const auto later = mpm(QStringLiteral("s"), QStringLiteral("notification"),
                               QStringLiteral("2026-01-01T10:00:10Z"), {});
        a.addEvent(later, -1, ms(later));
        QCOMPARE(a.stats().unattributed, quint64(1));
        QSignalSpy unheld(&a, &Aggregator::journalSeqUnheld);
        QVERIFY(a.addEvent(k, 9, ms(later))); // and again once it was placed: held for now
        const auto last = mpm(QStringLiteral("s"), QStringLiteral("notification"),
                              QStringLiteral("2026-01-01T10:00:20Z"), {});
        a.addEvent(last, -1, ms(last));
        QCOMPARE(a.stats().unattributed, quint64(1));
        QCOMPARE(a.stats().duplicates, quint64(2));
        // Its journal record is released: nothing holds it.
        QCOMPARE(unheld.size(), 1);
        QCOMPARE(unheld.first().first().toLongLong(), 9);
        QCOMPARE(a.liveSession(Aggregator::UnattributedId)->totalEvents(), 1);
    }

    void stopCompletesAndLaterEventReopensTheSameRecord()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        Saved saved;
        record(a, saved);
        const auto e1 = event(QStringLiteral("s1"), QStringLiteral("user_prompt"),
                              QStringLiteral("2026-01-01T10:00:00Z"));
        const auto e2 = event(QStringLiteral("s1"), QStringLiteral("stop"),
                              QStringLiteral("2026-01-01T10:00:05Z"));
        const auto e3 = event(QStringLiteral("s1"), QStringLiteral("user_prompt"),
                              QStringLiteral("2026-01-01T10:01:00Z"), QStringLiteral("/p"),
                              QStringLiteral("again"));
        QVERIFY(a.addEvent(e1, 1, ms(e1)));
        QVERIFY(a.addEvent(e2, 2, ms(e2)));
        // Completed at once, saved once settled (the next event is a minute later).
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->status(), AgentSession::Status::Completed);
        QCOMPARE(saved.completions.size(), 0);
        QVERIFY(a.addEvent(e3, 3, ms(e3)));
        QCOMPARE(saved.completions.size(), 1);
        QCOMPARE(saved.completions[0].second, QStringLiteral("completed"));
        QCOMPARE(a.liveCount(), 1);
        QCOMPARE(a.stats().reopened, quint64(1));
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->totalEvents(), 3); // one record, all events
        // The first turn's events, replayed (e.g. a history batch), are not counted again
        // and do not reopen anything.
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("test"));
        QVERIFY(!a.addEvent(e1, 4, ms(e1)));
        QCOMPARE(a.liveCount(), 0);
        QCOMPARE(a.stats().duplicates, quint64(1));
        QCOMPARE(
            saved.docs.value(QStringLiteral("s1")).value(QLatin1String("events")).toArray().size(),
            3);
    }

    // A stop completes everything; the sessions that completed before it are not kept warm in
    // memory after it either: the next event reopens the saved file.
    void stopAllKeepsNoWarmCopies()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        Saved saved;
        record(a, saved);
        int loads = 0;
        a.setSessionLoader([&](const QString& id) -> std::optional<AgentSession> {
            ++loads;
            if (!saved.docs.contains(id))
                return std::nullopt;
            QString error;
            return AgentSession::fromJson(saved.docs.value(id), &error);
        });
        const auto p1 = event(QStringLiteral("s1"), QStringLiteral("user_prompt"),
                              QStringLiteral("2026-01-01T10:00:00Z"));
        const auto stop1 = event(QStringLiteral("s1"), QStringLiteral("stop"),
                                 QStringLiteral("2026-01-01T10:00:05Z"));
        const auto other = event(QStringLiteral("s2"), QStringLiteral("user_prompt"),
                                 QStringLiteral("2026-01-01T10:01:00Z"));
        QVERIFY(a.addEvent(p1, 1, ms(p1)));
        QVERIFY(a.addEvent(stop1, 2, ms(stop1)));
        QVERIFY(a.addEvent(other, 3, ms(other))); // s1 settled and was saved meanwhile
        QCOMPARE(saved.completions.size(), 1);
        QCOMPARE(loads, 2); // one look for each new session
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("test"));
        QCOMPARE(saved.completions.size(), 2);
        const auto p2 = event(QStringLiteral("s1"), QStringLiteral("user_prompt"),
                              QStringLiteral("2026-01-01T10:02:00Z"), QStringLiteral("/p"),
                              QStringLiteral("again"));
        QVERIFY(a.addEvent(p2, 4, ms(p2)));
        QCOMPARE(loads, 3); // from its file, not from memory
        QCOMPARE(a.liveSession(QStringLiteral("s1"))->totalEvents(), 3);
    }

    void inactivityTimesOutOnTheGivenClock()
    {
        Aggregator::Settings s;
        s.sessionTimeoutMs = 60 * 60 * 1000;
        Aggregator a(s);
        a.setTimerDriven(false);
        Saved saved;
        record(a, saved);
        const auto a1 = event(QStringLiteral("a"), QStringLiteral("user_prompt"),
                              QStringLiteral("2026-01-01T10:00:00Z"));
        const auto b1 = event(QStringLiteral("b"), QStringLiteral("user_prompt"),
                              QStringLiteral("2026-01-01T10:30:00Z"));
        const auto b2 = event(QStringLiteral("b"), QStringLiteral("pre_tool"),
                              QStringLiteral("2026-01-01T11:00:01Z"));
        a.addEvent(a1, -1, ms(a1));
        a.addEvent(b1, -1, ms(b1));
        QCOMPARE(saved.completions.size(), 0);
        a.addEvent(b2, -1, ms(b2)); // 60 min + 1 s after a's last event
        QCOMPARE(saved.completions.size(), 1);
        QCOMPARE(saved.completions[0],
                 (QPair<QString, QString>{QStringLiteral("a"), QStringLiteral("timed_out")}));
        QCOMPARE(a.liveSessionIds(), QStringList{QStringLiteral("b")});
        // Cost does not depend on the number of sessions: only the front is examined.
        a.expire(ms(b2) + 60 * 60 * 1000 + 1);
        QCOMPARE(a.liveCount(), 0);
        QCOMPARE(a.stats().timedOut, quint64(2));
    }

    // Past the live-session limit, sessions move to the spill file and stay live: events of
    // round-robin sessions are appended, never reloaded, and nothing is saved until the end.
    void sessionLimitSpillsWithoutReloadingPerEvent()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        TestClock clock;
        Aggregator::Settings s;
        s.limits.maxLiveSessions = 3;
        Aggregator a(s, &clock);
        a.setSpill(&spill);
        Saved saved;
        record(a, saved);
        int loads = 0;
        a.setSessionLoader([&loads](const QString&) -> std::optional<AgentSession> {
            ++loads;
            return std::nullopt;
        });
        QList<qint64> released;
        connect(&a, &Aggregator::sessionCompleted, this,
                [&](const AgentSession&, const QList<qint64>& seqs) { released += seqs; });
        constexpr int kSessions = 10;
        constexpr int kEach = 40;
        int seq = 0;
        for (int i = 0; i < kEach; ++i) {
            for (int k = 0; k < kSessions; ++k) {
                a.addEvent(
                    event(QStringLiteral("rr%1").arg(k),
                          i == 0 ? QStringLiteral("user_prompt") : QStringLiteral("pre_tool"),
                          timeOf(seq), QStringLiteral("/p%1").arg(k), nth(k, i)),
                    seq, a.nowMs());
                ++seq;
                clock.advance(1);
            }
        }
        QCOMPARE(a.stats().aggregated, quint64(kSessions * kEach));
        QCOMPARE(loads, kSessions); // once per new session, never again
        QCOMPARE(a.stats().reopened, quint64(0));
        QCOMPARE(saved.completions.size(), 0); // no save per event, no save at all yet
        QCOMPARE(a.liveCount(), kSessions);
        // Spilled once each; their later events went straight to the spill file.
        QCOMPARE(a.spilledCount(), kSessions - 3);
        QCOMPARE(a.stats().spilled, quint64(kSessions - 3));
        QCOMPARE(a.stats().unspilled, quint64(0)); // nothing was read back while receiving
        QCOMPARE(spill.heldEvents(), qint64((kSessions - 3) * kEach));
        QVERIFY(released.isEmpty());

        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("end"));
        QCOMPARE(saved.completions.size(), kSessions);
        QCOMPARE(a.stats().unspilled, quint64(kSessions - 3)); // read back once each
        for (int k = 0; k < kSessions; ++k) {
            QStringList want;
            for (int i = 0; i < kEach; ++i)
                want.append(nth(k, i));
            QCOMPARE(numbersIn(saved.docs.value(QStringLiteral("rr%1").arg(k))), want);
        }
        // Every journal record is handed over with exactly one save.
        std::sort(released.begin(), released.end());
        QList<qint64> all;
        for (int i = 0; i < kSessions * kEach; ++i)
            all.append(i);
        QCOMPARE(released, all);
        QCOMPARE(spill.heldEvents(), qint64(0));
        QCOMPARE(spill.fileBytes(), qint64(0)); // nothing needed: the file started over
    }

    // Past the byte limit a session's events move to the spill file; its Stop still ends its
    // turn: once settled (on the injected clock) it is read back once and saved whole.
    void spilledSessionSettlesAndTimesOutWhole()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        TestClock clock;
        Aggregator::Settings s;
        s.limits.maxLiveBytes = 8 * 1024;
        Aggregator a(s, &clock);
        a.setSpill(&spill);
        Saved saved;
        record(a, saved);
        int seq = 0;
        const auto add = [&](int k, const QString& subtype, int i) {
            a.addEvent(event(QStringLiteral("b%1").arg(k), subtype, timeOf(seq),
                             QStringLiteral("/p%1").arg(k), nth(k, i)),
                       seq, a.nowMs());
            ++seq;
            clock.advance(1);
        };
        for (int i = 0; i < 30; ++i) {
            for (int k = 0; k < 3; ++k)
                add(k, i == 0 ? QStringLiteral("user_prompt") : QStringLiteral("pre_tool"), i);
        }
        QVERIFY(a.spilledCount() >= 1);
        // Only the session that took the last event may stay in memory past the limit.
        QVERIFY(a.liveBytes() <= s.limits.maxLiveBytes || a.liveSessionIds().size() == 1);
        QCOMPARE(a.liveSession(QStringLiteral("b0")), nullptr); // the least recently active
        QCOMPARE(a.liveCount(), 3);
        add(0, QStringLiteral("stop"), 30);
        add(0, QStringLiteral("hook_execution"), 31); // a companion of the Stop
        // The settle time counts from the Stop, two clock steps ago.
        clock.advance(a.settings().settleMs - 3);
        QCOMPARE(saved.completions.size(), 0);
        clock.advance(1);
        QCOMPARE(saved.completions.size(), 1);
        QCOMPARE(saved.completions[0],
                 (QPair<QString, QString>{QStringLiteral("b0"), QStringLiteral("completed")}));
        QStringList want;
        for (int i = 0; i < 32; ++i)
            want.append(nth(0, i));
        QCOMPARE(numbersIn(saved.docs.value(QStringLiteral("b0"))), want);

        // The others stay spilled or live; idle past the timeout, each is saved whole.
        clock.advance(a.settings().sessionTimeoutMs + 1);
        QCOMPARE(saved.completions.size(), 3);
        for (int k = 1; k < 3; ++k) {
            want.clear();
            for (int i = 0; i < 30; ++i)
                want.append(nth(k, i));
            QCOMPARE(numbersIn(saved.docs.value(QStringLiteral("b%1").arg(k))), want);
        }
        QCOMPARE(saved.completions[1].second, QStringLiteral("timed_out"));
        QCOMPARE(a.liveCount(), 0);
        QCOMPARE(spill.heldEvents(), qint64(0));
    }

    // A spilled session past the per-session event limit is read back once and split.
    void spilledSessionSplitsAtTheEventLimit()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        TestClock clock;
        Aggregator::Settings s;
        s.limits.maxLiveSessions = 1;
        s.limits.maxSessionEvents = 25;
        Aggregator a(s, &clock);
        a.setSpill(&spill);
        Saved saved;
        record(a, saved);
        int seq = 0;
        for (int i = 0; i < 30; ++i) {
            for (int k = 0; k < 2; ++k) {
                a.addEvent(
                    event(QStringLiteral("x%1").arg(k),
                          i == 0 ? QStringLiteral("user_prompt") : QStringLiteral("pre_tool"),
                          timeOf(seq), QStringLiteral("/p%1").arg(k), nth(k, i)),
                    seq, a.nowMs());
                ++seq;
            }
        }
        QCOMPARE(a.stats().split, quint64(2));
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("end"));
        for (int k = 0; k < 2; ++k) {
            QStringList want;
            for (int i = 0; i < 30; ++i)
                want.append(nth(k, i));
            const QString id = QStringLiteral("x%1").arg(k);
            QStringList got = numbersIn(saved.docs.value(id)) +
                              numbersIn(saved.docs.value(Aggregator::partId(id, 2)));
            got.sort();
            QCOMPARE(numbersIn(saved.docs.value(id)).size(), 25);
            QCOMPARE(got, want);
        }
    }

    // Spilled sessions are bounded too (by maxParkedSessions): beyond, the least recently
    // active is saved as interrupted and released, to reopen from its file.
    void spilledSessionsAreBounded()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        TestClock clock;
        Aggregator::Settings s;
        s.limits.maxLiveSessions = 2;
        s.limits.maxParkedSessions = 3;
        Aggregator a(s, &clock);
        a.setSpill(&spill);
        Saved saved;
        record(a, saved);
        for (int k = 0; k < 10; ++k) {
            a.addEvent(event(QStringLiteral("f%1").arg(k), QStringLiteral("user_prompt"), timeOf(k),
                             QStringLiteral("/p%1").arg(k), nth(k, 0)),
                       k, a.nowMs());
            clock.advance(1);
        }
        QCOMPARE(a.spilledCount(), 3);
        QCOMPARE(a.stats().released, quint64(5));
        QCOMPARE(saved.completions.size(), 5);
        QCOMPARE(saved.completions[0],
                 (QPair<QString, QString>{QStringLiteral("f0"), QStringLiteral("interrupted")}));
        // Its next event reopens it from its file, with what it had.
        a.addEvent(event(QStringLiteral("f0"), QStringLiteral("notification"), timeOf(20),
                         QStringLiteral("/p0"), nth(0, 1)),
                   20, a.nowMs());
        QCOMPARE(a.stats().reopened, quint64(1));
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("end"));
        QCOMPARE(numbersIn(saved.docs.value(QStringLiteral("f0"))),
                 (QStringList{nth(0, 0), nth(0, 1)}));
        for (int k = 1; k < 10; ++k)
            QCOMPARE(numbersIn(saved.docs.value(QStringLiteral("f%1").arg(k))),
                     QStringList{nth(k, 0)});
    }

    void timerDrivenTimeoutFollowsTheInjectedClock()
    {
        OnTestClock t;
        const auto e = event(QStringLiteral("t"), QStringLiteral("user_prompt"),
                             QStringLiteral("2026-01-01T10:00:00Z"));
        t.a.addEvent(e, -1, t.a.nowMs());
        t.clock.advance(t.timeoutMs());
        QCOMPARE(t.saved.completions.size(), 0); // idle exactly the timeout: not yet
        t.clock.advance(1);
        QCOMPARE(t.saved.completions.size(), 1);
        QCOMPARE(t.saved.completions[0].second, QStringLiteral("timed_out"));
        QCOMPARE(t.a.completing().routingId, QString()); // only set while completing
    }

    // A finished session stays warm for its next turn, but not past the timeout: after it the
    // file answers anyway (a late event reopens from there), and the memory is given back.
    void finishedSessionsAreDroppedAfterTheTimeout()
    {
        OnTestClock t;
        Aggregator& a = t.a;
        QSignalSpy released(&a, &Aggregator::finishedReleased);
        a.addEvent(event(QStringLiteral("w"), QStringLiteral("user_prompt"),
                         QStringLiteral("2026-01-01T10:00:00Z")),
                   -1, a.nowMs());
        a.addEvent(event(QStringLiteral("w"), QStringLiteral("stop"),
                         QStringLiteral("2026-01-01T10:00:01Z")),
                   -1, a.nowMs());
        t.clock.advance(a.settings().settleMs);
        QCOMPARE(t.saved.completions.size(), 1);
        QCOMPARE(a.liveCount(), 0);
        QCOMPARE(a.finishedCount(), 1);
        const qint64 bytes = a.finishedBytes();
        QVERIFY(bytes > 0);
        t.clock.advance(t.timeoutMs());
        QCOMPARE(a.finishedCount(), 1); // finished exactly the timeout ago: still warm
        QCOMPARE(released.size(), 0);
        t.clock.advance(1);
        QCOMPARE(a.finishedCount(), 0);
        QCOMPARE(a.finishedBytes(), 0);
        QCOMPARE(released.size(), 1);
        QCOMPARE(released.at(0).at(0).toLongLong(), bytes);
        // Its next event reopens the saved record.
        a.addEvent(event(QStringLiteral("w"), QStringLiteral("user_prompt"),
                         QStringLiteral("2026-01-01T11:30:00Z"), QStringLiteral("/p"),
                         QStringLiteral("later")),
                   -1, a.nowMs());
        QCOMPARE(a.stats().reopened, quint64(1));
        QCOMPARE(a.liveSession(QStringLiteral("w"))->totalEvents(), 3);
    }

    void settlingFollowsTheInjectedClock()
    {
        TestClock clock;
        Aggregator a({}, &clock);
        Saved saved;
        record(a, saved);
        a.addEvent(event(QStringLiteral("st"), QStringLiteral("user_prompt"),
                         QStringLiteral("2026-01-01T10:00:00Z")),
                   -1, a.nowMs());
        a.addEvent(event(QStringLiteral("st"), QStringLiteral("stop"),
                         QStringLiteral("2026-01-01T10:00:01Z")),
                   -1, a.nowMs());
        clock.advance(a.settings().settleMs - 1);
        QCOMPARE(saved.completions.size(), 0);
        clock.advance(1);
        QCOMPARE(saved.completions.size(), 1);
        QCOMPARE(saved.completions[0].second, QStringLiteral("completed"));
    }

    void eventsWithoutSessionJoinTheRecentSessionOfTheirDirectory()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        const auto p = event(QStringLiteral("s"), QStringLiteral("user_prompt"),
                             QStringLiteral("2026-01-01T10:00:00Z"), QStringLiteral("/proj"));
        a.addEvent(p, -1, 1000);
        ClaudeEvent ack = event(QString(), QStringLiteral("command_acknowledged"),
                                QStringLiteral("2026-01-01T10:00:01Z"), QStringLiteral("/proj"));
        QVERIFY(!ack.hasSession());
        a.addEvent(ack, -1, 3000);
        QCOMPARE(a.stats().attributed, quint64(1));
        QCOMPARE(a.liveSession(QStringLiteral("s"))->totalEvents(), 2);
        ClaudeEvent late = event(QString(), QStringLiteral("command_acknowledged"),
                                 QStringLiteral("2026-01-01T10:00:20Z"), QStringLiteral("/proj"),
                                 QStringLiteral("x"));
        a.addEvent(late, -1, 3000 + 5001 + 1);
        ClaudeEvent other =
            event(QString(), QStringLiteral("command_acknowledged"),
                  QStringLiteral("2026-01-01T10:00:02Z"), QStringLiteral("/elsewhere"));
        a.addEvent(other, -1, 3500);
        QCOMPARE(a.stats().unattributed, quint64(2));
        QCOMPARE(a.liveSession(Aggregator::UnattributedId)->totalEvents(), 2);
    }

    void manualStopAndResume()
    {
        Aggregator a({});
        Saved saved;
        record(a, saved);
        const auto e = event(QStringLiteral("m"), QStringLiteral("user_prompt"),
                             QStringLiteral("2026-01-01T10:00:00Z"));
        a.addEvent(e, 7, a.nowMs());
        QVERIFY(!a.stopSession(QStringLiteral("nope"), AgentSession::Status::Stopped,
                               QStringLiteral("user")));
        QList<qint64> seqs;
        connect(&a, &Aggregator::sessionCompleted, this,
                [&](const AgentSession&, const QList<qint64>& s) { seqs = s; });
        QVERIFY(a.stopSession(QStringLiteral("m"), AgentSession::Status::Stopped,
                              QStringLiteral("user")));
        QCOMPARE(seqs, QList<qint64>{7});
        QCOMPARE(saved.completions.last().second, QStringLiteral("stopped"));

        QString error;
        auto back = AgentSession::fromJson(saved.docs.value(QStringLiteral("m")), &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        a.resume(std::move(*back), a.nowMs(), 0);
        QCOMPARE(a.liveCount(), 1);
        QVERIFY(a.liveSession(QStringLiteral("m"))->isActive());
        // Resumed identities are known: the old event is a duplicate.
        QVERIFY(!a.addEvent(e, 8, a.nowMs()));
    }

    // The whole current-server sample: every session's event count matches the truth file.
    void sampleStreamMatchesTruth()
    {
        Aggregator a({});
        a.setTimerDriven(false);
        Saved saved;
        record(a, saved);
        RecordingReader reader(QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.jsonl"));
        QString error;
        QVERIFY2(reader.open(&error), qPrintable(error));
        while (auto entry = reader.next()) {
            const NormalizeResult r = EventNormalizer::normalize(entry->name, entry->payload,
                                                                 QDateTime::currentDateTimeUtc());
            for (const ClaudeEvent& e : r.events)
                a.addEvent(e, -1, ms(e));
        }
        a.stopAll(AgentSession::Status::Stopped, QStringLiteral("end"));
        QFile truthFile(QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.truth.json"));
        QVERIFY(truthFile.open(QIODevice::ReadOnly));
        const QJsonArray sessions = QJsonDocument::fromJson(truthFile.readAll())
                                        .object()
                                        .value(QLatin1String("sessions"))
                                        .toArray();
        QVERIFY(sessions.size() >= 5);
        for (const QJsonValue& v : sessions) {
            const QJsonObject t = v.toObject();
            const QString id = t.value(QLatin1String("session_id")).toString();
            QVERIFY2(saved.docs.contains(id), qPrintable(id));
            const QJsonObject doc = saved.docs.value(id);
            QCOMPARE(doc.value(QLatin1String("events")).toArray().size(),
                     t.value(QLatin1String("events")).toInt());
            QCOMPARE(doc.value(QLatin1String("delegations")).toArray().size(),
                     t.value(QLatin1String("delegations")).toInt());
        }
    }
};

QTEST_GUILESS_MAIN(TestAggregator)
#include "tst_aggregator.moc"
