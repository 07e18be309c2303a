#include "ingest/Deduplicator.h"

#include <QLoggingCategory>

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
    const auto it = m_buckets.find(sessionId);
    if (it == m_buckets.cend())
        return false;
    return it->second.current.contains(identity) || it->second.previous.contains(identity);
}

bool Deduplicator::insert(const ClaudeEvent& event)
{
    return insert(event.sessionId, event.identity);
}

bool Deduplicator::insert(const QString& sessionId, quint64 identity)
{
    const auto [at, created] = m_buckets.try_emplace(sessionId);
    Bucket& bucket = at->second;
    bucket.lastUse = ++m_clock;
    if (created) {
        m_uses.emplace(bucket.lastUse, sessionId);
        if (m_uses.size() > 2 * m_buckets.size() + 64)
            rebuildUses();
    }
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
        enforceTotal(&bucket);
    return true;
}

void Deduplicator::insertAll(const QString& sessionId, const QList<quint64>& identities)
{
    for (const quint64 id : identities)
        insert(sessionId, id);
}

void Deduplicator::enforceTotal(Bucket* keep)
{
    // Least recently used sessions go first: their old generation, then the rest. The session
    // being written to is spared; its own generations already bound it.
    while (m_total > m_maxTotal) {
        const auto victim = m_uses.empty() ? m_buckets.end() : m_buckets.find(m_uses.top().second);
        if (victim == m_buckets.end() && !m_uses.empty()) {
            m_uses.pop(); // forgotten
            continue;
        }
        if (victim != m_buckets.end() && victim->second.lastUse != m_uses.top().first) {
            Use used{victim->second.lastUse, victim->first}; // used since it was queued
            m_uses.pop();
            m_uses.push(std::move(used));
            continue;
        }
        if (victim == m_buckets.end() || &victim->second == keep) {
            // Only the session being written to is left.
            Bucket& own = *keep;
            m_total -= own.previous.size();
            own.previous = IdentitySet();
            break;
        }
        Bucket& old = victim->second;
        if (!old.previous.isEmpty()) {
            m_total -= old.previous.size();
            old.previous = IdentitySet();
        } else {
            qCDebug(lcDedup) << "forgetting identities of least recently used session"
                             << victim->first.left(64);
            m_total -= old.current.size();
            m_buckets.erase(victim);
            m_uses.pop();
        }
    }
}

void Deduplicator::rebuildUses()
{
    std::vector<Use> uses;
    uses.reserve(m_buckets.size());
    for (const auto& [sessionId, bucket] : m_buckets)
        uses.emplace_back(bucket.lastUse, sessionId);
    m_uses = UseHeap(std::greater<Use>(), std::move(uses));
}

void Deduplicator::forgetSession(const QString& sessionId)
{
    const auto it = m_buckets.find(sessionId);
    if (it == m_buckets.end())
        return;
    m_total -= it->second.current.size() + it->second.previous.size();
    m_buckets.erase(it); // its heap entry is dropped when it reaches the top
}

void Deduplicator::clear()
{
    m_buckets.clear();
    m_uses = UseHeap();
    m_total = 0;
}

} // namespace ea
