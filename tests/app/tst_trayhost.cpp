#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"
#include "MissingPrerequisite.h"

#include <unistd.h>

// The desktop application under a real X server (Xvfb) with a real tray host (trayer) that
// appears after the app started, as at a login where the app autostarts before the panel,
// and goes away again.
class TestTrayHost : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QProcess m_xvfb;
    QString m_display;

    QProcessEnvironment env() const
    {
        QProcessEnvironment e =
            ea::test::appEnvironment(m_tmp.path(), m_tmp.path() + QStringLiteral("/rt"),
                                     {{QStringLiteral("DISPLAY"), m_display},
                                      {QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb")}});
        // The X11 tray protocol (what trayer speaks), not a D-Bus StatusNotifier host.
        e.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        return e;
    }

    void prepare(QProcess& p) const
    {
        p.setProcessEnvironment(env());
        p.setWorkingDirectory(m_tmp.path());
    }

    QJsonObject status() const
    {
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("status")});
        if (!p.waitForFinished(10000) || p.exitCode() != 0)
            return {};
        return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    }

    // Polls the instance until `key` says `value` (or gives up after ~20 s).
    bool waitFor(const char* key, bool value) const
    {
        for (int i = 0; i < 100; ++i) {
            const QJsonObject st = status();
            if (!st.isEmpty() && st.value(QLatin1String(key)).toBool() == value)
                return true;
            QTest::qWait(200);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(QDir().mkpath(m_tmp.path() + QStringLiteral("/rt")));
        for (const char* tool : {"Xvfb", "trayer"}) {
            if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
                EA_SKIP_OR_FAIL(qPrintable(QStringLiteral("%1 is not installed").arg(tool)));
        }
        // A display number no one else uses.
        int n = 200 + int(::getpid() % 600);
        while (QFile::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(n)))
            ++n;
        m_display = QStringLiteral(":%1").arg(n);
        m_xvfb.start(QStringLiteral("Xvfb"), {m_display, QStringLiteral("-screen"),
                                              QStringLiteral("0"), QStringLiteral("1280x800x24"),
                                              QStringLiteral("-nolisten"), QStringLiteral("tcp")});
        QVERIFY(m_xvfb.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(n)), 10000);
    }

    void cleanupTestCase()
    {
        if (m_xvfb.state() != QProcess::NotRunning) {
            m_xvfb.terminate();
            m_xvfb.waitForFinished(5000);
        }
    }

    void movesIntoATrayThatAppearsLaterAndOutWhenItGoes()
    {
        QProcess app;
        prepare(app);
        app.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("--port"), QStringLiteral("9")});
        QVERIFY(app.waitForStarted());
        QVERIFY2(waitFor("window_visible", true), app.readAllStandardError().constData());
        QCOMPARE(status().value(QLatin1String("tray")).toBool(), false);

        QProcess trayer;
        trayer.setProcessEnvironment(env());
        trayer.start(QStringLiteral("trayer"),
                     {QStringLiteral("--edge"), QStringLiteral("bottom"), QStringLiteral("--align"),
                      QStringLiteral("right"), QStringLiteral("--widthtype"),
                      QStringLiteral("request")});
        QVERIFY(trayer.waitForStarted());
        QVERIFY2(waitFor("tray", true), app.readAllStandardError().constData());
        // The window only stood in for the tray and nobody used it: it goes into the tray.
        QVERIFY(waitFor("window_visible", false));

        trayer.terminate();
        QVERIFY(trayer.waitForFinished(5000));
        QVERIFY2(waitFor("tray", false), app.readAllStandardError().constData());
        QVERIFY(waitFor("window_visible", true)); // never left without a way in

        QProcess stop;
        prepare(stop);
        stop.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("stop")});
        QVERIFY(stop.waitForFinished(10000));
        QVERIFY(app.waitForFinished(20000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QVERIFY2(app.exitCode() == 0, app.readAllStandardError().right(4000).constData());
    }
};

QTEST_GUILESS_MAIN(TestTrayHost)
#include "tst_trayhost.moc"
