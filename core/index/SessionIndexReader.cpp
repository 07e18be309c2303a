#include "index/SessionIndexReader.h"

#include "index/SessionIndexSchema.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace ea {

namespace {

// search() ranks the newest this many matching sessions.
constexpr int kRankWindow = 5000;

const QString kColumns = QStringLiteral(
    "s.id, s.session_id, s.project, s.working_directory, s.branch, s.start_ms, s.end_ms, s.status, "
    "s.events, s.tool_calls, s.delegations, s.failures, s.unknown_results, s.turns, s.tokens, "
    "s.duration_ms, s.initial_prompt, s.file_name, s.file_size, s.file_mtime_ms, s.pinned, "
    "s.damaged, s.error");

QDateTime utc(const QVariant& ms)
{
    if (ms.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms.toLongLong(), Qt::UTC);
}

IndexedSession row(const QSqlQuery& q, const QString& dir)
{
    IndexedSession s;
    s.rowId = q.value(0).toLongLong();
    s.sessionId = q.value(1).toString();
    s.project = q.value(2).toString();
    s.workingDirectory = q.value(3).toString();
    s.branch = q.value(4).toString();
    s.start = utc(q.value(5));
    s.end = utc(q.value(6));
    s.status = q.value(7).toString();
    s.events = q.value(8).toInt();
    s.toolCalls = q.value(9).toInt();
    s.delegations = q.value(10).toInt();
    s.failures = q.value(11).toInt();
    s.unknownResults = q.value(12).toInt();
    s.turns = q.value(13).toInt();
    s.tokens = q.value(14).isNull() ? -1 : q.value(14).toLongLong();
    s.durationMs = q.value(15).isNull() ? -1 : q.value(15).toLongLong();
    s.initialPrompt = q.value(16).toString();
    s.filePath = dir + QLatin1Char('/') + q.value(17).toString();
    s.fileSize = q.value(18).toLongLong();
    s.modified = utc(q.value(19));
    s.pinned = q.value(20).toInt() != 0;
    s.damaged = q.value(21).toInt() != 0;
    s.error = q.value(22).toString();
    return s;
}

void bindAll(QSqlQuery& q, const QVariantList& values)
{
    for (const QVariant& v : values)
        q.addBindValue(v);
}

// The snippet without its match markers (\x02 ... \x03), and where the matches were.
void takeMarkers(const QString& marked, SearchHit* hit)
{
    hit->snippet.clear();
    hit->matches.clear();
    int start = -1;
    for (const QChar c : marked) {
        if (c == QChar(0x02)) {
            start = int(hit->snippet.size());
        } else if (c == QChar(0x03)) {
            if (start >= 0)
                hit->matches.append({start, int(hit->snippet.size()) - start});
            start = -1;
        } else {
            hit->snippet.append(c);
        }
    }
}

} // namespace

SessionIndexReader::SessionIndexReader(const QString& activityDirectory)
    : m_dir(QDir::cleanPath(QDir(activityDirectory).absolutePath())),
      m_connection(QStringLiteral("ea.index.reader.%1").arg(quintptr(this), 0, 16))
{}

SessionIndexReader::~SessionIndexReader()
{
    if (QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

QString SessionIndexReader::databasePath() const
{
    return QDir(m_dir).filePath(SessionIndexSchema::fileName);
}

bool SessionIndexReader::open(Schema schema)
{
    if (isOpen())
        return true;
    const QString path = databasePath();
    if (!QFileInfo::exists(path)) {
        m_error = QStringLiteral("there is no session database %1 yet").arg(path);
        return false;
    }
    QSqlDatabase db = QSqlDatabase::contains(m_connection)
                          ? QSqlDatabase::database(m_connection, false)
                          : QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        m_error = QStringLiteral("cannot open %1: %2").arg(path, db.lastError().text());
        return false;
    }
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")) ||
        !q.next()) {
        m_error = QStringLiteral("%1 is not a usable session database: %2")
                      .arg(path, q.lastError().text());
        q.finish();
        db.close();
        return false;
    }
    if (schema == Schema::Current && q.value(0).toInt() != SessionIndexSchema::version) {
        m_error = QStringLiteral("%1 has schema version %2, this program uses %3")
                      .arg(path, q.value(0).toString())
                      .arg(SessionIndexSchema::version);
        q.finish();
        db.close();
        return false;
    }
    m_error.clear();
    return true;
}

