// Remembers aggregated events so history replays and recovery never count one twice.
#pragma once

#include "ingest/IdentitySet.h"
#include "model/ClaudeEvent.h"

#include <QString>

#include <queue>
#include <unordered_map>
#include <vector>

namespace ea {

class Deduplicator
{
    struct Bucket;

public:
    // A legacy history replays at most the last 100 events, so a few thousand identities per
    // session are plenty; the global cap bounds memory (about 20 bytes an identity).
    static constexpr qsizetype DefaultMaxPerSession = 10000;
    static constexpr qsizetype DefaultMaxTotal = 200000;

    explicit Deduplicator(qsizetype maxPerSession = DefaultMaxPerSession,
                          qsizetype maxTotal = DefaultMaxTotal);
    Deduplicator(const Deduplicator&) = delete;
    Deduplicator& operator=(const Deduplicator&) = delete;

    // One session's identities, held by whoever routes its events (the aggregator's live
    // record), so each event is checked without looking the session up: at 10,000 sessions
    // that lookup was a few cache misses per event. While held, the session keeps its place
    // (the global cap may still empty it). Must not outlive the Deduplicator.
    class Hold
    {
    public:
        Hold() = default;
        Hold(Hold&& other) noexcept;
        Hold& operator=(Hold&& other) noexcept;
        ~Hold() { reset(); }
        void reset();
        bool isNull() const { return !m_bucket; }

    private:
        friend class Deduplicator;
        Deduplicator* m_owner = nullptr;
        Bucket* m_bucket = nullptr;
        QString m_sessionId;
    };
    Hold hold(const QString& sessionId);

    // Keyed by the session id the event itself names (empty for unattributed events), so the
    // answer does not depend on where the aggregator routed it.
    bool contains(const ClaudeEvent& event) const;
    bool contains(const QString& sessionId, quint64 identity) const;

    // Remembers the event; false when it was already known (a duplicate to drop).
    bool insert(const ClaudeEvent& event);
    bool insert(const QString& sessionId, quint64 identity);
    bool insert(const Hold& held, quint64 identity);

    // Seeds a reopened session's identities (AgentSession::eventIdentities()).
    void insertAll(const QString& sessionId, const QList<quint64>& identities);

    void forgetSession(const QString& sessionId);
    void clear();

    qsizetype size() const { return m_total; }
    qsizetype sessionCount() const { return qsizetype(m_buckets.size()); }
    qsizetype maxPerSession() const { return m_maxPerSession; }
    qsizetype maxTotal() const { return m_maxTotal; }

private:
    // Two generations per session: when `current` fills half the per-session budget it becomes
    // `previous` and the old `previous` is dropped. Recent identities, the ones a replay
    // repeats, are always kept, without per-entry bookkeeping.
    struct Bucket
    {
        IdentitySet current;
        IdentitySet previous;
        quint64 lastUse = 0;
        int holds = 0;
        bool queued = false; // has an entry in m_uses
    };

    // The least recently used buckets, found without scanning them all: a min-heap of
    // (last use when queued, session), updated lazily. An entry whose bucket was used since
    // is queued again with its newer use when it reaches the top, so the top whose stamp is
    // still current is the least recently used bucket. Each bucket has at most one entry
    // (plus those of forgotten sessions, dropped when they reach the top or the heap is
    // rebuilt).
    using Use = std::pair<quint64, QString>;
    using UseHeap = std::priority_queue<Use, std::vector<Use>, std::greater<Use>>;

    bool insertInto(Bucket& bucket, const QString& sessionId, quint64 identity);
    void enforceTotal(Bucket* keep);
    // Forgets a bucket's identities; the bucket itself goes unless it is held.
    void drop(std::unordered_map<QString, Bucket>::iterator it);
    void release(Hold& held);
    void rebuildUses();

    // Node-based: a Bucket& stays valid while other sessions come and go.
    std::unordered_map<QString, Bucket> m_buckets;
    UseHeap m_uses;
    qsizetype m_maxPerSession;
    qsizetype m_maxTotal;
    qsizetype m_total = 0;
    quint64 m_clock = 0;
};

} // namespace ea
