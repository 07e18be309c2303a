#include "ui/SessionBrowserWindow.h"

#include "export/SessionExporter.h"
#include "presentation/CaptureController.h"
#include "presentation/IndexedSessionListModel.h"
#include "presentation/LiveSessionFeed.h"
#include "presentation/LiveSessionMatcher.h"
#include "presentation/QueryAssist.h"
#include "presentation/SessionIndexClient.h"
#include "presentation/SessionListModel.h"
#include "ui/SessionDetailView.h"
#include "ui/SessionExportJob.h"
#include "ui/StatisticsView.h"
#include "ui/TrayController.h"

#include "presentation/TextFormat.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QCompleter>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QIcon>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QLoggingCategory>
#include <QMenu>
#include <QMessageBox>
#include <QPalette>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStringListModel>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace ea {

Q_LOGGING_CATEGORY(lcBrowser, "ea.ui.browser")

namespace {
constexpr int kSearchDelayMs = 150;
constexpr int kRefreshDelayMs = 1000;
constexpr int kLiveDetailMs = 2000;
// Bigger live sessions are not rebuilt every few seconds: toJson() costs time per event.
constexpr int kLiveDetailMaxEvents = 5000;
} // namespace

SessionBrowserWindow::SessionBrowserWindow(CaptureController* capture, LiveSessionFeed* feed,
                                           QWidget* parent)
    : QMainWindow(parent), m_capture(capture), m_feed(feed)
{
    // The application display name ("Event Aggregator") is appended by Qt.
    setWindowTitle(tr("Sessions"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/event-aggregator.svg")));
    m_client = new SessionIndexClient(this);
    if (m_capture)
        m_client->setActivityDirectory(m_capture->settings().activityDirectory);
    m_model = new IndexedSessionListModel(m_client, this);
    m_assist = new QueryAssist();

    buildActions();
    buildLayout();

    m_searchDelay.setSingleShot(true);
    m_searchDelay.setInterval(kSearchDelayMs);
    connect(&m_searchDelay, &QTimer::timeout, this, &SessionBrowserWindow::runSearch);
    m_refreshDelay.setSingleShot(true);
    m_refreshDelay.setInterval(kRefreshDelayMs);
    connect(&m_refreshDelay, &QTimer::timeout, this, &SessionBrowserWindow::refreshSaved);
    m_liveDetailTimer.setInterval(kLiveDetailMs);
    connect(&m_liveDetailTimer, &QTimer::timeout, this, &SessionBrowserWindow::refreshLiveDetail);

    connect(m_model, &IndexedSessionListModel::counted, this, [this] {
        updateStatus();
        reselect();
    });
    connect(m_model, &IndexedSessionListModel::rowsLoaded, this, [this](int first, int last) {
        reselect();
        updateStatus();
        // The current row's page has come: its details can be read now.
        const int row = m_table->currentIndex().row();
        if (row >= first && row <= last && m_loadingId != m_model->sessionIdAt(row))
            onCurrentChanged();
    });
    connect(m_model, &IndexedSessionListModel::queryFailed, this, [this](const QString& error) {
        m_indexLabel->setText(error);
        m_indexLabel->setToolTip(error);
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, &SessionBrowserWindow::updateStatus);
    connect(m_client, &SessionIndexClient::statisticsReady, this,
            [this](SessionIndexClient::Ticket ticket, const SessionStatistics& stats) {
                if (ticket != m_statsTicket)
                    return;
                m_statsTicket = 0;
                m_stats->setStatistics(stats);
            });
    connect(m_client, &SessionIndexClient::completionsReady, this,
            [this](SessionIndexClient::Ticket ticket, const QStringList& projects,
                   const QStringList& agents, const QStringList& tools) {
                if (ticket != m_completionTicket)
                    return;
                m_assist->setValues(QStringLiteral("project"), projects);
                m_assist->setValues(QStringLiteral("agent"), agents);
                m_assist->setValues(QStringLiteral("tool"), tools);
            });
    connect(m_client, &SessionIndexClient::failed, this,
            [this](SessionIndexClient::Ticket ticket, const QString& error) {
                if (ticket == m_statsTicket) {
                    m_statsTicket = 0;
                    m_stats->showMessage(tr("No statistics: %1").arg(error));
                }
            });
    connect(&m_loader, &QFutureWatcherBase::finished, this, [this] {
        const DetailLoad load = m_loader.result();
        if (load.sessionId != m_loadingId)
            return; // the user has moved on
        if (load.error.isEmpty())
            m_detail->setDocument(load.document);
        else
            m_detail->showMessage(tr("Cannot read this session: %1").arg(load.error));
    });

    if (m_feed) {
        connect(m_feed, &LiveSessionFeed::sessionsUpdated, m_model,
                &IndexedSessionListModel::applyLive);
        connect(m_feed, &LiveSessionFeed::sessionsUpdated, this,
                [this](const QList<LiveSessionSnapshot>& batch) {
                    for (const LiveSessionSnapshot& s : batch) {
                        if (!s.live) {
                            scheduleRefresh(); // it is being saved: pick the file up
                            break;
                        }
                    }
                    updateStatus();
                });
        m_model->applyLive(m_feed->snapshotAll());
        // Live sessions change their figures as they go: the charts are computed again when
        // next shown.
        connect(m_feed, &LiveSessionFeed::sessionsUpdated, this, [this] { m_statsStale = true; });
    }
    if (m_capture) {
        // The State column reads the capture's live states, also of sessions whose turn ended
        // (saved, no longer live, yet waiting for you); rows change as the states do.
        m_model->setStateLookup([this](const QString& id) { return m_capture->liveState(id); });
        connect(m_capture, &CaptureController::liveStateChanged, this,
                [this](const QString& id) { m_model->stateChanged(id); });
        connect(m_capture, &CaptureController::stateChanged, this,
                &SessionBrowserWindow::onCaptureState);
        // Why the dashboard is unreachable, with a countdown that moves every second.
        m_problemTimer.setInterval(1000);
        connect(&m_problemTimer, &QTimer::timeout, this,
                [this] { onCaptureState(m_capture->state()); });
        connect(m_capture, &CaptureController::connectionProblemChanged, this,
                [this] { onCaptureState(m_capture->state()); });
        // New settings bring a new store (possibly another directory): list it again.
        connect(m_capture, &CaptureController::savedSessionsChanged, this, [this] {
            m_client->setActivityDirectory(m_capture->settings().activityDirectory);
            m_listingStale = true;
            if (isVisible())
                scheduleRefresh();
        });
        connect(m_capture, &CaptureController::sessionRemoved, this,
                &SessionBrowserWindow::scheduleRefresh);
        connect(m_capture, &CaptureController::sessionIndexed, this,
                &SessionBrowserWindow::scheduleRefresh);
        connect(m_capture, &CaptureController::indexProgress, this, [this](int done, int total) {
            m_indexLabel->setText(
                done < total ? tr("Building the session database: %1 of %2…")
                                   .arg(QLocale().toString(done), QLocale().toString(total))
                             : QString());
        });
        m_listingStale = true;
        onCaptureState(m_capture->state());
    }
    // After a delete the row that moved under the cursor is selected, as after a search.
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (m_table->hasFocus())
            QTimer::singleShot(0, this, &SessionBrowserWindow::selectCurrentRow);
    });
    restoreWindowState();
    updateStatus();
}

SessionBrowserWindow::~SessionBrowserWindow()
{
    m_loader.waitForFinished();
    delete m_assist;
}

void SessionBrowserWindow::buildActions()
{
    m_toggleCapture = new QAction(this);
    connect(m_toggleCapture, &QAction::triggered, this, [this] {
        if (m_capture)
            m_capture->toggle();
    });

    m_exportAction =
        new QAction(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("Export…"), this);
    m_exportAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    m_exportAction->setToolTip(tr("Export the selected sessions as JSON, JSON Lines or CSV"));
    connect(m_exportAction, &QAction::triggered, this, &SessionBrowserWindow::exportInteractive);

    m_deleteAction =
        new QAction(QIcon::fromTheme(QStringLiteral("edit-delete")), tr("Delete…"), this);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_deleteAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_deleteAction->setToolTip(tr("Delete the selected saved sessions"));
    connect(m_deleteAction, &QAction::triggered, this, &SessionBrowserWindow::deleteSelected);

    m_showFileAction = new QAction(QIcon::fromTheme(QStringLiteral("folder-open")),
                                   tr("Show in File Manager"), this);
    connect(m_showFileAction, &QAction::triggered, this, &SessionBrowserWindow::showInFileManager);

    m_pinAction = new QAction(SessionListModel::pinIcon(), tr("Pin"), this);
    m_pinAction->setToolTip(tr("Keep the selected sessions: no cleanup removes a pinned session"));
    connect(m_pinAction, &QAction::triggered, this, [this] { pinSelected(true); });
    m_unpinAction = new QAction(tr("Unpin"), this);
    m_unpinAction->setToolTip(tr("Let cleanups remove the selected sessions again"));
    connect(m_unpinAction, &QAction::triggered, this, [this] { pinSelected(false); });
    m_cleanupAction =
        new QAction(QIcon::fromTheme(QStringLiteral("edit-clear")), tr("Clean Up…"), this);
    m_cleanupAction->setToolTip(tr("Show what a cleanup would remove now, and why"));
    connect(m_cleanupAction, &QAction::triggered, this, &SessionBrowserWindow::previewCleanup);

    auto* find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });
    addAction(find);
    auto* refresh = new QAction(this);
    refresh->setShortcut(QKeySequence::Refresh);
    connect(refresh, &QAction::triggered, this, &SessionBrowserWindow::refreshSaved);
    addAction(refresh);
    auto* close = new QAction(this);
    close->setShortcut(QKeySequence::Close);
    connect(close, &QAction::triggered, this, &QWidget::close);
    addAction(close);
}

