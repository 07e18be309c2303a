#include "index/SessionIndexSchema.h"

#include <algorithm>

namespace ea {

QStringList SessionIndexSchema::textColumns()
{
    return {QStringLiteral("prompts"), QStringLiteral("responses"), QStringLiteral("tools"),
            QStringLiteral("paths"),   QStringLiteral("commands"),  QStringLiteral("agents")};
}

QStringList SessionIndexSchema::tables()
{
    return {QStringLiteral("meta"),
            QStringLiteral("sessions"),
            QStringLiteral("tool_calls"),
            QStringLiteral("delegations"),
            QStringLiteral("files"),
            QStringLiteral("turns"),
            QStringLiteral("session_tools"),
            QStringLiteral("session_agents"),
            textTable};
}

QStringList SessionIndexSchema::createStatements()
{
    // Times are UTC milliseconds since the epoch; NULL when unknown. Child rows go with their
    // session (ON DELETE CASCADE; foreign_keys is switched on per connection).
    return {
        QStringLiteral("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID"),
        QStringLiteral("CREATE TABLE sessions("
                       "id INTEGER PRIMARY KEY,"
                       "session_id TEXT NOT NULL,"
                       "file_name TEXT NOT NULL UNIQUE,"
                       "file_size INTEGER NOT NULL,"
                       "file_mtime_ms INTEGER NOT NULL,"
                       "project TEXT NOT NULL DEFAULT '',"
                       "working_directory TEXT NOT NULL DEFAULT '',"
                       "branch TEXT NOT NULL DEFAULT '',"
                       "start_ms INTEGER,"
                       "end_ms INTEGER,"
                       "status TEXT NOT NULL DEFAULT '',"
                       "completion_reason TEXT NOT NULL DEFAULT '',"
                       "events INTEGER NOT NULL DEFAULT 0,"
                       "tool_calls INTEGER NOT NULL DEFAULT 0,"
                       "delegations INTEGER NOT NULL DEFAULT 0,"
                       "failures INTEGER NOT NULL DEFAULT 0,"
                       "unknown_results INTEGER NOT NULL DEFAULT 0,"
                       "turns INTEGER NOT NULL DEFAULT 0,"
                       "tokens INTEGER,"
                       "duration_ms INTEGER,"
                       "initial_prompt TEXT NOT NULL DEFAULT '',"
                       "pinned INTEGER NOT NULL DEFAULT 0,"
                       "damaged INTEGER NOT NULL DEFAULT 0,"
                       "error TEXT NOT NULL DEFAULT '',"
                       // The session's tools and agents, lower-cased, each between two unit
                       // separators (\x1f): tool:/agent: test them with instr() in the scan
                       // index below instead of going through the child tables.
                       "tools TEXT NOT NULL DEFAULT '',"
                       "agents TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE INDEX sessions_start ON sessions(start_ms)"),
        // Every column a filter reads, in a row a tenth of the session's: counting and paging
        // through 100,000 sessions reads this index, not the table.
        QStringLiteral("CREATE INDEX sessions_scan ON sessions(start_ms, status, failures, tokens, "
                       "tool_calls, turns, events, duration_ms, pinned, project, branch, tools, "
                       "agents)"),
        QStringLiteral("CREATE INDEX sessions_session_id ON sessions(session_id)"),
        QStringLiteral(
            "CREATE INDEX sessions_project ON sessions(project COLLATE NOCASE, start_ms)"),
        // The big child tables are clustered by session (WITHOUT ROWID, the session's id first
        // in the key): a session's rows are one range, found and deleted (ON DELETE CASCADE)
        // without an index of their own, and a saved session appends to the end of each tree.
        // seq is the row's place in its session's document.
        QStringLiteral("CREATE TABLE tool_calls("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "seq INTEGER NOT NULL,"
                       "tool TEXT NOT NULL,"
                       "target TEXT NOT NULL DEFAULT '',"
                       "outcome TEXT NOT NULL,"
                       "duration_ms INTEGER,"
                       "agent TEXT NOT NULL DEFAULT '',"
                       "turn INTEGER,"
                       "PRIMARY KEY(session, seq)) WITHOUT ROWID"),
        // Percentiles walk a tool's durations in order (OFFSET), never sort them. Which
        // sessions called a tool is read from sessions.tools, not from here.
        QStringLiteral(
            "CREATE INDEX tool_calls_duration ON tool_calls(tool, duration_ms, session)"),
        QStringLiteral("CREATE TABLE delegations("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "seq INTEGER NOT NULL,"
                       "agent_type TEXT NOT NULL,"
                       "outcome TEXT NOT NULL,"
                       "duration_ms INTEGER,"
                       "PRIMARY KEY(session, seq)) WITHOUT ROWID"),
        QStringLiteral("CREATE INDEX delegations_duration ON delegations(agent_type, duration_ms, "
                       "session)"),
        QStringLiteral("CREATE TABLE files("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "path TEXT NOT NULL,"
                       "kind TEXT NOT NULL,"
                       // The path lower-cased and reversed: file:src/auth.py (an end of a path)
                       // becomes a prefix range on this column's index.
                       "rpath TEXT NOT NULL,"
                       "PRIMARY KEY(session, path)) WITHOUT ROWID"),
        QStringLiteral("CREATE INDEX files_path ON files(path)"),
        QStringLiteral("CREATE INDEX files_rpath ON files(rpath, session)"),
        QStringLiteral("CREATE TABLE turns("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "idx INTEGER NOT NULL,"
                       "start_ms INTEGER,"
                       "duration_ms INTEGER,"
                       "tool_calls INTEGER NOT NULL DEFAULT 0,"
                       "failures INTEGER NOT NULL DEFAULT 0,"
                       "tokens INTEGER)"),
        // A file's turn indexes are not trusted to be unique: turns keep a rowid.
        QStringLiteral("CREATE INDEX turns_session ON turns(session)"),
        // Per session and tool (and agent): what `stats --by tool|agent` sums, so it reads one
        // row per session and group instead of every call. turns and tokens are the session's.
        QStringLiteral("CREATE TABLE session_tools("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "tool TEXT NOT NULL,"
                       "calls INTEGER NOT NULL,"
                       "failures INTEGER NOT NULL,"
                       "turns INTEGER NOT NULL,"
                       "tokens INTEGER NOT NULL,"
                       "PRIMARY KEY(session, tool)) WITHOUT ROWID"),
        QStringLiteral("CREATE INDEX session_tools_tool ON session_tools(tool, calls, failures, "
                       "turns, tokens)"),
        // delegations: to that agent type; calls: tool calls that agent made; a session with
        // calls by an agent but no delegation to it has delegations = 0.
        QStringLiteral("CREATE TABLE session_agents("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "agent TEXT NOT NULL,"
                       "delegations INTEGER NOT NULL,"
                       "failures INTEGER NOT NULL,"
                       "calls INTEGER NOT NULL,"
                       "turns INTEGER NOT NULL,"
                       "tokens INTEGER NOT NULL,"
                       "PRIMARY KEY(session, agent)) WITHOUT ROWID"),
        QStringLiteral("CREATE INDEX session_agents_agent ON session_agents(agent, delegations, "
                       "failures, calls, turns, tokens)"),
        QStringLiteral("CREATE VIRTUAL TABLE session_text USING fts5(prompts, responses, tools, "
                       "paths, commands, agents, tokenize = 'unicode61')"),
    };
}

namespace {
constexpr QChar kSeparator(0x1f);
}

QString SessionIndexSchema::listEntry(QStringView name)
{
    QString out = kSeparator + name.toString().toLower();
    out.replace(kSeparator, QLatin1Char('?')); // a separator inside a name is not one
    out[0] = kSeparator;
    return out + kSeparator;
}

QString SessionIndexSchema::nameList(QStringList names)
{
    for (QString& n : names)
        n = n.toLower().replace(kSeparator, QLatin1Char('?'));
    names.removeAll(QString());
    names.sort();
    names.removeDuplicates();
    if (names.isEmpty())
        return QStringLiteral("");
    return kSeparator + names.join(kSeparator) + kSeparator;
}

QString SessionIndexSchema::reversedPath(QStringView path)
{
    QString out = path.toString().toLower();
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace ea
