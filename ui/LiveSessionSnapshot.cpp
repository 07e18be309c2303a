#include "LiveSessionSnapshot.h"

#include "AgentSession.h"

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
    m.delegations = int(session.delegations().size());
    m.failures = session.toolFailures();
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
