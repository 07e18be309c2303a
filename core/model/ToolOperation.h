// One tool call: its pre_tool and post_tool events joined, or the half that arrived.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace simdjson::dom {
class element;
} // namespace simdjson::dom

namespace ea {

struct ToolOperation
{
    // THE definition of a call's result, used by metrics, turns, the sessions table, show,
    // CSV and the browser: Failure only when a result said so; Unknown when no result came
    // before its turn (or the session) ended, which is neither a success nor a failure.
    enum class Outcome
    {
        Pending, // no result yet, the turn goes on
        Success,
        Failure,
        Unknown
    };

    QString toolName;
    QString agentType; // the delegated agent that made the call; "main" outside delegations
    QString correlationId;
    QString filePath;
    QDateTime startTime;    // invalid for an orphan (a post_tool whose pre_tool never came)
    QDateTime endTime;      // invalid while the result is outstanding
    qint64 durationMs = -1; // -1: unknown
    std::optional<int> exitCode;
    QString error;
    // Derived from the pre/post events when AgentSession hands operations out; not held, as
    // the same bytes already live in the events.
    QJsonObject inputData;
    QJsonObject outputData;
    bool success = true;
    bool noResult = false; // closed without a result (turn or session ended): Outcome::Unknown
    bool orphan = false;
    int turn = -1;           // index into AgentSession::turns(); -1: before any turn
    int delegation = -1;     // index into AgentSession::delegations(); -1: the main agent
    qsizetype preEvent = -1; // index into the session's events (arrival order); -1: none
    qsizetype postEvent = -1;

    bool isFinished() const { return endTime.isValid(); }
    Outcome outcome() const;
    bool failed() const { return outcome() == Outcome::Failure; }
    // "pending", "success", "failure", "unknown", as saved in "result".
    static QString outcomeName(Outcome outcome);
    // The same definition read back from a saved tool operation: its "result", or for files
    // written before it existed, "success" false on a finished call.
    static Outcome outcomeOf(const QJsonObject& saved);
    static Outcome outcomeOf(const simdjson::dom::element& saved);

    // claude-mpm's ToolOperation.to_dict fields plus correlation_id, file_path, exit_code,
    // orphan, finished, result, turn and delegation. "success" is null when the result is
    // unknown or pending.
    QJsonObject toJson() const;
};

} // namespace ea

// Implicitly shared and plain members only: a growing list moves operations with memmove.
Q_DECLARE_TYPEINFO(ea::ToolOperation, Q_RELOCATABLE_TYPE);
