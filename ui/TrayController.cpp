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
#include <QPainter>
#include <QPolygonF>
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
    connect(m_menu.get(), &QMenu::aboutToShow, this, [this] {
        refreshAttention(); // the durations move
        Q_EMIT menuOpenChanged(true);
    });
    connect(m_menu.get(), &QMenu::aboutToHide, this, [this] {
        Q_EMIT menuOpenChanged(false);
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
    m_dnd = m_menu->addAction(QIcon::fromTheme(QStringLiteral("notifications-disabled")),
                              tr("Do Not Disturb"));
    m_dnd->setCheckable(true);
    connect(m_dnd, &QAction::toggled, this, &TrayController::doNotDisturbChanged);
    m_menu->addSeparator();
    QAction* quit =
        m_menu->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("Quit"));
    connect(quit, &QAction::triggered, this, &TrayController::quitRequested);

    m_menu->setToolTipsVisible(true); // a "Needs you" entry's tooltip has the whole reason
    m_tray->setContextMenu(m_menu.get());
    connect(m_tray.get(), &QSystemTrayIcon::activated, this, &TrayController::onActivated);
    connect(m_capture, &CaptureController::stateChanged, this, &TrayController::updateState);
    // As it happens, not batched: the mark is the point of the tray.
    connect(m_capture, &CaptureController::liveStateChanged, this,
            [this](const QString&, const LiveState& s) {
                if (s.needsAttention() || !m_attentionIds.isEmpty())
                    refreshAttention();
            });
    connect(m_tray.get(), &QSystemTrayIcon::messageClicked, this, [this] {
        if (!m_balloonSession.isEmpty())
            Q_EMIT openSessionRequested(m_balloonSession);
    });
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
    refreshAttention();
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
    // Those that need you come first: the reason to hover at all.
    const QString needs =
        m_attentionLines.isEmpty()
            ? QString()
            : tr("Needs you:\n%1\n\n").arg(m_attentionLines.join(QLatin1Char('\n')));
    const QString forwarding =
        m_forwarding.isEmpty() ? QString() : QLatin1Char('\n') + m_forwarding;
    return needs +
           tr("Event Aggregator — %1\nServer: %2\nLive sessions: %3\nEvents captured: %4")
               .arg(state, m_capture->serverText(), locale.toString(m_capture->liveSessionCount()),
                    locale.toString(m_capture->eventsCaptured())) +
           forwarding;
}

void TrayController::setForwardingSummary(const QString& line)
{
    m_forwarding = line;
    updateToolTip();
}