void SessionBrowserWindow::buildLayout()
{
    auto* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_toggleCapture);
    bar->addSeparator();
    m_search = new QLineEdit(bar);
    m_search->setPlaceholderText(
        tr("Search (Ctrl+F): words, project:api tool:Bash file:auth.py failed since:7d …"));
    m_search->setToolTip(
        tr("Free text searches prompts, responses, tool inputs and outputs, files, commands "
           "and agents. Narrow with project: branch: agent: tool: file: status: since: until: "
           "failed pinned tokens>N — the syntax of event-aggregator sessions --where."));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(400);
    m_search->addAction(QIcon::fromTheme(QStringLiteral("edit-find")), QLineEdit::LeadingPosition);
    m_search->installEventFilter(this);
    bar->addWidget(m_search);
    // Says where a query does not parse, next to it; the list keeps the last good query's rows.
    m_searchError = new QLabel(bar);
    QPalette errorPalette = m_searchError->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc6, 0x28, 0x28));
    m_searchError->setPalette(errorPalette);
    m_searchError->hide();
    bar->addWidget(m_searchError);
    m_completions = new QStringListModel(this);
    m_completer = new QCompleter(m_completions, this);
    m_completer->setWidget(m_search);
    m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    connect(m_completer, qOverload<const QString&>(&QCompleter::activated), this,
            [this](const QString& completion) {
                int cursor = 0;
                const QString text = QueryAssist::apply(
                    m_search->text(), m_search->cursorPosition(), completion, &cursor);
                m_search->setText(text);
                m_search->setCursorPosition(cursor);
                // A field name wants its value: offer the known ones at once.
                if (completion.endsWith(QLatin1Char(':')))
                    QTimer::singleShot(0, this, &SessionBrowserWindow::updateCompletions);
            });
    connect(m_search, &QLineEdit::textEdited, this, &SessionBrowserWindow::updateCompletions);
    m_needsAttention = new QCheckBox(tr("Needs &attention"), bar);
    m_needsAttention->setToolTip(
        tr("Show only sessions that need you now: asking for permission, or probably blocked"));
    bar->addWidget(m_needsAttention);
    connect(m_needsAttention, &QCheckBox::toggled, m_model,
            &IndexedSessionListModel::setNeedsAttentionOnly);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    auto* spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addAction(m_exportAction);
    bar->addAction(m_showFileAction);
    bar->addAction(m_deleteAction);
    bar->addAction(m_cleanupAction);
    auto* settings = bar->addAction(QIcon::fromTheme(QStringLiteral("configure")), tr("Settings…"));
    connect(settings, &QAction::triggered, this, &SessionBrowserWindow::settingsRequested);

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    // Sorted in SQL: a click on a header reads the rows again in that order.
    m_table->horizontalHeader()->setSortIndicator(SessionListModel::StartColumn,
                                                  Qt::DescendingOrder);
    m_table->setSortingEnabled(true);
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, [this] {
        // The table has asked the model to sort; a column the database cannot order by is
        // refused, and the indicator goes back to the order the rows have.
        QHeaderView* header = m_table->horizontalHeader();
        header->setSortIndicatorShown(true);
        if (header->sortIndicatorSection() != m_model->sortColumn() ||
            header->sortIndicatorOrder() != m_model->sortOrder()) {
            const QSignalBlocker block(header);
            header->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
            statusBar()->showMessage(tr("The list cannot be sorted by that column"), 4000);
        }
    });
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // Tab moves between the window's parts; the arrows move within the table.
    m_table->setTabKeyNavigation(false);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    QHeaderView* h = m_table->horizontalHeader();
    h->setHighlightSections(false);
    h->setStretchLastSection(false);
    h->setSectionResizeMode(SessionListModel::ProjectColumn, QHeaderView::Stretch);
    h->resizeSection(SessionListModel::SessionColumn, 90);
    h->resizeSection(SessionListModel::BranchColumn, 130);
    h->resizeSection(SessionListModel::StartColumn, 140);
    for (int c : {SessionListModel::DurationColumn, SessionListModel::EventsColumn,
                  SessionListModel::ToolsColumn, SessionListModel::DelegationsColumn,
                  SessionListModel::FailuresColumn})
        h->resizeSection(c, 86);
    h->resizeSection(SessionListModel::StatusColumn, 100);
    // Wide enough for the longest state with its icon ("Needs permission", "Probably blocked").
    h->resizeSection(SessionListModel::StateColumn,
                     m_table->fontMetrics().horizontalAdvance(QStringLiteral("Needs permission")) +
                         48);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->installEventFilter(this);
    m_table->addAction(m_deleteAction);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QMenu menu(this);
        menu.addAction(tr("Show Details"), this, [this] { showDetails(true); });
        menu.addAction(tr("Copy Session ID"), this, &SessionBrowserWindow::copySessionId);
        menu.addSeparator();
        menu.addAction(m_exportAction);
        menu.addAction(m_showFileAction);
        menu.addSeparator();
        menu.addAction(m_pinAction);
        menu.addAction(m_unpinAction);
        menu.addSeparator();
        menu.addAction(m_deleteAction);
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SessionBrowserWindow::onCurrentChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SessionBrowserWindow::updateStatus);
    connect(m_table, &QAbstractItemView::doubleClicked, this, [this] { showDetails(true); });

    m_detail = new SessionDetailView(this);
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setChildrenCollapsible(true);
    m_stats = new StatisticsView(this);
    connect(m_stats, &StatisticsView::groupChosen, this,
            [this](SessionStatistics::Grouping grouping, const QString& key) {
                openGroup(int(grouping), key);
            });
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_splitter, tr("&Sessions"));
    m_tabs->addTab(m_stats, tr("S&tatistics"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_stats && m_statsStale)
            requestStatistics();
    });
    setCentralWidget(m_tabs);

    // Said in the empty list itself, where the user looks first.
    m_emptyNote = new QLabel(m_table->viewport());
    m_emptyNote->setAlignment(Qt::AlignCenter);
    m_emptyNote->setWordWrap(true);
    m_emptyNote->setEnabled(false);
    m_table->viewport()->installEventFilter(this);

    m_countLabel = new QLabel(this);
    m_indexLabel = new QLabel(this);
    m_stateLabel = new QLabel(this);
    statusBar()->addWidget(m_countLabel);
    statusBar()->addWidget(m_indexLabel);
    statusBar()->addPermanentWidget(m_stateLabel);
}

