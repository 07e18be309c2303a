#include "presentation/IndexedSessionListModel.h"

#include "aggregation/Aggregator.h"
#include "presentation/ReadableLabel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>
#include <QLoggingCategory>

#include <algorithm>
#include <limits>
#include <utility>

namespace ea {

Q_LOGGING_CATEGORY(lcIndexedList, "ea.ui.sessionlist")

IndexedSessionListModel::IndexedSessionListModel(SessionIndexClient* client, QObject* parent)
    : QAbstractTableModel(parent), m_client(client)
{
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, &IndexedSessionListModel::tickLiveDurations);
    connect(m_client, &SessionIndexClient::countReady, this, &IndexedSessionListModel::onCount);
    connect(m_client, &SessionIndexClient::rowsReady, this, &IndexedSessionListModel::onRows);
    connect(m_client, &SessionIndexClient::failed, this, &IndexedSessionListModel::onFailed);
    restart();
}

int IndexedSessionListModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return int(std::min<qint64>(std::numeric_limits<int>::max(), m_liveRows.size() + m_savedCount));
}

int IndexedSessionListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : SessionListModel::ColumnCount;
}

QVariant IndexedSessionListModel::headerData(int section, Qt::Orientation orientation,
                                             int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return SessionListModel::columnName(section);
}

SessionIndexClient::SortKey IndexedSessionListModel::sortKey() const
{
    return m_ranked ? SessionIndexClient::SortKey::Relevance : sortKeyIgnoringRank();
}

SessionIndexClient::SortKey IndexedSessionListModel::sortKeyIgnoringRank() const
{
    using K = SessionIndexClient::SortKey;
    switch (m_sortColumn) {
    case SessionListModel::SessionColumn:
        return K::Session;
    case SessionListModel::ProjectColumn:
        return K::Project;
    case SessionListModel::BranchColumn:
        return K::Branch;
    case SessionListModel::DurationColumn:
        return K::Duration;
    case SessionListModel::EventsColumn:
        return K::Events;
    case SessionListModel::ToolsColumn:
        return K::Tools;
    case SessionListModel::DelegationsColumn:
        return K::Delegations;
    case SessionListModel::FailuresColumn:
        return K::Failures;
    case SessionListModel::StatusColumn:
        return K::Status;
    case SessionListModel::TokensColumn:
        return K::Tokens;
    default:
        return K::Start;
    }
}

void IndexedSessionListModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= SessionListModel::ColumnCount)
        return;
    if (column == m_sortColumn && order == m_sortOrder && !m_ranked)
        return;
    const int oldColumn = std::exchange(m_sortColumn, column);
    // Columns the database cannot order by (the State column is the live monitor's) keep the
    // order there was.
    if (!SessionIndexClient::canSortBy(sortKeyIgnoringRank())) {
        m_sortColumn = oldColumn;
        return;
    }
    m_sortOrder = order;
    m_ranked = false;
    restart();
}

void IndexedSessionListModel::setQuery(const QString& query, bool ranked)
{
    m_query = query;
    m_ranked = ranked;
    restart();
}

void IndexedSessionListModel::setLiveFilter(std::function<bool(const LiveSessionSnapshot&)> filter)
{
    m_liveFilter = std::move(filter);
    updateLiveRows();
}

void IndexedSessionListModel::setNeedsAttentionOnly(bool on)
{
    if (on == m_needsAttentionOnly)
        return;
    m_needsAttentionOnly = on;
    restart();
}

void IndexedSessionListModel::restart()
{
    beginResetModel();
    m_pages.clear();
    m_stale.clear();
    m_pageTickets.clear();
    m_pending.clear();
    m_savedCount = 0;
    m_countTicket = 0;
    m_liveRows.clear();
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it) {
        if (liveShown(it.value()))
            m_liveRows.append(it.key());
    }
    // Newest first among the live rows, whatever the saved rows' order.
    std::sort(m_liveRows.begin(), m_liveRows.end(), [this](const QString& a, const QString& b) {
        return m_live.value(a).snapshot.summary.startTime >
               m_live.value(b).snapshot.summary.startTime;
    });
    endResetModel();
    if (m_needsAttentionOnly) {
        Q_EMIT counted(0);
        return;
    }
    // The first page before the count: its rows show as soon as they are read, and the count
    // (which visits every match) extends the list when it comes.
    requestPage(0);
    m_countTicket = m_client->requestCount(m_query, m_excluded);
}

