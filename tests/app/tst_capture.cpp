#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ea;

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
        return ea::test::appEnvironment(m_tmp.path(), runtime); // no user configuration leaks in
    }

    // The headless binary started as a service would, capturing from peer into act; true once
    // the peer saw it connect.
    static bool startCapture(QProcess& app, PeerServer& peer, const QString& act,
                             const QProcessEnvironment& environment)
    {
        app.setProcessEnvironment(environment);
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act});
        return peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000);
    }

    // The peer emits a recording's events to the connected app.
    static bool replayFrom(PeerServer& peer, const QString& recording)
    {
        return !peer.command({{QStringLiteral("cmd"), QStringLiteral("replay")},
                              {QStringLiteral("file"), recording}},
                             30000)
                    .isEmpty();
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

    // Every file the app writes matches docs/session.schema.json, and declares nothing the
    // schema does not (tests/support/validate_session_schema.py, python3-jsonschema): plain and
    // gzip, split into parts, hostile ids.
    void savedFilesMatchTheSchema()
    {
        const QString root = newDir(QStringLiteral("schema"));
        const QString config = root + QStringLiteral("/gzip.yaml");
        QFile cfg(config);
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("event_aggregator:\n  compress_sessions: true\n");
        cfg.close();
        QStringList files;
        int run_ = 0;
        for (const bool gzip : {false, true}) {
            for (const char* sample :
                 {"current-server", "legacy-server", "seed-format", "hostile"}) {
                const QString act = root + QStringLiteral("/act-%1").arg(run_++);
                QProcessEnvironment extra;
                // Small limits, so parts and released sessions are written too.
                extra.insert(QStringLiteral("EA_MAX_SESSION_EVENTS"), QStringLiteral("15"));
                extra.insert(QStringLiteral("EA_MAX_LIVE_SESSIONS"), QStringLiteral("2"));
                QStringList args{QStringLiteral("--headless"), QStringLiteral("--replay"),
                                 fixture(QString::fromLatin1(sample) + QStringLiteral(".jsonl")),
                                 QStringLiteral("--activity-dir"), act};
                if (gzip)
                    args << QStringLiteral("--config") << config;
                int code = -1;
                QByteArray err;
                run(args, &code, newDir(QStringLiteral("rt-schema")), &err, extra);
                QVERIFY2(code == 0, err.constData());
                for (const QFileInfo& fi : QDir(act).entryInfoList(
                         {QStringLiteral("session_*.json"), QStringLiteral("session_*.json.gz")},
                         QDir::Files))
                    files.append(fi.filePath());
            }
        }
        QVERIFY(files.size() > 20);
        QVERIFY(std::any_of(files.cbegin(), files.cend(),
                            [](const QString& f) { return f.endsWith(QLatin1String(".gz")); }));
        QProcess python;
        python.start(QStringLiteral("python3"),
                     QStringList{QStringLiteral(EA_SUPPORT_DIR "/validate_session_schema.py"),
                                 QStringLiteral(EA_SOURCE_DIR "/docs/session.schema.json")} +
                         files);
        QVERIFY(python.waitForFinished(120000));
        const QByteArray out = python.readAllStandardOutput() + python.readAllStandardError();
        if (python.exitCode() == 3)
            EA_SKIP_OR_FAIL("python3-jsonschema is not installed");
        QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
                 out.right(6000).constData());
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
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Python));
        const QString act = newDir(QStringLiteral("live")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-live"));
        QProcess app;
        QVERIFY(startCapture(app, peer, act, env(runtime)));
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
            EA_SKIP_OR_FAIL(qPrintable(why));
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
        QVERIFY(startCapture(app, peer, act, env(runtime)));
        QVERIFY(replayFrom(peer, partial));
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
        // It answers status only once start-up, journal replay included, is done.
        QVERIFY(waitForReceived(runtime, 0));
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

    // More sessions than the default limit keeps in memory (1,000): the least recently active
    // are spilled to disk and stay live. After `stop`, every event is in its own session's
    // file exactly once.
    void sessionsPastTheLiveLimitAllLandOnce()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        constexpr int kSessions = 1100;
        constexpr int kRounds = 3;
        const QString recording = m_tmp.path() + QStringLiteral("/many-sessions.jsonl");
        {
            QFile out(recording);
            QVERIFY(out.open(QIODevice::WriteOnly));
            const QDateTime base(QDate(2026, 7, 1), QTime(10, 0), Qt::UTC);
            int seq = 0;
            for (int round = 0; round < kRounds; ++round) {
                for (int k = 0; k < kSessions; ++k, ++seq) {
                    const QJsonObject payload{
                        {QStringLiteral("type"), QStringLiteral("claude_event")},
                        {QStringLiteral("subtype"),
                         round == 0 ? QStringLiteral("user_prompt") : QStringLiteral("pre_tool")},
                        {QStringLiteral("session_id"), QStringLiteral("many-%1").arg(k)},
                        {QStringLiteral("timestamp"),
                         base.addMSecs(seq).toString(Qt::ISODateWithMs)},
                        {QStringLiteral("data"),
                         QJsonObject{
                             {QStringLiteral("n"), QStringLiteral("%1-%2").arg(k).arg(round)},
                             {QStringLiteral("tool_name"), QStringLiteral("Read")},
                             {QStringLiteral("prompt_text"), QStringLiteral("go")}}}};
                    out.write(
                        QJsonDocument(
                            QJsonObject{{QStringLiteral("name"), QStringLiteral("claude_event")},
                                        {QStringLiteral("args"), QJsonArray{payload}}})
                            .toJson(QJsonDocument::Compact) +
                        '\n');
                }
            }
        }
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = newDir(QStringLiteral("many")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-many"));
        QProcess app;
        QVERIFY(startCapture(app, peer, act, env(runtime)));
        QVERIFY(replayFrom(peer, recording));
        QVERIFY(waitForReceived(runtime, kSessions * kRounds));
        int code = -1;
        run({QStringLiteral("stop")}, &code, runtime);
        QCOMPARE(code, 0);
        QVERIFY(app.waitForFinished(60000));
        QCOMPARE(app.exitCode(), 0);
        peer.terminate();
        const QJsonObject counters = lastJson(app.readAllStandardOutput());
        QVERIFY2(counters.value(QLatin1String("spills")).toInt() >= kSessions - 1000,
                 qPrintable(QJsonDocument(counters).toJson()));
        const auto saved = savedSessions(act);
        QCOMPARE(saved.size(), kSessions);
        for (int k = 0; k < kSessions; ++k) {
            const QString id = QStringLiteral("many-%1").arg(k);
            QVERIFY2(saved.contains(id), qPrintable(id));
            QStringList numbers;
            for (const QJsonValue& e : saved.value(id).value(QLatin1String("events")).toArray())
                numbers.append(e.toObject()
                                   .value(QLatin1String("data"))
                                   .toObject()
                                   .value(QLatin1String("n"))
                                   .toString());
            QStringList want;
            for (int round = 0; round < kRounds; ++round)
                want.append(QStringLiteral("%1-%2").arg(k).arg(round));
            QCOMPARE(numbers, want); // each once, in order, in its own session
        }
    }

    void inactiveSessionTimesOut()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = newDir(QStringLiteral("timeout")) + QStringLiteral("/act");
        QProcess app;
        QProcessEnvironment e = env(newDir(QStringLiteral("rt-timeout")));
        e.insert(QStringLiteral("EA_SESSION_TIMEOUT_MS"), QStringLiteral("300"));
        QVERIFY(startCapture(app, peer, act, e));
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
        QVERIFY(waitForReceived(runtime, 0)); // it holds the lock once it answers
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

    // --replay from a pipe whose writer stays silent ends on SIGTERM, saving what it read;
    // it used to ignore the signal and wait forever.
    void replayEndsOnSigterm()
    {
        const QString root = newDir(QStringLiteral("replay-fifo"));
        const QString fifo = root + QStringLiteral("/stream.jsonl");
        QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
        const QString act = root + QStringLiteral("/act");
        QProcess app;
        app.setProcessEnvironment(env(newDir(QStringLiteral("rt-replay-fifo"))));
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--replay"), fifo,
                   QStringLiteral("--activity-dir"), act});
        QVERIFY(app.waitForStarted());
        // Opened without blocking: ENXIO until the app has opened its end.
        int fd = -1;
        QTRY_VERIFY_WITH_TIMEOUT(
            (fd = ::open(QFile::encodeName(fifo).constData(), O_WRONLY | O_NONBLOCK)) >= 0, 10000);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        QFile writer;
        QVERIFY(writer.open(fd, QIODevice::WriteOnly, QFileDevice::AutoCloseHandle));
        QFile sample(fixture(QStringLiteral("current-server.jsonl")));
        QVERIFY(sample.open(QIODevice::ReadOnly));
        for (int i = 0; i < 40 && !sample.atEnd(); ++i)
            writer.write(sample.readLine());
        writer.flush();
        // Line 19 ends a session: once its file is written the replay has read the lines and
        // waits for more.
        QTRY_VERIFY_WITH_TIMEOUT(!savedSessions(act).isEmpty(), 10000);
        const int completedBefore = savedSessions(act).size();
        ::kill(app.processId(), SIGTERM);
        QVERIFY2(app.waitForFinished(10000), "the replay ignored SIGTERM");
        const QByteArray err = app.readAllStandardError();
        QCOMPARE(app.exitCode(), 1);
        QVERIFY2(err.contains("interrupted"), err.constData());
        // The sessions still open when it stopped are saved too.
        const auto saved = savedSessions(act);
        QVERIFY(saved.size() > completedBefore);
        for (const QJsonObject& doc : saved)
            QVERIFY(doc.value(QLatin1String("status")).toString() != QLatin1String("active"));
        writer.close();
    }

    // A replay whose sessions cannot be saved says so and exits 1 (it used to exit 0).
    void replayWithUnsavableSessionsFails()
    {
        const QString root = newDir(QStringLiteral("replay-unsavable"));
        QFile blocker(root + QStringLiteral("/blocker"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        int code = -1;
        QByteArray err;
        run({QStringLiteral("--headless"), QStringLiteral("--replay"),
             fixture(QStringLiteral("current-server.jsonl")), QStringLiteral("--activity-dir"),
             root + QStringLiteral("/blocker/act")},
            &code, newDir(QStringLiteral("rt-replay-unsavable")), &err);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains("5 session(s) of the replay could not be saved"), err.constData());
        QVERIFY2(err.contains("Not a directory"), err.constData());
        QVERIFY2(err.contains("its events are still in the recording"), err.constData());
        QVERIFY2(!err.contains("lost"), err.constData());
    }

    // --record refuses a symlink (a victim's ~/.bashrc planted in a directory others can
    // write) and a file of another user's, and creates a new recording 0600.
    void recordRefusesSymlinksAndOthersFiles()
    {
        const QString root = newDir(QStringLiteral("record"));
        const QString victim = root + QStringLiteral("/bashrc");
        QFile v(victim);
        QVERIFY(v.open(QIODevice::WriteOnly));
        v.write("precious\n");
        v.close();
        QVERIFY(QFile::setPermissions(victim, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                  QFileDevice::ReadOther));
        const QString link = root + QStringLiteral("/planted.jsonl");
        QVERIFY(QFile::link(victim, link));
        const auto replayRecording = [&](const QString& record, QByteArray* err) {
            int code = -1;
            run({QStringLiteral("--headless"), QStringLiteral("--replay"),
                 fixture(QStringLiteral("seed-format.jsonl")), QStringLiteral("--record"), record,
                 QStringLiteral("--activity-dir"), root + QStringLiteral("/act")},
                &code, newDir(QStringLiteral("rt-record")), err);
            return code;
        };
        QByteArray err;
        QCOMPARE(replayRecording(link, &err), 1);
        QVERIFY2(err.contains("symbolic link"), err.constData());
        QFile check(victim);
        QVERIFY(check.open(QIODevice::ReadOnly));
        QCOMPARE(check.readAll(), QByteArray("precious\n"));
        QVERIFY(QFileInfo(victim).permissions() & QFileDevice::ReadOther); // not chmodded

        if (::geteuid() == 0) {
            // Another user's file, reached without a link (root may chown to show it).
            QVERIFY(::chown(QFile::encodeName(victim).constData(), 65534, 65534) == 0);
            QCOMPARE(replayRecording(victim, &err), 1);
            QVERIFY2(err.contains("belongs to uid 65534"), err.constData());
            QCOMPARE(QFileInfo(victim).size(), qint64(9));
        }

        const QString fresh = root + QStringLiteral("/fresh.jsonl");
        QVERIFY2(replayRecording(fresh, &err) == 0, err.constData());
        struct stat st
        {
        };
        QCOMPARE(::stat(QFile::encodeName(fresh).constData(), &st), 0);
        QCOMPARE(st.st_mode & 07777, mode_t(0600));
        QVERIFY(QFileInfo(fresh).size() > 0);
    }

    // Without XDG_RUNTIME_DIR the fallback directory has a predictable name: one created by
    // someone else is refused with a clear error, by the capture and by status alike.
    void foreignRuntimeDirectoryIsRefused()
    {
        if (::geteuid() != 0)
            EA_SKIP_OR_FAIL("needs root to create a directory owned by another user");
        const QString tmp = newDir(QStringLiteral("foreign-tmp"));
        for (const QString& name :
             {QStringLiteral("runtime-root"), QStringLiteral("event-aggregator-0")}) {
            const QString d = tmp + QLatin1Char('/') + name;
            QVERIFY(QDir().mkpath(d));
            QVERIFY(::chown(QFile::encodeName(d).constData(), 65534, 65534) == 0);
            QVERIFY(::chmod(QFile::encodeName(d).constData(), 0777) == 0);
        }
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(QStringLiteral("XDG_RUNTIME_DIR"));
        e.remove(QStringLiteral("EA_RUNTIME_DIR"));
        e.insert(QStringLiteral("TMPDIR"), tmp);
        e.insert(QStringLiteral("HOME"), m_tmp.path());
        const auto runWith = [&](const QStringList& args, QByteArray* err) {
            QProcess p;
            p.setProcessEnvironment(e);
            p.setWorkingDirectory(m_tmp.path());
            p.start(QStringLiteral(EA_APP_BINARY), args);
            if (!p.waitForFinished(20000)) {
                p.kill();
                p.waitForFinished();
                return -1;
            }
            *err = p.readAllStandardError();
            return p.exitCode();
        };
        QByteArray err;
        QCOMPARE(
            runWith({QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                     QStringLiteral("--activity-dir"), newDir(QStringLiteral("foreign-act"))},
                    &err),
            1);
        QVERIFY2(err.contains("belongs to uid 65534"), err.constData());
        QCOMPARE(runWith({QStringLiteral("status")}, &err), 1);
        QVERIFY2(err.contains("belongs to uid 65534"), err.constData());
        // Nothing was created in it.
        QVERIFY(QDir(tmp + QStringLiteral("/event-aggregator-0"))
                    .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System)
                    .isEmpty());
    }

    // Out of file descriptors, QLocalServer closes its socket for good: status and stop then
    // failed and a new instance was refused. The socket is reopened once descriptors are free.
    void controlSocketSurvivesRunningOutOfDescriptors()
    {
        const QString runtime = newDir(QStringLiteral("rt-fds"));
        QProcess app;
        app.setProcessEnvironment(env(runtime));
        // A low descriptor limit, so a few dozen idle connections exhaust it.
        app.start(QStringLiteral("/bin/sh"),
                  {QStringLiteral("-c"), QStringLiteral("ulimit -n 64 && exec \"$0\" \"$@\""),
                   QStringLiteral(EA_APP_BINARY), QStringLiteral("--headless"),
                   QStringLiteral("--port"), QStringLiteral("1"), QStringLiteral("--activity-dir"),
                   newDir(QStringLiteral("fds")) + QStringLiteral("/act")});
        QVERIFY(app.waitForStarted());
        QVERIFY(waitForReceived(runtime, 0));
        // Idle connections until accept() fails: QLocalServer then closes and removes its
        // socket file. A full backlog (the app not yet accepting) is only waited out.
        const QString sock = runtime + QStringLiteral("/event-aggregator.sock");
        QList<QLocalSocket*> idle;
        QElapsedTimer t;
        t.start();
        while (QFileInfo::exists(sock) && t.elapsed() < 30000) {
            auto* s = new QLocalSocket(this);
            s->connectToServer(sock);
            if (s->waitForConnected(200)) {
                idle.append(s);
            } else {
                delete s;
                QTest::qWait(20); // polling the backlog, bounded by the loop's timeout
            }
        }
        QVERIFY2(
            !QFileInfo::exists(sock),
            qPrintable(QStringLiteral("still listening after %1 connections").arg(idle.size())));
        qDeleteAll(idle);
        idle.clear();
        // Descriptors are free again: status answers once more.
        QVERIFY(waitForReceived(runtime, 0, 15000));
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
    }

    // The instance lock lives in the runtime directory, which a systemd user service and a
    // shell may see differently: the activity directory has its own lock, and every writer
    // (capture, --replay, cleanup) is refused with the holder's pid while another one runs.
    // Without it a second process replayed and pruned the first one's journal.
    void activityDirectoryHasOneWriter()
    {
        const QString act = newDir(QStringLiteral("one-writer")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-one-writer"));
        QProcess first;
        first.setProcessEnvironment(env(runtime));
        first.start(QStringLiteral(EA_APP_BINARY),
                    {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                     QStringLiteral("--activity-dir"), act});
        QVERIFY(first.waitForStarted());
        QVERIFY(waitForReceived(runtime, 0));
        const QByteArray pid = QByteArray::number(first.processId());

        const auto refused = [&](const QStringList& args, const QString& rt) {
            int code = -1;
            QByteArray err;
            run(args, &code, newDir(rt), &err);
            QVERIFY2(code == 1, err.constData());
            QVERIFY2(err.contains("in use by another process") && err.contains("pid " + pid),
                     err.constData());
        };
        refused({QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                 QStringLiteral("--activity-dir"), act},
                QStringLiteral("rt-one-writer-2"));
        refused({QStringLiteral("--headless"), QStringLiteral("--replay"),
                 fixture(QStringLiteral("current-server.jsonl")), QStringLiteral("--activity-dir"),
                 act},
                QStringLiteral("rt-one-writer-3"));
        refused({QStringLiteral("cleanup"), QStringLiteral("--days"), QStringLiteral("1"),
                 QStringLiteral("--activity-dir"), act},
                QStringLiteral("rt-one-writer-4"));
        // Reading is not writing: listing works meanwhile.
        int code = -1;
        run({QStringLiteral("sessions"), QStringLiteral("--activity-dir"), act}, &code,
            newDir(QStringLiteral("rt-one-writer-5")));
        QCOMPARE(code, 0);
        QVERIFY(savedSessions(act).isEmpty()); // the refused replay wrote nothing

        ::kill(first.processId(), SIGTERM);
        QVERIFY(first.waitForFinished(10000));
        QCOMPARE(first.exitCode(), 0);
        // Once it has gone, the next writer gets the directory.
        QByteArray err;
        run({QStringLiteral("--headless"), QStringLiteral("--replay"),
             fixture(QStringLiteral("current-server.jsonl")), QStringLiteral("--activity-dir"),
             act},
            &code, newDir(QStringLiteral("rt-one-writer-6")), &err);
        QVERIFY2(code == 0, err.constData());
        QCOMPARE(savedSessions(act).size(), 5);
    }
};

QTEST_GUILESS_MAIN(TestCapture)
#include "tst_capture.moc"
