// AgentSession's side of the aggregator's spill (Aggregator, SessionSpill): the held form of
// each stored event and the state events cannot rebuild. Kept apart from AgentSession.cpp so
// the session's own rules stay in one place.
#include "aggregation/AgentSession.h"
#include "ingest/EventNormalizer.h"

#include <QJsonDocument>

namespace ea {

AgentSession::StoredEvent AgentSession::storedEvent(qsizetype index) const
{
    if (index < 0 || index >= qsizetype(m_events.size()))
        return {};
    const HeldEvent& held = m_events.at(index);
    return StoredEvent{m_names.value(held.eventName), m_bytes.copy(held.raw), held.timestampMs,
                       held.identity, held.timestampFromReceipt};
}

ClaudeEvent AgentSession::eventFromStored(const StoredEvent& stored)
{
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(stored.timestampMs, Qt::UTC);
    ClaudeEvent event = EventNormalizer::normalizeObject(
        stored.eventName, QJsonDocument::fromJson(stored.raw).object(), at);
    event.raw = stored.raw; // the held bytes, not a re-serialized copy
    event.identity = stored.identity;
    event.timestamp = at;
    event.timestampFromReceipt = stored.timestampFromReceipt;
    return event;
}

AgentSession::UnstoredState AgentSession::unstoredState() const
{
    UnstoredState state;
    state.filtered = m_filteredCounts;
    state.gaps = m_gaps;
    state.claudePid = m_claudePid;
    state.projectRoot = m_projectRoot;
    return state;
}

void AgentSession::restoreUnstoredState(const UnstoredState& state)
{
    for (int c = 0; c < EventCategory::Count; ++c)
        m_filteredCounts[c] += state.filtered[c];
    for (const PossibleGap& gap : state.gaps)
        addPossibleGap(gap.from, gap.to, gap.reason);
    if (!m_claudePid)
        m_claudePid = state.claudePid;
    if (m_projectRoot.isEmpty())
        m_projectRoot = state.projectRoot;
}

} // namespace ea
