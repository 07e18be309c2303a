// A hash index from string keys to entries held elsewhere, where one lookup touches one cache line.
#pragma once

#include <QHashFunctions>
#include <QString>
#include <QStringView>

#include <cstring>
#include <memory>

namespace ea {

// Why not std::unordered_map or QHash for the per-event lookup of a session: with thousands of
// sessions each event's session is cold, and those maps reach it through a bucket, a node and
// the key's own heap block — three cache misses before the entry itself (measured: the
// aggregator's lookup and the key comparison were a tenth of an event's cost at 10,000
// sessions). Here a slot holds the key's hash and, for keys of up to kInline Latin-1
// characters (a session id is a 36-character UUID), the key itself: a hit reads the one slot
// and then the entry. Longer keys are compared through the entry's own key.
//
// Entry: anything with a `first` that is the key (a std::unordered_map's value type). The
// index does not own its entries; whoever erases one from its container erases it here.
// Open addressing, linear probing, at most half full; erasing shifts the run back, so there
// are no tombstones. The hash is Qt's, seeded per process, so a sender cannot choose ids
// that pile into one run.
template <typename Entry> class StringKeyIndex
{
public:
    StringKeyIndex() = default;
    StringKeyIndex(const StringKeyIndex&) = delete;
    StringKeyIndex& operator=(const StringKeyIndex&) = delete;

    Entry* find(QStringView key) const
    {
        const qsizetype at = slotOf(key);
        return at < 0 ? nullptr : m_slots[size_t(at)].entry;
    }

    // entry->first must not be in the index yet.
    void insert(Entry* entry)
    {
        Q_ASSERT(entry && !find(entry->first));
        if (2 * (m_size + 1) > capacity())
            grow();
        Slot slot;
        slot.entry = entry;
        slot.hash = qHash(QStringView(entry->first), m_seed);
        slot.setKey(entry->first);
        place(slot);
        ++m_size;
    }

    // False when the key is not in the index.
    bool erase(QStringView key)
    {
        const qsizetype at = slotOf(key);
        if (at < 0)
            return false;
        size_t i = size_t(at);
        // Backward shift: every later slot of the run whose home is not in (i, j] moves up.
        for (size_t j = i;;) {
            j = (j + 1) & m_mask;
            if (!m_slots[j].entry)
                break;
            const size_t home = m_slots[j].hash & m_mask;
            const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays)
                continue;
            m_slots[i] = m_slots[j];
            i = j;
        }
        m_slots[i] = Slot();
        --m_size;
        return true;
    }

    void clear()
    {
        m_slots.reset();
        m_mask = 0;
        m_size = 0;
    }

    qsizetype size() const { return m_size; }

    static constexpr qsizetype kInline = 45;

private:
    struct alignas(64) Slot
    {
        Entry* entry = nullptr; // null: empty
        size_t hash = 0;
        quint16 length = 0; // of an inline key, in characters
        bool inlined = false;
        char latin1[kInline] = {};

        void setKey(const QString& key)
        {
            inlined = key.size() <= kInline;
            for (qsizetype c = 0; inlined && c < key.size(); ++c)
                inlined = key.at(c).unicode() < 0x100;
            if (!inlined)
                return;
            length = quint16(key.size());
            for (qsizetype c = 0; c < key.size(); ++c)
                latin1[c] = char(key.at(c).unicode());
        }
        bool matches(QStringView key) const
        {
            if (inlined)
                return key == QLatin1String(latin1, length);
            return key == QStringView(entry->first);
        }
    };
    static_assert(sizeof(Slot) == 64, "a slot is one cache line");

    qsizetype capacity() const { return m_slots ? qsizetype(m_mask + 1) : 0; }

    // The slot holding key, or -1.
    qsizetype slotOf(QStringView key) const
    {
        if (m_size == 0)
            return -1;
        const size_t hash = qHash(key, m_seed);
        for (size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
            const Slot& slot = m_slots[i];
            if (!slot.entry)
                return -1;
            if (slot.hash == hash && slot.matches(key))
                return qsizetype(i);
        }
    }

    void place(const Slot& slot)
    {
        size_t i = slot.hash & m_mask;
        while (m_slots[i].entry)
            i = (i + 1) & m_mask;
        m_slots[i] = slot;
    }

    void grow()
    {
        const qsizetype from = capacity();
        std::unique_ptr<Slot[]> old = std::move(m_slots);
        const qsizetype to = from ? 2 * from : 16;
        m_slots = std::make_unique<Slot[]>(size_t(to));
        m_mask = size_t(to - 1);
        for (qsizetype i = 0; i < from; ++i) {
            if (old[i].entry)
                place(old[i]);
        }
    }

    std::unique_ptr<Slot[]> m_slots;
    size_t m_mask = 0;
    qsizetype m_size = 0;
    size_t m_seed = QHashSeed::globalSeed();
};

} // namespace ea
