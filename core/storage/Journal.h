// Write-ahead log of raw received events, so a crash never loses an event not yet saved.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace ea {

// Files: <directory>/journal-<first seq, 20 digits>.jsonl ("segments", 0600, directory 0700).
// Each line is one of
//   {"seq":N,"t":<receive time, ms since epoch>,"name":"<event>","args":[<payload>]}
//   {"release":[[first,last],...]}   records no longer needed (see release())
//   {"release_upto":N}               every record with seq <= N is no longer needed
//
// How the application uses it:
//   Journal journal(Journal::directoryFor(activityDir));
//   journal.open();                        // reads what a previous run left
//   journal.replay(feedToAggregator);      // once, before the first append()
//   ... for every received event, before aggregating it:
//   qint64 seq = journal.append(name, payload);   // -1 if it could not be written
//   ... once SessionStore::save() succeeded for a session that is finished (or whose full
//   document is on disk), tell the journal which records that session held:
//   journal.release(seqsOfThatSession);
//   ... and records that belong to no session (heartbeats, duplicates, filtered, rejected):
//   journal.release({seq});  -- or, if simpler, releaseUpTo(lowest seq any unsaved session
//   still holds - 1) from time to time, which covers them too.
//
// Releases are written to the journal, so replay() after a crash delivers exactly the records
// not released: a session already saved is never rebuilt from a partial set of its events.
// A segment file is deleted once it and every older segment hold no unreleased record (older
// first, so the release lines that justify a deletion are never deleted before the records).
// Appends reach the kernel at once (a crashed process loses nothing); fdatasync follows within
// syncDelay() ms, and on close(). Sequence numbers increase across runs while any segment is
// left; an empty journal starts again at 1. Not thread-safe.
class Journal : public QObject
{
    Q_OBJECT

public:
    struct ReplayStats
    {
        qint64 records = 0;  // delivered to the callback
        qint64 released = 0; // skipped: already released before the restart
        qint64 garbage = 0;  // lines that are not valid records, skipped
        qint64 torn = 0;     // unterminated, unparsable last lines: a crash mid-write
    };
    using ReplayCallback = std::function<void(qint64 seq, const QDateTime& received,
                                              const QString& name, const QByteArray& payload)>;

    static constexpr qint64 defaultSegmentMaxBytes = qint64(16) << 20;
    static constexpr qint64 defaultSegmentMaxRecords = 100000;
    static constexpr int defaultSyncDelayMs = 100;

    explicit Journal(const QString& directory, QObject* parent = nullptr);
    ~Journal() override; // close()

    // <activityDirectory>/.journal
    static QString directoryFor(const QString& activityDirectory);

    // Creates the directory and reads existing segments (which records exist, which were
    // released) so append() continues their numbering. False with lastError() on failure.
    bool open();
    bool isOpen() const { return m_open; }
    void close();

    // Delivers, in seq order, every record a previous run left unreleased. payload is the
    // bytes given to append() (line breaks between JSON tokens become spaces; empty if the
    // event had no argument). Records appended by this run are not replayed.
    ReplayStats replay(const ReplayCallback& callback);

    // Whether append() must check that the payload is JSON, or the caller's parse did already.
    enum class PayloadCheck
    {
        Parse,
        AlreadyParsed
    };
    // Appends one received event; payloadJson is a single JSON value (or empty for none).
    // Returns its seq, or -1 (lastError(), writeFailed()) if the payload is not JSON or the
    // write failed. receivedMs defaults to now.
    qint64 append(const QString& eventName, const QByteArray& payloadJson, qint64 receivedMs = -1,
                  PayloadCheck check = PayloadCheck::Parse);
    // Several events with one write() (one per segment they span): what one event-loop turn
    // received costs one system call. Returns each one's seq in order, -1 for those refused or
    // not written; records of a short write that did reach the file keep their seqs.
    struct Record
    {
        QString name;
        QByteArray payload;
        qint64 receivedMs = -1;
        PayloadCheck check = PayloadCheck::Parse;
    };
    QList<qint64> append(const QList<Record>& records);

    // These records are no longer needed. Unknown or already released seqs are ignored.
    void release(const QList<qint64>& seqs);
    // Every record with seq <= seq is no longer needed.
    void releaseUpTo(qint64 seq);

