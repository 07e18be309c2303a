#include "ui/SessionDetailView.h"

#include "model/EventCategory.h"
#include "model/SessionSummary.h"
#include "presentation/CategoryPalette.h"
#include "presentation/EventTimelineModel.h"
#include "presentation/ReadableLabel.h"
#include "presentation/SessionListModel.h"
#include "presentation/ToolOperationModel.h"
#include "ui/DelegationTreeView.h"

#include "presentation/TextFormat.h"
#include "presentation/TextHighlight.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>

namespace ea {

namespace {
QTableView* makeTable(QAbstractItemModel* model, QWidget* parent)
{
    auto* view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(false);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    // Fixed row heights let a 50,000-row table scroll without measuring every row.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}
} // namespace

SessionDetailView::SessionDetailView(QWidget* parent) : QWidget(parent)
{
    m_stack = new QStackedWidget(this);
    m_message = new QLabel(m_stack);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setEnabled(false); // the palette's disabled text: a hint, not content
    m_stack->addWidget(m_message);

    auto* page = new QWidget(m_stack);
    auto* header = new QWidget(page);
    auto* headerLayout = new QVBoxLayout(header);
    headerLayout->setContentsMargins(4, 2, 4, 2);
    headerLayout->setSpacing(2);
    m_title = new QLabel(header);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setTextFormat(Qt::PlainText);
    m_facts = new QLabel(header);
    m_facts->setTextFormat(Qt::RichText);
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_prompt = new QLabel(header);
    m_prompt->setWordWrap(true);
    m_prompt->setTextFormat(Qt::RichText);
    m_prompt->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_response = new QLabel(header);
    m_response->setWordWrap(true);
    m_response->setTextFormat(Qt::RichText);
    m_response->setTextInteractionFlags(Qt::TextSelectableByMouse);
    for (QLabel* l : {m_title, m_facts, m_prompt, m_response})
        headerLayout->addWidget(l);

    m_tabs = new QTabWidget(page);
    m_tabs->setDocumentMode(true);
    m_timeline = new EventTimelineModel(this);
    m_timelineView = makeTable(m_timeline, m_tabs);
    m_timelineView->horizontalHeader()->resizeSection(EventTimelineModel::TimeColumn, 100);
    m_timelineView->horizontalHeader()->resizeSection(EventTimelineModel::OffsetColumn, 70);
    m_timelineView->horizontalHeader()->resizeSection(EventTimelineModel::CategoryColumn, 100);
    m_timelineView->horizontalHeader()->resizeSection(EventTimelineModel::TypeColumn, 130);
    m_timelineView->horizontalHeader()->resizeSection(EventTimelineModel::AgentColumn, 110);
    m_tabs->addTab(m_timelineView, tr("Timeline"));
    m_showHooks = new QCheckBox(tr("Hook executions"), m_tabs);
    m_showHooks->setToolTip(tr("Show claude-mpm's hook_execution events in the timeline; the "
                               "session's hook overhead metrics sum them up"));
    m_tabs->setCornerWidget(m_showHooks, Qt::TopRightCorner);
    connect(m_showHooks, &QCheckBox::toggled, m_timeline,
            &EventTimelineModel::setShowHookExecutions);

    m_tools = new ToolOperationModel(this);
    m_toolsSorted = new QSortFilterProxyModel(this);
    m_toolsSorted->setSourceModel(m_tools);
    m_toolsSorted->setSortRole(ToolOperationModel::SortRole);
    m_toolView = makeTable(m_toolsSorted, m_tabs);
    m_toolView->setSortingEnabled(true);
    m_toolView->sortByColumn(ToolOperationModel::StartColumn, Qt::AscendingOrder);
    m_toolView->horizontalHeader()->resizeSection(ToolOperationModel::TargetColumn, 260);
    m_tabs->addTab(m_toolView, tr("Tools"));

    m_delegations = new DelegationTreeView(m_tabs);
    m_tabs->addTab(m_delegations, tr("Delegations"));

    m_raw = new QPlainTextEdit(page);
    m_raw->setReadOnly(true);
    m_raw->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_raw->setPlaceholderText(tr("Select an event, tool call or delegation to see its JSON"));
    m_raw->hide();

    m_splitter = new QSplitter(Qt::Horizontal, page);
    m_splitter->addWidget(m_tabs);
    m_splitter->addWidget(m_raw);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto* pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addWidget(header);
    pageLayout->addWidget(m_splitter, 1);
    m_stack->addWidget(page);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);

