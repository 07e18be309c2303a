// One hand-off to a subagent, from its Task (or Agent) pre_tool to its SubagentStop or Task result.
#pragma once

#include "model/ToolOperation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace ea {

struct Delegation
{
    QString agentType;
    QString taskDescription;
    QString prompt;
    QString response;
    QString correlationId; // of the Task pre_tool, to find its post_tool
    QString agentId;       // from subagent_start/subagent_stop
    QDateTime startTime;
    QDateTime endTime;         // invalid while open
    int parent = -1;           // enclosing delegation; -1: started by the main agent
    int depth = 0;             // 0: started by the main agent
    QList<int> toolOperations; // indices into AgentSession::toolOperations()
    QStringList fileChanges;
    QJsonArray todosModified; // one todos array per update
    QJsonArray memoryUpdates;
    bool completed = false; // closed by its own SubagentStop or Task result, not by the session end
    bool success = true;
    QString error;
    bool noResult = false; // closed without a Task result or SubagentStop: result unknown
    int turn = -1;         // index into AgentSession::turns() of the Task call
    bool subagentStarted = false;
    bool subagentStopped = false;
    bool resultReceived = false; // its Task post_tool arrived

    bool isOpen() const { return !endTime.isValid(); }
    qint64 durationMs() const; // -1 while open
    // Success or failure from the Task result's evidence, else from an error termination;
    // Unknown when neither arrived (a SubagentStop's reason "unknown" is not a failure).
    ToolOperation::Outcome outcome() const;

    // claude-mpm's AgentDelegation.to_dict fields (tool_operations in full) plus completed,
    // parent, depth, correlation_id, agent_id, result and turn, so the tree survives the flat
    // list. "success" is null when the result is unknown.
    QJsonObject toJson(const QList<ToolOperation>& sessionToolOperations) const;
};

} // namespace ea
