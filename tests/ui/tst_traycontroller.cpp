#include "aggregation/Aggregator.h"
#include "capture/CaptureService.h"
#include "presentation/CaptureController.h"
#include "storage/SessionStore.h"
#include "ui/TrayController.h"
#include "ui/TrayNotifier.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QIcon>
#include <QMenu>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

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
        QCOMPARE(texts, (QStringList{
                            QStringLiteral("Stopped"), QStringLiteral("Start Capture"),
                            QStringLiteral("Live Sessions"), QStringLiteral("Open Session Browser"),
                            QStringLiteral("Open Activity Folder"), QStringLiteral("Settings…"),
                            QStringLiteral("Do Not Disturb"), QStringLiteral("Quit")}));
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

    // Many live sessions: the ten most recent, then one entry to see them all; the status
    // line at the top counts them.
    void liveMenuIsCappedAndCounted()
    {
        CaptureController capture(settings(QStringLiteral("many")));
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        capture.start();
        for (int i = 0; i < 43; ++i)
            capture.service().ingest(
                QStringLiteral("claude_event"),
                payload(QStringLiteral("sess%1-0000").arg(i, 4, 10, QLatin1Char('0')),
                        QStringLiteral("user_prompt"),
                        QStringLiteral("2026-07-01T10:%1:00Z").arg(i, 2, 10, QLatin1Char('0'))),
                QDateTime::currentDateTimeUtc());
        tray.refreshLiveMenu();
        const QList<QAction*> actions = tray.liveMenu()->actions();
        QCOMPARE(actions.size(), TrayController::MaxLiveMenuEntries + 2);      // + separator, all
        QVERIFY(actions.first()->text().contains(QStringLiteral("sess0042"))); // most recent
        QCOMPARE(actions.last()->text(), QStringLiteral("Show All 43 in the Session Browser…"));
        QSignalSpy browser(&tray, &TrayController::openBrowserRequested);
        actions.last()->trigger();
        QCOMPARE(browser.count(), 1);
        QCOMPARE(tray.liveMenu()->title(), QStringLiteral("Live Sessions (43)"));
        QVERIFY2(tray.statusLine().contains(QStringLiteral("43 live sessions")),
                 qPrintable(tray.statusLine()));
        capture.stop();
    }

    // Past the default live-session limit (1,000 in memory) the least recently active
    // sessions are spilled to disk; they are still live and still listed.
    void spilledSessionsStayInTheLiveList()
    {
        CaptureController capture(settings(QStringLiteral("spilled")));
        QVERIFY(capture.initialize());
        capture.start();
        const int sessions = CaptureLimits().maxLiveSessions + 5;
        const QDateTime base(QDate(2026, 7, 1), QTime(10, 0), Qt::UTC);
        for (int i = 0; i < sessions; ++i)
            capture.service().ingest(
                QStringLiteral("claude_event"),
                payload(QStringLiteral("sess%1").arg(i, 5, 10, QLatin1Char('0')),
                        QStringLiteral("user_prompt"), base.addSecs(i).toString(Qt::ISODate)),
                QDateTime::currentDateTimeUtc());
        QCOMPARE(capture.service().aggregator().spilledCount(), 5);
        const QList<LiveSessionSnapshot> all = capture.liveSessions();
        QCOMPARE(all.size(), sessions);
        QCOMPARE(capture.liveSessionCount(), sessions);
        // Most recent first; the oldest (spilled) last, with what is known of it.
        QCOMPARE(all.first().summary.sessionId,
                 QStringLiteral("sess%1").arg(sessions - 1, 5, 10, QLatin1Char('0')));
        const LiveSessionSnapshot& oldest = all.last();
        QCOMPARE(oldest.summary.sessionId, QStringLiteral("sess00000"));
        QVERIFY(oldest.live);
        QCOMPARE(oldest.summary.totalEvents, 1);
        QCOMPARE(oldest.initialPrompt, QStringLiteral("hello"));
        QCOMPARE(oldest.lastEventTime, base);
        capture.stop();
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
        // Trace forwarding, when configured, adds its outbox line.
        tray.setForwardingSummary(QStringLiteral("OTLP: 3 turns waiting"));
        QVERIFY(tray.toolTip().endsWith(QStringLiteral("\nOTLP: 3 turns waiting")));
        QCOMPARE(tray.toggleAction()->text(), QStringLiteral("Start Capture"));
        // Starting capture does not hide a storage problem that is still there.
        capture.start();
        QVERIFY(capture.isCapturing());
        QCOMPARE(capture.state(), CaptureState::Error);
        QCOMPARE(tray.toggleAction()->text(), QStringLiteral("Stop Capture"));
        capture.stop();
    }

    // Nothing listening, then a web server that is not a dashboard: the tooltip says which,
    // and when the next attempt comes.
    void tooltipSaysWhyTheDashboardIsUnreachable()
    {
        CaptureSettings s = settings(QStringLiteral("unreachable"));
        CaptureController capture(s);
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        capture.start();
        QTRY_VERIFY_WITH_TIMEOUT(tray.toolTip().contains(QStringLiteral(
                                     "connection refused — is claude-mpm's monitor running?")),
                                 10000);
        QVERIFY2(tray.toolTip().contains(QStringLiteral("Retrying in ")),
                 qPrintable(tray.toolTip()));
        capture.stop();
        QVERIFY(capture.connectionProblem().isEmpty()); // stopped: nothing to explain

        QTcpServer web;
        QVERIFY(web.listen(QHostAddress::LocalHost));
        connect(&web, &QTcpServer::newConnection, &web, [&web] {
            while (QTcpSocket* c = web.nextPendingConnection()) {
                connect(c, &QTcpSocket::readyRead, c, [c] {
                    c->readAll();
                    c->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n");
                    c->disconnectFromHost();
                });
                connect(c, &QTcpSocket::disconnected, c, &QObject::deleteLater);
            }
        });
        s.port = web.serverPort();
        capture.applySettings(s);
        capture.start();
        const QString expected = QStringLiteral("127.0.0.1:%1 answered HTTP 404: not a Socket.IO "
                                                "dashboard")
                                     .arg(web.serverPort());
        QTRY_VERIFY_WITH_TIMEOUT(tray.toolTip().contains(expected), 10000);
        capture.stop();
    }

    // No file manager (the offscreen platform has none): the user is told, not ignored.
    void openActivityFolderSaysWhenItCannot()
    {
        CaptureController capture(settings(QStringLiteral("folder")));
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        QSignalSpy failed(&tray, &TrayController::folderOpenFailed);
        tray.openActivityFolder();
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.last().at(0).toString().contains(capture.settings().activityDirectory));
    }

    // A message while the menu is open waits until it closes instead of covering it.
    void messageWaitsForTheOpenMenu()
    {
        CaptureController capture(settings(QStringLiteral("menuopen")));
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        QSignalSpy shown(&tray, &TrayController::messageShown);
        tray.menu()->popup(QPoint(10, 10));
        QTRY_VERIFY(tray.menu()->isVisible());
        tray.showMessage(QStringLiteral("Session completed"), QStringLiteral("shop"),
                         QSystemTrayIcon::Information);
        QCOMPARE(shown.count(), 0);
        tray.menu()->hide();
        QTRY_COMPARE(shown.count(), 1);
        QCOMPARE(shown.last().at(0).toString(), QStringLiteral("Session completed"));
    }

    // Settings -> Save with nothing changed for capture keeps the connection and counters.
    void unchangedSettingsKeepTheService()
    {
        const CaptureSettings s = settings(QStringLiteral("same"));
        CaptureController capture(s);
        QVERIFY(capture.initialize());
        capture.start();
        const CaptureService* before = &capture.service();
        QSignalSpy replaced(&capture, &CaptureController::serviceReplaced);
        capture.applySettings(s);
        QCOMPARE(replaced.count(), 0);
        QCOMPARE(&capture.service(), before);
        QVERIFY(capture.isCapturing());
        CaptureSettings other = s;
        other.sessionTimeoutMs = 5 * 60 * 1000;
        capture.applySettings(other);
        QCOMPARE(replaced.count(), 1); // a real change still takes effect
        QVERIFY(capture.isCapturing());
        capture.stop();
    }

    // Issue 14: new "probably blocked" and "idle" times apply in place: the service, its
    // connection and live sessions stay, and the deadlines are re-evaluated at once.
    void attentionTimesApplyInPlace()
    {
        const CaptureSettings s = settings(QStringLiteral("times"));
        CaptureController capture(s);
        QVERIFY(capture.initialize());
        capture.start();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QString id = QStringLiteral("busy-1");
        capture.service().ingest(
            QStringLiteral("claude_event"),
            payload(id, QStringLiteral("user_prompt"), now.toString(Qt::ISODateWithMs)), now);
        const QByteArray call =
            QStringLiteral("{\"type\":\"claude_event\",\"subtype\":\"pre_tool\","
                           "\"timestamp\":\"%1\",\"session_id\":\"%2\",\"cwd\":\"/home/dev/"
                           "webshop\",\"data\":{\"tool_name\":\"Bash\",\"correlation_id\":"
                           "\"c1\"}}")
                .arg(now.addMSecs(5).toString(Qt::ISODateWithMs), id)
                .toUtf8();
        capture.service().ingest(QStringLiteral("claude_event"), call, now);
        QCOMPARE(capture.liveState(id)->kind, LiveState::Kind::Working);
        SessionStateMonitor& monitor = capture.service().stateMonitor();
        const qint64 armed = monitor.armedForMs();
        QVERIFY(armed > 0);
        const CaptureService* before = &capture.service();
        QSignalSpy replaced(&capture, &CaptureController::serviceReplaced);
        CaptureSettings other = s;
        other.blockedAfterMs = 1000;
        other.idleAfterMs = 5 * 60 * 1000;
        capture.applySettings(other);
        QCOMPARE(replaced.count(), 0);
        QCOMPARE(&capture.service(), before);
        QVERIFY(capture.isCapturing());
        QCOMPARE(monitor.settings().blockedAfterMs, qint64(1000));
        QCOMPARE(monitor.settings().idleAfterMs, qint64(5 * 60 * 1000));
        QCOMPARE(capture.service().settings().blockedAfterMs, qint64(1000));
        QVERIFY2(monitor.armedForMs() >= 0 && monitor.armedForMs() <= armed - 19000,
                 qPrintable(QStringLiteral("%1 -> %2").arg(armed).arg(monitor.armedForMs())));
        QTRY_COMPARE_WITH_TIMEOUT(capture.liveState(id)->kind, LiveState::Kind::Blocked, 10000);
        QVERIFY2(capture.liveState(id)->reason.contains(QLatin1String("for 1 s")),
                 qPrintable(capture.liveState(id)->reason));
        capture.stop();
    }

    // Issue 12 item 10: a new port reconnects in place; live sessions and counters stay.
    void portChangeReconnectsInPlace()
    {
        const CaptureSettings s = settings(QStringLiteral("port"));
        CaptureController capture(s);
        QVERIFY(capture.initialize());
        capture.start();
        capture.service().ingest(QStringLiteral("claude_event"),
                                 payload(QStringLiteral("live-1"), QStringLiteral("user_prompt"),
                                         QStringLiteral("2026-11-30T10:00:00+00:00")),
                                 QDateTime::currentDateTimeUtc());
        QCOMPARE(capture.service().counters().eventsReceived, quint64(1));
        const CaptureService* before = &capture.service();
        QSignalSpy replaced(&capture, &CaptureController::serviceReplaced);
        CaptureSettings other = s;
        other.port = quint16(s.port == 1 ? 2 : s.port - 1);
        capture.applySettings(other);
        QCOMPARE(replaced.count(), 0);
        QCOMPARE(&capture.service(), before);
        QVERIFY(capture.isCapturing());
        QCOMPARE(capture.service().settings().port, other.port);
        QCOMPARE(capture.service().counters().eventsReceived, quint64(1));
        QVERIFY(capture.service().aggregator().liveSession(QStringLiteral("live-1")));
        capture.stop();
    }

    void notifiesOnceWhenTheFirstConnectionNeverComes()
    {
        TrayNotifier notifier;
        notifier.setServer(QStringLiteral("127.0.0.1:8765"));
        notifier.setProblemSource([] { return QStringLiteral("the reason, retrying in 3 s"); });
        QSignalSpy messages(&notifier, &TrayNotifier::message);
        notifier.setMessageGapMs(0);
        notifier.setLostThresholdMs(50);
        notifier.onConnecting();
        QTRY_COMPARE(messages.count(), 1);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Dashboard not reachable"));
        QCOMPARE(messages.last().at(1).toString(), QStringLiteral("the reason, retrying in 3 s"));
        notifier.onConnecting(); // still the same start: said once
        QVERIFY(!messages.wait(300));
        notifier.onConnectionRestored();
        QTRY_COMPARE(messages.count(), 2);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Connection restored"));
    }

    void notifierWordsAndThrottlesMessages()
    {
        TrayNotifier notifier;
        notifier.setServer(QStringLiteral("127.0.0.1:8765"));
        notifier.setMessageGapMs(0);
        QSignalSpy messages(&notifier, &TrayNotifier::message);
        // Lost for longer than the threshold, then back.
        notifier.setLostThresholdMs(50);
        notifier.onConnectionLost();
        QTRY_COMPARE(messages.count(), 1);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Connection lost"));
        QVERIFY(messages.last().at(1).toString().contains(QStringLiteral("127.0.0.1:8765")));
        notifier.onConnectionRestored();
        QTRY_COMPARE(messages.count(), 2);
        // A short drop says nothing.
        notifier.setLostThresholdMs(10000);
        notifier.onConnectionLost();
        notifier.onConnectionRestored();
        QVERIFY(!messages.wait(100));

        notifier.setEnabled(false);
        notifier.setLostThresholdMs(1);
        notifier.onConnectionLost();
        QVERIFY(!messages.wait(100));
        QCOMPARE(messages.count(), 2);
    }

    // Messages do not replace each other at once: the next waits for the gap.
    void notifierKeepsMessagesApart()
    {
        TrayNotifier notifier;
        notifier.setMessageGapMs(400);
        notifier.setLostThresholdMs(1);
        QSignalSpy messages(&notifier, &TrayNotifier::message);
        // When each message came, taken as it is sent (not when a wait returns).
        QElapsedTimer clock;
        clock.start();
        QList<qint64> sentAt;
        connect(&notifier, &TrayNotifier::message, this, [&] { sentAt.append(clock.elapsed()); });
        notifier.onConnectionLost();
        QVERIFY(messages.wait(2000));
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Connection lost"));
        notifier.onConnectionRestored();
        QVERIFY(messages.wait(2000));
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Connection restored"));
        QCOMPARE(sentAt.size(), 2);
        // 400 ms apart (the gap timer is precise; a few ms for rounding and the emission).
        QVERIFY2(sentAt.at(1) - sentAt.at(0) >= 395,
                 qPrintable(QString::number(sentAt.at(1) - sentAt.at(0))));
    }

    // The attention mark is a shape (a triangle with the count), not only a colour.
    void theAttentionMarkIsAShapeWithTheCount()
    {
        const QString path = TrayController::present(CaptureState::Capturing).iconPath;
        const QImage plain = TrayController::iconPixmap(path, 0).toImage();
        const QImage marked = TrayController::iconPixmap(path, 2).toImage();
        QCOMPARE(plain.size(), marked.size());
        // The upper left is the state icon as it was; the lower right carries the triangle,
        // whose apex column is orange while its upper corners stay as they were.
        QCOMPARE(marked.pixelColor(10, 10), plain.pixelColor(10, 10));
        const QColor inside = marked.pixelColor(34, 59);
        QVERIFY2(inside.red() > 200 && inside.green() > 100 && inside.blue() < 60,
                 qPrintable(inside.name()));
        QCOMPARE(marked.pixelColor(26, 26), plain.pixelColor(26, 26)); // outside the slope
        const QImage three = TrayController::iconPixmap(path, 3).toImage();
        QVERIFY(three != marked); // the count is drawn
    }

    void sessionsNeedingYouMarkTheIconAndLeadTheMenu()
    {
        CaptureController capture(settings(QStringLiteral("attention")));
        QVERIFY(capture.initialize());
        TrayController tray(&capture);
        const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        capture.service().ingest(
            QStringLiteral("claude_event"),
            payload(QStringLiteral("abcdef12-3456"), QStringLiteral("user_prompt"), now),
            QDateTime::currentDateTimeUtc());
        QCOMPARE(tray.attentionCount(), 0);
        const QByteArray ask =
            QStringLiteral("{\"type\":\"claude_event\",\"subtype\":\"notification\","
                           "\"timestamp\":\"%1\",\"session_id\":\"abcdef12-3456\","
                           "\"cwd\":\"/home/dev/webshop\",\"data\":{\"notification_type\":"
                           "\"permission_prompt\",\"message\":\"Claude needs your permission to "
                           "use Bash\",\"git_branch\":\"feature/x\"}}")
                .arg(QDateTime::currentDateTimeUtc().addMSecs(5).toString(Qt::ISODateWithMs))
                .toUtf8();
        capture.service().ingest(QStringLiteral("claude_event"), ask,
                                 QDateTime::currentDateTimeUtc());
        // At once, not at the next refresh.
        QCOMPARE(tray.attentionCount(), 1);
        QCOMPARE(tray.attentionIds(), QStringList{QStringLiteral("abcdef12-3456")});
        const auto argb = [](const QPixmap& p) {
            return p.toImage().convertToFormat(QImage::Format_ARGB32);
        };
        QCOMPARE(argb(tray.trayIcon()->icon().pixmap(64, 64)),
                 argb(TrayController::iconPixmap(tray.currentIconPath(), 1)));
        const QList<QAction*> menu = tray.menu()->actions();
        QCOMPARE(menu.at(0)->text(), QStringLiteral("Needs you (1)"));
        // What it waits for, from the notification's words (it names no tool of its own).
        QVERIFY2(menu.at(1)->text().startsWith(
                     QStringLiteral("webshop (feature/x) — permission to use Bash · ")),
                 qPrintable(menu.at(1)->text()));
        QVERIFY2(menu.at(1)->toolTip().startsWith(QStringLiteral(
                     "webshop (feature/x) — Claude needs your permission to use Bash · ")),
                 qPrintable(menu.at(1)->toolTip()));
        QVERIFY(menu.at(2)->isSeparator());
        QVERIFY2(tray.toolTip().startsWith(QStringLiteral(
                     "Needs you:\nwebshop (feature/x) — Claude needs your permission to use Bash")),
                 qPrintable(tray.toolTip()));
        QSignalSpy open(&tray, &TrayController::openSessionRequested);
        menu.at(1)->trigger();
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().first().toString(), QStringLiteral("abcdef12-3456"));

        // Answered: the mark goes.
        capture.service().ingest(
            QStringLiteral("claude_event"),
            payload(QStringLiteral("abcdef12-3456"), QStringLiteral("stop"),
                    QDateTime::currentDateTimeUtc().addMSecs(10).toString(Qt::ISODateWithMs)),
            QDateTime::currentDateTimeUtc());
        QCOMPARE(tray.attentionCount(), 0);
        QVERIFY(tray.menu()->actions().at(0)->text() != QStringLiteral("Needs you (1)"));
        QCOMPARE(argb(tray.trayIcon()->icon().pixmap(64, 64)),
                 argb(QIcon(tray.currentIconPath()).pixmap(64, 64)));
    }
};

QTEST_MAIN(TestTrayController)
#include "tst_traycontroller.moc"
