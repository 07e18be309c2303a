// The table of sessions, live and saved: one row per session id, updated in place.
#pragma once

#include "model/SessionSummary.h"
#include "presentation/LiveSessionSnapshot.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QList>
#include <QTimer>

#include <functional>
#include <optional>

namespace ea {

// Saved rows come from SessionStore::list(), live rows from LiveSessionFeed batches. A live
// session that is also saved (reopened, or resumed after a restart) shows its live state.
// Rows are never reordered here (sorting is the proxy's job): updates are dataChanged on the
// rows that changed, additions are appended, removals remove just those rows.
class SessionListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        SessionColumn,
        ProjectColumn,
        BranchColumn,
        StartColumn,
        DurationColumn,
        EventsColumn,
        ToolsColumn,
        DelegationsColumn,
        FailuresColumn,
        StatusColumn,
        TokensColumn, // after the older ones, so those keep their indices
        StateColumn,  // working, needs permission, waiting for you, ... (sessions still going on)
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1, // raw value for sorting: numbers and date-times
        SessionIdRole,
        FilePathRole, // empty for a session not saved yet
        IsLiveRole,
        StatusRole,         // "active", "completed", ...
        SearchTextRole,     // live rows only: lower-cased prompt, response, project, agents, tools
        LiveStateRole,      // "working", "needs_permission", ...; empty when not going on
        NeedsAttentionRole, // needs permission or probably blocked
    };

    explicit SessionListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces the saved rows with this listing (damaged files are left out).
    void setSavedSessions(const QList<SessionSummary>& sessions);
    // A batch from LiveSessionFeed.
    void applyLive(const QList<LiveSessionSnapshot>& snapshots);
    // The saved file of a session is gone (deleted from the browser).
    void removeSaved(const QString& sessionId);
    // Where rows read the live state of their session (a session whose turn ended is saved,
    // no longer live, yet waiting for you): the capture's state monitor.
    void setStateLookup(std::function<std::optional<LiveState>(const QString&)> lookup)
    {
        m_stateLookup = std::move(lookup);
    }
    // A session's live state changed: its row shows it now.
    void stateChanged(const QString& sessionId);
    // A small icon per state: a warning triangle for those needing you, discs for the rest.
    static QIcon stateIcon(LiveState::Kind kind);
    // A pin: the session is kept by every cleanup.
    static QIcon pinIcon();
    static QString columnName(int column);

    int rowOf(const QString& sessionId) const { return m_rowById.value(sessionId, -1); }
    QString sessionIdAt(int row) const;
    bool isLive(int row) const;
    SessionSummary summaryAt(int row) const;
    int liveCount() const;

    static QString shortId(const QString& sessionId);
    static QString formatDuration(qint64 ms);
    static QString projectName(const QString& workingDirectory);

private:
    struct Row
    {
        SessionSummary saved;        // sessionId empty: no saved file (yet)
        LiveSessionSnapshot current; // meaningful while hasLive
        bool hasLive = false;        // the live feed has reported this session
        bool live = false;           // it is live now
        const SessionSummary& shown() const { return hasLive ? current.summary : saved; }
    };

    qint64 durationMs(const Row& row) const;
    std::optional<LiveState> stateOf(const Row& row) const;
    void appendRow(Row row);
    void removeRowAt(int row);
    void emitRowChanged(int row);
    void tickLiveDurations();

    QList<Row> m_rows;
    QHash<QString, int> m_rowById;
    QTimer m_clock; // advances the elapsed time of live rows
    std::function<std::optional<LiveState>(const QString&)> m_stateLookup;
};

} // namespace ea