void SessionBrowserWindow::setMainWindowMode(const QString& reason)
{
    m_mainWindowMode = !reason.isEmpty();
    // A lasting note rather than a status message: temporary messages hide the counts.
    if (!m_modeNote) {
        m_modeNote = new QLabel(this);
        statusBar()->addWidget(m_modeNote, 1);
    }
    m_modeNote->setText(reason);
    m_modeNote->setToolTip(reason);
    m_modeNote->setVisible(m_mainWindowMode);
}

void SessionBrowserWindow::bringForward()
{
    if (isMinimized())
        showNormal();
    show();
    raise();
    activateWindow();
}

void SessionBrowserWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    // The listing is only kept current while someone looks at it.
    if (m_listingStale)
        refreshSaved();
}

void SessionBrowserWindow::closeEvent(QCloseEvent* event)
{
    saveWindowState();
    if (m_export)
        m_export->cancel();
    event->accept();
    if (m_mainWindowMode)
        Q_EMIT quitRequested();
}

void SessionBrowserWindow::selectCurrentRow()
{
    // A focused row that is not selected leaves Export and Delete disabled and makes Down
    // skip it: the row under the cursor is the selection.
    if (m_table->selectionModel()->hasSelection() || m_model->rowCount() == 0)
        return;
    QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        current = m_model->index(0, 0);
    m_table->selectionModel()->setCurrentIndex(current, QItemSelectionModel::ClearAndSelect |
                                                            QItemSelectionModel::Rows);
}

