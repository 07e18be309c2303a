#include "app/GuiRunner.h"

#include "aggregation/Aggregator.h"
#include "capture/CaptureService.h"
#include "config/ConfigWriter.h"
#include "control/ControlChannel.h"
#include "control/ControlClient.h"
#include "control/ControlServer.h"
#include "otlp/OtlpForwarder.h"
#include "presentation/AttentionNotifier.h"
#include "presentation/CaptureController.h"
#include "presentation/LiveSessionFeed.h"
#include "ui/DesktopNotifier.h"
#include "ui/SessionBrowserWindow.h"
#include "ui/SettingsDialog.h"
#include "ui/TrayAvailabilityWatcher.h"
#include "ui/TrayController.h"
#include "ui/TrayNotifier.h"

#include <QApplication>
#include <QDir>
#include <QJsonObject>
#include <QLockFile>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QStatusBar>
#include <QSystemTrayIcon>

#include <cstdio>

namespace ea {

Q_LOGGING_CATEGORY(lcGui, "ea.ui.runner", QtInfoMsg)

GuiRunner::GuiRunner(Setup setup, Reload reload, QObject* parent)
    : QObject(parent), m_setup(std::move(setup)), m_reload(std::move(reload))
{}

GuiRunner::~GuiRunner()
{
    delete m_browser;
    delete m_tray;
    if (m_capture)
        m_capture->shutdown();
}

int GuiRunner::start()
{
    // One instance per user: a second launch hands over to the first and leaves.
    m_control = new ControlServer(this);
    if (!m_control->listen())
        return handOver();
    m_control->setStatusProvider([this] {
        QJsonObject st = m_capture->service().countersJson();
        st.insert(QStringLiteral("capturing"), m_capture->isCapturing());
        st.insert(QStringLiteral("server"), m_capture->serverText());
        st.insert(QStringLiteral("activity_directory"), m_capture->settings().activityDirectory);
        st.insert(QStringLiteral("mode"), QStringLiteral("gui"));
        st.insert(QStringLiteral("tray"), m_tray != nullptr);
        st.insert(QStringLiteral("window_visible"), m_browser && m_browser->isVisible());
        if (m_capture->service().client())
            st.insert(QStringLiteral("state"),
                      QVariant::fromValue(m_capture->service().client()->state()).toString());
        st.insert(QStringLiteral("states"), m_capture->service().stateMonitor().countsJson());
        st.insert(QStringLiteral("live_states"),
                  m_capture->service().stateMonitor().sessionsJson());
        if (m_forwarder)
            st.insert(QStringLiteral("otlp"), m_forwarder->statusJson());
        return st;
    });
    connect(m_control, &ControlServer::activateRequested, this, &GuiRunner::openBrowser);
    connect(m_control, &ControlServer::stopRequested, this, &GuiRunner::quit);

    m_capture = new CaptureController(m_setup.settings, this);
    m_feed = new LiveSessionFeed(this);
    m_feed->setAggregator(&m_capture->service().aggregator());
    connect(m_capture, &CaptureController::serviceReplaced, m_feed,
            [this](CaptureService* s) { m_feed->setAggregator(&s->aggregator()); });
    if (m_setup.otlp) {
        m_forwarder = new OtlpForwarder(
            *m_setup.otlp, m_setup.settings.activityDirectory + QStringLiteral("/.otlp"), nullptr,
            this);
        connect(m_capture, &CaptureController::sessionSaved, m_forwarder,
                &OtlpForwarder::onSessionSaved);
    }
    m_capture->initialize();
    if (m_forwarder) {
        QString error;
        if (!m_forwarder->start(&error))
            qCWarning(lcGui).noquote() << "cannot forward traces:" << error;
    }
    m_feed->setStateLookup([this](const QString& id) { return m_capture->liveState(id); });
    connect(m_capture, &CaptureController::liveStateChanged, m_feed,
            [this](const QString& id) { m_feed->touch(id); });
    // `watch` clients hear of every state change as it happens.
    connect(m_capture, &CaptureController::liveStateChanged, m_control,
            [this](const QString& id, const LiveState& state) {
                m_control->broadcast(m_capture->service().stateMonitor().changeJson(id, state));
            });

    m_notifier = new TrayNotifier(this);
    m_notifier->setEnabled(m_setup.config.notifications);
    m_notifier->setServer(m_capture->serverText());
    // Sessions are announced by their live states (AttentionNotifier); the tray notifier keeps
    // the connection's messages.
    m_attention = new AttentionNotifier(this);
    m_attention->setDescriber(
        [this](const QString& id) { return m_capture->describeForNotification(id); });
    connect(m_capture, &CaptureController::liveStateChanged, m_attention,
            &AttentionNotifier::onStateChanged);
    m_desktop = new DesktopNotifier(this);
    connect(m_attention, &AttentionNotifier::notify, m_desktop, &DesktopNotifier::show);
    connect(m_desktop, &DesktopNotifier::openRequested, this, &GuiRunner::openSession);
    connect(m_desktop, &DesktopNotifier::fallbackRequested, this,
            [this](const QString& title, const QString& body, const QString& session) {
                if (m_tray)
                    m_tray->showSessionMessage(title, body, session);
                else if (m_browser)
                    m_browser->statusBar()->showMessage(title + QStringLiteral(": ") + body, 10000);
            });
    applyNotificationSettings();
    connect(m_capture, &CaptureController::connectionLost, m_notifier,
            &TrayNotifier::onConnectionLost);
    connect(m_capture, &CaptureController::connectionRestored, m_notifier,
            &TrayNotifier::onConnectionRestored);
    connect(m_capture, &CaptureController::stateChanged, m_notifier, [this](CaptureState s) {
        if (s == CaptureState::Stopped)
            m_notifier->onCaptureStopped();
        else if (s == CaptureState::Connecting)
            m_notifier->onConnecting();
    });
    m_notifier->setProblemSource([this] { return m_capture->connectionProblem(); });

    m_browser = new SessionBrowserWindow(m_capture, m_feed);
    connect(m_browser, &SessionBrowserWindow::quitRequested, this, &GuiRunner::quit);
    connect(m_browser, &SessionBrowserWindow::settingsRequested, this, &GuiRunner::openSettings);

    // Messages go to the tray, or to the window's status bar while there is none.
    connect(m_notifier, &TrayNotifier::message, this, &GuiRunner::showMessage);
    // Closing the window quits only in window mode, and says so (quitRequested).
    QApplication::setQuitOnLastWindowClosed(false);
    m_trayWatch = new TrayAvailabilityWatcher({}, this);
    connect(m_trayWatch, &TrayAvailabilityWatcher::availabilityChanged, this, &GuiRunner::useTray);
    useTray(m_trayWatch->isAvailable());
    m_trayWatch->start();
    connect(qApp, &QCoreApplication::aboutToQuit, m_capture, &CaptureController::shutdown);

    if (m_setup.config.enabled)
        m_capture->start();
    qCInfo(lcGui).noquote() << "capturing into" << m_setup.settings.activityDirectory;
    return -1;
}

void GuiRunner::useTray(bool available)
{
    if (m_modeChosen && available == (m_tray != nullptr))
        return;
    m_modeChosen = true;
    if (available) {
        m_tray = new TrayController(m_capture);
        if (m_forwarder) {
            m_tray->setForwardingSummary(m_forwarder->summary());
            connect(m_forwarder, &OtlpForwarder::changed, m_tray,
                    [this] { m_tray->setForwardingSummary(m_forwarder->summary()); });
        }
        connect(m_tray, &TrayController::openBrowserRequested, this, &GuiRunner::openBrowser);
        connect(m_tray, &TrayController::openSessionRequested, this, &GuiRunner::openSession);
        connect(m_tray, &TrayController::openSettingsRequested, this, &GuiRunner::openSettings);
        connect(m_tray, &TrayController::quitRequested, this, &GuiRunner::quit);
        // Never a notification over the open menu; Do Not Disturb from the menu.
        connect(m_tray, &TrayController::menuOpenChanged, m_attention, &AttentionNotifier::setHeld);
        m_tray->doNotDisturbAction()->setChecked(m_attention->doNotDisturb());
        connect(m_tray, &TrayController::doNotDisturbChanged, m_attention,
                &AttentionNotifier::setDoNotDisturb);
        m_tray->show();
        m_browser->setMainWindowMode({});
        // A window that only stood in for the missing tray (autostarted before the panel)
        // goes into it, unless the user has started using it.
        if (m_windowStoodIn && !m_windowUsed)
            m_browser->hide();
        m_windowStoodIn = false;
        qApp->removeEventFilter(this);
        qCInfo(lcGui) << "system tray available: running in the tray";
        return;
    }
    delete m_tray;
    m_tray = nullptr;
    // Without a tray the window is the application, and says why; it is never left hidden.
    m_browser->setMainWindowMode(
        tr("No system tray: this window is the application (closing it quits) until a tray "
           "appears."));
    if (!m_browser->isVisible()) {
        m_windowStoodIn = true;
        m_windowUsed = false;
        qApp->installEventFilter(this);
        m_browser->show();
    }
    qCInfo(lcGui) << "no system tray: running as a window";
}

bool GuiRunner::eventFilter(QObject* watched, QEvent* event)
{
    // Only watches for the first click or key press in the stand-in window.
    const QEvent::Type t = event->type();
    if ((t == QEvent::MouseButtonPress || t == QEvent::KeyPress) && watched->isWidgetType() &&
        static_cast<QWidget*>(watched)->window() == m_browser) {
        m_windowUsed = true;
        qApp->removeEventFilter(this);
    }
    return QObject::eventFilter(watched, event);
}

void GuiRunner::showMessage(const QString& title, const QString& text,
                            QSystemTrayIcon::MessageIcon icon)
{
    if (m_tray)
        m_tray->showMessage(title, text, icon);
    else if (m_browser)
        m_browser->statusBar()->showMessage(title + QStringLiteral(": ") + text, 10000);
}

int GuiRunner::handOver()
{
    QString error;
    const auto reply = ControlClient::request(QStringLiteral("status"), &error);
    if (!reply) {
        m_problem = StartupProblem::instanceNotAnswering(m_control->errorString() +
                                                         QStringLiteral("; ") + error);
        return m_problem->exitCode;
    }
    const QJsonObject status = reply->value(QLatin1String("status")).toObject();
    if (status.value(QLatin1String("mode")).toString() != QLatin1String("gui")) {
        // The lock file names its holder.
        QLockFile lock(ControlChannel::lockPath());
        qint64 pid = 0;
        QString host;
        QString application;
        if (!lock.getLockInfo(&pid, &host, &application))
            pid = 0;
        m_problem = StartupProblem::headlessInstanceRunning(
            pid, status.value(QLatin1String("server")).toString(),
            status.value(QLatin1String("activity_directory")).toString());
        return m_problem->exitCode;
    }
    if (!ControlClient::request(QStringLiteral("activate"), &error)) {
        m_problem = StartupProblem::instanceNotAnswering(error);
        return m_problem->exitCode;
    }
    std::fprintf(stderr, "event-aggregator: already running; brought its window forward\n");
    return 0;
}

void GuiRunner::openBrowser()
{
    if (m_browser)
        m_browser->bringForward();
}

void GuiRunner::openSession(const QString& sessionId)
{
    openBrowser();
    if (m_browser)
        m_browser->selectSession(sessionId);
}

void GuiRunner::openSettings()
{
    if (m_settingsOpen)
        return;
    m_settingsOpen = true;
    const QString target = ConfigWriter::targetFor(m_setup.config, QDir::currentPath());
    SettingsDialog dialog(m_setup.config, target, AutostartEntry(),
                          m_browser && m_browser->isVisible() ? m_browser : nullptr);
    const bool saved = dialog.exec() == QDialog::Accepted;
    m_settingsOpen = false;
    if (!saved)
        return;
    QString error;
    const std::optional<Setup> next = m_reload ? m_reload(&error) : std::nullopt;
    if (!next) {
        QMessageBox::warning(nullptr, tr("Event Aggregator"),
                             tr("The settings were saved but cannot be read back: %1").arg(error));
        return;
    }
    // configFile was empty when nothing existed yet; it now names the file just written.
    m_setup = *next;
    m_notifier->setEnabled(m_setup.config.notifications);
    applyNotificationSettings();
    m_capture->applySettings(m_setup.settings);
    m_notifier->setServer(m_capture->serverText());
}

void GuiRunner::applyNotificationSettings()
{
    const AggregatorConfig& c = m_setup.config;
    m_attention->setKindEnabled(AttentionNotifier::Kind::Permission,
                                c.notifications && c.notifyPermission);
    m_attention->setKindEnabled(AttentionNotifier::Kind::Blocked,
                                c.notifications && c.notifyBlocked);
    m_attention->setKindEnabled(AttentionNotifier::Kind::Finished,
                                c.notifications && c.notifyFinished);
}

void GuiRunner::quit()
{
    if (m_quitting)
        return;
    m_quitting = true;
    if (m_capture)
        m_capture->shutdown();
    QCoreApplication::quit();
}

} // namespace ea

#include "moc_GuiRunner.cpp"
