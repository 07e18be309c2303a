// What the Statistics view charts: the sessions a query selects, grouped by day, tool, agent, file.
#pragma once

#include <QList>
#include <QString>

namespace ea {

// Plain rows, filled from the session database by SessionIndexClient, so the view (ui/) knows
// nothing of the database and tests can chart rows they make up.
struct SessionStatistics
{
    enum class Grouping
    {
        Day,
        Tool,
        Agent,
        File,
    };
    struct Group
    {
        QString key; // "2026-11-30", "Bash", "qa", "src/auth.py"
        qint64 sessions = 0;
        qint64 turns = 0;
        qint64 toolCalls = 0; // tool calls (Tool, Day), delegations (Agent), touches (File)
        qint64 failures = 0;  // of those calls
        qint64 p50Ms = -1;    // duration of the calls; -1: none measured
        qint64 p95Ms = -1;
        qint64 tokens = 0;
        double rate = -1; // failed share as the database counts it (of delegations, for agents)
        double failureRate() const
        {
            return rate >= 0 ? rate : toolCalls > 0 ? double(failures) / double(toolCalls) : 0.0;
        }
    };

    QString where;     // the query the rows were computed for ("" : every session)
    QList<Group> days; // oldest first
    QList<Group> tools;
    QList<Group> agents;
    QList<Group> files;

    const QList<Group>& groups(Grouping g) const
    {
        switch (g) {
        case Grouping::Day:
            return days;
        case Grouping::Tool:
            return tools;
        case Grouping::Agent:
            return agents;
        case Grouping::File:
            break;
        }
        return files;
    }
};

} // namespace ea
