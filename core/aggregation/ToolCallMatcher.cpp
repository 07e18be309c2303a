#include "aggregation/ToolCallMatcher.h"

#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcToolCalls, "ea.aggregation.toolcalls")

int ToolCallMatcher::addCall(const Half& call, bool* created)
{
    *created = false;
    for (qsizetype i = 0; i < m_orphans.size(); ++i) {
        ToolOperation& op = m_operations[m_orphans.at(i)];
        const bool byId = !call.correlationId.isEmpty() && op.correlationId == call.correlationId;
        const bool byName = (call.correlationId.isEmpty() || op.correlationId.isEmpty()) &&
                            op.toolName == call.toolName && op.delegation == call.delegation &&
                            (!call.at.isValid() || op.endTime >= call.at);
        if (!byId && !byName)
            continue;
        op.orphan = false;
        op.startTime = call.at;
        op.preEvent = call.eventIndex;
        if (op.correlationId.isEmpty())
            op.correlationId = call.correlationId;
        if (op.filePath.isEmpty())
            op.filePath = call.filePath;
        if (op.durationMs < 0 && call.at.isValid() && op.endTime.isValid())
            op.durationMs = qMax<qint64>(0, call.at.msecsTo(op.endTime));
        return m_orphans.takeAt(i);
    }

    ToolOperation op;
    op.toolName = call.toolName;
    op.agentType = call.agentType;
    op.correlationId = call.correlationId;
    op.filePath = call.filePath;
    op.startTime = call.at;
    op.preEvent = call.eventIndex;
    op.delegation = call.delegation;
    op.turn = call.turn;
    m_operations.append(std::move(op));
    const int index = int(m_operations.size() - 1);
    m_pending.append(index);
    countCall(call.toolName);
    *created = true;
    return index;
}

int ToolCallMatcher::addResult(const Half& result, const ToolOutcome& outcome, bool* created)
{
    *created = false;
    qsizetype match = -1;
    if (!result.correlationId.isEmpty()) {
        for (qsizetype i = 0; i < m_pending.size() && match < 0; ++i) {
            if (m_operations.at(m_pending.at(i)).correlationId == result.correlationId)
                match = i;
        }
    }
    for (qsizetype i = 0; i < m_pending.size() && match < 0; ++i) {
        const ToolOperation& op = m_operations.at(m_pending.at(i));
        if (op.toolName == result.toolName && op.delegation == result.delegation &&
            (op.correlationId.isEmpty() || result.correlationId.isEmpty()))
            match = i;
    }

    int index = -1;
    if (match >= 0) {
        index = m_pending.takeAt(match);
    } else if (!result.correlationId.isEmpty()) {
        for (qsizetype i = 0; i < m_unknown.size() && index < 0; ++i) {
            if (m_operations.at(m_unknown.at(i)).correlationId == result.correlationId) {
                index = m_unknown.takeAt(i);
                m_operations[index].noResult = false;
            }
        }
    }
    if (index < 0) {
        ToolOperation orphan;
        orphan.toolName = result.toolName;
        orphan.agentType = result.agentType;
        orphan.correlationId = result.correlationId;
        orphan.delegation = result.delegation;
        orphan.orphan = true;
        orphan.turn = result.turn;
        m_operations.append(std::move(orphan));
        index = int(m_operations.size() - 1);
        m_orphans.append(index);
        countCall(result.toolName);
        *created = true;
        qCDebug(lcToolCalls) << "result of" << result.toolName << "without its call";
    }

    ToolOperation& op = m_operations[index];
    op.endTime = result.at;
    op.postEvent = result.eventIndex;
    op.success = outcome.success;
    op.exitCode = outcome.exitCode;
    op.error = outcome.error;
    if (op.correlationId.isEmpty())
        op.correlationId = result.correlationId;
    if (op.filePath.isEmpty())
        op.filePath = result.filePath;
    if (outcome.durationMs >= 0)
        op.durationMs = outcome.durationMs;
    else if (op.startTime.isValid() && result.at.isValid())
        op.durationMs = qMax<qint64>(0, op.startTime.msecsTo(result.at));
    return index;
}

void ToolCallMatcher::closePending(const QDateTime& end)
{
    for (const int index : std::as_const(m_pending)) {
        ToolOperation& op = m_operations[index];
        op.noResult = true;
        op.endTime = end;
        if (op.startTime.isValid())
            op.durationMs = qMax<qint64>(0, op.startTime.msecsTo(end));
        m_unknown.append(index);
    }
    m_pending.clear();
}

void ToolCallMatcher::countCall(const QString& toolName)
{
    for (auto& [name, count] : m_toolCounts) {
        if (name.constData() == toolName.constData() || name == toolName) {
            ++count;
            return;
        }
    }
    m_toolCounts.append({toolName, 1});
}

QMap<QString, int> ToolCallMatcher::toolCounts() const
{
    QMap<QString, int> counts;
    for (const auto& [name, count] : m_toolCounts)
        counts.insert(name, count);
    return counts;
}

void ToolCallMatcher::clear()
{
    m_operations.clear();
    m_pending.clear();
    m_orphans.clear();
    m_unknown.clear();
    m_toolCounts.clear();
}

} // namespace ea
