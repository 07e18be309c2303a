#include "capture/SessionSaver.h"

#include "aggregation/SessionDocumentWriter.h"

#include <QMutexLocker>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace ea {

namespace {
// After this many events' documents were freed, an idle saver hands the memory back.
constexpr qint64 kTrimAfterEvents = 10000;
// The document buffer kept between saves while the saver is idle.
constexpr qsizetype kKeptScratchBytes = 4 * 1024 * 1024;
} // namespace

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
    m_pool.start([this, events, snapshot = std::optional<AgentSession>(session), extra, seqs,
                  threshold]() mutable {
        // Straight to text from the held bytes; the summary from the session, not the text.
        QByteArray text;
        {
            const QMutexLocker lock(&m_scratchMutex);
            text.swap(m_scratch);
        }
        const qsizetype eventsAt =
            SessionDocumentWriter::writeSized(*snapshot, extra, threshold, &text);
        const SessionSummary summary = snapshot->summary();
        snapshot.reset(); // the session's events may be the last copy: freed before the next
        Done done{events, SessionStore::prepareText(text, summary, threshold), seqs};
        if (eventsAt > 0 && done.prepared.error.isEmpty())
            done.prepared.withoutEvents = text.left(eventsAt) + "[]}";
        {
            const QMutexLocker lock(&m_scratchMutex);
            m_scratch.swap(text);
        }
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
    std::deque<Done> ready;
    {
        const QMutexLocker lock(&m_doneMutex);
        ready.swap(m_done);
    }
    if (ready.empty())
        return;
    QList<SessionStore::Prepared> batch;
    QStringList ids;
    batch.reserve(qsizetype(ready.size()));
    for (Done& done : ready) {
        ids.append(done.prepared.sessionId);
        Q_EMIT committing(done.prepared.sessionId, done.seqs);
        batch.append(std::move(done.prepared));
    }
    m_store->commit(batch);
    batch.clear();
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const Done& done = ready.at(size_t(i));
        --m_inFlightTotal;
        m_inFlightEvents -= done.events;
        m_committedSinceTrim += done.events;
        const auto it = m_inFlight.find(ids.at(i));
        if (it != m_inFlight.end() && --it->count <= 0)
            m_inFlight.erase(it);
    }
    ready.clear();
    if (m_inFlightTotal > 0)
        return;
    {
        // Idle: a buffer grown by a big session goes (an ordinary one stays for the next save).
        const QMutexLocker lock(&m_scratchMutex);
        if (m_scratch.capacity() > kKeptScratchBytes)
            m_scratch = QByteArray();
    }
    if (m_committedSinceTrim >= kTrimAfterEvents)
        returnFreedMemory();
}

void SessionSaver::returnFreedMemory()
{
    m_committedSinceTrim = 0;
#ifdef __GLIBC__
    // glibc keeps what the documents and the sessions they came from freed (much of it in
    // the worker's arena); without this, a shutdown save of a million events left 600 MB
    // resident with 94 MB in use.
    ::malloc_trim(0);
#endif
}

} // namespace ea

#include "moc_SessionSaver.cpp"
