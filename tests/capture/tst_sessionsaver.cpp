// Tests SessionSaver: saves prepared on its worker land in order, match a synchronous save,
// hand over their journal records just before writing, and stay readable while in flight.
#include "aggregation/AgentSession.h"
#include "capture/SessionSaver.h"
#include "ingest/EventNormalizer.h"
#include "storage/SessionStore.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

class TestSessionSaver : public QObject
{
    Q_OBJECT

    static AgentSession session(const QString& id, int events)
    {
        AgentSession s(id);
        const QDateTime base(QDate(2026, 11, 25), QTime(10, 0), Qt::UTC);
        for (int n = 0; n < events; ++n) {
            const QString json =
                QStringLiteral("{\"type\":\"hook\",\"subtype\":\"%1\",\"timestamp\":"
                               "\"%2\",\"session_id\":\"%3\","
                               "\"data\":{\"n\":%4,\"text\":\"%5\"}}")
                    .arg(n % 2 ? QStringLiteral("notification") : QStringLiteral("user_prompt"))
                    // In order: an earlier timestamp would make each arrival a rebuild.
                    .arg(base.addSecs(n).toString(Qt::ISODate))
                    .arg(id)
                    .arg(n)
                    .arg(QString(200, QLatin1Char('x')));
            const NormalizeResult r = EventNormalizer::normalize(
                QStringLiteral("claude_event"), json.toUtf8(), QDateTime::currentDateTimeUtc());
            if (!r.isEvents())
                qFatal("test event refused");
            s.addEvent(r.events.first());
        }
        return s;
    }

private Q_SLOTS:
    void writesWhatASynchronousSaveWrites()
    {
        QTemporaryDir a;
        QTemporaryDir b;
        SessionStore sync(a.path());
        SessionStore async(b.path());
        const AgentSession s = session(QStringLiteral("same"), 50);
        QVERIFY(sync.save(s.toJson()));
        {
            SessionSaver saver(&async);
            saver.save(s, {}, {});
            saver.flush();
            QCOMPARE(saver.inFlightCount(), 0);
        }
        QCOMPARE(*async.loadSession(QStringLiteral("same")),
                 *sync.loadSession(QStringLiteral("same")));
    }

    void keepsOrderAndHandsOverRecordsBeforeWriting()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        store.setCompressionThreshold(4096); // the bigger saves go through gzip
        SessionSaver saver(&store);
        QStringList order;
        QList<qsizetype> onDisk; // events in the session's file when its records are handed over
        connect(&saver, &SessionSaver::committing, this,
                [&](const QString& id, const QList<qint64>& seqs) {
                    order.append(id + QLatin1Char(':') + QString::number(seqs.value(0)));
                    const std::optional<QJsonObject> doc = store.loadSession(id);
                    onDisk.append(doc ? doc->value(QLatin1String("events")).toArray().size() : 0);
                });
        // One session saved three times as it grows: the last save must be the one that stays.
        AgentSession grows = session(QStringLiteral("grows"), 10);
        saver.save(grows, {{QStringLiteral("part"), 1}}, {1});
        grows = session(QStringLiteral("grows"), 400);
        saver.save(grows, {{QStringLiteral("part"), 1}}, {2});
        // Nothing is written before the event loop runs: the worker only prepares.
        QVERIFY(order.isEmpty());
        QVERIFY(store.filePath(QStringLiteral("grows")).isEmpty());
        grows = session(QStringLiteral("grows"), 30);
        saver.save(grows, {}, {3});
        saver.save(session(QStringLiteral("other"), 5), {}, {4});
        const std::optional<AgentSession> latest = saver.inFlight(QStringLiteral("grows"));
        QVERIFY(latest);
        QCOMPARE(latest->totalEvents(), 30);
        QCOMPARE(saver.inFlightCount(), 4);
        QTRY_COMPARE(saver.inFlightCount(), 0); // committed from the event loop
        QCOMPARE(order, (QStringList{QStringLiteral("grows:1"), QStringLiteral("grows:2"),
                                     QStringLiteral("grows:3"), QStringLiteral("other:4")}));
        // A save's file is written after its records are handed over: what is on disk then is
        // an earlier save, or nothing (saves ready together are committed as one batch, so all
        // of them are handed over first).
        QCOMPARE(onDisk.value(0), 0);
        QVERIFY2(onDisk.value(1) == 0 || onDisk.value(1) == 10,
                 qPrintable(QString::number(onDisk.value(1))));
        QVERIFY2(onDisk.value(2) == 0 || onDisk.value(2) == 10 || onDisk.value(2) == 400,
                 qPrintable(QString::number(onDisk.value(2))));
        QCOMPARE(onDisk.value(3), 0);
        const QJsonObject doc = *store.loadSession(QStringLiteral("grows"));
        QCOMPARE(doc.value(QLatin1String("events")).toArray().size(), 30);
        QVERIFY(!doc.contains(QLatin1String("part"))); // extras belong to their own save
        QVERIFY(!saver.isInFlight(QStringLiteral("grows")));
        QVERIFY(!saver.inFlight(QStringLiteral("grows")));
    }

    void aBurstOfSavesIsBounded()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        SessionSaver saver(&store);
        saver.setMaxInFlight(3, 120);
        int most = 0;
        for (int i = 0; i < 30; ++i) {
            saver.save(session(QStringLiteral("b%1").arg(i), 50), {}, {});
            most = qMax(most, saver.inFlightCount());
        }
        QCOMPARE(most, 2); // 3 would hold 150 events
        saver.setMaxInFlight(3, 100000);
        for (int i = 30; i < 60; ++i) {
            saver.save(session(QStringLiteral("b%1").arg(i), 50), {}, {});
            most = qMax(most, saver.inFlightCount());
        }
        QVERIFY(most <= 3);
        saver.flush();
        QCOMPARE(store.list().size(), 60);
    }

    // With the default limits a shutdown saving many sessions at once (Aggregator::stopAll)
    // commits documents as they become ready rather than holding them all: 24 sessions of
    // 1,000 events never have more than 20,000 events' documents waiting.
    void aShutdownSaveHoldsFewDocumentsAtOnce()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        SessionSaver saver(&store);
        const AgentSession one = session(QStringLiteral("x"), 1000);
        int most = 0;
        for (int i = 0; i < 24; ++i) {
            AgentSession s(QStringLiteral("s%1").arg(i));
            for (qsizetype e = 0; e < one.eventCount(); ++e)
                s.addEvent(one.eventAt(e));
            saver.save(s, {}, {});
            most = qMax(most, saver.inFlightCount());
        }
        QVERIFY2(most <= 20, qPrintable(QString::number(most)));
        saver.flush();
        QCOMPARE(store.list().size(), 24);
    }

    void destructionWritesWhatIsPending()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        {
            SessionSaver saver(&store);
            for (int i = 0; i < 20; ++i)
                saver.save(session(QStringLiteral("s%1").arg(i), 20), {}, {});
        }
        QCOMPARE(store.list().size(), 20);
    }
};

QTEST_GUILESS_MAIN(TestSessionSaver)
#include "tst_sessionsaver.moc"
