#include "Aggregator.h"
#include "CaptureController.h"
#include "CaptureService.h"
#include "SessionStore.h"
#include "TrayController.h"
#include "TrayNotifier.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QIcon>
#include <QMenu>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

// The tray: state -> icon/tooltip/menu, toggling the real capture core, and the notifier.
class TestTrayController : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    static quint16 closedPort()
    {
        // A port nothing listens on: the capture keeps connecting, which is what we want here.
        QTcpServer s;
        s.listen(QHostAddress::LocalHost);
        const quint16 port = s.serverPort();
        s.close();
        return port;
    }

    CaptureSettings settings(const QString& sub) const
    {
        CaptureSettings s;
        s.port = closedPort();
        s.events = {QStringLiteral("claude_event")};
        s.activityDirectory = m_tmp.path() + QLatin1Char('/') + sub;
        s.useJournal = false;
        s.autoCleanupDays = 0;
        return s;
    }

    static QByteArray payload(const QString& session, const QString& subtype, const QString& ts)
    {
        return QStringLiteral("{\"type\":\"claude_event\",\"subtype\":\"%1\",\"timestamp\":\"%2\","
                              "\"session_id\":\"%3\",\"cwd\":\"/home/dev/webshop\","
                              "\"data\":{\"prompt_text\":\"hello\"}}")
            .arg(subtype, ts, session)
            .toUtf8();
    }

