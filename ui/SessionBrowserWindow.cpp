#include "ui/SessionBrowserWindow.h"

#include "export/SessionExporter.h"
#include "presentation/CaptureController.h"
#include "presentation/LiveSessionFeed.h"
#include "presentation/SessionFilterProxy.h"
#include "presentation/SessionListModel.h"
#include "presentation/SessionSearchIndex.h"
#include "ui/SessionDetailView.h"
#include "ui/SessionExportJob.h"
#include "ui/TrayController.h"

#include "presentation/TextFormat.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDesktopServices>
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
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
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
    m_model = new SessionListModel(this);
    m_proxy = new SessionFilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_index = new SessionSearchIndex(this);
    m_proxy->setCategoryLookup([this](const QString& id) { return m_index->categoriesOf(id); });

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

    connect(m_index, &SessionSearchIndex::updated, this, [this] {
        if (!m_proxy->query().isEmpty() || m_proxy->category() != SessionFilterProxy::Category::All)
            m_searchDelay.start();
        updateStatus();
    });
    connect(m_index, &SessionSearchIndex::finished, this, &SessionBrowserWindow::updateStatus);
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
        connect(m_feed, &LiveSessionFeed::sessionsUpdated, m_model, &SessionListModel::applyLive);
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
    }
    if (m_capture) {
        // The State column reads the capture's live states, also of sessions whose turn ended
        // (saved, no longer live, yet waiting for you); rows change as the states do.
        m_model->setStateLookup([this](const QString& id) { return m_capture->liveState(id); });
        connect(m_capture, &CaptureController::liveStateChanged, this, [this](const QString& id) {
            m_model->stateChanged(id);
            if (m_proxy->needsAttentionOnly())
                m_proxy->invalidate();
        });
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
            m_listingStale = true;
            if (isVisible())
                scheduleRefresh();
        });
        connect(m_capture, &CaptureController::sessionRemoved, m_model,
                &SessionListModel::removeSaved);
        connect(m_capture, &CaptureController::savedSessionsListed, this,
                &SessionBrowserWindow::showSaved);
        connect(m_capture, &CaptureController::sessionSaved, this,
                &SessionBrowserWindow::scheduleRefresh);
        m_listingStale = true;
        onCaptureState(m_capture->state());
    }
    // After a delete the row that moved under the cursor is selected, as after a search.
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (m_table->hasFocus())
            QTimer::singleShot(0, this, &SessionBrowserWindow::selectCurrentRow);
    });
    restoreWindowState();
    updateStatus();
}

