// The delegation tree of one session: which subagent is at work, and how each hand-off ended.
#pragma once

#include "aggregation/ToolCallMatcher.h"
#include "model/Delegation.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

namespace ea {

class DelegationTracker
{
public:
    // What a Task (or Agent) call says about the hand-off it starts.
    struct Start
    {
        QString agentType; // never empty: "unknown" when the call named none
        QString taskDescription;
        QString prompt;
        QString correlationId;
        QDateTime at;
        int parent = -1;
        int turn = -1;
    };
    // What a SubagentStop says.
    struct Stop
    {
        QString agentId;
        bool errorTermination = false;
        QString reason;
        QString resultText;
        QStringList filesModified;
    };

    // Unmatched subagent starts and stops are capped: a hostile stream must not grow a
    // session without bound.
    static constexpr qsizetype kMaxUnmatched = 100;

    // Opens a delegation (taking a SubagentStart that came before its Task call); its index.
    int open(const Start& start);
    // A SubagentStart: marks the delegation at work in `context`, or keeps it for the Task
    // call that comes after it (claude-mpm sends SubagentStart first).
    void noteSubagentStart(int context, const QString& agentType, const QString& agentId);
    // Closes the delegation at `at` (`fallback` when invalid), and any nested one still open.
    void close(int index, const QDateTime& at, const QDateTime& fallback);
    // The Task result: the evidence of the delegation's outcome.
    void applyResult(int index, const ToolOutcome& outcome, const QString& resultText,
                     const QDateTime& at, const QDateTime& fallback);
    void applySubagentStop(int index, const Stop& stop, const QDateTime& at,
                           const QDateTime& fallback);
    void noteUnmatchedStop(const QDateTime& at);
    // The turn ended: every open delegation closes, innermost first; those without a result
    // read as not completed. Pending SubagentStarts are dropped.
    void closeAll(const QDateTime& end);

    // The delegation at work now (innermost open), -1: the main agent.
    int current() const { return m_open.isEmpty() ? -1 : m_open.last(); }
    // Which agent calls Task when `current` is at work: hooks do not say. Parallel Task calls
    // of one agent arrive back to back, before the first subagent has done anything; a nested
    // call comes from a subagent that is already at work.
    int callerOf(int current) const;
    // The delegation a SubagentStop of agentType closes (parallel ones differ by type), -1.
    int forStop(const QString& agentType) const;
    // The delegation a Task result belongs to, -1.
    int forResult(const QString& correlationId) const;
    QString agentTypeOf(int index) const; // "main" outside delegations

    void addToolOperation(int index, int operation);
    void addFileChange(int index, const QString& path);
    void addTodos(int index, const QJsonValue& todos); // ignored unless an array
    void addMemoryUpdate(int index, const QJsonObject& data);

    const QList<Delegation>& list() const { return m_delegations; }
    const Delegation& at(int index) const { return m_delegations.at(index); }
    qsizetype openCount() const { return m_open.size(); }
    const QList<QDateTime>& unmatchedStops() const { return m_unmatchedStops; }
    void clear();

private:
    struct PendingStart
    {
        QString agentType;
        QString agentId;
    };

    QList<Delegation> m_delegations;
    // A Task result finds its delegation by id: a scan of every delegation per result made a
    // long session's cost grow with its length.
    QHash<QString, int> m_byCorrelation;
    QList<int> m_open; // innermost (most recently opened) last
    QList<PendingStart> m_pendingStarts;
    QList<QDateTime> m_unmatchedStops; // SubagentStop with no open delegation
};

} // namespace ea