void IndexedSessionListModel::refresh()
{
    if (m_needsAttentionOnly)
        return;
    // Keep what is shown until the new reads arrive: no flicker, no lost scroll position.
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it)
        m_stale.insert(it.key(), it.value());
    m_pages.clear();
    m_pageTickets.clear();
    m_pending.clear();
    requestPage(0);
    m_countTicket = m_client->requestCount(m_query, m_excluded);
}

void IndexedSessionListModel::requestPage(int page) const
{
    if (m_needsAttentionOnly || m_pending.contains(page) || page < 0)
        return;
    if (m_pages.size() >= MaxCachedPages) {
        // Drop the page farthest from the one wanted: the view is elsewhere now.
        int farthest = -1;
        for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
            if (farthest < 0 || std::abs(it.key() - page) > std::abs(farthest - page))
                farthest = it.key();
        }
        m_pages.remove(farthest);
    }
    m_pending.insert(page);
    auto* self = const_cast<IndexedSessionListModel*>(this);
    const SessionIndexClient::Ticket t = self->m_client->requestRows(
        m_query, m_excluded, sortKey(), m_sortOrder, page * PageSize, PageSize);
    m_pageTickets.insert(t, page);
}

void IndexedSessionListModel::onCount(SessionIndexClient::Ticket ticket, qint64 count)
{
    if (ticket != m_countTicket)
        return;
    m_countTicket = 0;
    // Finished live sessions that were waiting for the database: it has been read since.
    QStringList gone;
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it) {
        if (it.value().finishing)
            gone.append(it.key());
    }
    for (const QString& id : gone)
        m_live.remove(id);
    if (!gone.isEmpty())
        updateLiveRows();
    const int live = int(m_liveRows.size());
    count = std::min<qint64>(count, std::numeric_limits<int>::max() - live);
    if (count > m_savedCount) {
        beginInsertRows({}, int(live + m_savedCount), int(live + count - 1));
        m_savedCount = count;
        endInsertRows();
    } else if (count < m_savedCount) {
        beginRemoveRows({}, int(live + count), int(live + m_savedCount - 1));
        m_savedCount = count;
        endRemoveRows();
    }
    if (!m_stale.isEmpty() && m_savedCount > 0) {
        // Rows may have moved: views ask again, and the pages they ask for are read anew.
        Q_EMIT dataChanged(index(live, 0),
                           index(int(live + m_savedCount - 1), SessionListModel::ColumnCount - 1));
    }
    Q_EMIT counted(m_savedCount);
}

void IndexedSessionListModel::onRows(SessionIndexClient::Ticket ticket, int offset,
                                     const QList<SessionIndexClient::Row>& rows)
{
    const auto it = m_pageTickets.find(ticket);
    if (it == m_pageTickets.end())
        return;
    const int page = it.value();
    m_pageTickets.erase(it);
    m_pending.remove(page);
    m_pages.insert(page, Page{rows});
    m_stale.remove(page);
    // A pin stays shown until the database says so too (its writer takes it a moment later).
    for (const SessionIndexClient::Row& r : rows) {
        const auto pin = m_pinOverride.constFind(r.summary.sessionId);
        if (pin != m_pinOverride.cend() && *pin == r.pinned)
            m_pinOverride.erase(pin);
    }
    const int live = int(m_liveRows.size());
    if (m_countTicket != 0 && offset + rows.size() > m_savedCount) {
        // Read before the count: these rows at least exist.
        beginInsertRows({}, int(live + m_savedCount), int(live + offset + rows.size() - 1));
        m_savedCount = offset + rows.size();
        endInsertRows();
    }
    const qint64 first = offset;
    const qint64 last = std::min<qint64>(offset + PageSize, m_savedCount) - 1;
    if (last >= first) {
        Q_EMIT dataChanged(index(int(live + first), 0),
                           index(int(live + last), SessionListModel::ColumnCount - 1));
        Q_EMIT rowsLoaded(int(live + first), int(live + last));
    }
}

