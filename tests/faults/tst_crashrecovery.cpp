// The aggregator itself is killed with SIGKILL in the middle of a large stream and started
// again: every event that reached its journal is in the saved sessions afterwards, none twice.
#include "FaultSupport.h"
#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

using namespace faults;

class TestCrashRecovery : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString dir(const QString& name) const { return m_tmp.path() + QLatin1Char('/') + name; }

    // seq of every event record in the journal's segment files (released or not).
    static QSet<qint64> journaled(const QString& activityDir)
    {
        QSet<qint64> out;
        const QDir j(activityDir + QStringLiteral("/.journal"));
        for (const QString& name : j.entryList({QStringLiteral("journal-*.jsonl")}, QDir::Files)) {
            QFile f(j.filePath(name));
            if (!f.open(QIODevice::ReadOnly))
                continue;
            for (const QByteArray& line : f.readAll().split('\n')) {
                const QJsonObject o = QJsonDocument::fromJson(line).object();
                const QJsonValue seq = o.value(QLatin1String("args"))
                                           .toArray()
                                           .at(0)
                                           .toObject()
                                           .value(QLatin1String("seq"));
                if (o.contains(QLatin1String("seq")) && seq.isDouble())
                    out.insert(qint64(seq.toDouble()));
            }
        }
        return out;
    }

    // Records appended so far: the newest segment is named after its first seq (older ones
    // may already be deleted, once every session holding them was saved).
    static qint64 journaledSoFar(const QString& activityDir)
    {
        const QDir j(activityDir + QStringLiteral("/.journal"));
        const QStringList names =
            j.entryList({QStringLiteral("journal-*.jsonl")}, QDir::Files, QDir::Name);
        if (names.isEmpty())
            return 0;
        QFile f(j.filePath(names.last()));
        if (!f.open(QIODevice::ReadOnly))
            return 0;
        // Release records share the file: count event records ({"seq":...) only.
        qint64 records = 0;
        for (const QByteArray& line : f.readAll().split('\n'))
            records += line.startsWith("{\"seq\":") ? 1 : 0;
        return names.last().mid(8, 20).toLongLong() - 1 + records;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void killNineDuringLargeStream()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        const int total = volume(100000, 20000);
        const int sessions = 50;
        // Sessions interleave; each ends a turn with a stop now and then, so some are saved
        // (and their journal records released) before the kill and reopened after it.
        QList<QJsonObject> events;
        events.reserve(total);
        for (int n = 0; n < total; ++n) {
            const QString id = QStringLiteral("crash-%1").arg(n % sessions);
            const bool stop = (n / sessions) % 97 == 96;
            events.append(
                hookEvent(id, stop ? QStringLiteral("stop") : QStringLiteral("notification"), n));
        }
        const QString recording = dir(QStringLiteral("stream.jsonl"));
        QVERIFY(writeRecording(recording, events));

        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = dir(QStringLiteral("act"));
        const QString runtime = dir(QStringLiteral("rt"));
        App app(runtime);
        QVERIFY(app.start({QStringLiteral("--headless"), QStringLiteral("--port"),
                           QString::number(peer.port()), QStringLiteral("--activity-dir"), act}));
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        QElapsedTimer t;
        t.start();
        peer.command({{QStringLiteral("cmd"), QStringLiteral("replay")},
                      {QStringLiteral("file"), recording}},
                     50);
        // Killed once about a third of the stream is in the journal, read from the disk:
        // asking the app (status) would wait behind the backlog it is working through.
        QDeadlineTimer deadline(total > 20000 ? 600000 : 60000);
        while (journaledSoFar(act) < total / 3 && !deadline.hasExpired())
            QTest::qWait(5);
        QVERIFY(!deadline.hasExpired());
        app.kill9();
        const qint64 killedAfterMs = t.elapsed();
        peer.terminate();

        // What reached the journal: records still in its segments, plus events of sessions
        // already saved (their records were released, and their segments maybe deleted).
        QSet<qint64> reached = journaled(act);
        const auto before = savedSessions(act);
        for (const qint64 n : eventNumbers(before))
            reached.insert(n);
        QVERIFY(reached.size() >= total / 3);

        // Restart with no dashboard: the journal alone brings the rest back.
        App again(runtime);
        QVERIFY(again.start({QStringLiteral("--headless"), QStringLiteral("--port"),
                             QStringLiteral("1"), QStringLiteral("--activity-dir"), act}));
        QVERIFY(again.waitForStatus([](const QJsonObject&) { return true; }, 300000));
        const QJsonObject counters = again.stop(300000);
        QVERIFY2(!counters.isEmpty(), again.stderrText().right(2000).constData());

        const QList<qint64> saved = eventNumbers(savedSessions(act));
        const QSet<qint64> unique(saved.cbegin(), saved.cend());
        QCOMPARE(unique.size(), saved.size()); // none twice
        QSet<qint64> missing = reached;
        missing.subtract(unique);
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("%1 journaled events lost, e.g. %2; %3 saved; "
                                           "restart counters %4; its log: %5")
                                .arg(QString::number(missing.size()),
                                     QString::number(missing.isEmpty() ? -1 : *missing.cbegin()),
                                     QString::number(unique.size()),
                                     QString::fromUtf8(
                                         QJsonDocument(counters).toJson(QJsonDocument::Compact)),
                                     QString::fromUtf8(again.stderrText().right(3000)))));
        for (const qint64 n : unique)
            QVERIFY(n >= 0 && n < total); // nothing invented
        qInfo("kill -9 after %lld ms with %lld of %d events journaled; restart replayed %d "
              "journal records; all %lld saved exactly once",
              qlonglong(killedAfterMs), qlonglong(reached.size()), total,
              counters.value(QLatin1String("journal_replayed")).toInt(), qlonglong(unique.size()));
    }

    // The activity directory deleted while capturing went unnoticed, and a later crash lost
    // what memory held. Now it is recreated, said so, the live sessions are written there
    // again, and a kill -9 afterwards loses nothing.
    void activityDirectoryDeletedWhileCapturing()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = dir(QStringLiteral("deleted-act"));
        const QString runtime = dir(QStringLiteral("deleted-rt"));
        App app(runtime);
        QVERIFY(app.start({QStringLiteral("--headless"), QStringLiteral("--port"),
                           QString::number(peer.port()), QStringLiteral("--activity-dir"), act}));
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        const auto emitEvents = [&](int from, int to) {
            for (int n = from; n < to; ++n)
                peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                              {QStringLiteral("event"), QStringLiteral("claude_event")},
                              {QStringLiteral("args"),
                               QJsonArray{hookEvent(QStringLiteral("gone-%1").arg(n % 4),
                                                    QStringLiteral("notification"), n)}}});
        };
        emitEvents(0, 60);
        QVERIFY(app.waitForStatus(
            [](const QJsonObject& s) {
                return s.value(QLatin1String("events_received")).toInt() >= 60;
            },
            10000));
        QVERIFY(QDir(act).removeRecursively());
        QVERIFY(app.waitForStderr("was deleted or moved", 10000));
        QTRY_VERIFY_WITH_TIMEOUT(savedSessions(act).size() == 4, 10000);
        emitEvents(60, 100);
        QVERIFY(app.waitForStatus(
            [](const QJsonObject& s) {
                return s.value(QLatin1String("events_received")).toInt() >= 100;
            },
            10000));
        // The journal records of the last events reach the kernel before the status answer.
        app.kill9();
        peer.terminate();

        App again(runtime);
        QVERIFY(again.start({QStringLiteral("--headless"), QStringLiteral("--port"),
                             QStringLiteral("1"), QStringLiteral("--activity-dir"), act}));
        QVERIFY(again.waitForStatus([](const QJsonObject&) { return true; }, 30000));
        QVERIFY(!again.stop().isEmpty());
        const QList<qint64> saved = eventNumbers(savedSessions(act));
        const QSet<qint64> unique(saved.cbegin(), saved.cend());
        QCOMPARE(unique.size(), saved.size());
        QCOMPARE(unique.size(), 100);
    }
};

QTEST_GUILESS_MAIN(TestCrashRecovery)
#include "tst_crashrecovery.moc"