void SessionBrowserWindow::updateEmptyNote()
{
    if (!m_emptyNote)
        return;
    // While the first count is read the list is not known to be empty.
    const bool empty = m_model->rowCount() == 0 && !m_model->isCounting();
    m_emptyNote->setVisible(empty);
    if (!empty)
        return;
    if (!m_appliedQuery.isEmpty() || m_model->needsAttentionOnly()) {
        m_emptyNote->setText(m_model->needsAttentionOnly() && m_appliedQuery.isEmpty()
                                 ? tr("No session needs you now.")
                                 : tr("No session matches %1.").arg(m_appliedQuery));
        return;
    }
    const QString problem = m_capture ? m_capture->connectionProblem() : QString();
    const bool capturing = m_capture && m_capture->isCapturing();
    m_emptyNote->setText(
        !problem.isEmpty() ? tr("No sessions yet.\n\n%1").arg(problem)
        : capturing
            ? tr("No sessions yet. They appear here as soon as Claude starts working (capturing "
                 "from %1).")
                  .arg(m_capture->serverText())
            : tr("No sessions yet. Start capture to record Claude's sessions."));
}

bool SessionBrowserWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (m_emptyNote && watched == m_table->viewport() && event->type() == QEvent::Resize)
        m_emptyNote->setGeometry(m_table->viewport()->rect().adjusted(24, 24, -24, -24));
    if (event->type() != QEvent::KeyPress)
        return QMainWindow::eventFilter(watched, event);
    const auto* key = static_cast<QKeyEvent*>(event);
    const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
    if (watched == m_table && enter) {
        showDetails(true);
        return true;
    }
    if (watched == m_search && enter) {
        applySearchNow();
        m_table->setFocus();
        selectCurrentRow();
        return true;
    }
    if (watched == m_search && key->key() == Qt::Key_Down) {
        m_table->setFocus();
        return true;
    }
    if (watched == m_search && key->key() == Qt::Key_Escape && !m_search->text().isEmpty()) {
        m_search->clear();
        applySearchNow();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

void SessionBrowserWindow::scheduleRefresh()
{
    m_listingStale = true;
    m_statsStale = true;
    if (isVisible() && !m_refreshDelay.isActive())
        m_refreshDelay.start();
}

void SessionBrowserWindow::refreshSaved()
{
    m_refreshDelay.stop();
    m_listingStale = false;
    const QModelIndex current = m_table->currentIndex();
    if (current.isValid())
        m_wantedSession = m_model->sessionIdAt(current.row());
    m_model->refresh();
    if (m_tabs->currentWidget() == m_stats)
        requestStatistics();
    // New projects, agents and tools to complete.
    m_completionTicket = m_client->requestCompletions();
}

void SessionBrowserWindow::reselect()
{
    // Rows moved (a new session on top, another order): the session the user had chosen
    // stays chosen once its row is known again.
    if (m_wantedSession.isEmpty())
        return;
    const QModelIndex current = m_table->currentIndex();
    if (current.isValid() && m_model->sessionIdAt(current.row()) == m_wantedSession) {
        m_wantedSession.clear();
        return;
    }
    const int row = m_model->rowOf(m_wantedSession);
    if (row < 0)
        return; // not read yet; a later page may have it
    m_wantedSession.clear();
    const QModelIndex i = m_model->index(row, 0);
    m_table->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect |
                                                      QItemSelectionModel::Rows);
    m_table->scrollTo(i);
}