SessionBrowserWindow::~SessionBrowserWindow()
{
    m_loader.waitForFinished();
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
    m_search->setPlaceholderText(tr("Search prompts, responses, tools, files, agents (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(400);
    m_search->addAction(QIcon::fromTheme(QStringLiteral("edit-find")), QLineEdit::LeadingPosition);
    m_search->installEventFilter(this);
    bar->addWidget(m_search);
    m_category = new QComboBox(bar);
    m_category->addItem(tr("Everything"), int(SessionFilterProxy::Category::All));
    m_category->addItem(tr("Prompts"), int(SessionFilterProxy::Category::Prompts));
    m_category->addItem(tr("Responses"), int(SessionFilterProxy::Category::Responses));
    m_category->addItem(tr("Tools"), int(SessionFilterProxy::Category::Tools));
    m_category->addItem(tr("Files"), int(SessionFilterProxy::Category::Files));
    m_category->addItem(tr("Agents"), int(SessionFilterProxy::Category::Agents));
    m_category->addItem(tr("With failures"), int(SessionFilterProxy::Category::Failures));
    m_category->setToolTip(tr("Search within, and show only sessions with, this kind of event"));
    bar->addWidget(m_category);
    m_needsAttention = new QCheckBox(tr("Needs &attention"), bar);
    m_needsAttention->setToolTip(
        tr("Show only sessions that need you now: asking for permission, or probably blocked"));
    bar->addWidget(m_needsAttention);
    connect(m_needsAttention, &QCheckBox::toggled, m_proxy,
            &SessionFilterProxy::setNeedsAttentionOnly);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    connect(m_category, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setCategory(SessionFilterProxy::Category(m_category->currentData().toInt()));
        runSearch();
    });
    auto* spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addAction(m_exportAction);
    bar->addAction(m_showFileAction);
    bar->addAction(m_deleteAction);
    auto* settings = bar->addAction(QIcon::fromTheme(QStringLiteral("configure")), tr("Settings…"));
    connect(settings, &QAction::triggered, this, &SessionBrowserWindow::settingsRequested);

    m_table = new QTableView(this);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SessionListModel::StartColumn, Qt::DescendingOrder);
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
    setCentralWidget(m_splitter);

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

void SessionBrowserWindow::setSearchCacheFile(const QString& path)
{
    m_index->setCacheFile(path);
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
    if (m_table->selectionModel()->hasSelection() || m_proxy->rowCount() == 0)
        return;
    QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        current = m_proxy->index(0, 0);
    m_table->selectionModel()->setCurrentIndex(current, QItemSelectionModel::ClearAndSelect |
                                                            QItemSelectionModel::Rows);
}

void SessionBrowserWindow::updateEmptyNote()
{
    if (!m_emptyNote)
        return;
    const bool empty = m_model->rowCount() == 0;
    m_emptyNote->setVisible(empty);
    if (!empty)
        return;
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
    if (isVisible() && !m_refreshDelay.isActive())
        m_refreshDelay.start();
}

void SessionBrowserWindow::refreshSaved()
{
    if (!m_capture)
        return;
    m_refreshDelay.stop();
    m_listingStale = false;
    m_capture->listSavedSessions();
}

void SessionBrowserWindow::showSaved(const QList<SessionSummary>& listing)
{
    m_model->setSavedSessions(listing);
    m_index->refresh(listing);
    updateStatus();
}

void SessionBrowserWindow::applySearchNow()
{
    m_searchDelay.stop();
    runSearch();
}

void SessionBrowserWindow::runSearch()
{
    const QString query = m_search->text().trimmed();
    const auto category = SessionFilterProxy::Category(m_category->currentData().toInt());
    if (query.isEmpty()) {
        m_proxy->setSearch(QString(), std::nullopt);
    } else {
        QElapsedTimer t;
        t.start();
        m_proxy->setSearch(query, m_index->search(query, SessionFilterProxy::fieldsFor(category)));
        qCDebug(lcBrowser) << "search" << query << "took" << t.elapsed() << "ms";
    }
    updateStatus();
}

void SessionBrowserWindow::updateStatus()
{
    const QLocale locale;
    const int total = m_model->rowCount();
    const int shown = m_proxy->rowCount();
    const int live = m_model->liveCount();
    const QString sessions = TextFormat::count(total, tr("session"), tr("sessions"));
    QString text = shown == total ? sessions : tr("%1 of %2").arg(locale.toString(shown), sessions);
    if (live > 0)
        text += tr(", %1 live").arg(live);
    const QList<int> rows = selectedSourceRows();
    const int selected = int(rows.size());
    if (selected > 1)
        text += tr(" · %1 selected").arg(selected);
    m_countLabel->setText(text);
    updateEmptyNote();
    if (m_index->isIndexing())
        m_indexLabel->setText(
            tr("Indexing for search: %1 left…").arg(locale.toString(m_index->pendingCount())));
    else
        m_indexLabel->clear();
    const bool anySaved =
        std::any_of(rows.cbegin(), rows.cend(), [this](int row) { return !m_model->isLive(row); });
    m_deleteAction->setEnabled(anySaved);
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
        rows.append(m_proxy->mapToSource(i).row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

QStringList SessionBrowserWindow::selectedSessionIds() const
{
    QStringList ids;
    for (int row : selectedSourceRows())
        ids.append(m_model->sessionIdAt(row));
    return ids;
}

bool SessionBrowserWindow::selectSession(const QString& sessionId)
{
    const int row = m_model->rowOf(sessionId);
    if (row < 0)
        return false;
    QModelIndex i = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!i.isValid()) {
        // Hidden by the filter: clear it rather than fail to show what was asked for.
        m_search->clear();
        m_category->setCurrentIndex(0);
        applySearchNow();
        i = m_proxy->mapFromSource(m_model->index(row, 0));
    }
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    showDetails(false);
    return true;
}

void SessionBrowserWindow::onCurrentChanged()
{
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    if (!current.isValid()) {
        m_detail->showMessage(tr("Select a session to see what it did"));
        m_liveDetailTimer.stop();
        // The list has the height until a session is chosen.
        m_detail->hide();
        return;
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
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
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
