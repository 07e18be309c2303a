#include "ui/TrayController.h"

#include "presentation/CaptureController.h"
#include "presentation/SessionListModel.h"

#include "presentation/TextFormat.h"

#include <QAction>
#include <QDesktopServices>
#include <QDir>
#include <QIcon>
#include <QLocale>
#include <QLoggingCategory>
#include <QMenu>
#include <QUrl>

namespace ea {

Q_LOGGING_CATEGORY(lcTray, "ea.ui.tray")

TrayController::Presentation TrayController::present(CaptureState state)
{
    switch (state) {
    case CaptureState::Capturing:
        return {QStringLiteral(":/icons/tray-capturing.svg"), tr("Capturing"), tr("Stop Capture"),
                true};
    case CaptureState::Connecting:
        return {QStringLiteral(":/icons/tray-connecting.svg"), tr("Connecting…"),
                tr("Stop Capture"), true};
    case CaptureState::Reconnecting:
        return {QStringLiteral(":/icons/tray-connecting.svg"), tr("Connection lost, reconnecting…"),
                tr("Stop Capture"), true};
    case CaptureState::Stopped:
        return {QStringLiteral(":/icons/tray-stopped.svg"), tr("Stopped"), tr("Start Capture"),
                false};
    case CaptureState::Error:
        return {QStringLiteral(":/icons/tray-error.svg"), tr("Error"), QString(), false};
    }
    return {};
}

TrayController::TrayController(CaptureController* capture, QObject* parent)
    : QObject(parent), m_capture(capture), m_tray(std::make_unique<QSystemTrayIcon>()),
      m_menu(std::make_unique<QMenu>())
{
    // What the icon says, in words, where the menu opens.
    m_status = m_menu->addAction(QString());
    m_status->setEnabled(false);
    m_menu->addSeparator();
    connect(m_menu.get(), &QMenu::aboutToShow, this, &TrayController::updateStatusLine);
    connect(m_menu.get(), &QMenu::aboutToHide, this, [this] {
        if (m_heldMessage)
            QTimer::singleShot(0, this, std::exchange(m_heldMessage, {}));
    });
    m_toggle = m_menu->addAction(QString());
    connect(m_toggle, &QAction::triggered, m_capture, &CaptureController::toggle);
    m_liveMenu = m_menu->addMenu(tr("Live Sessions"));
    connect(m_liveMenu, &QMenu::aboutToShow, this, &TrayController::refreshLiveMenu);
    m_menu->addSeparator();
    QAction* browser = m_menu->addAction(QIcon::fromTheme(QStringLiteral("view-list-details")),
                                         tr("Open Session Browser"));
    connect(browser, &QAction::triggered, this, &TrayController::openBrowserRequested);
    QAction* folder = m_menu->addAction(QIcon::fromTheme(QStringLiteral("folder-open")),
                                        tr("Open Activity Folder"));
    connect(folder, &QAction::triggered, this, &TrayController::openActivityFolder);
    QAction* settings =
        m_menu->addAction(QIcon::fromTheme(QStringLiteral("configure")), tr("Settings…"));
    connect(settings, &QAction::triggered, this, &TrayController::openSettingsRequested);
    m_menu->addSeparator();
    QAction* quit =
        m_menu->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("Quit"));
    connect(quit, &QAction::triggered, this, &TrayController::quitRequested);

    m_tray->setContextMenu(m_menu.get());
    connect(m_tray.get(), &QSystemTrayIcon::activated, this, &TrayController::onActivated);
    connect(m_capture, &CaptureController::stateChanged, this, &TrayController::updateState);
    // The counts in the tooltip move with every event; once a second is plenty for a hover.
    m_tooltipTimer.setInterval(1000);
    connect(&m_tooltipTimer, &QTimer::timeout, this, &TrayController::updateToolTip);
    // An open menu keeps its counts current.
    connect(&m_tooltipTimer, &QTimer::timeout, this, [this] {
        if (m_menu->isVisible())
            updateStatusLine();
        if (m_liveMenu->isVisible())
            refreshLiveMenu();
    });
    m_tooltipTimer.start();
    updateState();
    refreshLiveMenu();
}

TrayController::~TrayController()
{
    // The menu must outlive the icon that points at it.
    m_tray.reset();
}

void TrayController::show()
{
    m_tray->show();
}

QString TrayController::toolTip() const
{
    if (!m_capture)
        return {};
    const Presentation p = present(m_capture->state());
    QString state = p.stateText;
    if (m_capture->state() == CaptureState::Error && !m_capture->errorText().isEmpty())
        state += QStringLiteral(": ") + m_capture->errorText();
    if (const QString problem = m_capture->connectionProblem(); !problem.isEmpty())
        state += QLatin1Char('\n') + problem;
    const QLocale locale;
    return tr("Event Aggregator — %1\nServer: %2\nLive sessions: %3\nEvents captured: %4")
        .arg(state, m_capture->serverText(), locale.toString(m_capture->liveSessionCount()),
             locale.toString(m_capture->eventsCaptured()));
}

