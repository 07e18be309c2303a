#include "ingest/Deduplicator.h"

#include <QLoggingCategory>

#include <utility>

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

Deduplicator::Hold::Hold(Hold&& other) noexcept
    : m_owner(std::exchange(other.m_owner, nullptr)),
      m_bucket(std::exchange(other.m_bucket, nullptr)), m_sessionId(std::move(other.m_sessionId))
{}

Deduplicator::Hold& Deduplicator::Hold::operator=(Hold&& other) noexcept
{
    if (this != &other) {
        reset();
        m_owner = std::exchange(other.m_owner, nullptr);
        m_bucket = std::exchange(other.m_bucket, nullptr);
        m_sessionId = std::move(other.m_sessionId);
    }
    return *this;
}

void Deduplicator::Hold::reset()
{
    if (m_owner)
        m_owner->release(*this);
    m_owner = nullptr;
    m_bucket = nullptr;
    m_sessionId.clear();
}

Deduplicator::Hold Deduplicator::hold(const QString& sessionId)
{
    Hold held;
    held.m_owner = this;
    held.m_bucket = &m_buckets[sessionId];
    held.m_sessionId = sessionId;
    ++held.m_bucket->holds;
    return held;
}

void Deduplicator::release(Hold& held)
{
    Bucket& bucket = *held.m_bucket;
    // An emptied bucket out of the heap would never be evicted: it goes with its last hold.
    if (--bucket.holds == 0 && !bucket.queued && bucket.current.isEmpty() &&
        bucket.previous.isEmpty())
        m_buckets.erase(held.m_sessionId);
}

bool Deduplicator::insert(const QString& sessionId, quint64 identity)
{
    const auto at = m_buckets.try_emplace(sessionId).first;
    return insertInto(at->second, at->first, identity);
}

bool Deduplicator::insert(const Hold& held, quint64 identity)
{
    Q_ASSERT(held.m_owner == this);
    return insertInto(*held.m_bucket, held.m_sessionId, identity);
}

bool Deduplicator::insertInto(Bucket& bucket, const QString& sessionId, quint64 identity)
{
    bucket.lastUse = ++m_clock;
    if (!bucket.queued) {
        bucket.queued = true;
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
        if (victim != m_buckets.end() && !victim->second.queued) {
            m_uses.pop(); // forgotten while held, queued again since
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
            m_uses.pop();
            old.queued = false;
            drop(victim);
        }
    }
}

void Deduplicator::rebuildUses()
{
    std::vector<Use> uses;
    uses.reserve(m_buckets.size());
    for (auto& [sessionId, bucket] : m_buckets) {
        bucket.queued = true;
        uses.emplace_back(bucket.lastUse, sessionId);
    }
    m_uses = UseHeap(std::greater<Use>(), std::move(uses));
}

void Deduplicator::drop(std::unordered_map<QString, Bucket>::iterator it)
{
    Bucket& bucket = it->second;
    m_total -= bucket.current.size() + bucket.previous.size();
    if (bucket.holds == 0) {
        m_buckets.erase(it); // a queued entry is dropped when it reaches the top
        return;
    }
    bucket.current = IdentitySet();
    bucket.previous = IdentitySet();
}

void Deduplicator::forgetSession(const QString& sessionId)
{
    const auto it = m_buckets.find(sessionId);
    if (it != m_buckets.end())
        drop(it);
}

void Deduplicator::clear()
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        const auto next = std::next(it);
        it->second.queued = false;
        drop(it);
        it = next;
    }
    m_uses = UseHeap();
    m_total = 0;
}

} // namespace ea