void IndexedSessionListModel::onFailed(SessionIndexClient::Ticket ticket, const QString& error)
{
    bool mine = false;
    if (ticket == m_countTicket) {
        m_countTicket = 0;
        mine = true;
    }
    if (const auto it = m_pageTickets.find(ticket); it != m_pageTickets.end()) {
        m_pending.remove(it.value());
        m_pageTickets.erase(it);
        mine = true;
    }
    if (mine) {
        qCInfo(lcIndexedList).noquote() << "session database:" << error;
        Q_EMIT queryFailed(error);
    }
}

const SessionIndexClient::Row* IndexedSessionListModel::savedRow(int savedIndex) const
{
    if (savedIndex < 0 || savedIndex >= m_savedCount)
        return nullptr;
    const int page = savedIndex / PageSize;
    const int within = savedIndex % PageSize;
    auto it = m_pages.constFind(page);
    if (it == m_pages.cend()) {
        requestPage(page);
        it = m_stale.constFind(page);
        if (it == m_stale.cend())
            return nullptr;
    } else if (m_stale.contains(page)) {
        m_stale.remove(page);
    }
    return within < it->rows.size() ? &it->rows.at(within) : nullptr;
}

bool IndexedSessionListModel::liveShown(const Live& live) const
{
    if (m_needsAttentionOnly) {
        const std::optional<LiveState> s = stateOf(live.snapshot.summary.sessionId, &live);
        return s && s->needsAttention();
    }
    return !m_liveFilter || m_liveFilter(live.snapshot);
}

void IndexedSessionListModel::updateLiveRows()
{
    // Removed first (bottom up), then the new ones on top: rows move as little as they can.
    for (int row = int(m_liveRows.size()) - 1; row >= 0; --row) {
        const auto it = m_live.constFind(m_liveRows.at(row));
        if (it != m_live.cend() && liveShown(it.value()))
            continue;
        beginRemoveRows({}, row, row);
        m_liveRows.removeAt(row);
        endRemoveRows();
    }
    QStringList added;
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it) {
        if (!m_liveRows.contains(it.key()) && liveShown(it.value()))
            added.append(it.key());
    }
    if (added.isEmpty())
        return;
    std::sort(added.begin(), added.end(), [this](const QString& a, const QString& b) {
        return m_live.value(a).snapshot.summary.startTime >
               m_live.value(b).snapshot.summary.startTime;
    });
    beginInsertRows({}, 0, int(added.size()) - 1);
    m_liveRows = added + m_liveRows;
    endInsertRows();
}

void IndexedSessionListModel::applyLive(const QList<LiveSessionSnapshot>& snapshots)
{
    for (const LiveSessionSnapshot& snap : snapshots) {
        Live& l = m_live[snap.summary.sessionId];
        l.snapshot = snap;
        // Completed: the row stays (as the snapshot) until the database has been read again.
        l.finishing = !snap.live;
    }
    updateLiveRows();
    // A session live again (resumed) has saved turns too: its saved row goes while it is live,
    // and comes back with its final save.
    QStringList excluded;
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it) {
        if (it.value().snapshot.live && !it.value().finishing)
            excluded.append(it.key());
    }
    excluded.sort();
    if (excluded != m_excluded) {
        m_excluded = excluded;
        refresh();
    }
    for (const LiveSessionSnapshot& snap : snapshots) {
        const int row = int(m_liveRows.indexOf(snap.summary.sessionId));
        if (row >= 0)
            Q_EMIT dataChanged(index(row, 0), index(row, SessionListModel::ColumnCount - 1));
    }
    const bool anyLive =
        std::any_of(m_live.cbegin(), m_live.cend(), [](const Live& l) { return l.snapshot.live; });
    if (anyLive && !m_clock.isActive())
        m_clock.start();
    else if (!anyLive)
        m_clock.stop();
}

void IndexedSessionListModel::stateChanged(const QString& sessionId)
{
    if (m_needsAttentionOnly)
        updateLiveRows();
    const int row = rowOf(sessionId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, SessionListModel::ColumnCount - 1));
}

