#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

#include <csignal>

using namespace ea;

// Live session states end to end: the headless binary captures from a real python-socketio
// server, and second processes ask it with `status` (JSON and status-bar formats) and follow it
// with `watch`.
class TestLiveStates : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QDateTime m_t0 = QDateTime::currentDateTimeUtc();

    QProcessEnvironment env(const QString& runtime) const
    {
        return ea::test::appEnvironment(m_tmp.path(), runtime);
    }

    QByteArray run(const QStringList& args, int* exitCode, const QString& runtime)
    {
        QProcess p;
        p.setProcessEnvironment(env(runtime));
        p.setWorkingDirectory(m_tmp.path());
        p.start(QStringLiteral(EA_APP_BINARY), args);
        p.waitForFinished(30000);
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return p.readAllStandardOutput();
    }

    QString newDir(const QString& name) const
    {
        const QString d = m_tmp.path() + QLatin1Char('/') + name;
        QDir().mkpath(d);
        return d;
    }

    // One claude-mpm event (the current server's wrapped shape) at m_t0 + atMs.
    QJsonObject hookEvent(const QString& subtype, qint64 atMs, QJsonObject data = {},
                          const QString& sid = QStringLiteral("e2e-5283b66c"),
                          const QString& project = QStringLiteral("api")) const
    {
        const QString stamp = m_t0.addMSecs(atMs).toString(Qt::ISODateWithMs);
        data.insert(QStringLiteral("session_id"), sid);
        data.insert(QStringLiteral("working_directory"), QStringLiteral("/home/me/") + project);
        data.insert(QStringLiteral("git_branch"), QStringLiteral("feature/x"));
        data.insert(QStringLiteral("timestamp"), stamp);
        return {{QStringLiteral("type"), QStringLiteral("claude_event")},
                {QStringLiteral("subtype"), subtype},
                {QStringLiteral("data"), data},
                {QStringLiteral("timestamp"), stamp},
                {QStringLiteral("session_id"), sid},
                {QStringLiteral("source"), QStringLiteral("hook")},
                {QStringLiteral("cwd"), QStringLiteral("/home/me/") + project}};
    }

    static bool emitEvent(PeerServer& peer, const QString& name, const QJsonObject& payload)
    {
        return !peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                              {QStringLiteral("event"), name},
                              {QStringLiteral("args"), QJsonArray{payload}}})
                    .isEmpty();
    }

    // Reads `watch --json` lines as they come; waits for one in the given state.
    static bool waitForWatchLine(QProcess& watch, QList<QJsonObject>& lines, const QString& state,
                                 QJsonObject* found = nullptr, int timeoutMs = 10000)
    {
        QElapsedTimer t;
        t.start();
        qsizetype looked = 0;
        while (t.elapsed() < timeoutMs) {
            while (watch.canReadLine())
                lines.append(QJsonDocument::fromJson(watch.readLine()).object());
            for (; looked < lines.size(); ++looked) {
                if (lines.at(looked).value(QLatin1String("state")).toString() == state) {
                    if (found)
                        *found = lines.at(looked);
                    ++looked;
                    return true;
                }
            }
            watch.waitForReadyRead(100);
        }
        return false;
    }

    // The live_states entry of one session in `status --json`, or {}.
    static QJsonObject liveStateOf(const QJsonObject& status, const QString& sessionId)
    {
        for (const QJsonValue& v : status.value(QLatin1String("live_states")).toArray()) {
            if (v.toObject().value(QLatin1String("session")).toString() == sessionId)
                return v.toObject();
        }
        return {};
    }

    QJsonObject statusJson(const QString& runtime)
    {
        int code = -1;
        const QByteArray out =
            run({QStringLiteral("status"), QStringLiteral("--json")}, &code, runtime);
        return code == 0 ? QJsonDocument::fromJson(out).object() : QJsonObject();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void withoutAnInstance()
    {
        const QString runtime = newDir(QStringLiteral("rt-none"));
        int code = -1;
        run({QStringLiteral("watch")}, &code, runtime);
        QCOMPARE(code, 3);
        const QByteArray bar =
            run({QStringLiteral("status"), QStringLiteral("--format"), QStringLiteral("waybar")},
                &code, runtime);
        QCOMPARE(code, 3);
        // The bar still gets a line to show.
        QCOMPARE(QJsonDocument::fromJson(bar).object().value(QLatin1String("class")).toString(),
                 QStringLiteral("not-running"));
        run({QStringLiteral("status"), QStringLiteral("--format"), QStringLiteral("lemonbar")},
            &code, runtime);
        QCOMPARE(code, 2);
        run({QStringLiteral("watch"), QStringLiteral("--jsn")}, &code, runtime);
        QCOMPARE(code, 2);
    }

    void statesReachStatusWatchAndTheSessionFile()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Python, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Python));
        const QString act = newDir(QStringLiteral("live")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-live"));
        QProcess app;
        app.setProcessEnvironment(env(runtime));
        app.setWorkingDirectory(m_tmp.path());
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));

        QProcess watch;
        watch.setProcessEnvironment(env(runtime));
        watch.start(QStringLiteral(EA_APP_BINARY),
                    {QStringLiteral("watch"), QStringLiteral("--json")});
        QVERIFY(watch.waitForStarted());
        QList<QJsonObject> lines;

        QVERIFY(emitEvent(
            peer, QStringLiteral("claude_event"),
            hookEvent(QStringLiteral("user_prompt"), 0,
                      {{QStringLiteral("prompt_text"), QStringLiteral("run the tests")}})));
        QJsonObject line;
        QVERIFY(waitForWatchLine(watch, lines, QStringLiteral("working"), &line));
        QCOMPARE(line.value(QLatin1String("session")).toString(), QStringLiteral("e2e-5283b66c"));
        QCOMPARE(line.value(QLatin1String("project")).toString(), QStringLiteral("api"));
        QCOMPARE(line.value(QLatin1String("branch")).toString(), QStringLiteral("feature/x"));

        QVERIFY(emitEvent(peer, QStringLiteral("tool_event"),
                          hookEvent(QStringLiteral("pre_tool"), 100,
                                    {{QStringLiteral("tool_name"), QStringLiteral("Bash")},
                                     {QStringLiteral("correlation_id"), QStringLiteral("c1")}})));
        QVERIFY(emitEvent(
            peer, QStringLiteral("claude_event"),
            hookEvent(QStringLiteral("notification"), 200,
                      {{QStringLiteral("notification_type"), QStringLiteral("permission_prompt")},
                       {QStringLiteral("message"),
                        QStringLiteral("Claude needs your permission to use Bash")}})));
        QVERIFY(waitForWatchLine(watch, lines, QStringLiteral("needs_permission"), &line));
        QCOMPARE(line.value(QLatin1String("reason")).toString(),
                 QStringLiteral("Claude needs your permission to use Bash"));
        QVERIFY(QDateTime::fromString(line.value(QLatin1String("since")).toString(), Qt::ISODate)
                    .isValid());

        // status --json: counts per state and the sessions, those needing you first.
        const QJsonObject status = statusJson(runtime);
        QCOMPARE(status.value(QLatin1String("states"))
                     .toObject()
                     .value(QLatin1String("needs_permission"))
                     .toInt(),
                 1);
        QCOMPARE(status.value(QLatin1String("live_states"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QLatin1String("state"))
                     .toString(),
                 QStringLiteral("needs_permission"));
        int code = -1;
        const QJsonObject waybar =
            QJsonDocument::fromJson(run({QStringLiteral("status"), QStringLiteral("--format"),
                                         QStringLiteral("waybar")},
                                        &code, runtime))
                .object();
        QCOMPARE(code, 0);
        QCOMPARE(waybar.value(QLatin1String("class")).toString(), QStringLiteral("attention"));
        QVERIFY2(
            waybar.value(QLatin1String("text")).toString().contains(QLatin1String("1 needs you")),
            qPrintable(waybar.value(QLatin1String("text")).toString()));
        QVERIFY(waybar.value(QLatin1String("tooltip"))
                    .toString()
                    .startsWith(QLatin1String(
                        "api (feature/x): Claude needs your permission to use Bash")));
        const QJsonObject i3 =
            QJsonDocument::fromJson(run({QStringLiteral("status"), QStringLiteral("--format"),
                                         QStringLiteral("i3blocks")},
                                        &code, runtime))
                .object();
        QCOMPARE(code, 0);
        QCOMPARE(i3.value(QLatin1String("full_text")).toString(),
                 waybar.value(QLatin1String("text")).toString());
        QVERIFY(!i3.value(QLatin1String("color")).toString().isEmpty());
        const QByteArray plain =
            run({QStringLiteral("status"), QStringLiteral("--format"), QStringLiteral("plain")},
                &code, runtime);
        QCOMPARE(code, 0);
        QCOMPARE(plain, waybar.value(QLatin1String("text")).toString().toUtf8() + '\n');

        // A second watcher starts with the current state.
        QProcess late;
        late.setProcessEnvironment(env(runtime));
        late.start(QStringLiteral(EA_APP_BINARY),
                   {QStringLiteral("watch"), QStringLiteral("--json")});
        QList<QJsonObject> lateLines;
        QVERIFY(waitForWatchLine(late, lateLines, QStringLiteral("needs_permission"), &line));
        QVERIFY(line.value(QLatin1String("initial")).toBool());
        late.kill();
        late.waitForFinished();

        // Answered: working again; the turn ends: waiting, and the saved file says so.
        QVERIFY(emitEvent(peer, QStringLiteral("tool_event"),
                          hookEvent(QStringLiteral("post_tool"), 3000,
                                    {{QStringLiteral("tool_name"), QStringLiteral("Bash")},
                                     {QStringLiteral("correlation_id"), QStringLiteral("c1")},
                                     {QStringLiteral("success"), true}})));
        QVERIFY(waitForWatchLine(watch, lines, QStringLiteral("working")));
        QVERIFY(emitEvent(peer, QStringLiteral("claude_event"),
                          hookEvent(QStringLiteral("stop"), 4000)));
        QVERIFY(emitEvent(peer, QStringLiteral("session_event"),
                          hookEvent(QStringLiteral("token_usage_updated"), 4001)));
        QVERIFY(waitForWatchLine(watch, lines, QStringLiteral("waiting"), &line));
        QCOMPARE(line.value(QLatin1String("reason")).toString(),
                 QStringLiteral("finished its turn"));
        // Each change once: the Stop's companion changed nothing.
        QTest::qWait(300);
        while (watch.canReadLine())
            lines.append(QJsonDocument::fromJson(watch.readLine()).object());
        QStringList states;
        for (const QJsonObject& l : std::as_const(lines))
            states.append(l.value(QLatin1String("state")).toString());
        QCOMPARE(states, (QStringList{QStringLiteral("working"), QStringLiteral("needs_permission"),
                                      QStringLiteral("working"), QStringLiteral("waiting")}));

        QString saved;
        QElapsedTimer t;
        t.start();
        while (saved.isEmpty() && t.elapsed() < 10000) {
            const QStringList files = QDir(act).entryList({QStringLiteral("session_*.json")});
            if (!files.isEmpty())
                saved = act + QLatin1Char('/') + files.first();
            else
                QTest::qWait(100);
        }
        QVERIFY(!saved.isEmpty());
        QFile f(saved);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(doc.value(QLatin1String("live_state"))
                     .toObject()
                     .value(QLatin1String("state"))
                     .toString(),
                 QStringLiteral("waiting"));
        QProcess python;
        python.start(QStringLiteral("python3"),
                     {QStringLiteral(EA_SUPPORT_DIR "/validate_session_schema.py"),
                      QStringLiteral(EA_SOURCE_DIR "/docs/session.schema.json"), saved});
        QVERIFY(python.waitForFinished(60000));
        if (python.exitCode() == 3)
            EA_SKIP_OR_FAIL("python3-jsonschema is not installed");
        QVERIFY2(python.exitCode() == 0,
                 (python.readAllStandardOutput() + python.readAllStandardError()).constData());

        // The instance quits: watch ends with it, exit 0.
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QVERIFY(watch.waitForFinished(10000));
        QCOMPARE(watch.exitCode(), 0);
    }
    void aRestartKeepsWhatSessionsWaitFor()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Python, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        const QString act = newDir(QStringLiteral("restart")) + QStringLiteral("/act");
        const QString runtime = newDir(QStringLiteral("rt-restart"));
        const QString asking = QStringLiteral("e2e-asking-1");
        const QString done = QStringLiteral("e2e-done-2");
        const QStringList args{QStringLiteral("--headless"), QStringLiteral("--activity-dir"), act,
                               QStringLiteral("--port")};
        quint16 port = 0;
        QJsonObject before;
        QJsonObject beforeDone;
        {
            PeerServer peer;
            QVERIFY(peer.start(PeerServer::Python));
            port = peer.port();
            QProcess app;
            app.setProcessEnvironment(env(runtime));
            app.setWorkingDirectory(m_tmp.path());
            app.start(QStringLiteral(EA_APP_BINARY), args + QStringList{QString::number(port)});
            QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
            // One session asks for permission, another has finished its turn.
            QVERIFY(emitEvent(peer, QStringLiteral("claude_event"),
                              hookEvent(QStringLiteral("user_prompt"), 0, {}, asking)));
            QVERIFY(emitEvent(peer, QStringLiteral("tool_event"),
                              hookEvent(QStringLiteral("pre_tool"), 100,
                                        {{QStringLiteral("tool_name"), QStringLiteral("Bash")},
                                         {QStringLiteral("correlation_id"), QStringLiteral("c1")}},
                                        asking)));
            QVERIFY(emitEvent(
                peer, QStringLiteral("claude_event"),
                hookEvent(
                    QStringLiteral("notification"), 200,
                    {{QStringLiteral("notification_type"), QStringLiteral("permission_prompt")},
                     {QStringLiteral("message"),
                      QStringLiteral("Claude needs your permission to use Bash")}},
                    asking)));
            QVERIFY(emitEvent(
                peer, QStringLiteral("claude_event"),
                hookEvent(QStringLiteral("user_prompt"), 0, {}, done, QStringLiteral("webapp"))));
            QVERIFY(emitEvent(
                peer, QStringLiteral("claude_event"),
                hookEvent(QStringLiteral("stop"), 300, {}, done, QStringLiteral("webapp"))));
            QTRY_COMPARE_WITH_TIMEOUT(
                liveStateOf(statusJson(runtime), asking).value(QLatin1String("state")).toString(),
                QStringLiteral("needs_permission"), 10000);
            QTRY_COMPARE_WITH_TIMEOUT(
                liveStateOf(statusJson(runtime), done).value(QLatin1String("state")).toString(),
                QStringLiteral("waiting"), 10000);
            const QJsonObject status = statusJson(runtime);
            before = liveStateOf(status, asking);
            beforeDone = liveStateOf(status, done);
            ::kill(app.processId(), SIGTERM);
            QVERIFY(app.waitForFinished(10000));
            QCOMPARE(app.exitCode(), 0);
            peer.terminate();
        }

        // Started again with no dashboard to hear from: no event can tell it anything.
        QProcess app;
        app.setProcessEnvironment(env(runtime));
        app.setWorkingDirectory(m_tmp.path());
        app.start(QStringLiteral(EA_APP_BINARY), args + QStringList{QString::number(port)});
        QJsonObject status;
        QTRY_VERIFY_WITH_TIMEOUT(!(status = statusJson(runtime)).isEmpty(), 10000);
        QCOMPARE(status.value(QLatin1String("events_received")).toInteger(-1), 0);
        QCOMPARE(status.value(QLatin1String("states"))
                     .toObject()
                     .value(QLatin1String("needs_permission"))
                     .toInt(),
                 1);
        const QJsonObject after = liveStateOf(status, asking);
        QCOMPARE(after.value(QLatin1String("state")).toString(),
                 QStringLiteral("needs_permission"));
        QCOMPARE(after.value(QLatin1String("reason")), before.value(QLatin1String("reason")));
        QCOMPARE(after.value(QLatin1String("since")), before.value(QLatin1String("since")));
        QCOMPARE(after.value(QLatin1String("project")).toString(), QStringLiteral("api"));
        QCOMPARE(after.value(QLatin1String("branch")).toString(), QStringLiteral("feature/x"));
        const QJsonObject afterDone = liveStateOf(status, done);
        QCOMPARE(afterDone.value(QLatin1String("state")).toString(), QStringLiteral("waiting"));
        QCOMPARE(afterDone.value(QLatin1String("reason")).toString(),
                 QStringLiteral("finished its turn"));
        QCOMPARE(afterDone.value(QLatin1String("since")), beforeDone.value(QLatin1String("since")));
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestLiveStates)
#include "tst_livestates.moc"
