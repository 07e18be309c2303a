// What a structural event's payload says beyond ClaudeEvent's fields, read from its one parse.
#pragma once

#include <QSharedData>
#include <QString>
#include <QStringList>

#include <optional>

namespace ea {

// Filled by EventNormalizer for the kinds of event the session model derives tool calls,
// delegations and turns from, so the model never parses a payload again. Only the fields of
// the event's kind are set; the rest keep their defaults.
struct HookDetails : QSharedData
{
    // post_tool: what the result says about its call.
    bool success = true;
    std::optional<int> exitCode;
    QString error; // set only when the call failed
    qint64 durationMs = -1;
    // post_tool of a delegation tool, subagent_stop: the text the agent handed back.
    QString resultText;
    // pre_tool of a delegation tool: the hand-off.
    QString taskDescription;
    // pre_tool of a delegation tool: the task's prompt; user_prompt: the prompt.
    QString prompt;
    // user_prompt: the dashboard's shortened copy (or the prompt's text), which its
    // command_acknowledged events quote; an event without a session: the prompt it quotes.
    QString promptPreview;
    // An event without a session (command_acknowledged): the project folder it names.
    QString project;
    // subagent_start, subagent_stop.
    QString agentId;
    // subagent_stop.
    bool errorTermination = false;
    QString reason;
    QStringList filesModified;
};

} // namespace ea