void TrayController::updateState()
{
    if (!m_capture)
        return;
    const Presentation p = present(m_capture->state());
    if (p.iconPath != m_iconPath) {
        m_iconPath = p.iconPath;
        m_tray->setIcon(QIcon(p.iconPath));
    }
    // In the error state the action offers what the user can do next.
    m_toggle->setText(p.toggleText.isEmpty()
                          ? (m_capture->isCapturing() ? tr("Stop Capture") : tr("Start Capture"))
                          : p.toggleText);
    m_toggle->setIcon(QIcon::fromTheme(m_capture->isCapturing()
                                           ? QStringLiteral("media-playback-stop")
                                           : QStringLiteral("media-playback-start")));
    updateToolTip();
    updateStatusLine();
}

QString TrayController::statusLine() const
{
    if (!m_capture)
        return {};
    const QString problem = m_capture->connectionProblem();
    if (!problem.isEmpty())
        return problem;
    const Presentation p = present(m_capture->state());
    if (m_capture->state() == CaptureState::Error && !m_capture->errorText().isEmpty())
        return p.stateText + QStringLiteral(": ") + m_capture->errorText();
    if (!m_capture->isCapturing())
        return p.stateText;
    return tr("%1 · %2 · %3")
        .arg(p.stateText,
             TextFormat::count(m_capture->liveSessionCount(), tr("live session"),
                               tr("live sessions")),
             TextFormat::count(qint64(m_capture->eventsCaptured()), tr("event"), tr("events")));
}

void TrayController::updateStatusLine()
{
    QString text = statusLine();
    // A menu entry is one line; the whole text stays in its tooltip.
    m_status->setToolTip(text);
    if (text.size() > 70)
        text = text.left(69) + QStringLiteral("…");
    m_status->setText(text);
}

void TrayController::updateToolTip()
{
    const QString tip = toolTip();
    if (m_tray->toolTip() != tip)
        m_tray->setToolTip(tip);
}

void TrayController::refreshLiveMenu()
{
    // Most recent activity first: the session you are looking for is usually the busy one.
    // A menu of 43 sessions covers the screen: the most recent ones, then the browser.
    const QList<LiveSessionSnapshot> sessions = m_capture->liveSessions(MaxLiveMenuEntries);
    const qsizetype total = std::max<qsizetype>(m_capture->liveSessionCount(), sessions.size());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList ids;
    QStringList texts;
    QStringList directories;
    for (const LiveSessionSnapshot& live : sessions) {
        const SessionSummary& s = live.summary;
        const qint64 elapsed = s.startTime.isValid() ? s.startTime.msecsTo(now) : -1;
        QString project = SessionListModel::projectName(s.workingDirectory);
        if (project.isEmpty())
            project = tr("(no project)");
        ids.append(s.sessionId);
        directories.append(s.workingDirectory);
        texts.append(tr("%1  %2 · %3 · %4")
                         .arg(SessionListModel::shortId(s.sessionId), project,
                              TextFormat::count(s.totalEvents, tr("event"), tr("events")),
                              SessionListModel::formatDuration(elapsed)));
    }
    m_liveMenu->setTitle(total == 0 ? tr("Live Sessions") : tr("Live Sessions (%1)").arg(total));
    const QList<QAction*> actions = m_liveMenu->actions();
    if (ids == m_liveMenuIds && total == m_liveMenuTotal && actions.size() >= ids.size()) {
        // The same sessions: only their counts move (the open menu does not jump).
        for (qsizetype i = 0; i < ids.size(); ++i)
            actions.at(i)->setText(texts.at(i));
        return;
    }
    m_liveMenuIds = ids;
    m_liveMenuTotal = total;
    m_liveMenu->clear();
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const QString id = ids.at(i);
        QAction* a = m_liveMenu->addAction(texts.at(i));
        a->setToolTip(directories.at(i));
        connect(a, &QAction::triggered, this, [this, id] { Q_EMIT openSessionRequested(id); });
    }
    if (total > ids.size()) {
        m_liveMenu->addSeparator();
        connect(m_liveMenu->addAction(tr("Show All %1 in the Session Browser…").arg(total)),
                &QAction::triggered, this, &TrayController::openBrowserRequested);
    }
    if (ids.isEmpty())
        m_liveMenu->addAction(tr("No live sessions"))->setEnabled(false);
}

void TrayController::showMessage(const QString& title, const QString& text,
                                 QSystemTrayIcon::MessageIcon icon)
{
    if (m_menu->isVisible()) {
        m_heldMessage = [this, title, text, icon] { showMessage(title, text, icon); };
        return;
    }
    m_tray->showMessage(title, text, icon, 8000);
    Q_EMIT messageShown(title);
}

void TrayController::onActivated(QSystemTrayIcon::ActivationReason reason)
{
    if (reason == QSystemTrayIcon::Trigger)
        m_capture->toggle();
    else if (reason == QSystemTrayIcon::MiddleClick)
        Q_EMIT openBrowserRequested();
}

void TrayController::openActivityFolder()
{
    const QString dir = m_capture->settings().activityDirectory;
    QDir().mkpath(dir);
    if (QDesktopServices::openUrl(QUrl::fromLocalFile(dir)))
        return;
    // Asked for from the menu: a silent failure would look like a click that did nothing.
    const QString text = tr("No file manager could open %1").arg(dir);
    qCWarning(lcTray).noquote() << text;
    showMessage(tr("Cannot open the activity folder"), text, QSystemTrayIcon::Warning);
    Q_EMIT folderOpenFailed(text);
}

} // namespace ea
