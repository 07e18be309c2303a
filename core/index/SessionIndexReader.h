// Answers questions from the session database, read-only: list pages, full-text search, statistics.
#pragma once

#include "index/IndexedSession.h"
#include "index/SessionQuery.h"

#include <QList>
#include <QString>
#include <QtGlobal>

#include <optional>

class QSqlQuery;

namespace ea {

struct SearchHit
{
    qint64 rowId = 0;
    QString sessionId;
    double rank = 0; // bm25: lower is better; hits come best first
    QString column;  // which text matched: prompts, responses, tools, paths, commands, agents
    QString snippet; // plain text around the match
    struct Span
    {
        int offset = 0; // into snippet
        int length = 0;
    };
    QList<Span> matches;
};

struct StatsRow
{
    QString key; // the group: a day (yyyy-MM-dd, UTC), project, agent type or tool; "" for None
    qint64 sessions = 0;
    qint64 turns = 0;
    qint64 toolCalls = 0;
    qint64 failures = 0;    // failed tool calls (Tool), delegations (Agent), or both (others)
    double failureRate = 0; // failures / (tool calls, delegations or both), 0 when none
    // Durations in the group: of the tool calls (Tool), the delegations (Agent), the sessions
    // (None, Day, Project). -1 when there are none.
    qint64 p50DurationMs = -1;
    qint64 p95DurationMs = -1;
    qint64 tokens = 0; // of the sessions in the group (a session counts in each agent/tool group)
};

using StatsTable = QList<StatsRow>;

// Opens `.sessions.db` in an activity directory read-only: a second process (the CLI, the
// browser) reads while the capture writes, and never blocks it (WAL). Not thread-safe: use it
// on the thread that made it (Qt SQL connections are per thread).
class SessionIndexReader
{
public:
    enum class SortColumn
    {
        Start,
        End,
        Project,
        Branch,
        Status,
        Events,
        ToolCalls,
        Failures,
        Turns,
        Tokens,
        Duration,
        Pinned
    };
    enum class GroupBy
    {
        None,
        Day,
        Project,
        Agent,
        Tool
    };

    explicit SessionIndexReader(const QString& activityDirectory);
    ~SessionIndexReader();
    SessionIndexReader(const SessionIndexReader&) = delete;
    SessionIndexReader& operator=(const SessionIndexReader&) = delete;

    // False with error() when the database is missing, damaged or of another schema version
    // (the capture process, or SessionIndexer::open(), rebuilds it).
    enum class Schema
    {
        Current,
        Any // also an older version: its sessions table has every column sessions() reads
    };
    bool open(Schema schema = Schema::Current);
    bool isOpen() const;
    QString error() const { return m_error; }
    QString databasePath() const;

    // -1 on error.
    int count(const SessionQuery& query);
    QList<IndexedSession> sessions(const SessionQuery& query, SortColumn sort = SortColumn::Start,
                                   Qt::SortOrder order = Qt::DescendingOrder, int offset = 0,
                                   int limit = 100);
    // One session by rowId or (unique) session id; rowId 0 / empty id when none.
    IndexedSession session(qint64 rowId);
    QList<IndexedSession> sessionsById(const QString& sessionIdOrPrefix);
    // Every row, in no order (the store's listing: IndexedSummaryCache).
    QList<IndexedSession> allSessions();
    // The query's free text ranked (best first) among the sessions its other terms select;
    // nothing when it has no free text.
    QList<SearchHit> search(const SessionQuery& query, int offset = 0, int limit = 50);
    StatsTable stats(const SessionQuery& query, GroupBy by = GroupBy::None);
    // The files the query's sessions touched most (read or modified), most first: key is the
    // path, toolCalls the touches, sessions how many sessions touched it.
    StatsTable topFiles(const SessionQuery& query, int limit = 10);

    static QString sortColumnName(SortColumn column);
    static std::optional<GroupBy> groupByFromName(const QString& name);

private:
    bool run(QSqlQuery& q, const QString& sql, const QVariantList& values);
    // Fills p50/p95 of out's groups: tool-call durations (tool) or delegation durations.
    bool durationPercentiles(QSqlQuery& q, bool tool, const SessionQuery& query, StatsTable* out);

    QString m_dir;
    QString m_connection;
    QString m_error;
};

} // namespace ea
