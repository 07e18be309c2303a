// A set of event identities in one flat array, for the Deduplicator's generations.
#pragma once

#include <QtGlobal>

#include <memory>

namespace ea {

// Why not QSet<quint64>: a QSet grows by small spans, allocated one by one among the payload
// blocks of the sessions being captured. A few MB of such spans, still held when those sessions
// have been saved and freed, kept one page in every few resident (measured: 55 MB resident
// beyond the 12 MB in use after 1M events in 100 sessions). One array per set, grown by
// doubling, is a few large runs instead, and a lookup touches one cache line.
// Open addressing with linear probing; identities are hashes already, mixed once more so that
// a sender cannot line them up in one probe run. Nothing is ever removed from a set.
class IdentitySet
{
public:
    IdentitySet() = default;
    IdentitySet(IdentitySet&& other) noexcept;
    IdentitySet& operator=(IdentitySet&& other) noexcept;
    IdentitySet(const IdentitySet& other);
    IdentitySet& operator=(const IdentitySet& other);

    bool contains(quint64 identity) const;
    // false when it was there already.
    bool insert(quint64 identity);
    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    qsizetype capacity() const { return m_capacity; }

private:
    static quint64 mix(quint64 x);
    void grow();

    std::unique_ptr<quint64[]> m_slots; // 0: empty (identity 0 is m_hasZero)
    qsizetype m_capacity = 0;           // a power of two, or 0
    qsizetype m_size = 0;
    bool m_hasZero = false;
};

} // namespace ea
