#include "capture/SessionSaver.h"

#include <QMutexLocker>

namespace ea {

SessionSaver::SessionSaver(SessionStore* store, QObject* parent) : QObject(parent), m_store(store)
{
    // One worker keeps saves in order: a session saved twice is written in the same order.
    m_pool.setMaxThreadCount(1);
    m_pool.setExpiryTimeout(-1);
}

SessionSaver::~SessionSaver()
{
    flush();
}

void SessionSaver::save(const AgentSession& session, const QJsonObject& extra,
                        const QList<qint64>& seqs)
{
    const qint64 events = session.totalEvents();
    while (m_inFlightTotal > 0 &&
           (m_inFlightTotal >= m_maxInFlight || m_inFlightEvents + events > m_maxInFlightEvents)) {
        // Just until the oldest is ready: waiting for all would stall the loop for longer.
        {
            QMutexLocker lock(&m_doneMutex);
            while (m_done.empty())
                m_doneAdded.wait(&m_doneMutex);
        }
        commitReady();
    }
    const QString id = session.sessionId();
    InFlight& f = m_inFlight[id];
    f.latest = session; // implicitly shared: the live copy detaches when it changes
    ++f.count;
    ++m_inFlightTotal;
    m_inFlightEvents += events;
    const qint64 threshold = m_store->compressionThreshold();
    m_pool.start([this, id, events, snapshot = session, extra, seqs, threshold] {
        QJsonObject head = snapshot.toJsonWithoutEvents();
        for (auto it = extra.begin(); it != extra.end(); ++it)
            head.insert(it.key(), it.value());
        Done done{id, events, SessionStore::prepare(head, snapshot.eventsJsonText(), threshold),
                  seqs};
        {
            const QMutexLocker lock(&m_doneMutex);
            m_done.push_back(std::move(done));
            m_doneAdded.wakeAll();
        }
        QMetaObject::invokeMethod(this, &SessionSaver::commitReady, Qt::QueuedConnection);
    });
}

void SessionSaver::flush()
{
    m_pool.waitForDone();
    commitReady();
}

std::optional<AgentSession> SessionSaver::inFlight(const QString& sessionId) const
{
    const auto it = m_inFlight.constFind(sessionId);
    if (it == m_inFlight.cend())
        return std::nullopt;
    return it->latest;
}

void SessionSaver::commitReady()
{
    for (;;) {
        std::optional<Done> done;
        {
            const QMutexLocker lock(&m_doneMutex);
            if (m_done.empty())
                return;
            done = std::move(m_done.front());
            m_done.pop_front();
        }
        const QString id = done->sessionId;
        Q_EMIT committing(id, done->seqs);
        m_store->commit(done->prepared);
        --m_inFlightTotal;
        m_inFlightEvents -= done->events;
        const auto it = m_inFlight.find(id);
        if (it != m_inFlight.end() && --it->count <= 0)
            m_inFlight.erase(it);
    }
}

} // namespace ea
