#include "aggregation/Aggregator.h"
#include "capture/RecordingReader.h"
#include "ingest/EventNormalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
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

    void timerDrivenTimeoutFiresOnTheEventLoop()
    {
        Aggregator::Settings s;
        s.sessionTimeoutMs = 100;
        Aggregator a(s);
        Saved saved;
        record(a, saved);
        const auto e = event(QStringLiteral("t"), QStringLiteral("user_prompt"),
                             QStringLiteral("2026-01-01T10:00:00Z"));
        // When it fires is measured, not raced against a shorter wait: on a busy machine a
        // 30 ms wait can last longer than the 100 ms timeout.
        qint64 completedAt = -1;
        connect(&a, &Aggregator::sessionCompleted, this,
                [&] { completedAt = Aggregator::monotonicNowMs(); });
        const qint64 added = Aggregator::monotonicNowMs();
        a.addEvent(e, -1, added);
        QCOMPARE(saved.completions.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(saved.completions.size(), 1, 5000);
        QCOMPARE(saved.completions[0].second, QStringLiteral("timed_out"));
        QVERIFY2(completedAt - added >= s.sessionTimeoutMs,
                 qPrintable(QStringLiteral("timed out after %1 ms").arg(completedAt - added)));
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
        a.addEvent(e, 7, Aggregator::monotonicNowMs());
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
        a.resume(std::move(*back), Aggregator::monotonicNowMs(), 0);
        QCOMPARE(a.liveCount(), 1);
        QVERIFY(a.liveSession(QStringLiteral("m"))->isActive());
        // Resumed identities are known: the old event is a duplicate.
        QVERIFY(!a.addEvent(e, 8, Aggregator::monotonicNowMs()));
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
