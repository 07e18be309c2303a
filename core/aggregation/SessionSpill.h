// One scratch file holding the events of sessions a memory limit moved out of memory.
#pragma once

#include "aggregation/AgentSession.h"

#include <QFile>
#include <QList>
#include <QString>

#include <functional>
#include <vector>

namespace ea {

// Append-only while capturing: each event of a spilled session is written here once, and read
// back once, when its session is saved for good (or must be whole again). Its contents are
// also in the journal, whose records stay unreleased until that save is durable, so this file
// needs no fsync and no atomic replacement; it is truncated whenever nothing in it is still
// needed, and removed when the spill is destroyed.
class SessionSpill
{
public:
    // Where a run of one session's events lies in the file.
    struct Chunk
    {
        qint64 offset = 0;
        qint64 bytes = 0;
        qint32 events = 0;
    };
    using Chunks = std::vector<Chunk>; // not QList: no shared header to check on each append

    // directory: created (private) on first use; the file in it is this process's own (the
    // activity directory's lock makes sure no other capture uses it).
    explicit SessionSpill(QString directory);
    ~SessionSpill();
    SessionSpill(const SessionSpill&) = delete;
    SessionSpill& operator=(const SessionSpill&) = delete;

    // Appends one event to *chunks (extending its last chunk when it ends where this one
    // starts). False with lastError() when the file cannot be written: nothing was appended.
    bool append(const AgentSession::StoredEvent& event, Chunks* chunks);
    // Reads the events back in the order they were appended; false with lastError().
    bool read(const Chunks& chunks,
              const std::function<void(const AgentSession::StoredEvent&)>& each);
    // The chunks are no longer needed (their session was rebuilt or saved).
    void discard(const Chunks& chunks);

    // Rewrites the file with only the chunks still held, each owner's run of events made one
    // chunk (owners: every Chunks list still in use; they are updated in place). A capture
    // that always has some session spilled never lets the file start over, so without this
    // it would only grow. False with lastError() when it cannot: the old file stays in use.
    bool compact(const QList<Chunks*>& owners);
    // Whether the bytes no longer needed are worth a compact(): more than are still held,
    // and more than a few MB.
    bool wantsCompaction() const;

    qint64 heldEvents() const { return m_heldEvents; }
    qint64 heldBytes() const { return m_heldBytes; }
    qint64 fileBytes() const { return m_end; }
    QString lastError() const { return m_lastError; }
    QString filePath() const { return m_file.fileName(); }

private:
    bool ensureOpen();
    bool readChunk(const Chunk& chunk, QByteArray* buffer);

    QString m_directory;
    QFile m_file;
    qint64 m_end = 0; // bytes appended (some may still be in QFile's buffer)
    qint64 m_heldEvents = 0;
    qint64 m_heldBytes = 0;
    QByteArray m_record;
    QString m_lastError;
};

} // namespace ea