void IndexedSessionListModel::tickLiveDurations()
{
    for (int row = 0; row < m_liveRows.size(); ++row) {
        if (m_live.value(m_liveRows.at(row)).snapshot.live)
            Q_EMIT dataChanged(index(row, SessionListModel::DurationColumn),
                               index(row, SessionListModel::DurationColumn),
                               {Qt::DisplayRole, SessionListModel::SortRole});
    }
}

int IndexedSessionListModel::rowOf(const QString& sessionId) const
{
    const int live = int(m_liveRows.indexOf(sessionId));
    if (live >= 0)
        return live;
    // The pages read, then those shown until their new reads arrive (as data() does).
    for (const auto* pages : {&m_pages, &m_stale}) {
        for (auto it = pages->cbegin(); it != pages->cend(); ++it) {
            if (pages == &m_stale && m_pages.contains(it.key()))
                continue;
            for (int i = 0; i < it->rows.size(); ++i) {
                if (it->rows.at(i).summary.sessionId == sessionId) {
                    const qint64 saved = qint64(it.key()) * PageSize + i;
                    if (saved < m_savedCount)
                        return int(m_liveRows.size() + saved);
                }
            }
        }
    }
    return -1;
}

QString IndexedSessionListModel::sessionIdAt(int row) const
{
    return summaryAt(row).sessionId;
}

bool IndexedSessionListModel::isLive(int row) const
{
    return row >= 0 && row < m_liveRows.size() && m_live.value(m_liveRows.at(row)).snapshot.live;
}

bool IndexedSessionListModel::isPinned(int row) const
{
    if (row < m_liveRows.size())
        return false;
    const SessionIndexClient::Row* r = savedRow(row - int(m_liveRows.size()));
    if (!r)
        return false;
    return m_pinOverride.value(r->summary.sessionId, r->pinned);
}

bool IndexedSessionListModel::isLoaded(int row) const
{
    return row >= 0 && (row < m_liveRows.size() || savedRow(row - int(m_liveRows.size())));
}

void IndexedSessionListModel::setPinnedShown(const QString& sessionId, bool pinned)
{
    m_pinOverride.insert(sessionId, pinned);
    const int row = rowOf(sessionId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, SessionListModel::ColumnCount - 1));
}

SessionSummary IndexedSessionListModel::summaryAt(int row) const
{
    if (row < 0)
        return {};
    if (row < m_liveRows.size())
        return m_live.value(m_liveRows.at(row)).snapshot.summary;
    const SessionIndexClient::Row* r = savedRow(row - int(m_liveRows.size()));
    return r ? r->summary : SessionSummary();
}

std::optional<LiveState> IndexedSessionListModel::stateOf(const QString& sessionId,
                                                          const Live* live) const
{
    if (m_stateLookup)
        return m_stateLookup(sessionId);
    return live ? live->snapshot.state : std::nullopt;
}

qint64 IndexedSessionListModel::durationMs(const SessionSummary& s, const Live* live) const
{
    if (!s.startTime.isValid())
        return -1;
    if (live && live->snapshot.live)
        return std::max<qint64>(0, s.startTime.msecsTo(QDateTime::currentDateTimeUtc()));
    QDateTime end = s.endTime;
    if (!end.isValid() && live)
        end = live->snapshot.lastEventTime;
    return end.isValid() ? std::max<qint64>(0, s.startTime.msecsTo(end)) : -1;
}

