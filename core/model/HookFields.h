// The names of the fields of a dashboard (Claude Code hook) payload: the one place that knows them.
#pragma once

// Plain character arrays so each name works unchanged as QLatin1String(name), std::string_view
// and a simdjson key, with its length known at compile time.
namespace ea::hook {

// Envelope: the dashboard's wrapper around a hook.
inline constexpr char type[] = "type";
inline constexpr char subtype[] = "subtype";
inline constexpr char data[] = "data";
inline constexpr char timestamp[] = "timestamp";
inline constexpr char events[] = "events"; // a history batch: {"events":[...]}
inline constexpr char eventType[] = "event_type";
inline constexpr char hookEventName[] = "hook_event_name";
inline constexpr char hookName[] = "hook_name";
inline constexpr char hookType[] = "hook_type";
inline constexpr char source[] = "source"; // raw SessionStart: startup, resume, ...

// Session identity and environment.
inline constexpr char sessionId[] = "session_id";
inline constexpr char parentSessionId[] = "parent_session_id";
inline constexpr char cwd[] = "cwd";
inline constexpr char workingDirectory[] = "working_directory";
inline constexpr char workingDir[] = "working_dir"; // inside instance_info
inline constexpr char instanceInfo[] = "instance_info";
inline constexpr char gitBranch[] = "git_branch";
inline constexpr char projectRoot[] = "project_root";
inline constexpr char claudePid[] = "claude_pid";
inline constexpr char launchMethod[] = "launch_method";
inline constexpr char reason[] = "reason";

// Tool calls.
inline constexpr char toolName[] = "tool_name";
inline constexpr char toolInput[] = "tool_input";
inline constexpr char toolParameters[] = "tool_parameters";
inline constexpr char toolResponse[] = "tool_response";
inline constexpr char toolOutput[] = "tool_output";
inline constexpr char resultSummary[] = "result_summary";
inline constexpr char toolUseId[] = "tool_use_id";
inline constexpr char toolCallId[] = "tool_call_id";
inline constexpr char correlationId[] = "correlation_id";
inline constexpr char filePath[] = "file_path";
inline constexpr char notebookPath[] = "notebook_path";
inline constexpr char command[] = "command";
inline constexpr char description[] = "description";
inline constexpr char pattern[] = "pattern";
inline constexpr char path[] = "path";
inline constexpr char query[] = "query";
inline constexpr char url[] = "url";
inline constexpr char success[] = "success";
inline constexpr char isError[] = "is_error";
inline constexpr char error[] = "error";
inline constexpr char exitCode[] = "exit_code";
inline constexpr char content[] = "content";
inline constexpr char text[] = "text";
inline constexpr char output[] = "output";
inline constexpr char todos[] = "todos";
inline constexpr char status[] = "status";
inline constexpr char errorMessage[] = "error_message";
inline constexpr char errorPreview[] = "error_preview";
inline constexpr char durationMs[] = "duration_ms"; // a result's or a hook execution's
inline constexpr char result[] = "result";
inline constexpr char results[] = "results"; // in structured_response
inline constexpr char isErrorTermination[] = "is_error_termination";
inline constexpr char pid[] = "pid";

// Delegations (Task / subagents).
inline constexpr char subagentType[] = "subagent_type";
inline constexpr char agentType[] = "agent_type";
inline constexpr char agentId[] = "agent_id";
inline constexpr char delegationDetails[] = "delegation_details";
inline constexpr char prompt[] = "prompt";
inline constexpr char structuredResponse[] = "structured_response";
inline constexpr char filesModified[] = "files_modified";

// Prompts and responses.
inline constexpr char promptText[] = "prompt_text";
inline constexpr char promptPreview[] = "prompt_preview"; // claude-mpm's shortened copy
inline constexpr char project[] = "project"; // command_acknowledged: the project folder's name
inline constexpr char response[] = "response";
inline constexpr char responseText[] = "response_text";
inline constexpr char lastAssistantMessage[] = "last_assistant_message";
inline constexpr char message[] = "message";
inline constexpr char notificationType[] = "notification_type";

// Token usage: stop carries data.usage {...}; token_usage_updated carries the counts in data.
inline constexpr char usage[] = "usage";
inline constexpr char inputTokens[] = "input_tokens";
inline constexpr char outputTokens[] = "output_tokens";
inline constexpr char cacheCreationInputTokens[] = "cache_creation_input_tokens";
inline constexpr char cacheReadInputTokens[] = "cache_read_input_tokens";
inline constexpr char cacheCreationTokens[] = "cache_creation_tokens";
inline constexpr char cacheReadTokens[] = "cache_read_tokens";
inline constexpr char totalTokens[] = "total_tokens";

// Where an event's correlation id is read from: the first non-empty string wins. inData: in
// the wrapper's "data" object rather than the payload itself.
struct CorrelationSource
{
    bool inData;
    const char* key;
};
inline constexpr CorrelationSource correlationSources[] = {
    {false, correlationId}, {true, correlationId}, {false, toolUseId},
    {true, toolUseId},      {false, toolCallId},   {true, toolCallId},
};

} // namespace ea::hook
