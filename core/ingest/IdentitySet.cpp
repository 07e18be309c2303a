#include "ingest/IdentitySet.h"

#include <algorithm>
#include <utility>

namespace ea {

namespace {
constexpr qsizetype kFirstCapacity = 16;
} // namespace

IdentitySet::IdentitySet(IdentitySet&& other) noexcept
    : m_slots(std::move(other.m_slots)), m_capacity(std::exchange(other.m_capacity, 0)),
      m_size(std::exchange(other.m_size, 0)), m_hasZero(std::exchange(other.m_hasZero, false))
{}

IdentitySet& IdentitySet::operator=(IdentitySet&& other) noexcept
{
    m_slots = std::move(other.m_slots);
    m_capacity = std::exchange(other.m_capacity, 0);
    m_size = std::exchange(other.m_size, 0);
    m_hasZero = std::exchange(other.m_hasZero, false);
    return *this;
}

IdentitySet::IdentitySet(const IdentitySet& other)
    : m_slots(other.m_capacity > 0 ? new quint64[size_t(other.m_capacity)] : nullptr),
      m_capacity(other.m_capacity), m_size(other.m_size), m_hasZero(other.m_hasZero)
{
    std::copy_n(other.m_slots.get(), m_capacity, m_slots.get());
}

IdentitySet& IdentitySet::operator=(const IdentitySet& other)
{
    if (this != &other)
        *this = IdentitySet(other);
    return *this;
}

quint64 IdentitySet::mix(quint64 x)
{
    // splitmix64's finalizer: every input bit moves every output bit.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

bool IdentitySet::contains(quint64 identity) const
{
    if (identity == 0)
        return m_hasZero;
    if (m_capacity == 0)
        return false;
    const quint64 mask = quint64(m_capacity) - 1;
    for (quint64 i = mix(identity) & mask;; i = (i + 1) & mask) {
        const quint64 slot = m_slots[i];
        if (slot == identity)
            return true;
        if (slot == 0)
            return false;
    }
}

bool IdentitySet::insert(quint64 identity)
{
    if (identity == 0) {
        if (m_hasZero)
            return false;
        m_hasZero = true;
        ++m_size;
        return true;
    }
    // At most three quarters full, so a probe run stays short and always ends at an empty slot.
    if ((m_size + 1) * 4 > m_capacity * 3)
        grow();
    const quint64 mask = quint64(m_capacity) - 1;
    for (quint64 i = mix(identity) & mask;; i = (i + 1) & mask) {
        quint64& slot = m_slots[i];
        if (slot == identity)
            return false;
        if (slot == 0) {
            slot = identity;
            ++m_size;
            return true;
        }
    }
}

void IdentitySet::grow()
{
    const qsizetype capacity = m_capacity == 0 ? kFirstCapacity : m_capacity * 2;
    std::unique_ptr<quint64[]> table(new quint64[size_t(capacity)]());
    const quint64 mask = quint64(capacity) - 1;
    for (qsizetype k = 0; k < m_capacity; ++k) {
        const quint64 identity = m_slots[k];
        if (identity == 0)
            continue;
        quint64 i = mix(identity) & mask;
        while (table[i] != 0)
            i = (i + 1) & mask;
        table[i] = identity;
    }
    m_slots = std::move(table);
    m_capacity = capacity;
}

} // namespace ea
