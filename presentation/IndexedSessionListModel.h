// The session browser's table over the session database: live sessions on top, saved ones paged in
// from SQL.
#pragma once

#include "presentation/LiveSessionSnapshot.h"
#include "presentation/SessionIndexClient.h"
#include "presentation/SessionListModel.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace ea {

// Rows 0..L-1 are the live sessions the query matches (from LiveSessionFeed, matched in
// memory: they are few), rows L.. the saved sessions, in the database's order: the query
// filters and the header's column sorts in SQL. Saved rows are read a page at a time, when a
// view first asks for one, on SessionIndexClient's worker; until a page arrives its rows read
// "…". So 100,000 sessions open as fast as 200, and scrolling to the end reads only the end.
// Columns and roles are SessionListModel's, so views and settings carry over.
class IndexedSessionListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    static constexpr int PageSize = 200;
    static constexpr int MaxCachedPages = 50; // 10,000 rows; farther pages are dropped
    enum Role
    {
        PinnedRole = SessionListModel::NeedsAttentionRole + 1,
        LoadedRole, // false while the row's page is being read
        SnippetRole,
    };

    explicit IndexedSessionListModel(SessionIndexClient* client, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // A query in the search syntax (already checked); saved rows are read again. `ranked`:
    // best full-text match first (until a column is sorted by).
    void setQuery(const QString& query, bool ranked = false);
    QString query() const { return m_query; }
    bool isRanked() const { return m_ranked; }
    // Which live sessions the current query lets through (nullptr: all).
    void setLiveFilter(std::function<bool(const LiveSessionSnapshot&)> filter);
    // Only sessions that need the user now: the live rows that do, and no saved rows (a
    // session waiting for you is live in the state monitor, even after its turn was saved).
    void setNeedsAttentionOnly(bool on);
    bool needsAttentionOnly() const { return m_needsAttentionOnly; }
    // The database changed (a save, a delete, a cleanup): count again, re-read the pages
    // shown, keep the rows' places meanwhile.
    void refresh();

    // A batch from LiveSessionFeed.
    void applyLive(const QList<LiveSessionSnapshot>& snapshots);
    void setStateLookup(std::function<std::optional<LiveState>(const QString&)> lookup)
    {
        m_stateLookup = std::move(lookup);
    }
    void stateChanged(const QString& sessionId);

    // -1 when the session is not among the live rows or the pages read so far.
    int rowOf(const QString& sessionId) const;
    QString sessionIdAt(int row) const;
    bool isLive(int row) const;
    bool isPinned(int row) const;
    bool isLoaded(int row) const;
    SessionSummary summaryAt(int row) const;
    int liveCount() const { return int(m_liveRows.size()); }
    qint64 savedCount() const { return m_savedCount; }
    // Waiting for the count of a new query (its rows are not known yet).
    bool isCounting() const { return m_countTicket != 0; }
    // Marks a saved row pinned or not until the next read confirms it.
    void setPinnedShown(const QString& sessionId, bool pinned);

Q_SIGNALS:
    // The saved rows' count for the query is known (after setQuery, sort, refresh).
    void counted(qint64 savedCount);
    // Rows [first, last] have their data now.
    void rowsLoaded(int first, int last);
    void queryFailed(const QString& error);

private:
    struct Live
    {
        LiveSessionSnapshot snapshot;
        bool finishing = false; // completed: shown until the database has it
    };
    struct Page
    {
        QList<SessionIndexClient::Row> rows;
    };

    void restart();
    void requestPage(int page) const;
    void onCount(SessionIndexClient::Ticket ticket, qint64 count);
    void onRows(SessionIndexClient::Ticket ticket, int offset,
                const QList<SessionIndexClient::Row>& rows);
    void onFailed(SessionIndexClient::Ticket ticket, const QString& error);
    const SessionIndexClient::Row* savedRow(int savedIndex) const;
    bool liveShown(const Live& live) const;
    void updateLiveRows();
    std::optional<LiveState> stateOf(const QString& sessionId, const Live* live) const;
    qint64 durationMs(const SessionSummary& s, const Live* live) const;
    void tickLiveDurations();
    SessionIndexClient::SortKey sortKey() const;
    SessionIndexClient::SortKey sortKeyIgnoringRank() const;

    SessionIndexClient* m_client = nullptr;
    QString m_query;
    int m_sortColumn = SessionListModel::StartColumn;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    bool m_needsAttentionOnly = false;
    bool m_ranked = false;
    std::function<bool(const LiveSessionSnapshot&)> m_liveFilter;
    std::function<std::optional<LiveState>(const QString&)> m_stateLookup;

    QHash<QString, Live> m_live; // every live (or just finished) session
    QStringList m_liveRows;      // ids shown, in row order
    QStringList m_excluded;      // live ids, sorted: left out of the saved rows
    qint64 m_savedCount = 0;     // saved rows shown
    SessionIndexClient::Ticket m_countTicket = 0;
    mutable QHash<int, Page> m_pages; // page number -> rows read
    mutable QHash<int, Page> m_stale; // pages from before refresh(), shown until re-read
    mutable QHash<SessionIndexClient::Ticket, int> m_pageTickets; // pending reads
    mutable QSet<int> m_pending;                                  // pages being read
    QHash<QString, bool> m_pinOverride;
    QTimer m_clock; // advances the elapsed time of live rows
};

} // namespace ea
