#include "index/SessionIndexSchema.h"

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
                       "error TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE INDEX sessions_start ON sessions(start_ms)"),
        QStringLiteral("CREATE INDEX sessions_session_id ON sessions(session_id)"),
        QStringLiteral("CREATE INDEX sessions_project ON sessions(project COLLATE NOCASE)"),
        QStringLiteral("CREATE TABLE tool_calls("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "tool TEXT NOT NULL,"
                       "target TEXT NOT NULL DEFAULT '',"
                       "outcome TEXT NOT NULL,"
                       "duration_ms INTEGER,"
                       "agent TEXT NOT NULL DEFAULT '',"
                       "turn INTEGER)"),
        QStringLiteral("CREATE INDEX tool_calls_session ON tool_calls(session)"),
        QStringLiteral("CREATE INDEX tool_calls_tool ON tool_calls(tool COLLATE NOCASE, session)"),
        QStringLiteral("CREATE TABLE delegations("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "agent_type TEXT NOT NULL,"
                       "outcome TEXT NOT NULL,"
                       "duration_ms INTEGER)"),
        QStringLiteral("CREATE INDEX delegations_session ON delegations(session)"),
        QStringLiteral(
            "CREATE INDEX delegations_agent ON delegations(agent_type COLLATE NOCASE, session)"),
        QStringLiteral("CREATE TABLE files("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "path TEXT NOT NULL,"
                       "kind TEXT NOT NULL)"),
        QStringLiteral("CREATE INDEX files_session ON files(session)"),
        QStringLiteral("CREATE INDEX files_path ON files(path)"),
        QStringLiteral("CREATE TABLE turns("
                       "session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
                       "idx INTEGER NOT NULL,"
                       "start_ms INTEGER,"
                       "duration_ms INTEGER,"
                       "tool_calls INTEGER NOT NULL DEFAULT 0,"
                       "failures INTEGER NOT NULL DEFAULT 0,"
                       "tokens INTEGER)"),
        QStringLiteral("CREATE INDEX turns_session ON turns(session)"),
        QStringLiteral("CREATE VIRTUAL TABLE session_text USING fts5(prompts, responses, tools, "
                       "paths, commands, agents, tokenize = 'unicode61')"),
    };
}

} // namespace ea
