// Joins each tool call's pre_tool and post_tool into one ToolOperation, whatever order they come
// in.
#pragma once

#include "model/ToolOperation.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <utility>

namespace ea {

// What a tool result says about its call.
struct ToolOutcome
{
    bool success = true;
    std::optional<int> exitCode;
    QString error;
    qint64 durationMs = -1;
};

class ToolCallMatcher
{
public:
    // One half of a call, as its event tells it.
    struct Half
    {
        QString toolName; // never empty: "unknown" when the event named none
        QString agentType;
        QString correlationId;
        QString filePath;
        QDateTime at;
        qsizetype eventIndex = -1;
        int delegation = -1; // the agent context the event happened in
        int turn = -1;       // for a pre: the open turn; for a post: the open or last turn
    };

    // A call: completes the result that overtook it (out-of-order delivery), else opens a new
    // operation. Returns its index; *created tells a new one from a completed orphan.
    int addCall(const Half& call, bool* created);
    // A result: by correlation id when there is one, else the oldest unmatched call of the
    // same tool by the same agent (parallel calls of one tool differ only by their ids). A
    // result after its turn ended still tells the outcome; one without any call becomes an
    // orphan. Returns its index; *created when an orphan was added.
    int addResult(const Half& result, const ToolOutcome& outcome, bool* created);
    // The turn ended: calls still waiting close without a result (claude-mpm sends no
    // post_tool for a failed call), neither a success nor a failure.
    void closePending(const QDateTime& end);

    const QList<ToolOperation>& operations() const { return m_operations; }
    const QList<int>& orphans() const { return m_orphans; } // results still without a call
    QMap<QString, int> toolCounts() const;                  // by name, for documents and views
    void clear();

private:
    void countCall(const QString& toolName);

    QList<ToolOperation> m_operations;
    QList<int> m_pending; // pre seen, post not yet; oldest first
    QList<int> m_orphans; // post seen, pre not (yet)
    QList<int> m_unknown; // closed without a result when their turn ended
    // A session uses a dozen tools: a short array of the interned names, compared by address
    // first, stays in cache where a map's nodes, one per tool, were a cache miss per call.
    QList<std::pair<QString, int>> m_toolCounts;
};

} // namespace ea
