#include "PeerServer.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

// The headless app end to end: replay, live capture from a real server, kill -9, timeouts,
// hostile ids, unwritable storage and bad configuration.
class TestCapture : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString fixture(const QString& name) const
    {
        return QStringLiteral(EA_FIXTURES_DIR "/samples/") + name;
    }

    QProcessEnvironment env(const QString& runtime) const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("EA_RUNTIME_DIR"), runtime);
        e.insert(QStringLiteral("HOME"), m_tmp.path()); // no user configuration leaks in
        return e;
    }

    // Runs the app to completion; returns its stdout.
    QByteArray run(const QStringList& args, int* exitCode, const QString& runtime,
                   QByteArray* err = nullptr, const QProcessEnvironment& extra = {})
    {
        QProcess p;
        QProcessEnvironment e = env(runtime);
        for (const QString& k : extra.keys())
            e.insert(k, extra.value(k));
        p.setProcessEnvironment(e);
        p.setWorkingDirectory(m_tmp.path());
        p.start(QStringLiteral(EA_APP_BINARY), args);
        p.waitForFinished(60000);
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        if (err)
            *err = p.readAllStandardError();
        return p.readAllStandardOutput();
    }

    static QJsonObject lastJson(const QByteArray& out)
    {
        const QList<QByteArray> lines = out.trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last()).object();
    }

    static QJsonObject truth(const QString& path)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return QJsonDocument::fromJson(f.readAll()).object();
    }

    // session id -> saved document, for every session file under dir.
    static QHash<QString, QJsonObject> savedSessions(const QString& dir)
    {
        QHash<QString, QJsonObject> out;
        const QStringList files =
            QDir(dir).entryList({QStringLiteral("session_*.json")}, QDir::Files);
        for (const QString& name : files) {
            QFile f(dir + QLatin1Char('/') + name);
            f.open(QIODevice::ReadOnly);
            const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
            out.insert(doc.value(QLatin1String("session_id")).toString(), doc);
        }
        return out;
    }

    // Every truth session is saved once with all its events.
    static void compareWithTruth(const QHash<QString, QJsonObject>& saved,
                                 const QJsonObject& truthDoc)
    {
        const QJsonArray sessions = truthDoc.value(QLatin1String("sessions")).toArray();
        QVERIFY(!sessions.isEmpty());
        for (const QJsonValue& v : sessions) {
            const QJsonObject t = v.toObject();
            const QString id = t.value(QLatin1String("session_id")).toString();
            QVERIFY2(saved.contains(id), qPrintable(id.left(80)));
            const QJsonObject doc = saved.value(id);
            QCOMPARE(doc.value(QLatin1String("events")).toArray().size(),
                     t.value(QLatin1String("events")).toInt());
            QCOMPARE(doc.value(QLatin1String("delegations")).toArray().size(),
                     t.value(QLatin1String("delegations")).toInt());
        }
    }

    // Events of a recording the app aggregates when it arrives live (chatter is not counted).
    static int liveEventCount(const QString& recording)
    {
        QFile f(recording);
        f.open(QIODevice::ReadOnly);
        int n = 0;
        while (!f.atEnd()) {
            const QString name = QJsonDocument::fromJson(f.readLine())
                                     .object()
                                     .value(QLatin1String("name"))
                                     .toString();
            n += !name.isEmpty() && !name.startsWith(QLatin1String("dashboard:")) &&
                 name != QLatin1String("heartbeat");
        }
        return n;
    }

    // Waits until the running instance reports `count` events received, so a signal sent next
    // does not race the socket (slow under sanitizers).
    bool waitForReceived(const QString& runtime, int count, int timeoutMs = 60000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            int code = -1;
            const QByteArray out = run({QStringLiteral("status")}, &code, runtime);
            if (code == 0 && QJsonDocument::fromJson(out)
                                     .object()
                                     .value(QLatin1String("events_received"))
                                     .toInt() >= count)
                return true;
            QTest::qWait(100);
        }
        return false;
    }

    QString newDir(const QString& name) const
    {
        const QString d = m_tmp.path() + QLatin1Char('/') + name;
        QDir().mkpath(d);
        return d;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(QFile::exists(QStringLiteral(EA_APP_BINARY)));
    }

    void replayMatchesTruth_data()
    {
        QTest::addColumn<QString>("sample");
        QTest::newRow("current") << QStringLiteral("current-server");
        QTest::newRow("legacy") << QStringLiteral("legacy-server");
        QTest::newRow("seed") << QStringLiteral("seed-format");
    }
    void replayMatchesTruth()
    {
        QFETCH(QString, sample);
        const QString act =
            newDir(QStringLiteral("replay-") + sample) + QStringLiteral("/activity");
        int code = -1;
        QByteArray err;
        const QByteArray out =
            run({QStringLiteral("--headless"), QStringLiteral("--replay"),
                 fixture(sample + QStringLiteral(".jsonl")), QStringLiteral("--activity-dir"), act},
                &code, newDir(QStringLiteral("rt-") + sample), &err);
        QVERIFY2(code == 0, err.constData());
        const QJsonObject counters = lastJson(out);
        QCOMPARE(counters.value(QLatin1String("malformed")).toInt(), 0);
        QCOMPARE(counters.value(QLatin1String("sessions_live")).toInt(), 0);
        const auto saved = savedSessions(act);
        compareWithTruth(saved, truth(fixture(sample + QStringLiteral(".truth.json"))));
        for (const QJsonObject& doc : saved) {
            const QString status = doc.value(QLatin1String("status")).toString();
            QVERIFY2(status == QLatin1String("completed") || status == QLatin1String("stopped"),
                     qPrintable(status));
        }
        // Files are private to the user.
        const QFileInfo dirInfo(act);
        QCOMPARE(dirInfo.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
    }

    void hostileSessionIdsStayInside()
    {
        const QString root = newDir(QStringLiteral("hostile"));
        const QString act = root + QStringLiteral("/act");
        int code = -1;
        QByteArray err;
        const QByteArray out =
            run({QStringLiteral("--headless"), QStringLiteral("--replay"),
                 fixture(QStringLiteral("hostile.jsonl")), QStringLiteral("--activity-dir"), act},
                &code, newDir(QStringLiteral("rt-hostile")), &err);
        QVERIFY2(code == 0, err.constData());
        QVERIFY(lastJson(out).value(QLatin1String("malformed")).toInt() > 0); // bad events counted
        // Nothing was written next to the activity directory or above it.
        QDirIterator it(root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString p = it.next();
            QVERIFY2(p.startsWith(act), qPrintable(p));
        }
        QVERIFY(!QFile::exists(QStringLiteral("/tmp/escape_b8a1abcd")));
        compareWithTruth(savedSessions(act), truth(fixture(QStringLiteral("hostile.truth.json"))));
    }

    void liveCaptureFromPythonServer()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Python, &why))
            QSKIP(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Python));
        const QString act = newDir(QStringLiteral("live")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-live"));
        QProcess app;
        app.setProcessEnvironment(env(runtime));
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        // The app asks for history after connecting (the legacy dashboard answers it).
        QVERIFY(peer.waitForReport([](const QJsonObject& r) {
            return r.value(QLatin1String("name")).toString() == QLatin1String("get_history");
        }));
        QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("replay")},
                               {QStringLiteral("file"),
                                fixture(QStringLiteral("current-server.jsonl"))}},
                              30000)
                     .isEmpty());
        QVERIFY(waitForReceived(runtime,
                                liveEventCount(fixture(QStringLiteral("current-server.jsonl")))));
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
        const QJsonObject counters = lastJson(app.readAllStandardOutput());
        QCOMPARE(counters.value(QLatin1String("connects")).toInt(), 1);
        QCOMPARE(counters.value(QLatin1String("malformed")).toInt(), 0);
        compareWithTruth(savedSessions(act),
                         truth(fixture(QStringLiteral("current-server.truth.json"))));
    }

    // kill -9 in the middle of capture: the journal restores every event on the next start.
    void killNineLosesNothing()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Python, &why))
            QSKIP(qPrintable(why));
        // The first 150 events leave sessions open mid-turn, so the journal is what saves them.
        const QString partial = m_tmp.path() + QStringLiteral("/partial.jsonl");
        {
            QFile in(fixture(QStringLiteral("current-server.jsonl")));
            QFile out(partial);
            QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
            for (int i = 0; i < 150 && !in.atEnd(); ++i)
                out.write(in.readLine());
        }
        // What a clean run of the same events saves.
        const QString reference =
            newDir(QStringLiteral("kill9-reference")) + QStringLiteral("/act");
        int code = -1;
        run({QStringLiteral("--headless"), QStringLiteral("--replay"), partial,
             QStringLiteral("--activity-dir"), reference},
            &code, newDir(QStringLiteral("rt-kill9-ref")));
        QCOMPARE(code, 0);
        const auto expected = savedSessions(reference);
        QVERIFY(expected.size() >= 3);

        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Python));
        const QString act = newDir(QStringLiteral("kill9")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-kill9"));
        QProcess app;
        app.setProcessEnvironment(env(runtime));
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("replay")},
                               {QStringLiteral("file"), partial}},
                              30000)
                     .isEmpty());
        QVERIFY(waitForReceived(runtime, liveEventCount(partial)));
        app.kill();
        QVERIFY(app.waitForFinished(5000));
        peer.terminate();

        // Restart with no server reachable: the journal alone must bring everything back.
        QProcess again;
        again.setProcessEnvironment(env(runtime));
        again.start(QStringLiteral(EA_APP_BINARY),
                    {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                     QStringLiteral("--activity-dir"), act});
        QVERIFY(again.waitForStarted());
        QTest::qWait(1000);
        ::kill(again.processId(), SIGTERM);
        QVERIFY(again.waitForFinished(10000));
        QCOMPARE(again.exitCode(), 0);
        const QJsonObject counters = lastJson(again.readAllStandardOutput());
        QVERIFY(counters.value(QLatin1String("journal_replayed")).toInt() > 0);
        const auto saved = savedSessions(act);
        QCOMPARE(saved.size(), expected.size());
        for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
            QVERIFY2(saved.contains(it.key()), qPrintable(it.key()));
            // Every event once: none lost, none doubled.
            QCOMPARE(saved.value(it.key()).value(QLatin1String("events")).toArray().size(),
                     it.value().value(QLatin1String("events")).toArray().size());
        }
    }

    void inactiveSessionTimesOut()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            QSKIP(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = newDir(QStringLiteral("timeout")) + QStringLiteral("/act");
        QProcess app;
        QProcessEnvironment e = env(newDir(QStringLiteral("rt-timeout")));
        e.insert(QStringLiteral("EA_SESSION_TIMEOUT_MS"), QStringLiteral("300"));
        app.setProcessEnvironment(e);
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        const QJsonObject prompt{
            {QStringLiteral("type"), QStringLiteral("claude_event")},
            {QStringLiteral("subtype"), QStringLiteral("user_prompt")},
            {QStringLiteral("session_id"), QStringLiteral("quiet-session")},
            {QStringLiteral("timestamp"), QStringLiteral("2026-07-27T16:30:05.120391+00:00")},
            {QStringLiteral("data"),
             QJsonObject{{QStringLiteral("prompt_text"), QStringLiteral("hello")}}}};
        peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                      {QStringLiteral("event"), QStringLiteral("claude_event")},
                      {QStringLiteral("args"), QJsonArray{prompt}}});
        QTRY_VERIFY_WITH_TIMEOUT(savedSessions(act).contains(QStringLiteral("quiet-session")),
                                 5000);
        QCOMPARE(savedSessions(act)
                     .value(QStringLiteral("quiet-session"))
                     .value(QLatin1String("status"))
                     .toString(),
                 QStringLiteral("timed_out"));
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
    }

    void badConfigIsRejectedWithKeyAndLine()
    {
        const QString dir = newDir(QStringLiteral("badconfig"));
        QFile f(dir + QStringLiteral("/configuration.yaml"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("other_section:\n  keep: 1\nevent_aggregator:\n  enabled: true\n  "
                "session_timeout_minutes: -5\n");
        f.close();
        int code = -1;
        QByteArray err;
        run({QStringLiteral("--headless"), QStringLiteral("--config"), f.fileName()}, &code,
            newDir(QStringLiteral("rt-bad")), &err);
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("session_timeout_minutes") && err.contains(":5"), err.constData());
    }

    void secondInstanceIsRefused()
    {
        const QString runtime = newDir(QStringLiteral("rt-single"));
        QProcess first;
        first.setProcessEnvironment(env(runtime));
        first.start(QStringLiteral(EA_APP_BINARY),
                    {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                     QStringLiteral("--activity-dir"), newDir(QStringLiteral("single"))});
        QVERIFY(first.waitForStarted());
        QTest::qWait(500);
        int code = -1;
        QByteArray err;
        run({QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
             QStringLiteral("--activity-dir"), newDir(QStringLiteral("single2"))},
            &code, runtime, &err);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains("another instance"), err.constData());
        ::kill(first.processId(), SIGTERM);
        QVERIFY(first.waitForFinished(10000));
    }
};

QTEST_GUILESS_MAIN(TestCapture)
#include "tst_capture.moc"