private Q_SLOTS:
    void eachStateHasItsOwnReadableIcon()
    {
        QSet<QString> paths;
        for (CaptureState s : {CaptureState::Stopped, CaptureState::Connecting,
                               CaptureState::Capturing, CaptureState::Error}) {
            const TrayController::Presentation p = TrayController::present(s);
            QVERIFY2(QFile::exists(p.iconPath), qPrintable(p.iconPath));
            const QPixmap pm = QIcon(p.iconPath).pixmap(16, 16);
            QVERIFY2(!pm.isNull(), qPrintable(p.iconPath + QStringLiteral(" does not render")));
            // Not blank: the centre pixel of the disc is opaque.
            QCOMPARE(pm.toImage().pixelColor(8, 8).alpha(), 255);
            QVERIFY(!p.stateText.isEmpty());
            paths.insert(p.iconPath);
        }
        QCOMPARE(paths.size(), 4);
        QCOMPARE(TrayController::present(CaptureState::Reconnecting).iconPath,
                 TrayController::present(CaptureState::Connecting).iconPath);
        QCOMPARE(TrayController::present(CaptureState::Capturing).toggleText,
                 QStringLiteral("Stop Capture"));
        QCOMPARE(TrayController::present(CaptureState::Stopped).toggleText,
                 QStringLiteral("Start Capture"));
    }

    void menuHasTheDocumentedEntries()
    {
        CaptureController capture(settings(QStringLiteral("menu")));
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        QStringList texts;
        for (QAction* a : tray.menu()->actions())
            if (!a->isSeparator())
                texts.append(a->text());
        QCOMPARE(texts,
                 (QStringList{QStringLiteral("Start Capture"), QStringLiteral("Live Sessions"),
                              QStringLiteral("Open Session Browser"),
                              QStringLiteral("Open Activity Folder"), QStringLiteral("Settings…"),
                              QStringLiteral("Quit")}));
        QSignalSpy quit(&tray, &TrayController::quitRequested);
        tray.menu()->actions().last()->trigger();
        QCOMPARE(quit.count(), 1);
    }

    void leftClickTogglesCaptureAndStopCompletesLiveSessions()
    {
        CaptureController capture(settings(QStringLiteral("toggle")));
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        QCOMPARE(capture.state(), CaptureState::Stopped);
        QCOMPARE(tray.currentIconPath(), QStringLiteral(":/icons/tray-stopped.svg"));

        Q_EMIT tray.trayIcon()->activated(QSystemTrayIcon::Trigger);
        QVERIFY(capture.isCapturing());
        QCOMPARE(capture.state(), CaptureState::Connecting);
        QCOMPARE(tray.currentIconPath(), QStringLiteral(":/icons/tray-connecting.svg"));
        QCOMPARE(tray.toggleAction()->text(), QStringLiteral("Stop Capture"));
        QVERIFY(tray.toolTip().contains(capture.serverText()));
        QVERIFY(tray.toolTip().contains(QStringLiteral("Connecting")));

        // A session arrives (as from the socket): it is live, counted and listed.
        capture.service().ingest(QStringLiteral("claude_event"),
                                 payload(QStringLiteral("abcdef12-3456"),
                                         QStringLiteral("user_prompt"),
                                         QStringLiteral("2026-07-01T10:00:00Z")),
                                 QDateTime::currentDateTimeUtc());
        QCOMPARE(capture.liveSessionCount(), 1);
        QVERIFY(tray.toolTip().contains(QStringLiteral("Live sessions: 1")));
        QVERIFY(tray.toolTip().contains(QStringLiteral("Events captured: 1")));
        tray.refreshLiveMenu();
        QCOMPARE(tray.liveMenu()->actions().size(), 1);
        const QString line = tray.liveMenu()->actions().first()->text();
        QVERIFY2(line.contains(QStringLiteral("abcdef12")) &&
                     line.contains(QStringLiteral("webshop")) &&
                     line.contains(QStringLiteral("1 event")),
                 qPrintable(line));

        tray.toggleAction()->trigger(); // the menu's Stop Capture
        QVERIFY(!capture.isCapturing());
        QCOMPARE(capture.state(), CaptureState::Stopped);
        QCOMPARE(capture.liveSessionCount(), 0);
        const QList<SessionSummary> saved = capture.service().store().list();
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.first().status, QStringLiteral("stopped"));
        tray.refreshLiveMenu();
        QVERIFY(!tray.liveMenu()->actions().first()->isEnabled()); // "No live sessions"
    }

    void unwritableStorageShowsTheErrorState()
    {
        // The activity directory would be below a regular file: it cannot exist.
        QFile blocker(m_tmp.path() + QStringLiteral("/blocker"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        CaptureSettings s = settings(QStringLiteral("blocker/activity"));
        CaptureController capture(s);
        QSignalSpy states(&capture, &CaptureController::stateChanged);
        QVERIFY(!capture.initialize());
        QCOMPARE(capture.state(), CaptureState::Error);
        TrayController tray(&capture);
        QCOMPARE(tray.currentIconPath(), QStringLiteral(":/icons/tray-error.svg"));
        QVERIFY(tray.toolTip().contains(QStringLiteral("not writable")));
        QCOMPARE(tray.toggleAction()->text(), QStringLiteral("Start Capture"));
        // Starting capture does not hide a storage problem that is still there.
        capture.start();
        QVERIFY(capture.isCapturing());
        QCOMPARE(capture.state(), CaptureState::Error);
        QCOMPARE(tray.toggleAction()->text(), QStringLiteral("Stop Capture"));
        capture.stop();
    }

    void notifierWordsAndThrottlesMessages()
    {
        TrayNotifier notifier;
        notifier.setServer(QStringLiteral("127.0.0.1:8765"));
        QSignalSpy messages(&notifier, &TrayNotifier::message);
        LiveSessionSnapshot failed;
        failed.summary.sessionId = QStringLiteral("12345678-aaaa");
        failed.summary.workingDirectory = QStringLiteral("/home/dev/shop");
        failed.newFailures = 1;
        failed.failedTool = QStringLiteral("Bash");
        notifier.onLiveBatch({failed});
        QCOMPARE(messages.count(), 1);
        QVERIFY(messages.last().at(1).toString().contains(QStringLiteral("Bash in shop")));
        notifier.onLiveBatch({failed}); // within the quiet period: held back
        QCOMPARE(messages.count(), 1);

        LiveSessionSnapshot done = failed;
        done.newFailures = 0;
        done.live = false;
        done.summary.status = QStringLiteral("completed");
        LiveSessionSnapshot stopped = done;
        stopped.summary.status = QStringLiteral("stopped"); // the user stopped it: no message
        notifier.onLiveBatch({done, stopped});
        QCOMPARE(messages.count(), 2);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Session completed"));

        LiveSessionSnapshot waiting = failed;
        waiting.newFailures = 0;
        waiting.newPermissionRequests = 1;
        waiting.permissionMessage = QStringLiteral("Claude needs your permission to use Bash");
        notifier.onLiveBatch({waiting});
        QCOMPARE(messages.count(), 3);
        QVERIFY(messages.last().at(1).toString().startsWith(waiting.permissionMessage));

        // Lost for longer than the threshold, then back.
        notifier.setLostThresholdMs(50);
        notifier.onConnectionLost();
        QTRY_COMPARE(messages.count(), 4);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Connection lost"));
        notifier.onConnectionRestored();
        QCOMPARE(messages.count(), 5);
        // A short drop says nothing.
        notifier.setLostThresholdMs(10000);
        notifier.onConnectionLost();
        notifier.onConnectionRestored();
        QCOMPARE(messages.count(), 5);

        notifier.setEnabled(false);
        failed.summary.status = QStringLiteral("completed");
        failed.live = false;
        notifier.onLiveBatch({failed});
        QCOMPARE(messages.count(), 5);
    }
};

QTEST_MAIN(TestTrayController)
#include "tst_traycontroller.moc"
