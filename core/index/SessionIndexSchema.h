// The session database's tables, their DDL and the schema version a database must carry.
#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

namespace ea {

// One database per activity directory, `.sessions.db` (WAL mode: `-wal` and `-shm` beside it).
// It is a cache of the session files: deleting it loses nothing, it is rebuilt from them.
//   meta(key, value)            schema_version, built_at
//   sessions(id, ...)           one row per session file; id is the rowid every other table uses
//   tool_calls(session, seq, ...)  one row per tool call: tool, target (command or file),
//                               outcome (success, failure, unknown), duration_ms, agent, turn
//   delegations(session, seq, ...)  agent_type, outcome, duration_ms
//   files(session, path, kind)  kind: read or modified
//   turns(session, ...)         idx, start_ms, duration_ms, tool_calls, failures, tokens
//   session_tools, session_agents  per session and tool / agent: counts for stats
//   session_text                FTS5, one row per session (rowid = sessions.id), columns:
//                               prompts, responses, tools (inputs and outputs), paths, commands,
//                               agents
class SessionIndexSchema
{
public:
    // Raised whenever a table changes shape or what is extracted into it: an older database is
    // rebuilt from the files.
    static constexpr int version = 4;
    static inline const QString fileName = QStringLiteral(".sessions.db");
    // The FTS5 table and its columns, in order.
    static inline const QString textTable = QStringLiteral("session_text");
    static QStringList textColumns();

    // CREATE statements for an empty database, in order (tables, indexes, FTS5).
    static QStringList createStatements();
    // Every table the schema has (for checks and for dropping).
    static QStringList tables();

    // sessions.tools / sessions.agents: each name lower-cased between unit separators
    // ("\x1fbash\x1fread\x1f"); listEntry() is what instr() looks for.
    static QString listEntry(QStringView name);
    static QString nameList(QStringList names);
    // files.rpath: the path lower-cased and reversed.
    static QString reversedPath(QStringView path);
};

} // namespace ea
