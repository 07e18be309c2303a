// A session's held payload bytes, packed into a few growing blocks instead of one allocation each.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>
#include <vector>

namespace ea {

// Why blocks: a payload held as its own QByteArray is a small heap chunk among the chunks of
// every other session and of everything else the process keeps. When the session is saved and
// dropped, those chunks free no whole page, so the memory stays resident for good (measured:
// 175 MB resident, 12 MB of it in use, after 1M events in 100 sessions were saved). A session's
// blocks are freed as a few large runs that the allocator can give back. Blocks grow from
// 4 kB to 64 kB, so 10,000 small sessions do not each hold a large block; a payload larger
// than a block gets one of its own size.
//
// The last block's write position is kept in the object itself: an append touches this object
// (next to the session's other per-event fields) and the bytes it writes, not the block list
// and a block's header (with a thousand sessions taking turns, each was a cache miss). Copies
// share the blocks; a copy's appends go to a block of its own, so offsets stay valid in both.
class HeldBytes
{
public:
    struct Span
    {
        quint32 block = 0;
        quint32 offset = 0;
        quint32 size = 0;
    };

    static constexpr qsizetype kFirstBlockBytes = 4 * 1024;
    static constexpr qsizetype kMaxBlockBytes = 64 * 1024;

    HeldBytes() = default;
    HeldBytes(const HeldBytes& other);
    HeldBytes& operator=(const HeldBytes& other);
    HeldBytes(HeldBytes&& other) noexcept;
    HeldBytes& operator=(HeldBytes&& other) noexcept;
    ~HeldBytes() = default;

    Span append(QByteArrayView bytes);
    // Valid until the HeldBytes goes away.
    QByteArrayView view(Span span) const;
    // A copy that owns its bytes, for what outlives the session's storage.
    QByteArray copy(Span span) const { return view(span).toByteArray(); }

    qsizetype blockCount() const { return qsizetype(m_blocks.size()); }
    // Allocated, not only used: what the session's bytes cost in memory.
    qsizetype capacityBytes() const;

private:
    struct Block
    {
        std::shared_ptr<char[]> data;
        quint32 capacity = 0;
        quint32 used = 0; // of the last block: m_tailOffset
    };
    void startBlock(qsizetype atLeast);

    char* m_tail = nullptr; // where the next bytes go, in the last block
    quint32 m_room = 0;     // bytes left there (0 in a copy: it starts a block of its own)
    quint32 m_tailOffset = 0;
    std::vector<Block> m_blocks;
};

} // namespace ea