    connect(m_timelineView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showRaw(m_timeline->eventAt(current.row())); });
    connect(m_toolView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                showRaw(current.data(ToolOperationModel::OperationRole).toJsonObject());
            });
    connect(m_delegations, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item)
            showRaw(item->data(0, DelegationTreeView::JsonRole).toJsonObject());
    });
    // Enter (or a double click) on an event, a tool call or a delegation opens its JSON.
    auto openRaw = [this] {
        if (m_raw->isVisible())
            m_raw->setFocus();
    };
    connect(m_timelineView, &QAbstractItemView::activated, this, openRaw);
    connect(m_toolView, &QAbstractItemView::activated, this, openRaw);
    connect(m_delegations, &QAbstractItemView::activated, this, openRaw);
    showMessage(tr("Select a session to see what it did"));
}

void SessionDetailView::showMessage(const QString& text)
{
    m_sessionId.clear();
    m_message->setText(text);
    m_stack->setCurrentWidget(m_message);
}

void SessionDetailView::fillHeader(const QJsonObject& session)
{
    const SessionSummary s = SessionSummary::fromDocument(session);
    const QJsonObject metrics = session.value(QLatin1String("metrics")).toObject();
    const QLocale locale;
    QString project = s.workingDirectory.isEmpty() ? tr("(no project)") : s.workingDirectory;
    if (!s.gitBranch.isEmpty())
        project += QStringLiteral("  ·  ") + s.gitBranch;
    m_title->setText(
        QStringLiteral("%1  ·  %2").arg(SessionListModel::shortId(s.sessionId), project));
    m_title->setToolTip(s.sessionId);

    qint64 duration = -1;
    if (s.startTime.isValid() && s.status == QLatin1String("active") && !s.endTime.isValid()) {
        // Live: elapsed so far by the wall clock, as the list shows it.
        duration = std::max<qint64>(0, s.startTime.msecsTo(QDateTime::currentDateTimeUtc()));
    } else if (s.startTime.isValid()) {
        const QDateTime end = s.endTime.isValid()
                                  ? s.endTime
                                  : SessionSummary::parseTime(
                                        session.value(QLatin1String("last_event_time")).toString());
        if (end.isValid())
            duration = s.startTime.msecsTo(end);
    }
    QStringList facts;
    facts << ReadableLabel::status(s.status).toHtmlEscaped();
    if (s.startTime.isValid())
        facts << s.startTime.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    facts << SessionListModel::formatDuration(duration);
    facts << TextFormat::count(s.totalEvents, tr("event"), tr("events"));
    facts << TextFormat::count(s.toolCalls, tr("tool call"), tr("tool calls"));
    facts << TextFormat::count(s.delegations, tr("delegation"), tr("delegations"));
    const int failures = m_tools->failureCount();
    facts << (failures > 0 ? QStringLiteral("<span style='color:#c62828'>%1</span>")
                                 .arg(TextFormat::count(failures, tr("failure"), tr("failures")))
                           : tr("no failures"));
    const QJsonValue p50 = metrics.value(QLatin1String("tool_duration_p50_ms"));
    const QJsonValue max = metrics.value(QLatin1String("tool_duration_max_ms"));
    if (p50.isDouble() && max.isDouble())
        facts << tr("tool time p50 %1 ms, max %2")
                     .arg(qint64(p50.toDouble()))
                     .arg(SessionListModel::formatDuration(qint64(max.toDouble())));
    const QString agents = metrics.value(QLatin1String("agents_used"))
                               .toVariant()
                               .toStringList()
                               .join(QStringLiteral(", "));
    if (!agents.isEmpty())
        facts << tr("agents: %1").arg(agents.toHtmlEscaped());
    m_facts->setText(facts.join(QStringLiteral("  ·  ")));

    m_promptText = session.value(QLatin1String("initial_prompt")).toString();
    m_responseText = session.value(QLatin1String("final_response")).toString();
    fillPromptAndResponse();
}