void SessionBrowserWindow::applySearchNow()
{
    m_searchDelay.stop();
    runSearch();
}

void SessionBrowserWindow::runSearch()
{
    const QString query = m_search->text().trimmed();
    const SessionIndexClient::Check check = SessionIndexClient::check(query);
    if (!check.ok) {
        // Said where it is wrong; the rows of the last query that parsed stay.
        const QString text = check.position >= 0
                                 ? tr("At %1: %2").arg(check.position + 1).arg(check.message)
                                 : check.message;
        m_searchError->setText(text);
        m_searchError->setToolTip(
            tr("%1\n%2\n%3^")
                .arg(text, query, QString(std::max(0, check.position), QLatin1Char(' '))));
        m_searchError->show();
        m_search->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #c62828; }"));
        return;
    }
    m_searchError->hide();
    m_search->setStyleSheet(QString());
    if (query == m_appliedQuery && !m_model->isCounting() && m_model->query() == query)
        return;
    QElapsedTimer t;
    t.start();
    const QModelIndex current = m_table->currentIndex();
    if (current.isValid())
        m_wantedSession = m_model->sessionIdAt(current.row());
    m_appliedQuery = query;
    m_model->setLiveFilter(query.isEmpty()
                               ? std::function<bool(const LiveSessionSnapshot&)>()
                               : [matcher = LiveSessionMatcher(query)](
                                     const LiveSessionSnapshot& s) { return matcher.matches(s); });
    // Free text ranks the hits, best first, until a column header is clicked.
    m_model->setQuery(query, check.hasText);
    m_table->horizontalHeader()->setSortIndicatorShown(!check.hasText);
    m_detail->setHighlight(check.words);
    m_statsStale = true;
    if (m_tabs->currentWidget() == m_stats)
        requestStatistics();
    qCDebug(lcBrowser) << "search" << query << "queued in" << t.elapsed() << "ms";
    updateStatus();
}

void SessionBrowserWindow::updateCompletions()
{
    const QStringList candidates =
        m_assist->candidates(m_search->text(), m_search->cursorPosition());
    if (candidates.isEmpty()) {
        m_completer->popup()->hide();
        return;
    }
    m_completions->setStringList(candidates);
    m_completer->setCompletionPrefix(QString());
    m_completer->complete();
}

void SessionBrowserWindow::requestStatistics()
{
    m_statsStale = false;
    m_stats->showMessage(tr("Computing statistics…"));
    m_statsTicket = m_client->requestStatistics(m_appliedQuery);
}

void SessionBrowserWindow::showStatistics()
{
    m_tabs->setCurrentWidget(m_stats);
    if (m_statsStale)
        requestStatistics();
}

void SessionBrowserWindow::openGroup(int grouping, const QString& key)
{
    QString term;
    switch (SessionStatistics::Grouping(grouping)) {
    case SessionStatistics::Grouping::Day:
        term = QStringLiteral("since:%1 until:%1").arg(key);
        break;
    case SessionStatistics::Grouping::Tool:
        term = QueryAssist::term(QStringLiteral("tool"), key);
        break;
    case SessionStatistics::Grouping::Agent:
        term = QueryAssist::term(QStringLiteral("agent"), key);
        break;
    case SessionStatistics::Grouping::File:
        term = QueryAssist::term(QStringLiteral("file"), key);
        break;
    }
    // The charts were drawn for the current query: the group narrows it further.
    const QString query =
        m_appliedQuery.isEmpty() ? term : m_appliedQuery + QLatin1Char(' ') + term;
    m_search->setText(query);
    applySearchNow();
    m_tabs->setCurrentWidget(m_splitter);
}

void SessionBrowserWindow::updateStatus()
{
    const QLocale locale;
    const int live = m_model->liveCount();
    QString text;
    if (m_model->isCounting()) {
        text = tr("Reading sessions…");
    } else {
        text = TextFormat::count(m_model->savedCount(), tr("saved session"), tr("saved sessions"));
        if (!m_appliedQuery.isEmpty())
            text = tr("%1 match").arg(text);
    }
    if (live > 0)
        text += tr(", %1 live").arg(live);
    const QList<int> rows = selectedSourceRows();
    const int selected = int(rows.size());
    if (selected > 1)
        text += tr(" · %1 selected").arg(selected);
    m_countLabel->setText(text);
    updateEmptyNote();
    bool anySaved = false, anyPinned = false, anyUnpinned = false;
    for (int row : rows) {
        if (m_model->isLive(row) || m_model->summaryAt(row).filePath.isEmpty())
            continue;
        anySaved = true;
        (m_model->isPinned(row) ? anyPinned : anyUnpinned) = true;
    }
    m_deleteAction->setEnabled(anySaved);
    m_pinAction->setEnabled(anyUnpinned);
    m_unpinAction->setEnabled(anyPinned);
    m_exportAction->setEnabled(selected > 0);
    m_showFileAction->setEnabled(selected == 1 &&
                                 !m_model->summaryAt(rows.first()).filePath.isEmpty());
}