    // flush + fdatasync now (normally done by a timer at most syncDelay() ms after an append).
    bool sync();

    void setSegmentLimits(qint64 maxBytes, qint64 maxRecords);
    // Before open(): numbering starts at seq or later, so seqs handed out by an earlier journal
    // (one deleted with its directory) can never name a record of this one.
    void setMinimumNextSeq(qint64 seq) { m_minimumNextSeq = seq; }
    void setSyncDelay(int ms) { m_syncTimer.setInterval(ms); }
    int syncDelay() const { return m_syncTimer.interval(); }

    QString directory() const { return m_dir; }
    qint64 nextSeq() const { return m_nextSeq; }
    QStringList segmentFiles() const;                 // absolute paths, oldest first
    qint64 unreleasedCount() const;                   // records still needed
    bool isSynced() const { return !m_dirty; }        // every append has been fdatasync'ed
    qint64 garbageLines() const { return m_garbage; } // found by open()
    qint64 tornLines() const { return m_torn; }       // found by open()
    QString lastError() const { return m_lastError; }

signals:
    void writeFailed(const QString& path, const QString& reason);
    // A write succeeded after writes had failed (the disk has room again).
    void writable();

private:
    struct Segment
    {
        QString path;
        qint64 firstSeq = 0;
        qint64 endSeq = 0;      // one past the last seq written to it
        std::vector<bool> live; // index seq - firstSeq: present and not released
        qint64 liveCount = 0;
        qint64 bytes = 0;
        qint64 records = 0;
    };

    void scanSegment(Segment& segment, qint64 seqLimit, QList<QPair<qint64, qint64>>* releases,
                     qint64* upTo);
    Segment* segmentFor(qint64 seq);
    bool clearLive(qint64 seq);
    void clearUpTo(qint64 seq);
    bool ensureCurrent();
    bool startSegment();
    void closeCurrent();
    bool writeLine(const QByteArray& line);
    // The payload as a journal line holds it, or nullopt (lastError()) when it is not JSON.
    std::optional<QByteArray> checkedBody(const QString& eventName, const QByteArray& payloadJson,
                                          PayloadCheck check);
    // Appends the record's line to *out.
    void encodeLine(qint64 seq, qint64 receivedMs, const QString& eventName, const QByteArray& body,
                    QByteArray* out);
    // Writes lines holding the next count seqs; returns how many of them reached the file.
    qsizetype writeRecords(const QByteArray& lines, qsizetype count);
    void noteWritten();
    bool persistReleases();
    void prune();
    bool isDead(const Segment& segment) const;
    void fail(const QString& path, const QString& reason);

    QString m_dir;
    bool m_open = false;
    std::deque<Segment> m_segments; // oldest first; the last one is current once m_file is open
    QFile m_file;
    bool m_needNewline = false; // a failed write may have left half a line
    qint64 m_nextSeq = 1;
    qint64 m_minimumNextSeq = 1;
    qint64 m_watermark = 0; // everything <= this is released
    qint64 m_firstSeqThisRun = 1;
    bool m_replaying = false;
    QList<QPair<qint64, qint64>> m_unpersisted; // releases not yet written
    qint64 m_unpersistedUpTo = 0;
    qint64 m_segmentMaxBytes = defaultSegmentMaxBytes;
    qint64 m_segmentMaxRecords = defaultSegmentMaxRecords;
    QTimer m_syncTimer;
    bool m_dirty = false; // written since the last fdatasync
    // Write failures are logged at most once a minute (a full disk fails every append).
    QElapsedTimer m_failLogClock;
    qint64 m_failLoggedAtMs = -1;
    qint64 m_failsNotLogged = 0;
    bool m_failing = false;
    qint64 m_garbage = 0;
    qint64 m_torn = 0;
    QString m_lastError;
    QString m_encodedNameOf; // the last event name append() encoded, and its JSON array
    QByteArray m_encodedName;
    QByteArray m_spareLines; // append()'s line buffer, kept empty between batches
    static constexpr qsizetype kSpareLinesMaxBytes = qsizetype(4) << 20;
};

} // namespace ea
