#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

#include <csignal>

// The desktop application (no --headless, no command) started the way a launcher or a user
// starts it: with each option, with a bad configuration, while another instance runs.
// QT_QPA_PLATFORM=offscreen (from ea_add_test): no tray there, so it runs as a window.
class TestDesktopLaunch : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    // Its own control socket, home and XDG directories: nothing of the user's is read or
    // written, and no running instance of theirs is found.
    QProcessEnvironment env() const
    {
        return ea::test::appEnvironment(m_tmp.path(), m_tmp.path() + QStringLiteral("/rt"));
    }

    void prepare(QProcess& p) const
    {
        p.setProcessEnvironment(env());
        p.setWorkingDirectory(m_tmp.path());
    }

    // The running instance's status, or an empty object when none answers.
    QJsonObject status() const
    {
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("status")});
        if (!p.waitForFinished(10000) || p.exitCode() != 0)
            return {};
        return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    }

    int command(const QString& name) const
    {
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(EA_APP_BINARY), {name});
        p.waitForFinished(10000);
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

    // Waits until the instance answers (or the process ends, e.g. by crashing).
    QJsonObject waitUntilRunning(QProcess& app) const
    {
        QJsonObject st;
        for (int i = 0; i < 300 && st.isEmpty() && app.state() != QProcess::NotRunning; ++i) {
            st = status();
            if (st.isEmpty())
                app.waitForFinished(100);
        }
        return st;
    }

    static QByteArray waitForStderr(QProcess& app, const QByteArray& text)
    {
        QByteArray err;
        for (int i = 0; i < 300 && !err.contains(text); ++i) {
            if (app.state() == QProcess::NotRunning || !app.waitForReadyRead(100))
                app.waitForFinished(50);
            err += app.readAllStandardError();
        }
        return err;
    }

    void writeFile(const QString& path, const QByteArray& data) const
    {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(data);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(QFile::exists(QStringLiteral(EA_APP_BINARY)));
        QVERIFY(m_tmp.isValid());
        QVERIFY(QDir().mkpath(m_tmp.path() + QStringLiteral("/rt")));
        writeFile(m_tmp.path() + QStringLiteral("/given.yaml"),
                  "event_aggregator:\n  dashboard_port: 9\n");
    }

    // Each option with its value as a separate argument, as launchers pass them.
    void startsWithEachOption_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("key");   // in the status reply
        QTest::addColumn<QString>("value"); // what it must say
        const QString tmp = m_tmp.path();
        QTest::newRow("--config") << QStringList{"--config", tmp + "/given.yaml"} << "server"
                                  << "127.0.0.1:9";
        QTest::newRow("--port") << QStringList{"--port", "9"} << "server"
                                << "127.0.0.1:9";
        QTest::newRow("--host") << QStringList{"--host", "localhost", "--port", "9"} << "server"
                                << "localhost:9";
        QTest::newRow("--activity-dir")
            << QStringList{"--activity-dir", tmp + "/act", "--port", "9"} << "activity_directory"
            << tmp + "/act";
        QTest::newRow("--timeout-minutes")
            << QStringList{"--timeout-minutes", "5", "--port", "9"} << "mode"
            << "gui";
        QTest::newRow("--event") << QStringList{"--event", "claude_event", "--port", "9"} << "mode"
                                 << "gui";
        QTest::newRow("--record") << QStringList{"--record", tmp + "/rec.jsonl", "--port", "9"}
                                  << "mode"
                                  << "gui";
    }
    void startsWithEachOption()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, key);
        QFETCH(QString, value);
        QProcess app;
        prepare(app);
        app.start(QStringLiteral(EA_APP_BINARY), args);
        QVERIFY(app.waitForStarted());
        const QJsonObject st = waitUntilRunning(app);
        QVERIFY2(!st.isEmpty(), app.readAllStandardError().constData());
        QCOMPARE(st.value(QLatin1String("mode")).toString(), QStringLiteral("gui"));
        QCOMPARE(st.value(key).toString(), value);

        QCOMPARE(command(QStringLiteral("stop")), 0);
        QVERIFY(app.waitForFinished(20000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
    }

    // A bad configuration: the same words on stderr and in a dialog, which stays until closed
    // (here by SIGTERM), then exit code 2.
    void badConfigurationIsShownAndExitsTwo()
    {
        const QString config = m_tmp.path() + QStringLiteral("/bad.yaml");
        writeFile(config, "event_aggregator:\n  session_timeout_minutes: -5\n");
        QProcess app;
        prepare(app);
        app.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("--config"), config});
        QVERIFY(app.waitForStarted());
        const QByteArray err = waitForStderr(app, "start Event Aggregator again");
        QVERIFY2(err.contains("bad.yaml:2") && err.contains("session_timeout_minutes"),
                 err.constData());
        QVERIFY2(err.contains("The configuration cannot be used"), err.constData());
        // The dialog keeps it running: someone who started it from a menu sees why.
        QVERIFY(!app.waitForFinished(500));
        ::kill(pid_t(app.processId()), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 2);
    }

    // The systemd user service (a headless instance) holds the lock: the desktop app says so,
    // with the pid and how to stop it, instead of pretending to bring a window forward.
    void headlessInstanceRunningIsExplained()
    {
        QProcess headless;
        prepare(headless);
        headless.start(QStringLiteral(EA_APP_BINARY),
                       {QStringLiteral("--headless"), QStringLiteral("--port"), "9"});
        QVERIFY(headless.waitForStarted());
        QVERIFY(!waitUntilRunning(headless).isEmpty());

        QProcess app;
        prepare(app);
        app.start(QStringLiteral(EA_APP_BINARY), QStringList());
        QVERIFY(app.waitForStarted());
        const QByteArray err = waitForStderr(app, "event-aggregator stop");
        QVERIFY2(err.contains("A headless capture is already running"), err.constData());
        QVERIFY2(err.contains("pid " + QByteArray::number(headless.processId())), err.constData());
        QVERIFY2(err.contains("systemctl --user stop event-aggregator"), err.constData());
        QVERIFY(!app.waitForFinished(500)); // the dialog is up
        ::kill(pid_t(app.processId()), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 1);

        QVERIFY(!status().isEmpty()); // the headless capture is untouched
        QCOMPARE(command(QStringLiteral("stop")), 0);
        QVERIFY(headless.waitForFinished(20000));
        QCOMPARE(headless.exitCode(), 0);
    }

    // A second desktop launch hands over to the first one and leaves.
    void secondLaunchBringsTheFirstForward()
    {
        QProcess first;
        prepare(first);
        first.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("--port"), "9"});
        QVERIFY(first.waitForStarted());
        QVERIFY(!waitUntilRunning(first).isEmpty());
        QProcess second;
        prepare(second);
        second.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("--port"), "9"});
        QVERIFY(second.waitForFinished(20000));
        QCOMPARE(second.exitCode(), 0);
        QVERIFY(second.readAllStandardError().contains("brought its window forward"));
        QCOMPARE(command(QStringLiteral("stop")), 0);
        QVERIFY(first.waitForFinished(20000));
        QCOMPARE(first.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDesktopLaunch)
#include "tst_desktoplaunch.moc"
