// What the UI shows of one live session, read from the aggregator in one cheap pass.
#pragma once

#include "aggregation/Aggregator.h"
#include "attention/LiveState.h"
#include "model/SessionSummary.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace ea {

class AgentSession;

struct LiveSessionSnapshot
{
    SessionSummary summary; // filePath empty: the live copy has not been saved yet
    QDateTime lastEventTime;
    bool live = true; // false: the session has just completed (summary.status says how)
    QString initialPrompt;
    QString finalResponse;
    QStringList agents;
    QStringList tools;
    QStringList files;              // read or modified, including the one being edited right now
    std::optional<LiveState> state; // working, needs permission, ... (nullopt: not known)

    // Only accessors that cost O(tool calls) at most: never toolOperations(), which parses
    // every event again.
    static LiveSessionSnapshot of(const AgentSession& session);
    // A session whose events a memory limit moved to the spill file: what is known without
    // reading it back (its summary when it was spilled, events counted since).
    static LiveSessionSnapshot of(const Aggregator::SpilledView& spilled);
    // What a text search of live sessions looks at (lower-cased).
    QString searchText() const;
};

} // namespace ea