void TrayController::updateState()
{
    if (!m_capture)
        return;
    const Presentation p = present(m_capture->state());
    if (p.iconPath != m_iconPath) {
        m_iconPath = p.iconPath;
        m_tray->setIcon(m_attentionIds.isEmpty()
                            ? QIcon(p.iconPath)
                            : QIcon(iconPixmap(p.iconPath, int(m_attentionIds.size()))));
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
    m_balloonSession.clear();
    m_tray->showMessage(title, text, icon, 8000);
    Q_EMIT messageShown(title);
}

void TrayController::showSessionMessage(const QString& title, const QString& text,
                                        const QString& sessionId)
{
    if (m_menu->isVisible()) {
        m_heldMessage = [this, title, text, sessionId] {
            showSessionMessage(title, text, sessionId);
        };
        return;
    }
    m_balloonSession = sessionId;
    m_tray->showMessage(title, text, QSystemTrayIcon::Information, 8000);
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

QPixmap TrayController::iconPixmap(const QString& iconPath, int count, int size)
{
    QPixmap pixmap = QIcon(iconPath).pixmap(size, size);
    if (pixmap.isNull()) {
        pixmap = QPixmap(size, size);
        pixmap.fill(Qt::transparent);
    }
    if (count <= 0)
        return pixmap;
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    // A warning triangle over the lower right 60 %: readable at 16 px, unlike a dot of colour.
    const qreal s = size * 0.62;
    const QPointF origin(size - s, size - s);
    QPolygonF triangle;
    triangle << origin + QPointF(s / 2, 0) << origin + QPointF(s, s) << origin + QPointF(0, s);
    painter.setPen(QPen(Qt::black, std::max(1.0, size / 24.0)));
    painter.setBrush(QColor(0xff, 0x8c, 0x00));
    painter.drawPolygon(triangle);
    QFont font = painter.font();
    font.setBold(true);
    font.setPixelSize(int(s * 0.55));
    painter.setFont(font);
    painter.setPen(Qt::black);
    painter.drawText(QRectF(origin.x(), origin.y() + s * 0.28, s, s * 0.72), Qt::AlignCenter,
                     count > 9 ? QStringLiteral("9+") : QString::number(count));
    return pixmap;
}

void TrayController::refreshAttention()
{
    if (!m_capture)
        return;
    const QList<CaptureController::NeedsYou> needs = m_capture->needingAttention();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList ids;
    QStringList texts; // the menu's entries
    QStringList lines; // the tooltip's
    for (const CaptureController::NeedsYou& n : needs) {
        QString where = SessionListModel::projectName(n.workingDirectory);
        if (where.isEmpty())
            where = SessionListModel::shortId(n.sessionId);
        if (!n.gitBranch.isEmpty() && n.gitBranch != QLatin1String("Unknown"))
            where += QStringLiteral(" (%1)").arg(n.gitBranch);
        // What it waits for, short enough for a menu entry; the tooltip has the whole reason.
        const QString what =
            n.state.kind == LiveState::Kind::NeedsPermission
                ? (n.state.tool.isEmpty() ? tr("needs permission")
                                          : tr("permission to use %1").arg(n.state.tool))
                : (n.state.tool.isEmpty() ? tr("probably blocked")
                                          : tr("probably blocked in %1").arg(n.state.tool));
        const qint64 waited = n.state.since.isValid() ? n.state.since.msecsTo(now) : -1;
        const QString duration =
            waited >= 0 ? tr(" · %1").arg(SessionListModel::formatDuration(waited)) : QString();
        ids.append(n.sessionId);
        texts.append(tr("%1 — %2%3").arg(where, what, duration));
        lines.append(
            tr("%1 — %2%3").arg(where, n.state.reason.isEmpty() ? what : n.state.reason, duration));
    }
    m_attentionLines = lines;
    const bool countChanged = ids.size() != m_attentionIds.size();
    if (ids == m_attentionIds && m_attentionActions.size() == ids.size() + 2) {
        for (qsizetype i = 0; i < ids.size(); ++i) {
            m_attentionActions.at(i + 1)->setText(texts.at(i)); // only the durations move
            m_attentionActions.at(i + 1)->setToolTip(lines.at(i));
        }
    } else {
        for (QAction* a : std::as_const(m_attentionActions)) {
            m_menu->removeAction(a);
            a->deleteLater();
        }
        m_attentionActions.clear();
        m_attentionIds = ids;
        if (!ids.isEmpty()) {
            // Atop the menu, before the status line: what the menu is opened for.
            QAction* first = m_menu->actions().isEmpty() ? nullptr : m_menu->actions().first();
            auto* header = new QAction(tr("Needs you (%1)").arg(ids.size()), m_menu.get());
            header->setEnabled(false);
            QFont bold = header->font();
            bold.setBold(true);
            header->setFont(bold);
            m_attentionActions.append(header);
            for (qsizetype i = 0; i < ids.size(); ++i) {
                auto* a = new QAction(QIcon::fromTheme(QStringLiteral("dialog-warning")),
                                      texts.at(i), m_menu.get());
                a->setToolTip(lines.at(i));
                const QString id = ids.at(i);
                connect(a, &QAction::triggered, this,
                        [this, id] { Q_EMIT openSessionRequested(id); });
                m_attentionActions.append(a);
            }
            auto* separator = new QAction(m_menu.get());
            separator->setSeparator(true);
            m_attentionActions.append(separator);
            m_menu->insertActions(first, m_attentionActions);
        }
    }
    if (countChanged) {
        m_iconPath.clear(); // updateState() sets the icon again, with or without the mark
        updateState();
    }
    updateToolTip();
}

} // namespace ea

#include "moc_TrayController.cpp"
