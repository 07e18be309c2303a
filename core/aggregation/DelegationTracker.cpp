#include "aggregation/DelegationTracker.h"

#include <algorithm>

namespace ea {

int DelegationTracker::open(const Start& start)
{
    Delegation d;
    d.agentType = start.agentType;
    d.taskDescription = start.taskDescription;
    d.prompt = start.prompt;
    d.correlationId = start.correlationId;
    d.startTime = start.at;
    d.parent = start.parent;
    d.depth = start.parent >= 0 ? m_delegations.at(start.parent).depth + 1 : 0;
    d.turn = start.turn;
    for (qsizetype i = 0; i < m_pendingStarts.size(); ++i) {
        const PendingStart& pending = m_pendingStarts.at(i);
        if (pending.agentType.isEmpty() ||
            pending.agentType.compare(d.agentType, Qt::CaseInsensitive) == 0) {
            d.subagentStarted = true;
            d.agentId = pending.agentId;
            m_pendingStarts.removeAt(i);
            break;
        }
    }
    const int index = int(m_delegations.size());
    // The first delegation so named answers for the id, as the scan it replaces did.
    if (!d.correlationId.isEmpty() && !m_byCorrelation.contains(d.correlationId))
        m_byCorrelation.insert(d.correlationId, index);
    m_delegations.append(std::move(d));
    m_open.append(index);
    return index;
}

void DelegationTracker::noteSubagentStart(int context, const QString& agentType,
                                          const QString& agentId)
{
    if (context >= 0 && !m_delegations.at(context).subagentStarted &&
        (agentType.isEmpty() ||
         m_delegations.at(context).agentType.compare(agentType, Qt::CaseInsensitive) == 0)) {
        Delegation& d = m_delegations[context];
        d.subagentStarted = true;
        if (d.agentId.isEmpty())
            d.agentId = agentId;
    } else if (m_pendingStarts.size() < kMaxUnmatched) {
        m_pendingStarts.append({agentType, agentId});
    }
}

void DelegationTracker::close(int index, const QDateTime& at, const QDateTime& fallback)
{
    Delegation& d = m_delegations[index];
    if (!d.isOpen())
        return;
    d.endTime = at.isValid() ? at : fallback;
    d.completed = true;
    m_open.removeAll(index);
    // Nested delegations cannot outlive their parent; siblings running in parallel can.
    for (qsizetype i = m_open.size() - 1; i >= 0; --i) {
        const int child = m_open.at(i);
        int up = m_delegations.at(child).parent;
        while (up >= 0 && up != index)
            up = m_delegations.at(up).parent;
        if (up != index)
            continue;
        Delegation& c = m_delegations[child];
        c.endTime = d.endTime;
        c.completed = false;
        c.success = false;
        c.error = QStringLiteral("Delegation ended with its parent");
        m_open.removeAt(i);
    }
}

void DelegationTracker::applyResult(int index, const ToolOutcome& outcome,
                                    const QString& resultText, const QDateTime& at,
                                    const QDateTime& fallback)
{
    Delegation& d = m_delegations[index];
    d.resultReceived = true;
    d.noResult = false;
    d.success = outcome.success;
    if (!outcome.success && d.error.isEmpty())
        d.error = outcome.error;
    if (d.response.isEmpty())
        d.response = resultText;
    close(index, at, fallback);
}

void DelegationTracker::applySubagentStop(int index, const Stop& stop, const QDateTime& at,
                                          const QDateTime& fallback)
{
    Delegation& d = m_delegations[index];
    d.subagentStopped = true;
    // Claude Code's own id, whichever of SubagentStart and SubagentStop came first.
    if (!stop.agentId.isEmpty())
        d.agentId = stop.agentId;
    // claude-mpm always says reason "unknown" and is_successful_completion false: that is no
    // evidence of failure. Only a clear error termination is; the Task result decides
    // otherwise.
    if (stop.errorTermination && !d.resultReceived) {
        d.success = false;
        if (d.error.isEmpty()) {
            d.error = stop.reason;
            if (d.error.isEmpty() || d.error == QStringLiteral("unknown"))
                d.error = QStringLiteral("subagent stopped with an error");
        }
    }
    if (!stop.resultText.isEmpty())
        d.response = stop.resultText;
    for (const QString& path : stop.filesModified) {
        if (!path.isEmpty() && !d.fileChanges.contains(path))
            d.fileChanges.append(path);
    }
    close(index, at, fallback);
}

void DelegationTracker::noteUnmatchedStop(const QDateTime& at)
{
    if (m_unmatchedStops.size() < kMaxUnmatched)
        m_unmatchedStops.append(at);
}

void DelegationTracker::closeAll(const QDateTime& end)
{
    while (!m_open.isEmpty()) {
        const int d = m_open.last(); // innermost first: children are not failures
        m_delegations[d].noResult = !m_delegations.at(d).resultReceived;
        close(d, end, end);
        if (m_delegations.at(d).noResult)
            m_delegations[d].completed = false;
    }
    m_pendingStarts.clear();
}

int DelegationTracker::callerOf(int current) const
{
    if (current >= 0 && m_delegations.at(current).toolOperations.isEmpty() &&
        std::none_of(m_delegations.cbegin(), m_delegations.cend(),
                     [current](const Delegation& other) { return other.parent == current; }))
        return m_delegations.at(current).parent;
    return current;
}

int DelegationTracker::forStop(const QString& agentType) const
{
    if (m_open.isEmpty())
        return -1;
    if (!agentType.isEmpty()) {
        for (qsizetype i = m_open.size() - 1; i >= 0; --i) {
            const int d = m_open.at(i);
            if (m_delegations.at(d).agentType.compare(agentType, Qt::CaseInsensitive) == 0)
                return d;
        }
    }
    return m_open.last();
}

int DelegationTracker::forResult(const QString& correlationId) const
{
    if (!correlationId.isEmpty()) {
        const auto it = m_byCorrelation.constFind(correlationId);
        if (it != m_byCorrelation.cend())
            return m_delegations.at(*it).resultReceived ? -1 : *it;
    }
    const auto compatible = [&](const Delegation& del) {
        return !del.resultReceived && (del.correlationId.isEmpty() || correlationId.isEmpty());
    };
    // A result usually follows the SubagentStop, so the delegation is a closed child of the
    // current context; failing that, the current delegation itself has not stopped yet.
    const int now = current();
    for (int d = 0; d < m_delegations.size(); ++d) {
        const Delegation& del = m_delegations.at(d);
        if (compatible(del) && !del.isOpen() && del.parent == now)
            return d;
    }
    if (now >= 0 && compatible(m_delegations.at(now)))
        return now;
    return -1;
}

QString DelegationTracker::agentTypeOf(int index) const
{
    if (index < 0 || index >= m_delegations.size())
        return QStringLiteral("main");
    return m_delegations.at(index).agentType;
}

void DelegationTracker::addToolOperation(int index, int operation)
{
    if (index >= 0)
        m_delegations[index].toolOperations.append(operation);
}

void DelegationTracker::addFileChange(int index, const QString& path)
{
    if (index < 0)
        return;
    QStringList& changes = m_delegations[index].fileChanges;
    if (!changes.contains(path))
        changes.append(path);
}

void DelegationTracker::addTodos(int index, const QJsonValue& todos)
{
    if (index >= 0 && todos.isArray())
        m_delegations[index].todosModified.append(todos);
}

void DelegationTracker::addMemoryUpdate(int index, const QJsonObject& data)
{
    if (index >= 0)
        m_delegations[index].memoryUpdates.append(data);
}

void DelegationTracker::clear()
{
    m_delegations.clear();
    m_byCorrelation.clear();
    m_open.clear();
    m_pendingStarts.clear();
    m_unmatchedStops.clear();
}

} // namespace ea
