#include "aggregation/HeldBytes.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace ea {

HeldBytes::HeldBytes(const HeldBytes& other)
    : m_tailOffset(other.m_tailOffset), m_blocks(other.m_blocks)
{
    if (!m_blocks.empty())
        m_blocks.back().used = m_tailOffset;
}

HeldBytes& HeldBytes::operator=(const HeldBytes& other)
{
    if (this != &other)
        *this = HeldBytes(other);
    return *this;
}

HeldBytes::HeldBytes(HeldBytes&& other) noexcept
    : m_tail(std::exchange(other.m_tail, nullptr)), m_room(std::exchange(other.m_room, 0)),
      m_tailOffset(std::exchange(other.m_tailOffset, 0)), m_blocks(std::move(other.m_blocks))
{
    other.m_blocks.clear();
}

HeldBytes& HeldBytes::operator=(HeldBytes&& other) noexcept
{
    if (this != &other) {
        m_tail = std::exchange(other.m_tail, nullptr);
        m_room = std::exchange(other.m_room, 0);
        m_tailOffset = std::exchange(other.m_tailOffset, 0);
        m_blocks = std::move(other.m_blocks);
        other.m_blocks.clear();
    }
    return *this;
}

HeldBytes::Span HeldBytes::append(QByteArrayView bytes)
{
    const qsizetype n = bytes.size();
    Q_ASSERT(n <= std::numeric_limits<quint32>::max());
    if (m_blocks.empty() || n > qsizetype(m_room))
        startBlock(n);
    const Span span{quint32(m_blocks.size() - 1), m_tailOffset, quint32(n)};
    if (n > 0)
        std::memcpy(m_tail, bytes.data(), size_t(n));
    m_tail += n;
    m_room -= quint32(n);
    m_tailOffset += quint32(n);
    return span;
}

void HeldBytes::startBlock(qsizetype atLeast)
{
    qsizetype previous = 0;
    if (!m_blocks.empty()) {
        m_blocks.back().used = m_tailOffset;
        previous = m_blocks.back().capacity;
    }
    const qsizetype grown = std::clamp(previous * 2, kFirstBlockBytes, kMaxBlockBytes);
    Block block;
    block.capacity = quint32(std::max(grown, atLeast));
    block.data.reset(new char[block.capacity]);
    m_tail = block.data.get();
    m_room = block.capacity;
    m_tailOffset = 0;
    m_blocks.push_back(std::move(block));
}

QByteArrayView HeldBytes::view(Span span) const
{
    if (span.block >= m_blocks.size())
        return {};
    const Block& block = m_blocks[span.block];
    const quint32 used = span.block + 1 == m_blocks.size() ? m_tailOffset : block.used;
    if (qsizetype(span.offset) + qsizetype(span.size) > qsizetype(used))
        return {};
    return QByteArrayView(block.data.get() + span.offset, span.size);
}

qsizetype HeldBytes::capacityBytes() const
{
    qsizetype total = 0;
    for (const Block& block : m_blocks)
        total += block.capacity;
    return total;
}

} // namespace ea
