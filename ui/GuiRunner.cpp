#include "GuiRunner.h"

#include "Aggregator.h"
#include "CaptureController.h"
#include "CaptureService.h"
#include "ConfigWriter.h"
#include "ControlClient.h"
#include "ControlServer.h"
#include "LiveSessionFeed.h"
#include "SessionBrowserWindow.h"
#include "SettingsDialog.h"
#include "TrayController.h"
#include "TrayNotifier.h"

#include <QApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>

#include <cstdio>

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
    if (!m_control->listen()) {
        QString error;
        const auto reply = ControlClient::request(QStringLiteral("activate"), &error);
        if (!reply) {
            std::fprintf(stderr, "event-aggregator: %s; %s\n", qPrintable(m_control->errorString()),
                         qPrintable(error));
            return 1;
        }
        std::fprintf(stderr, "event-aggregator: already running; brought its window forward\n");
        return 0;
    }
    m_control->setStatusProvider([this] {
        QJsonObject st = m_capture->service().countersJson();
        st.insert(QStringLiteral("capturing"), m_capture->isCapturing());
        st.insert(QStringLiteral("server"), m_capture->serverText());
        st.insert(QStringLiteral("activity_directory"), m_capture->settings().activityDirectory);
        st.insert(QStringLiteral("mode"), QStringLiteral("gui"));
        if (m_capture->service().client())
            st.insert(QStringLiteral("state"),
                      QVariant::fromValue(m_capture->service().client()->state()).toString());
        return st;
    });
    connect(m_control, &ControlServer::activateRequested, this, &GuiRunner::openBrowser);
    connect(m_control, &ControlServer::stopRequested, this, &GuiRunner::quit);

    m_capture = new CaptureController(m_setup.settings, this);
    m_feed = new LiveSessionFeed(this);
    m_feed->setAggregator(&m_capture->service().aggregator());
    connect(m_capture, &CaptureController::serviceReplaced, m_feed,
            [this](CaptureService* s) { m_feed->setAggregator(&s->aggregator()); });
    m_capture->initialize();

    m_notifier = new TrayNotifier(this);
    m_notifier->setEnabled(m_setup.config.notifications);
    m_notifier->setServer(m_capture->serverText());
    connect(m_feed, &LiveSessionFeed::sessionsUpdated, m_notifier, &TrayNotifier::onLiveBatch);
    connect(m_capture, &CaptureController::connectionLost, m_notifier,
            &TrayNotifier::onConnectionLost);
    connect(m_capture, &CaptureController::connectionRestored, m_notifier,
            &TrayNotifier::onConnectionRestored);
    connect(m_capture, &CaptureController::stateChanged, m_notifier, [this](CaptureState s) {
        if (s == CaptureState::Stopped)
            m_notifier->onCaptureStopped();
    });

    m_browser = new SessionBrowserWindow(m_capture, m_feed);
    m_browser->setSearchCacheFile(QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                                  QStringLiteral("/search-index.bin"));
    connect(m_browser, &SessionBrowserWindow::quitRequested, this, &GuiRunner::quit);
    connect(m_browser, &SessionBrowserWindow::settingsRequested, this, &GuiRunner::openSettings);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        QApplication::setQuitOnLastWindowClosed(false);
        m_tray = new TrayController(m_capture);
        connect(m_tray, &TrayController::openBrowserRequested, this, &GuiRunner::openBrowser);
        connect(m_tray, &TrayController::openSessionRequested, this, &GuiRunner::openSession);
        connect(m_tray, &TrayController::openSettingsRequested, this, &GuiRunner::openSettings);
        connect(m_tray, &TrayController::quitRequested, this, &GuiRunner::quit);
        connect(
            m_notifier, &TrayNotifier::message, m_tray->trayIcon(),
            [this](const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon) {
                m_tray->trayIcon()->showMessage(title, text, icon, 8000);
            });
        m_tray->show();
    } else {
        // Without a tray the window is the application, and says why.
        m_browser->setMainWindowMode(
            tr("No system tray is available, so this window is the application: closing it "
               "quits."));
        connect(m_notifier, &TrayNotifier::message, m_browser,
                [this](const QString& title, const QString& text) {
                    m_browser->statusBar()->showMessage(title + QStringLiteral(": ") + text, 10000);
                });
        m_browser->show();
    }
    connect(qApp, &QCoreApplication::aboutToQuit, m_capture, &CaptureController::shutdown);

    if (m_setup.config.enabled)
        m_capture->start();
    qCInfo(lcGui).noquote() << "capturing into" << m_setup.settings.activityDirectory
                            << (m_tray ? "(tray)" : "(window, no system tray)");
    return -1;
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
    m_capture->applySettings(m_setup.settings);
    m_notifier->setServer(m_capture->serverText());
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
