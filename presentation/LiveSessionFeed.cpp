#include "presentation/LiveSessionFeed.h"

#include "aggregation/Aggregator.h"

#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcFeed, "ea.ui.feed")

LiveSessionFeed::LiveSessionFeed(QObject* parent) : QObject(parent)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(DefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &LiveSessionFeed::flush);
}

Aggregator* LiveSessionFeed::aggregator() const
{
    return static_cast<Aggregator*>(m_aggregator.data());
}

void LiveSessionFeed::setAggregator(Aggregator* aggregator)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    // Ids of the old aggregator would be looked up in the new one: deliver them first.
    flush();
    m_aggregator = aggregator;
    if (!aggregator)
        return;
    qCDebug(lcFeed) << "following" << aggregator->liveCount() << "live session(s)";
    m_connections = {
        connect(aggregator, &Aggregator::sessionStarted, this, &LiveSessionFeed::markDirty),
        connect(aggregator, &Aggregator::sessionChanged, this, &LiveSessionFeed::markDirty),
        connect(aggregator, &Aggregator::sessionCompleted, this,
                [this](const AgentSession& s, const QList<qint64>&) { onCompleted(s); }),
    };
    for (const QString& id : aggregator->liveSessionIds())
        markDirty(id);
}

void LiveSessionFeed::markDirty(const QString& sessionId)
{
    m_dirty.insert(sessionId);
    if (!m_timer.isActive())
        m_timer.start();
}

void LiveSessionFeed::onCompleted(const AgentSession& session)
{
    // The session object goes away after this signal: its final state is taken now.
    m_ended.append(LiveSessionSnapshot::of(session));
    m_ended.last().live = false;
    if (!m_timer.isActive())
        m_timer.start();
}

QList<LiveSessionSnapshot> LiveSessionFeed::snapshotAll() const
{
    QList<LiveSessionSnapshot> out;
    if (!m_aggregator)
        return out;
    for (const QString& id : aggregator()->allLiveSessionIds()) {
        if (const AgentSession* s = aggregator()->liveSession(id))
            out.append(LiveSessionSnapshot::of(*s));
        else if (const Aggregator::SpilledView* v = aggregator()->spilledView(id))
            out.append(LiveSessionSnapshot::of(*v));
        else
            continue;
        if (m_stateLookup)
            out.last().state = m_stateLookup(id);
    }
    return out;
}

void LiveSessionFeed::flush()
{
    m_timer.stop();
    if (m_dirty.isEmpty() && m_ended.isEmpty())
        return;
    QList<LiveSessionSnapshot> batch = std::exchange(m_ended, {});
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    for (const QString& id : dirty) {
        const AgentSession* session = m_aggregator ? aggregator()->liveSession(id) : nullptr;
        if (!session) {
            // Spilled: still live, its details on disk; otherwise it completed and is already
            // in the batch from onCompleted().
            if (const Aggregator::SpilledView* v =
                    m_aggregator ? aggregator()->spilledView(id) : nullptr)
                batch.append(LiveSessionSnapshot::of(*v));
            continue;
        }
        LiveSessionSnapshot snap = LiveSessionSnapshot::of(*session);
        if (m_stateLookup)
            snap.state = m_stateLookup(id);
        batch.append(std::move(snap));
    }
    ++m_flushes;
    Q_EMIT sessionsUpdated(batch);
}

} // namespace ea

#include "moc_LiveSessionFeed.cpp"
