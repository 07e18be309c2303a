#include "aggregation/SessionSpill.h"

#include "util/PrivateDirectory.h"

#include <QDir>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include <unistd.h>

namespace ea {

namespace {
// A record: payload length (u32), flags (u8), timestamp (i64), identity (u64), event name
// length (u16), event name (UTF-8), then the event's held bytes. Native byte order: the file
// never outlives the process that wrote it.
constexpr qsizetype kHeaderBytes = 4 + 1 + 8 + 8 + 2;

template <typename T> void put(char*& at, T value)
{
    std::memcpy(at, &value, sizeof value);
    at += sizeof value;
}

template <typename T> T take(const char*& at)
{
    T value;
    std::memcpy(&value, at, sizeof value);
    at += sizeof value;
    return value;
}
} // namespace

SessionSpill::SessionSpill(QString directory) : m_directory(std::move(directory)) {}

SessionSpill::~SessionSpill()
{
    if (m_file.isOpen()) {
        m_file.close();
        m_file.remove();
    }
}

bool SessionSpill::ensureOpen()
{
    if (m_file.isOpen())
        return true;
    if (!PrivateDirectory::ensure(m_directory, &m_lastError))
        return false;
    m_file.setFileName(QDir(m_directory).filePath(QStringLiteral("events.spill")));
    // Whatever a crashed run left is also in its journal: start empty.
    if (!m_file.open(QIODevice::ReadWrite | QIODevice::Truncate)) {
        m_lastError =
            QStringLiteral("cannot open %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    m_end = 0;
    return true;
}

bool SessionSpill::append(const AgentSession::StoredEvent& event, Chunks* chunks)
{
    if (!ensureOpen())
        return false;
    // Event names are short ASCII words: narrowed in place, without a QByteArray per event.
    const QStringView wide = QStringView(event.eventName).left(0xffff);
    const bool ascii =
        std::all_of(wide.begin(), wide.end(), [](QChar c) { return c.unicode() < 0x80; });
    const QByteArray utf8 = ascii ? QByteArray() : wide.toUtf8().left(0xffff);
    const qsizetype nameBytes = ascii ? wide.size() : utf8.size();
    const qsizetype payload = kHeaderBytes - 4 + nameBytes + event.raw.size();
    m_record.resize(4 + payload);
    char* at = m_record.data();
    put(at, quint32(payload));
    put(at, quint8(event.timestampFromReceipt ? 1 : 0));
    put(at, qint64(event.timestampMs));
    put(at, quint64(event.identity));
    put(at, quint16(nameBytes));
    if (ascii)
        std::transform(wide.begin(), wide.end(), at, [](QChar c) { return char(c.unicode()); });
    else
        std::memcpy(at, utf8.constData(), size_t(nameBytes));
    at += nameBytes;
    std::memcpy(at, event.raw.constData(), size_t(event.raw.size()));
    if (m_file.pos() != m_end && !m_file.seek(m_end)) {
        m_lastError =
            QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    if (m_file.write(m_record) != m_record.size()) {
        m_lastError =
            QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        // A partial record may sit at the end: the next append overwrites it.
        m_file.seek(m_end);
        return false;
    }
    if (!chunks->empty() && chunks->back().offset + chunks->back().bytes == m_end) {
        chunks->back().bytes += m_record.size();
        ++chunks->back().events;
    } else {
        chunks->push_back(Chunk{m_end, m_record.size(), 1});
    }
    m_end += m_record.size();
    m_heldBytes += m_record.size();
    ++m_heldEvents;
    return true;
}

bool SessionSpill::readChunk(const Chunk& chunk, QByteArray* buffer)
{
    buffer->resize(chunk.bytes);
    qint64 got = 0;
    while (got < chunk.bytes) {
        const ssize_t n = ::pread(m_file.handle(), buffer->data() + got, size_t(chunk.bytes - got),
                                  off_t(chunk.offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            m_lastError = QStringLiteral("cannot read %1: %2")
                              .arg(m_file.fileName(), n < 0 ? qt_error_string(errno)
                                                            : QStringLiteral("it ends early"));
            return false;
        }
        got += n;
    }
    return true;
}

bool SessionSpill::read(const Chunks& chunks,
                        const std::function<void(const AgentSession::StoredEvent&)>& each)
{
    if (chunks.empty())
        return true;
    if (!m_file.isOpen() || !m_file.flush()) {
        m_lastError =
            QStringLiteral("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    QByteArray buffer;
    for (const Chunk& chunk : chunks) {
        // pread, not seek + read: QFile's read buffer would fetch 16 KiB for each chunk of a
        // few hundred bytes (a session's events interleaved with others' are many small
        // chunks), and the write position stays where appends go on.
        if (!readChunk(chunk, &buffer))
            return false;
        const char* at = buffer.constData();
        const char* const end = at + buffer.size();
        for (qint32 n = 0; n < chunk.events; ++n) {
            if (end - at < kHeaderBytes) {
                m_lastError = QStringLiteral("%1 is damaged").arg(m_file.fileName());
                return false;
            }
            const quint32 payload = take<quint32>(at);
            const char* const next = at + payload;
            AgentSession::StoredEvent event;
            event.timestampFromReceipt = take<quint8>(at) != 0;
            event.timestampMs = take<qint64>(at);
            event.identity = take<quint64>(at);
            const quint16 nameBytes = take<quint16>(at);
            if (next > end || at + nameBytes > next) {
                m_lastError = QStringLiteral("%1 is damaged").arg(m_file.fileName());
                return false;
            }
            event.eventName = QString::fromUtf8(at, nameBytes);
            at += nameBytes;
            event.raw = QByteArray(at, next - at);
            at = next;
            each(event);
        }
    }
    return true;
}

void SessionSpill::discard(const Chunks& chunks)
{
    for (const Chunk& chunk : chunks) {
        m_heldEvents -= chunk.events;
        m_heldBytes -= chunk.bytes;
    }
    // Nothing in the file is needed any more: it starts over, so it never outgrows what
    // spilled sessions hold at the busiest moment.
    if (m_heldEvents <= 0 && m_file.isOpen()) {
        m_heldEvents = 0;
        m_heldBytes = 0;
        m_file.resize(0);
        m_file.seek(0);
        m_end = 0;
    }
}

bool SessionSpill::wantsCompaction() const
{
    constexpr qint64 kMinDeadBytes = qint64(16) << 20;
    const qint64 dead = m_end - m_heldBytes;
    return m_heldEvents > 0 && dead > kMinDeadBytes && dead > m_heldBytes;
}

bool SessionSpill::compact(const QList<Chunks*>& owners)
{
    if (!m_file.isOpen() || !m_file.flush()) {
        m_lastError =
            QStringLiteral("cannot compact %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    const QString path = m_file.fileName();
    QFile fresh(path + QStringLiteral(".new"));
    if (!fresh.open(QIODevice::ReadWrite | QIODevice::Truncate)) {
        m_lastError = QStringLiteral("cannot compact %1: %2").arg(path, fresh.errorString());
        return false;
    }
    fresh.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QList<Chunks> moved;
    moved.reserve(owners.size());
    QByteArray buffer;
    qint64 at = 0;
    for (const Chunks* owner : owners) {
        Chunk merged{at, 0, 0};
        for (const Chunk& chunk : *owner) {
            if (!readChunk(chunk, &buffer))
                break;
            if (fresh.write(buffer) != buffer.size()) {
                m_lastError =
                    QStringLiteral("cannot compact %1: %2").arg(path, fresh.errorString());
                break;
            }
            merged.bytes += chunk.bytes;
            merged.events += chunk.events;
        }
        if (merged.events !=
            std::accumulate(owner->cbegin(), owner->cend(), qint32(0),
                            [](qint32 n, const Chunk& c) { return n + c.events; })) {
            fresh.remove();
            return false;
        }
        at += merged.bytes;
        moved.append(merged.events > 0 ? Chunks{merged} : Chunks{});
    }
    if (!fresh.flush() || ::rename(QFile::encodeName(fresh.fileName()).constData(),
                                   QFile::encodeName(path).constData()) != 0) {
        m_lastError = QStringLiteral("cannot compact %1: %2").arg(path, fresh.errorString());
        fresh.remove();
        return false;
    }
    // The renamed file is the spill file now (the old one goes once closed): its chunks are
    // the owners' from here on.
    fresh.close();
    m_file.close();
    for (qsizetype i = 0; i < owners.size(); ++i)
        *owners[i] = moved.at(i);
    if (!m_file.open(QIODevice::ReadWrite) || !m_file.seek(at)) {
        m_lastError = QStringLiteral("cannot reopen %1: %2").arg(path, m_file.errorString());
        return false; // reading back fails; the journal still holds those events
    }
    m_end = at;
    m_heldBytes = at;
    return true;
}

} // namespace ea