bool SessionIndexReader::isOpen() const
{
    return QSqlDatabase::contains(m_connection) &&
           QSqlDatabase::database(m_connection, false).isOpen();
}

bool SessionIndexReader::run(QSqlQuery& q, const QString& sql, const QVariantList& values)
{
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    bindAll(q, values);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

int SessionIndexReader::count(const SessionQuery& query)
{
    if (!open())
        return -1;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!run(q, QStringLiteral("SELECT count(*) FROM sessions s WHERE ") + query.where(),
             query.bindings()) ||
        !q.next())
        return -1;
    return q.value(0).toInt();
}

QString SessionIndexReader::sortColumnName(SortColumn column)
{
    switch (column) {
    case SortColumn::Start:
        return QStringLiteral("s.start_ms");
    case SortColumn::End:
        return QStringLiteral("s.end_ms");
    case SortColumn::Project:
        return QStringLiteral("s.project COLLATE NOCASE");
    case SortColumn::Branch:
        return QStringLiteral("s.branch COLLATE NOCASE");
    case SortColumn::Status:
        return QStringLiteral("s.status");
    case SortColumn::Events:
        return QStringLiteral("s.events");
    case SortColumn::ToolCalls:
        return QStringLiteral("s.tool_calls");
    case SortColumn::Failures:
        return QStringLiteral("s.failures");
    case SortColumn::Turns:
        return QStringLiteral("s.turns");
    case SortColumn::Tokens:
        return QStringLiteral("s.tokens");
    case SortColumn::Duration:
        return QStringLiteral("s.duration_ms");
    case SortColumn::Pinned:
        return QStringLiteral("s.pinned");
    }
    return QStringLiteral("s.start_ms");
}

QList<IndexedSession> SessionIndexReader::sessions(const SessionQuery& query, SortColumn sort,
                                                   Qt::SortOrder order, int offset, int limit)
{
    QList<IndexedSession> out;
    if (!open())
        return out;
    const QString dir =
        order == Qt::AscendingOrder ? QStringLiteral("ASC") : QStringLiteral("DESC");
    // The sort column and direction come from enums, never from text.
    const QString sql = QStringLiteral("SELECT %1 FROM sessions s WHERE %2 ORDER BY %3 %4, s.id %4 "
                                       "LIMIT ? OFFSET ?")
                            .arg(kColumns, query.where(), sortColumnName(sort), dir);
    QVariantList values = query.bindings();
    values << qMax(0, limit) << qMax(0, offset);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    if (!run(q, sql, values))
        return out;
    while (q.next())
        out.append(row(q, m_dir));
    return out;
}

IndexedSession SessionIndexReader::session(qint64 rowId)
{
    if (!open())
        return {};
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!run(q, QStringLiteral("SELECT %1 FROM sessions s WHERE s.id = ?").arg(kColumns),
             {rowId}) ||
        !q.next())
        return {};
    return row(q, m_dir);
}

