#include "ingest/Deduplicator.h"

#include <QLoggingCategory>

#include <limits>

namespace ea {

Q_LOGGING_CATEGORY(lcDedup, "ea.aggregation.dedup")

Deduplicator::Deduplicator(qsizetype maxPerSession, qsizetype maxTotal)
    : m_maxPerSession(qMax<qsizetype>(2, maxPerSession)),
      m_maxTotal(qMax<qsizetype>(m_maxPerSession, maxTotal))
{}

bool Deduplicator::contains(const ClaudeEvent& event) const
{
    return contains(event.sessionId, event.identity);
}

bool Deduplicator::contains(const QString& sessionId, quint64 identity) const
{
    const auto it = m_buckets.constFind(sessionId);
    if (it == m_buckets.cend())
        return false;
    return it->current.contains(identity) || it->previous.contains(identity);
}

bool Deduplicator::insert(const ClaudeEvent& event)
{
    return insert(event.sessionId, event.identity);
}

bool Deduplicator::insert(const QString& sessionId, quint64 identity)
{
    Bucket& bucket = m_buckets[sessionId];
    bucket.lastUse = ++m_clock;
    if (bucket.current.contains(identity) || bucket.previous.contains(identity))
        return false;
    if (bucket.current.size() >= m_maxPerSession / 2) {
        m_total -= bucket.previous.size();
        bucket.previous = std::move(bucket.current);
        bucket.current = IdentitySet();
    }
    bucket.current.insert(identity);
    ++m_total;
    if (m_total > m_maxTotal)
        enforceTotal(sessionId);
    return true;
}

void Deduplicator::insertAll(const QString& sessionId, const QList<quint64>& identities)
{
    for (const quint64 id : identities)
        insert(sessionId, id);
}

void Deduplicator::enforceTotal(const QString& keep)
{
    // Least recently used sessions go first: their old generation, then the rest. The session
    // being written to is spared; its own generations already bound it.
    while (m_total > m_maxTotal) {
        auto victim = m_buckets.end();
        quint64 oldest = std::numeric_limits<quint64>::max();
        for (auto it = m_buckets.begin(); it != m_buckets.end(); ++it) {
            if (it.key() != keep && it->lastUse < oldest) {
                oldest = it->lastUse;
                victim = it;
            }
        }
        if (victim == m_buckets.end()) {
            Bucket& own = m_buckets[keep];
            m_total -= own.previous.size();
            own.previous = IdentitySet();
            break;
        }
        if (!victim->previous.isEmpty()) {
            m_total -= victim->previous.size();
            victim->previous = IdentitySet();
        } else {
            qCDebug(lcDedup) << "forgetting identities of least recently used session"
                             << victim.key().left(64);
            m_total -= victim->current.size();
            m_buckets.erase(victim);
        }
    }
}

void Deduplicator::forgetSession(const QString& sessionId)
{
    const auto it = m_buckets.find(sessionId);
    if (it == m_buckets.end())
        return;
    m_total -= it->current.size() + it->previous.size();
    m_buckets.erase(it);
}

void Deduplicator::clear()
{
    m_buckets.clear();
    m_total = 0;
}

} // namespace ea
