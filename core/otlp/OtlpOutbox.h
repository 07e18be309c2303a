// The turns waiting for the collector's acknowledgement: one file each, on disk, oldest first.
#pragma once

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>

#include <optional>

namespace ea {

// Lives in <activity>/.otlp: outbox/<sequence>-<trace id>.json holds each request not yet
// acknowledged, and `forwarded` the trace ids of turns ever queued (the last kMaxLedger), so a
// session saved again, or after a restart, does not queue a turn twice. Bounded by size: the
// oldest entries are dropped, counted and logged, to make room.
class OtlpOutbox
{
public:
    static constexpr int kMaxLedger = 10000;

    struct Entry
    {
        QString path;
        QByteArray traceId;
        qint64 bytes = 0;
    };

    OtlpOutbox(QString directory, qint64 maxBytes);

    // Creates the directories and reads what a previous run left. False with *error.
    bool open(QString* error);
    // Whether a turn was ever queued (waiting here, acknowledged or dropped since).
    bool knows(const QByteArray& traceId) const;
    // Queues a request; false with *error when it could not be written (nothing is recorded
    // then, so a later save of the session tries again).
    bool enqueue(const QByteArray& traceId, const QByteArray& body, QString* error);
    struct Request
    {
        QByteArray traceId;
        QByteArray body;
    };
    // Queues several with one sync of the file system (AtomicFile::writeAll) and one ledger
    // write; returns how many were queued, the reasons of the rest in *errors.
    int enqueueAll(const QList<Request>& requests, QStringList* errors);
    std::optional<Entry> front() const;
    QByteArray read(const Entry& entry, QString* error) const;
    // The collector took it (or refused it for good): the file goes.
    void remove(const Entry& entry);

    int count() const { return int(m_entries.size()); }
    qint64 bytes() const { return m_bytes; }
    quint64 evicted() const { return m_evicted; }
    qint64 maxBytes() const { return m_maxBytes; }
    QString directory() const { return m_dir; }

private:
    bool writeLedger(QString* error);
    void evictFor(qint64 incoming);

    QString m_dir;
    qint64 m_maxBytes;
    QList<Entry> m_entries; // oldest first
    qint64 m_bytes = 0;
    qint64 m_nextSeq = 1;
    QList<QByteArray> m_ledger; // oldest first
    QSet<QByteArray> m_known;
    quint64 m_evicted = 0;
};

} // namespace ea