QList<IndexedSession> SessionIndexReader::sessionsById(const QString& idOrPrefix)
{
    QList<IndexedSession> out;
    if (!open())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    // The exact id wins over ids it is a prefix of.
    if (!run(q,
             QStringLiteral("SELECT %1 FROM sessions s WHERE s.session_id = ? ORDER BY s.start_ms "
                            "DESC")
                 .arg(kColumns),
             {idOrPrefix}))
        return out;
    while (q.next())
        out.append(row(q, m_dir));
    if (!out.isEmpty())
        return out;
    if (!run(q,
             QStringLiteral("SELECT %1 FROM sessions s WHERE substr(s.session_id, 1, length(?)) = "
                            "? ORDER BY s.start_ms DESC")
                 .arg(kColumns),
             {idOrPrefix, idOrPrefix}))
        return out;
    while (q.next())
        out.append(row(q, m_dir));
    return out;
}

QList<IndexedSession> SessionIndexReader::allSessions()
{
    QList<IndexedSession> out;
    if (!open())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    if (!run(q, QStringLiteral("SELECT %1 FROM sessions s").arg(kColumns), {}))
        return out;
    while (q.next())
        out.append(row(q, m_dir));
    return out;
}

QList<SearchHit> SessionIndexReader::search(const SessionQuery& query, int offset, int limit)
{
    QList<SearchHit> out;
    if (!query.hasText() || !open())
        return out;
    const QStringList columns = SessionIndexSchema::textColumns();
    QString snippets;
    for (int i = 0; i < columns.size(); ++i)
        snippets += QStringLiteral(", snippet(session_text, %1, char(2), char(3), '…', 16)").arg(i);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    // Ranking costs a few microseconds per matching session (a word in all of 100,000 sessions
    // took 100 ms): the hits are ranked among the newest kRankWindow matches. Rowids follow
    // start times (SessionIndexer indexes oldest first, and a saved session gets a new row).
    const int window = qMax(kRankWindow, qMax(0, offset) + qMax(0, limit));
    QVariantList values{query.textMatch()};
    values += query.filterBindings();
    values << window - 1;
    if (!run(q,
             QStringLiteral("SELECT session_text.rowid FROM session_text JOIN sessions s ON s.id "
                            "= session_text.rowid WHERE session_text MATCH ? AND %1 ORDER BY "
                            "session_text.rowid DESC LIMIT 1 OFFSET ?")
                 .arg(query.filterWhere()),
             values))
        return out;
    const qint64 oldest = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    const QString sql =
        QStringLiteral("SELECT s.id, s.session_id, bm25(session_text) AS r%1 FROM session_text "
                       "JOIN sessions s ON s.id = session_text.rowid WHERE session_text MATCH ? "
                       "AND session_text.rowid >= ? AND %2 ORDER BY r LIMIT ? OFFSET ?")
            .arg(snippets, query.filterWhere());
    values = {query.textMatch(), oldest};
    values += query.filterBindings();
    values << qMax(0, limit) << qMax(0, offset);
    if (!run(q, sql, values))
        return out;
    while (q.next()) {
        SearchHit hit;
        hit.rowId = q.value(0).toLongLong();
        hit.sessionId = q.value(1).toString();
        hit.rank = q.value(2).toDouble();
        // The first column that holds a match (its snippet carries the markers).
        for (int i = 0; i < columns.size(); ++i) {
            const QString marked = q.value(3 + i).toString();
            if (marked.contains(QChar(0x02))) {
                hit.column = columns.at(i);
                takeMarkers(marked, &hit);
                break;
            }
        }
        out.append(hit);
    }
    return out;
}

std::optional<SessionIndexReader::GroupBy> SessionIndexReader::groupByFromName(const QString& name)
{
    if (name == QLatin1String("none"))
        return GroupBy::None;
    if (name == QLatin1String("day"))
        return GroupBy::Day;
    if (name == QLatin1String("project"))
        return GroupBy::Project;
    if (name == QLatin1String("agent"))
        return GroupBy::Agent;
    if (name == QLatin1String("tool"))
        return GroupBy::Tool;
    return std::nullopt;
}

