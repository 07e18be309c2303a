#include "presentation/StartupProblem.h"
#include "ui/StartupProblemDialog.h"

#include <QAbstractButton>
#include <QTest>

using namespace ea;

// What the desktop app says when it cannot start: the same words on stderr and in the dialog.
class TestStartupProblem : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badConfigurationSaysWhatAndHow()
    {
        const StartupProblem p = StartupProblem::badConfiguration(
            QStringLiteral("/p/configuration.yaml:5: event_aggregator.session_timeout_minutes "
                           "must be a positive integer, got \"-5\""));
        QCOMPARE(p.exitCode, 2);
        const QString text = p.consoleText();
        QVERIFY(text.startsWith(QStringLiteral("event-aggregator: The configuration cannot be "
                                               "used: /p/configuration.yaml:5: ")));
        QVERIFY(text.contains(QStringLiteral("start Event Aggregator again")));

        StartupProblemDialog box(p);
        QCOMPARE(box.text(), p.title);
        QVERIFY(box.informativeText().contains(p.detail));
        QVERIFY(box.informativeText().contains(p.fix));
        QCOMPARE(box.icon(), QMessageBox::Critical);
    }

    void headlessInstanceNamesPidAndHowToStopIt()
    {
        const StartupProblem p = StartupProblem::headlessInstanceRunning(
            4242, QStringLiteral("127.0.0.1:8765"), QStringLiteral("/home/u/act"));
        QCOMPARE(p.exitCode, 1);
        QVERIFY(p.title.contains(QStringLiteral("headless capture is already running")));
        QVERIFY(p.detail.contains(QStringLiteral("pid 4242")));
        QVERIFY(p.detail.contains(QStringLiteral("127.0.0.1:8765")));
        QVERIFY(p.detail.contains(QStringLiteral("/home/u/act")));
        QVERIFY(p.fix.contains(QStringLiteral("event-aggregator stop")));
        QVERIFY(p.fix.contains(QStringLiteral("systemctl --user stop event-aggregator")));
        // No pid known: no "pid 0".
        QVERIFY(!StartupProblem::headlessInstanceRunning(0, {}, {}).detail.contains(
            QStringLiteral("pid")));
        StartupProblemDialog box(p);
        QCOMPARE(box.icon(), QMessageBox::Warning);
        QVERIFY(box.informativeText().contains(QStringLiteral("pid 4242")));
        // It offers to stop the other instance; a bad configuration offers nothing of the kind.
        QVERIFY(box.stopOtherButton());
        QCOMPARE(box.stopOtherButton()->text(), QStringLiteral("Stop It and Start Here"));
        QVERIFY(!box.stopOtherChosen());
        QVERIFY(!StartupProblemDialog(StartupProblem::badConfiguration(QStringLiteral("x")))
                     .stopOtherButton());
    }
};

QTEST_MAIN(TestStartupProblem)
#include "tst_startupproblem.moc"