QVariant IndexedSessionListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    using L = SessionListModel;
    const int rowNo = index.row();
    const Live* live = nullptr;
    const SessionIndexClient::Row* saved = nullptr;
    if (rowNo < m_liveRows.size()) {
        const auto it = m_live.constFind(m_liveRows.at(rowNo));
        live = it == m_live.cend() ? nullptr : &it.value();
    } else {
        saved = savedRow(rowNo - int(m_liveRows.size()));
    }
    if (!live && !saved) {
        // Its page is being read.
        if (role == LoadedRole)
            return false;
        if (role == Qt::DisplayRole && index.column() == L::SessionColumn)
            return QStringLiteral("…");
        return {};
    }
    const SessionSummary& s = live ? live->snapshot.summary : saved->summary;
    const bool isLiveRow = live && live->snapshot.live;
    const bool pinned = saved && m_pinOverride.value(s.sessionId, saved->pinned);
    switch (role) {
    case L::SessionIdRole:
        return s.sessionId;
    case L::FilePathRole:
        return s.filePath;
    case L::IsLiveRole:
        return isLiveRow;
    case L::StatusRole:
        return s.status;
    case L::SearchTextRole:
        return live ? live->snapshot.searchText() : QString();
    case L::LiveStateRole: {
        const std::optional<LiveState> state = stateOf(s.sessionId, live);
        return state ? LiveState::name(state->kind) : QString();
    }
    case L::NeedsAttentionRole: {
        const std::optional<LiveState> state = stateOf(s.sessionId, live);
        return state && state->needsAttention();
    }
    case PinnedRole:
        return pinned;
    case LoadedRole:
        return true;
    case SnippetRole:
        return saved ? saved->snippet : QString();
    default:
        break;
    }
    const int column = index.column();
    if (column == L::StateColumn) {
        const std::optional<LiveState> state = stateOf(s.sessionId, live);
        if (!state)
            return {};
        switch (role) {
        case Qt::DisplayRole:
            return ReadableLabel::liveState(state->kind);
        case Qt::DecorationRole:
            return SessionListModel::stateIcon(state->kind);
        case Qt::ToolTipRole:
            return state->since.isValid()
                       ? tr("%1 since %2")
                             .arg(state->reason, QLocale().toString(state->since.toLocalTime(),
                                                                    QLocale::ShortFormat))
                       : state->reason;
        case Qt::FontRole:
            if (state->needsAttention()) {
                QFont f;
                f.setBold(true);
                return f;
            }
            return {};
        default:
            return {};
        }
    }
    if (role == Qt::DisplayRole) {
        switch (column) {
        case L::SessionColumn:
            return SessionListModel::shortId(s.sessionId);
        case L::ProjectColumn:
            if (s.sessionId == Aggregator::UnattributedId && s.workingDirectory.isEmpty())
                return tr("Events without a session");
            if (saved && !saved->project.isEmpty())
                return saved->project;
            return SessionListModel::projectName(s.workingDirectory);
        case L::BranchColumn:
            return s.gitBranch;
        case L::StartColumn:
            return s.startTime.isValid()
                       ? s.startTime.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                       : QString();
        case L::DurationColumn:
            return SessionListModel::formatDuration(durationMs(s, live));
        case L::EventsColumn:
            return s.totalEvents;
        case L::ToolsColumn:
            return s.toolCalls;
        case L::DelegationsColumn:
            return s.delegations;
        case L::FailuresColumn:
            return s.failures;
        case L::StatusColumn:
            return isLiveRow ? tr("Live") : ReadableLabel::status(s.status);
        case L::TokensColumn:
            return s.totalTokens >= 0 ? QVariant(QLocale().toString(s.totalTokens)) : QVariant();
        }
        return {};
    }
    if (role == Qt::DecorationRole && column == L::SessionColumn && pinned)
        return SessionListModel::pinIcon();
    if (role == Qt::ToolTipRole) {
        if (column == L::SessionColumn) {
            QString tip = s.sessionId;
            if (pinned)
                tip += tr("\nPinned: no cleanup removes it");
            if (saved && !saved->snippet.isEmpty())
                tip += QStringLiteral("\n") + saved->snippet;
            return tip;
        }
        if (column == L::ProjectColumn)
            return s.workingDirectory;
        if (column == L::StartColumn && s.startTime.isValid())
            return QLocale().toString(s.startTime.toLocalTime(), QLocale::LongFormat);
        if (column == L::StatusColumn)
            return s.filePath.isEmpty() ? (isLiveRow ? QStringLiteral("active") : s.status)
                                        : QStringLiteral("%1 — %2").arg(s.status, s.filePath);
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        if ((column >= L::DurationColumn && column <= L::FailuresColumn) ||
            column == L::TokensColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::ForegroundRole) {
        if (column == L::FailuresColumn && s.failures > 0)
            return QBrush(QColor(0xc6, 0x28, 0x28));
        if (column == L::StatusColumn && isLiveRow)
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        return {};
    }
    if (role == Qt::FontRole && isLiveRow && column == L::StatusColumn) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

} // namespace ea

#include "moc_IndexedSessionListModel.cpp"