StatsTable SessionIndexReader::stats(const SessionQuery& query, GroupBy by)
{
    StatsTable out;
    if (!open())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    QHash<QString, qsizetype> at;
    const auto rowFor = [&](const QString& key) -> StatsRow& {
        auto it = at.constFind(key);
        if (it == at.constEnd()) {
            it = at.insert(key, out.size());
            StatsRow r;
            r.key = key;
            out.append(r);
        }
        return out[*it];
    };
    const QString where = query.where();
    const QVariantList values = query.bindings();
    QString durationsSql;
    if (by == GroupBy::None || by == GroupBy::Day || by == GroupBy::Project) {
        const QString key = by == GroupBy::None ? QStringLiteral("''")
                            : by == GroupBy::Day
                                ? QStringLiteral("coalesce(strftime('%Y-%m-%d', s.start_ms / 1000, "
                                                 "'unixepoch'), '')")
                                : QStringLiteral("s.project");
        const QString sql =
            QStringLiteral("SELECT %1 AS k, count(*), sum(s.turns), sum(s.tool_calls), "
                           "sum(s.failures), sum(s.tool_calls + s.delegations), "
                           "sum(coalesce(s.tokens, 0)) FROM sessions s WHERE %2 GROUP BY k ORDER "
                           "BY k")
                .arg(key, where);
        if (!run(q, sql, values))
            return {};
        while (q.next()) {
            StatsRow& r = rowFor(q.value(0).toString());
            r.sessions = q.value(1).toLongLong();
            r.turns = q.value(2).toLongLong();
            r.toolCalls = q.value(3).toLongLong();
            r.failures = q.value(4).toLongLong();
            const qint64 attempts = q.value(5).toLongLong();
            r.failureRate = attempts > 0 ? double(r.failures) / double(attempts) : 0.0;
            r.tokens = q.value(6).toLongLong();
        }
        durationsSql = QStringLiteral("SELECT %1 AS k, s.duration_ms AS d FROM sessions s WHERE "
                                      "%2 AND s.duration_ms IS NOT NULL")
                           .arg(key, where);
    } else {
        // From the per-session totals (session_tools, session_agents): one row per session and
        // group instead of one per call. With no filter, not even the sessions are read.
        const bool tool = by == GroupBy::Tool;
        const bool everything = where == QLatin1String("1");
        const QString join =
            everything ? QString() : QStringLiteral(" JOIN sessions s ON s.id = t.session");
        const QString sql =
            tool ? QStringLiteral("SELECT t.tool, count(*), sum(t.calls), sum(t.failures), "
                                  "sum(t.turns), sum(t.tokens), sum(t.calls) FROM session_tools "
                                  "t%1 WHERE %2 GROUP BY t.tool ORDER BY t.tool")
                 : QStringLiteral("SELECT t.agent, sum(t.delegations > 0), sum(t.calls), "
                                  "sum(t.failures), sum(iif(t.delegations > 0, t.turns, 0)), "
                                  "sum(iif(t.delegations > 0, t.tokens, 0)), sum(t.delegations) "
                                  "FROM session_agents t%1 WHERE %2 GROUP BY t.agent HAVING "
                                  "sum(t.delegations) > 0 ORDER BY t.agent");
        if (!run(q, sql.arg(join, where), values))
            return {};
        while (q.next()) {
            StatsRow& r = rowFor(q.value(0).toString());
            r.sessions = q.value(1).toLongLong();
            r.toolCalls = q.value(2).toLongLong();
            r.failures = q.value(3).toLongLong();
            r.turns = q.value(4).toLongLong();
            r.tokens = q.value(5).toLongLong();
            const qint64 n = q.value(6).toLongLong(); // calls (tool), delegations (agent)
            r.failureRate = n > 0 ? double(r.failures) / double(n) : 0.0;
        }
        q.finish();
        if (!durationPercentiles(q, tool, query, &out))
            return {};
        return out;
    }
    // Nearest rank, computed in SQL so only two rows per group come back: the smallest value
    // with at least p % of the group's values at or below it.
    const QString ranked =
        QStringLiteral("SELECT k, d, rn, n FROM (SELECT k, d, row_number() OVER (PARTITION BY k "
                       "ORDER BY d) AS rn, count(*) OVER (PARTITION BY k) AS n FROM (%1)) WHERE "
                       "rn = (n * 50 + 99) / 100 OR rn = (n * 95 + 99) / 100")
            .arg(durationsSql);
    if (!run(q, ranked, values))
        return {};
    while (q.next()) {
        const auto it = at.constFind(q.value(0).toString());
        if (it == at.constEnd())
            continue;
        const qint64 d = q.value(1).toLongLong();
        const qint64 rn = q.value(2).toLongLong();
        const qint64 n = q.value(3).toLongLong();
        if (rn == (n * 50 + 99) / 100)
            out[*it].p50DurationMs = d;
        if (rn == (n * 95 + 99) / 100)
            out[*it].p95DurationMs = d;
    }
    return out;
}