void SessionBrowserWindow::onCaptureState(CaptureState state)
{
    const TrayController::Presentation p = TrayController::present(state);
    QString text = p.stateText;
    if (state == CaptureState::Error && m_capture && !m_capture->errorText().isEmpty())
        text += QStringLiteral(": ") + m_capture->errorText();
    const QString problem = m_capture ? m_capture->connectionProblem() : QString();
    if (!problem.isEmpty())
        text += QStringLiteral(" — ") + problem;
    else if (m_capture && state != CaptureState::Stopped && state != CaptureState::Error)
        text += tr(" · %1").arg(m_capture->serverText());
    m_stateLabel->setText(text);
    m_stateLabel->setToolTip(text);
    // While connecting the reason and its countdown move every second.
    const bool connecting =
        state == CaptureState::Connecting || state == CaptureState::Reconnecting;
    if (!connecting)
        m_problemTimer.stop();
    else if (!m_problemTimer.isActive())
        m_problemTimer.start();
    updateEmptyNote();
    const bool capturing = m_capture && m_capture->isCapturing();
    m_toggleCapture->setText(capturing ? tr("Stop Capture") : tr("Start Capture"));
    m_toggleCapture->setIcon(QIcon(p.iconPath));
}

QList<int> SessionBrowserWindow::selectedSourceRows() const
{
    QList<int> rows;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
        rows.append(i.row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

QStringList SessionBrowserWindow::selectedSessionIds() const
{
    QStringList ids;
    for (int row : selectedSourceRows()) {
        const QString id = m_model->sessionIdAt(row);
        if (!id.isEmpty())
            ids.append(id);
    }
    return ids;
}

bool SessionBrowserWindow::selectSession(const QString& sessionId)
{
    int row = m_model->rowOf(sessionId);
    if (row < 0 && (!m_appliedQuery.isEmpty() || m_model->needsAttentionOnly())) {
        // Hidden by the filter: clear it rather than fail to show what was asked for.
        m_needsAttention->setChecked(false);
        m_search->clear();
        applySearchNow();
        row = m_model->rowOf(sessionId);
    }
    if (row < 0) {
        // A saved session whose page is not read yet: chosen when it is.
        m_wantedSession = sessionId;
        return false;
    }
    const QModelIndex i = m_model->index(row, 0);
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    m_tabs->setCurrentWidget(m_splitter);
    showDetails(false);
    return true;
}

void SessionBrowserWindow::onCurrentChanged()
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid()) {
        m_detail->showMessage(tr("Select a session to see what it did"));
        m_liveDetailTimer.stop();
        // The list has the height until a session is chosen.
        m_detail->hide();
        return;
    }
    if (!m_model->isLoaded(current.row())) {
        m_loadingId.clear();
        m_detail->showMessage(tr("Loading…"));
        return; // rowsLoaded() comes back here
    }
    if (m_detail->isHidden()) {
        m_detail->show();
        if (m_splitter->sizes().value(1) == 0)
            m_splitter->setSizes({height() / 3, height() * 2 / 3});
    }
    loadDetail(m_model->sessionIdAt(current.row()));
}

void SessionBrowserWindow::showDetails(bool focus)
{
    const QList<int> sizes = m_splitter->sizes();
    if (sizes.value(1) == 0)
        m_splitter->setSizes({height() / 3, height() * 2 / 3});
    const QModelIndex current = m_table->currentIndex();
    if (current.isValid() && m_detail->sessionId() != m_model->sessionIdAt(current.row()))
        loadDetail(m_model->sessionIdAt(current.row()));
    if (focus)
        m_detail->timelineView()->setFocus();
}

void SessionBrowserWindow::loadDetail(const QString& sessionId)
{
    m_loadingId = sessionId;
    m_liveDetailEvents = -1;
    const int row = m_model->rowOf(sessionId);
    if (row >= 0 && m_model->isLive(row) && m_capture) {
        m_liveDetailTimer.start();
        refreshLiveDetail();
        return;
    }
    m_liveDetailTimer.stop();
    const QString path = m_model->summaryAt(row).filePath;
    if (path.isEmpty()) {
        m_detail->showMessage(tr("This session is being saved…"));
        return;
    }
    m_detail->showMessage(tr("Loading…"));
    // Big sessions take a while to parse: never on the UI thread.
    m_loader.setFuture(QtConcurrent::run([sessionId, path]() {
        DetailLoad load{sessionId, {}, {}};
        const auto doc = SessionExporter::readSession(path, &load.error);
        if (doc)
            load.document = *doc;
        else if (load.error.isEmpty())
            load.error = QStringLiteral("unreadable");
        return load;
    }));
}

void SessionBrowserWindow::refreshLiveDetail()
{
    if (!m_capture)
        return;
    const qsizetype events = m_capture->liveEventCount(m_loadingId);
    if (events < 0) {
        // It completed meanwhile: show the saved file once the listing has it.
        m_liveDetailTimer.stop();
        return;
    }
    if (events == m_liveDetailEvents)
        return;
    if (m_liveDetailEvents >= 0 && events > kLiveDetailMaxEvents)
        return; // refreshed on selection only
    m_liveDetailEvents = int(events);
    m_detail->setDocument(m_capture->liveDocument(m_loadingId));
}

