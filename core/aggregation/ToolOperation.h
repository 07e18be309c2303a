// One tool call: its pre_tool and post_tool events joined, or the half that arrived.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

struct ToolOperation
{
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
    bool orphan = false;
    int delegation = -1;     // index into AgentSession::delegations(); -1: the main agent
    qsizetype preEvent = -1; // index into the session's events (arrival order); -1: none
    qsizetype postEvent = -1;

    bool isFinished() const { return endTime.isValid(); }

    // claude-mpm's ToolOperation.to_dict fields plus correlation_id, file_path, exit_code,
    // orphan, finished and delegation.
    QJsonObject toJson() const;
};