void SessionDetailView::fillPromptAndResponse()
{
    const auto line = [this](const QString& label, const QString& text) {
        return QStringLiteral("<b>%1</b> %2")
            .arg(label, text.isEmpty() ? tr("<i>none captured</i>")
                                       : TextHighlight::html(text, m_terms, 400));
    };
    m_prompt->setText(line(tr("Prompt:"), m_promptText));
    m_prompt->setToolTip(m_promptText.left(4000));
    m_response->setText(line(tr("Response:"), m_responseText));
    m_response->setToolTip(m_responseText.left(4000));
}

void SessionDetailView::setHighlight(const QStringList& terms)
{
    if (terms == m_terms)
        return;
    m_terms = terms;
    m_timeline->setHighlight(terms);
    fillPromptAndResponse();
    markRaw();
}

void SessionDetailView::setDocument(const QJsonObject& session)
{
    const QString id = session.value(QLatin1String("session_id")).toString();
    const bool sameSession = id == m_sessionId;
    const int row = m_timelineView->currentIndex().row();
    m_sessionId = id;
    m_timeline->setEvents(session.value(QLatin1String("events")).toArray());
    m_tools->setOperations(session.value(QLatin1String("tool_operations")).toArray());
    m_delegations->setDelegations(session.value(QLatin1String("delegations")).toArray());
    fillHeader(session);
    m_showHooks->setText(tr("Hook executions (%1)").arg(m_timeline->hookExecutionCount()));
    m_showHooks->setVisible(m_timeline->hookExecutionCount() > 0);
    m_tabs->setTabText(1, tr("Tools (%1)").arg(m_tools->rowCount()));
    m_tabs->setTabText(2, tr("Delegations (%1)").arg(m_delegations->topLevelItemCount()));
    // A live session refreshed in place keeps the user's place in its timeline.
    if (sameSession && row >= 0 && row < m_timeline->rowCount()) {
        m_timelineView->setCurrentIndex(m_timeline->index(row, 0));
    } else if (const int match = m_timeline->firstHighlightedRow(); match >= 0) {
        // Found by a search: open at what matched.
        m_timelineView->setCurrentIndex(m_timeline->index(match, 0));
        m_timelineView->scrollTo(m_timeline->index(match, 0), QAbstractItemView::PositionAtCenter);
    } else {
        m_raw->clear();
    }
    m_stack->setCurrentIndex(1);
}

void SessionDetailView::showRaw(const QJsonObject& object)
{
    // No empty pane: the tabs take the width until there is something to show.
    m_raw->setVisible(!object.isEmpty());
    m_raw->setPlainText(object.isEmpty() ? QString()
                                         : QString::fromUtf8(QJsonDocument(object).toJson(
                                               QJsonDocument::Indented)));
    markRaw();
}

void SessionDetailView::markRaw()
{
    QList<QTextEdit::ExtraSelection> marks;
    const QString text = m_raw->toPlainText();
    QTextCharFormat format;
    format.setBackground(QColor(QRgb(TextHighlight::MarkRgb)));
    // The JSON escapes what the search saw unescaped ("a\"b"): matched as shown, which is
    // what the user reads.
    for (const auto& [start, length] : TextHighlight::find(text, m_terms)) {
        QTextEdit::ExtraSelection mark;
        mark.format = format;
        mark.cursor = QTextCursor(m_raw->document());
        mark.cursor.setPosition(start);
        mark.cursor.setPosition(start + length, QTextCursor::KeepAnchor);
        marks.append(mark);
        if (marks.size() >= 1000)
            break;
    }
    m_raw->setExtraSelections(marks);
}

QString SessionDetailView::rawJson() const
{
    return m_raw->toPlainText();
}

QByteArray SessionDetailView::saveState() const
{
    return m_splitter->saveState();
}

void SessionDetailView::restoreState(const QByteArray& state)
{
    m_splitter->restoreState(state);
}

} // namespace ea

#include "moc_SessionDetailView.cpp"