void SessionBrowserWindow::pinSelected(bool pin)
{
    if (!m_capture)
        return;
    QStringList ids;
    for (int row : selectedSourceRows()) {
        if (!m_model->isLive(row) && !m_model->summaryAt(row).filePath.isEmpty() &&
            m_model->isPinned(row) != pin)
            ids.append(m_model->sessionIdAt(row));
    }
    if (ids.isEmpty())
        return;
    QString error;
    if (!m_capture->setPinned(ids, pin, &error)) {
        QMessageBox::warning(this, pin ? tr("Pin Sessions") : tr("Unpin Sessions"), error);
        return;
    }
    for (const QString& id : std::as_const(ids))
        m_model->setPinnedShown(id, pin);
    statusBar()->showMessage(
        pin ? tr("Pinned %1: no cleanup removes them")
                  .arg(TextFormat::count(ids.size(), tr("session"), tr("sessions")))
            : tr("Unpinned %1").arg(TextFormat::count(ids.size(), tr("session"), tr("sessions"))),
        5000);
    updateStatus();
    scheduleRefresh();
}

void SessionBrowserWindow::previewCleanup()
{
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("cleanupPreview"));
    dialog->setWindowTitle(tr("Clean Up"));
    dialog->resize(760, 420);
    auto* note = new QLabel(tr("Working out what a cleanup would remove…"), dialog);
    note->setWordWrap(true);
    auto* list = new QTreeWidget(dialog);
    list->setRootIsDecorated(false);
    list->setHeaderLabels({tr("Session"), tr("Project"), tr("Start"), tr("Size"), tr("Why")});
    list->header()->resizeSection(0, 90);
    list->header()->resizeSection(1, 140);
    list->header()->resizeSection(2, 140);
    list->header()->resizeSection(3, 70);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(note);
    layout->addWidget(list, 1);
    layout->addWidget(buttons);
    // The plan reads the store's listing (cached per file): quick after the first listing.
    QString error;
    const QList<CaptureController::CleanupItem> items =
        m_capture ? m_capture->planCleanup(&error) : QList<CaptureController::CleanupItem>();
    qint64 bytes = 0;
    for (const CaptureController::CleanupItem& item : items) {
        const SessionSummary& s = item.session;
        auto* row = new QTreeWidgetItem(list);
        row->setText(0, SessionListModel::shortId(s.sessionId));
        row->setToolTip(0, s.sessionId);
        row->setText(1, SessionListModel::projectName(s.workingDirectory));
        row->setText(2, s.startTime.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
        row->setText(3, QLocale().formattedDataSize(s.fileSize));
        row->setText(4, item.reason);
        row->setToolTip(4, item.reason);
        bytes += s.fileSize;
    }
    const QString policy = m_capture ? m_capture->cleanupPolicyText() : QString();
    if (!error.isEmpty())
        note->setText(tr("Cannot work out a cleanup: %1").arg(error));
    else if (items.isEmpty())
        note->setText(tr("A cleanup now would remove nothing. %1").arg(policy));
    else
        note->setText(tr("A cleanup now would remove %1 (%2). Pinned sessions are never "
                         "removed. %3")
                          .arg(TextFormat::count(items.size(), tr("session"), tr("sessions")),
                               QLocale().formattedDataSize(bytes), policy));
    dialog->show();
}

void SessionBrowserWindow::copySessionId()
{
    QApplication::clipboard()->setText(selectedSessionIds().join(QLatin1Char('\n')));
}

SessionExportJob* SessionBrowserWindow::exportSelected(const QString& path, const QString& format)
{
    const auto fmt = SessionExporter::formatFromName(format);
    if (!fmt || !m_capture)
        return nullptr;
    QList<SessionExportJob::Source> sources;
    for (int row : selectedSourceRows()) {
        SessionExportJob::Source src;
        src.sessionId = m_model->sessionIdAt(row);
        if (m_model->isLive(row)) {
            src.liveDocument = m_capture->liveDocument(src.sessionId);
        } else {
            src.filePath = m_model->summaryAt(row).filePath;
        }
        if (!src.filePath.isEmpty() || !src.liveDocument.isEmpty())
            sources.append(src);
    }
    auto* job = new SessionExportJob(sources, *fmt, path, this);
    job->setRedactor(Redactor(m_capture->settings().redaction));
    m_export = job;
    connect(job, &SessionExportJob::finished, this, [this, job](bool ok, const QString& message) {
        statusBar()->showMessage(message, 10000);
        if (!ok && !message.contains(tr("cancelled")))
            QMessageBox::warning(this, tr("Export"), message);
        job->deleteLater();
    });
    job->start(this);
    return job;
}