bool SessionIndexReader::durationPercentiles(QSqlQuery& q, bool tool, const SessionQuery& query,
                                             StatsTable* out)
{
    const QString table = tool ? QStringLiteral("tool_calls") : QStringLiteral("delegations");
    const QString key = tool ? QStringLiteral("tool") : QStringLiteral("agent_type");
    const bool everything = query.where() == QLatin1String("1");
    const QString filter =
        everything ? QString()
                   : QStringLiteral(" AND session IN (SELECT s.id FROM sessions s WHERE %1)")
                         .arg(query.where());
    const QVariantList filterValues = everything ? QVariantList() : query.bindings();
    QHash<QString, qint64> timed;
    if (!run(q,
             QStringLiteral("SELECT %1, count(*) FROM %2 WHERE duration_ms IS NOT NULL%3 GROUP "
                            "BY %1")
                 .arg(key, table, filter),
             filterValues))
        return false;
    while (q.next())
        timed.insert(q.value(0).toString(), q.value(1).toLongLong());
    q.finish();
    // Nearest rank (the smallest value with at least p % of the group's at or below it), found
    // by walking the (group, duration) index to it: no sort of every call.
    const QString at = QStringLiteral("SELECT duration_ms FROM %2 WHERE %1 = ? AND duration_ms IS "
                                      "NOT NULL%3 ORDER BY duration_ms LIMIT 1 OFFSET ?")
                           .arg(key, table, filter);
    for (StatsRow& r : *out) {
        const qint64 n = timed.value(r.key);
        if (n == 0)
            continue;
        for (const int p : {50, 95}) {
            QVariantList values{r.key};
            values += filterValues;
            values << (n * p + 99) / 100 - 1;
            if (!run(q, at, values))
                return false;
            if (q.next())
                (p == 50 ? r.p50DurationMs : r.p95DurationMs) = q.value(0).toLongLong();
            q.finish();
        }
    }
    return true;
}

StatsTable SessionIndexReader::topFiles(const SessionQuery& query, int limit)
{
    StatsTable out;
    if (!open())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    // A session has a path once (files rows are unique per session): its touches are its
    // sessions. With no filter the sessions are not read at all.
    const QString where = query.where();
    const QString sql =
        QStringLiteral("SELECT f.path, count(*) AS n FROM files f%1 WHERE %2 GROUP BY f.path ORDER "
                       "BY n DESC, f.path LIMIT ?")
            .arg(where == QLatin1String("1")
                     ? QString()
                     : QStringLiteral(" JOIN sessions s ON s.id = f.session"),
                 where);
    QVariantList values = query.bindings();
    values << qMax(0, limit);
    if (!run(q, sql, values))
        return {};
    while (q.next()) {
        StatsRow r;
        r.key = q.value(0).toString();
        r.toolCalls = q.value(1).toLongLong();
        r.sessions = r.toolCalls;
        out.append(r);
    }
    return out;
}

} // namespace ea
