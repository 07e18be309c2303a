#include "aggregation/HeldBytes.h"

#include <algorithm>
#include <limits>

namespace ea {

HeldBytes::Span HeldBytes::append(QByteArrayView bytes)
{
    const qsizetype n = bytes.size();
    Q_ASSERT(n <= std::numeric_limits<quint32>::max());
    if (m_blocks.isEmpty() || m_blocks.last().capacity() - m_blocks.last().size() < n) {
        const qsizetype previous = m_blocks.isEmpty() ? 0 : m_blocks.last().capacity();
        const qsizetype grown = std::clamp(previous * 2, kFirstBlockBytes, kMaxBlockBytes);
        QByteArray block;
        block.reserve(std::max(grown, n));
        m_blocks.append(std::move(block));
    }
    QByteArray& block = m_blocks.last();
    const Span span{quint32(m_blocks.size() - 1), quint32(block.size()), quint32(n)};
    block.append(bytes);
    return span;
}

QByteArrayView HeldBytes::view(Span span) const
{
    if (span.block >= quint32(m_blocks.size()))
        return {};
    const QByteArray& block = m_blocks.at(span.block);
    if (qsizetype(span.offset) + qsizetype(span.size) > block.size())
        return {};
    return QByteArrayView(block.constData() + span.offset, span.size);
}

qsizetype HeldBytes::capacityBytes() const
{
    qsizetype total = 0;
    for (const QByteArray& block : m_blocks)
        total += block.capacity();
    return total;
}

} // namespace ea
