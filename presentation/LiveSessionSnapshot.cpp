#include "presentation/LiveSessionSnapshot.h"

#include "aggregation/AgentSession.h"

#include <algorithm>

namespace ea {

LiveSessionSnapshot LiveSessionSnapshot::of(const AgentSession& session)
{
    LiveSessionSnapshot s;
    SessionSummary& m = s.summary;
    m.sessionId = session.sessionId();
    m.startTime = session.startTime();
    m.endTime = session.endTime();
    m.status = AgentSession::statusName(session.status());
    m.totalEvents = session.totalEvents();
    const QMap<QString, int> tools = session.toolCounts();
    for (auto it = tools.constBegin(); it != tools.constEnd(); ++it)
        m.toolCalls += it.value();
    const QList<Delegation> delegations = session.delegations();
    m.delegations = int(delegations.size());
    // The same definition as the saved file's metrics.total_failures.
    m.failures =
        session.toolFailures() +
        int(std::count_if(delegations.cbegin(), delegations.cend(), [](const Delegation& d) {
            return d.outcome() == ToolOperation::Outcome::Failure;
        }));
    const QList<Turn> turns = session.turns();
    m.turns = int(turns.size());
    if (const auto tokens = AgentSession::tokenUsage(turns))
        m.totalTokens = tokens->total();
    m.workingDirectory = session.workingDirectory();
    m.gitBranch = session.gitBranch();
    s.lastEventTime = session.lastEventTime();
    s.live = session.isActive();
    s.initialPrompt = session.initialPrompt();
    s.finalResponse = session.finalResponse();
    s.agents = session.agentsUsed();
    s.tools = tools.keys();
    s.files = session.filesModified() + session.filesRead();
    return s;
}

LiveSessionSnapshot LiveSessionSnapshot::of(const Aggregator::SpilledView& spilled)
{
    LiveSessionSnapshot s;
    s.summary = spilled.summary;
    s.lastEventTime = spilled.lastEventTime;
    s.live = true;
    s.initialPrompt = spilled.initialPrompt;
    return s;
}

QString LiveSessionSnapshot::searchText() const
{
    return QStringList{initialPrompt,
                       finalResponse,
                       summary.workingDirectory,
                       summary.gitBranch,
                       agents.join(QLatin1Char(' ')),
                       tools.join(QLatin1Char(' ')),
                       files.join(QLatin1Char('\n'))}
        .join(QLatin1Char('\n'))
        .toLower();
}

} // namespace ea
