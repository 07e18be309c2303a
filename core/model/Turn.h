// One turn of a Claude Code session: a prompt, the work it caused, and the Stop that ended it.
#pragma once

#include "model/TokenUsage.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace ea {

struct Turn
{
    int index = 0;     // 0-based, in time order
    QDateTime start;   // the prompt (or the first activity after the previous turn)
    QDateTime end;     // invalid while the turn is open
    QString endedBy;   // "stop", "session_end", "next_prompt"; empty while open
    QString prompt;    // empty when the turn began without a prompt event
    int toolCalls = 0; // Task/Agent calls are delegations, not counted here
    int toolFailures = 0;
    int toolUnknown = 0; // calls without a result when the turn ended
    int delegations = 0;
    std::optional<TokenUsage> cumulative; // the session's sum reported at this turn's stop
    std::optional<TokenUsage> tokens;     // what this turn used

    bool isOpen() const { return !end.isValid(); }
    qint64 durationMs() const; // -1 while open

    // {index, start_time, end_time, ended_by, prompt, tool_calls, tool_failures,
    // tool_unknown_results, delegations, duration_ms, token_usage}
    QJsonObject toJson() const;
};

} // namespace ea