void SessionBrowserWindow::exportInteractive()
{
    const QStringList ids = selectedSessionIds();
    if (ids.isEmpty())
        return;
    QSettings settings;
    const QString dir =
        settings.value(QStringLiteral("browser/exportDirectory"), QDir::homePath()).toString();
    const QString base = ids.size() == 1 ? QStringLiteral("session-%1").arg(ids.first().left(8))
                                         : QStringLiteral("sessions");
    const QString json = tr("JSON, one array of sessions (*.json)");
    const QString jsonl = tr("JSON Lines, one event per line (*.jsonl)");
    const QString csv = tr("CSV, one event per row (*.csv)");
    QString filter = json;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export Sessions"), dir + QLatin1Char('/') + base + QStringLiteral(".json"),
        QStringList{json, jsonl, csv}.join(QStringLiteral(";;")), &filter);
    if (path.isEmpty())
        return;
    const QString format = filter == jsonl ? QStringLiteral("jsonl")
                           : filter == csv ? QStringLiteral("csv")
                                           : QStringLiteral("json");
    // A name typed with another format's suffix means that format.
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QString chosen = SessionExporter::formatFromName(suffix) ? suffix : format;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + chosen;
    settings.setValue(QStringLiteral("browser/exportDirectory"), QFileInfo(path).absolutePath());
    exportSelected(path, chosen);
}

void SessionBrowserWindow::deleteSelected()
{
    if (!m_capture)
        return;
    QStringList ids;
    int live = 0;
    for (int row : selectedSourceRows()) {
        if (m_model->isLive(row))
            ++live;
        else if (!m_model->summaryAt(row).filePath.isEmpty())
            ids.append(m_model->sessionIdAt(row));
    }
    if (ids.isEmpty()) {
        if (live > 0)
            statusBar()->showMessage(tr("Live sessions cannot be deleted while they run"), 5000);
        return;
    }
    QString text = ids.size() == 1
                       ? tr("Move the saved session %1 to the trash? It can be restored "
                            "from there.")
                             .arg(SessionListModel::shortId(ids.first()))
                       : tr("Move %1 saved sessions to the trash? They can be restored from "
                            "there.")
                             .arg(ids.size());
    if (live > 0)
        text += tr("\n\nLive sessions in the selection are kept: %1.")
                    .arg(TextFormat::count(live, tr("session"), tr("sessions")));
    if (QMessageBox::question(this, tr("Delete Sessions"), text,
                              QMessageBox::Yes | QMessageBox::Cancel,
                              QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    const QStringList failed = m_capture->trashSessions(ids);
    if (!failed.isEmpty())
        QMessageBox::warning(this, tr("Delete Sessions"), failed.join(QLatin1Char('\n')));
    scheduleRefresh();
}

void SessionBrowserWindow::showInFileManager()
{
    const QList<int> rows = selectedSourceRows();
    if (rows.size() != 1)
        return;
    const QString path = m_model->summaryAt(rows.first()).filePath;
    if (path.isEmpty())
        return;
    // The freedesktop file manager interface selects the file; without one, open its folder.
    QDBusMessage call = QDBusMessage::createMethodCall(
        QStringLiteral("org.freedesktop.FileManager1"),
        QStringLiteral("/org/freedesktop/FileManager1"),
        QStringLiteral("org.freedesktop.FileManager1"), QStringLiteral("ShowItems"));
    call << QStringList{QUrl::fromLocalFile(path).toString()} << QString();
    const QDBusMessage reply = QDBusConnection::sessionBus().call(call, QDBus::Block, 1500);
    if (reply.type() == QDBusMessage::ReplyMessage)
        return;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath())))
        statusBar()->showMessage(tr("No file manager could open %1").arg(path), 8000);
}

void SessionBrowserWindow::restoreWindowState()
{
    QSettings s;
    if (!restoreGeometry(s.value(QStringLiteral("browser/geometry")).toByteArray()))
        resize(1180, 760);
    restoreState(s.value(QStringLiteral("browser/state")).toByteArray());
    m_splitter->restoreState(s.value(QStringLiteral("browser/splitter")).toByteArray());
    m_table->horizontalHeader()->restoreState(
        s.value(QStringLiteral("browser/columns")).toByteArray());
    m_detail->restoreState(s.value(QStringLiteral("browser/detail")).toByteArray());
    // Shown once a session is chosen (onCurrentChanged).
    m_detail->setVisible(m_table->currentIndex().isValid());
    fitToScreen();
}

void SessionBrowserWindow::fitToScreen()
{
    // A geometry saved on a larger screen (or at another scale factor), or the default size
    // on a small one, must not come back larger than the screen.
    const QScreen* where = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!where)
        return;
    const QRect available = where->availableGeometry();
    // Room for the title bar and borders the window manager adds around the window.
    const QSize room = available.size() - QSize(16, 48);
    if (width() > room.width() || height() > room.height())
        resize(size().boundedTo(room));
    QRect frame(pos(), size());
    if (!available.contains(frame)) {
        frame.moveLeft(std::clamp(frame.left(), available.left(),
                                  std::max(available.left(), available.right() - frame.width())));
        frame.moveTop(std::clamp(frame.top(), available.top(),
                                 std::max(available.top(), available.bottom() - frame.height())));
        move(frame.topLeft());
    }
}

void SessionBrowserWindow::saveWindowState()
{
    QSettings s;
    s.setValue(QStringLiteral("browser/geometry"), saveGeometry());
    s.setValue(QStringLiteral("browser/state"), saveState());
    s.setValue(QStringLiteral("browser/splitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("browser/columns"), m_table->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("browser/detail"), m_detail->saveState());
}

} // namespace ea

#include "moc_SessionBrowserWindow.cpp"
