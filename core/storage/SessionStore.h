// Keeps saved sessions as one atomic JSON (or gzip) file each and lists them from an index.
#pragma once

#include "model/SessionSummary.h"
#include "storage/SavedDocument.h"
#include "storage/SessionSummaryCache.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace ea {

class JsonParser;

// Layout of the activity directory:
//   session_<id>_<start>.json      a session document (QJsonDocument, indented)
//   session_<id>_<start>.json.gz   the same, compact and gzip-compressed, when larger than
//                                  the threshold
// The listing starts from a SessionSummaryCache when one is set (the session database), so a
// start does not parse every file; without one, or for files it does not know, it parses them.
// Not thread-safe: use from the thread the store lives in (it may be a worker thread).
class SessionStore : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 defaultCompressionThreshold = qint64(1) << 20;
    static constexpr qint64 defaultPendingByteLimit = qint64(64) << 20;
    static constexpr qint64 defaultMaxDocumentBytes = qint64(256) << 20;
    // The listing file of earlier versions, removed when found.
    static inline const QString obsoleteIndexFileName = QStringLiteral(".index.json");

    explicit SessionStore(const QString& directory, QObject* parent = nullptr);
    ~SessionStore() override; // pending saves are the owner's

    // Read once, by the first listing (set it before then).
    void setSummaryCache(std::unique_ptr<SessionSummaryCache> cache);

    QString directory() const { return m_dir; }

    // Documents whose JSON exceeds this many bytes are written as .json.gz. 0 = always gzip.
    void setCompressionThreshold(qint64 bytes) { m_compressionThreshold = bytes; }
    qint64 compressionThreshold() const { return m_compressionThreshold; }
    // Upper bound on the JSON bytes of documents kept in memory after failed saves.
    void setPendingByteLimit(qint64 bytes);
    qint64 pendingByteLimit() const { return m_pendingByteLimit; }
    // Files (and inflated gzip data) larger than this are refused by load().
    void setMaxDocumentBytes(qint64 bytes) { m_maxDocumentBytes = bytes; }
    qint64 maxDocumentBytes() const { return m_maxDocumentBytes; }

    // Writes the session atomically. Reads session_id (required), start_time (names a new
    // file; now if missing) and the summary fields. The same session id always lands in the
    // same file, and a file holding another session_id (or a damaged one, a symlink, ...) is
    // never written over: a new session takes the next free name instead. Switching between plain
    // and gzip removes the other variant. On failure: false, lastError(), saveFailed(), and the
    // document is queued for retryPending().
    bool save(const QJsonObject& session);
    // The same, with the "events" array given as compact JSON text beside the rest of the
    // document (AgentSession::eventsJsonText()), so big sessions are written without a tree.
    bool save(const QJsonObject& head, const QByteArray& eventsJson);

    // save() in two steps, so the costly one can run on another thread: prepare() only
    // serializes and compresses (static, touches no store), commit() writes the file and
    // updates the index here, with the same results and failure handling as save().
    struct Prepared
    {
        QString sessionId;
        SessionSummary summary; // what the index lists; its start time names a new file
        QByteArray data;        // the file's contents
        qint64 jsonBytes = 0;
        bool compressed = false;
        QString error; // compression failed
        // The same document with an empty "events" array, when the writer gave it: the session
        // database indexes it instead of reading the file back (saved() hands it on).
        QByteArray withoutEvents;
        QJsonObject whole() const; // the document, read back from data
    };
    static Prepared prepare(const QJsonObject& head, const QByteArray& eventsJson,
                            qint64 compressionThreshold);
    // The whole document as JSON text (SessionDocumentWriter) and its summary, taken from the
    // session itself: nothing is parsed again.
    static Prepared prepareText(QByteArray json, const SessionSummary& summary,
                                qint64 compressionThreshold);
    bool commit(const Prepared& prepared);
    // Several at once: the files are written, then the directory is synced once for all of
    // them, then each counts as saved (saved(), its index entry). Returns how many were.
    int commit(const QList<Prepared>& batch);

    // Reads a .json or .json.gz file (detected by content). A relative path is taken inside
    // the directory. Symbolic links are refused, sizes are bounded by maxDocumentBytes().
    std::optional<QJsonObject> load(const QString& path, QString* error = nullptr) const;
    // The same file's text as it is (inflated), checked to be a JSON object: numbers keep the
    // digits they were saved with, which a QJsonObject would round (2^53 + 1).
    std::optional<QByteArray> loadText(const QString& path, QString* error = nullptr) const;
    // The text of the same document with its "events" array empty, for readers that need the
    // rest only (the session database): simdjson checks the text and the array is cut out of
    // it as text; the events were most of the cost of indexing a big session. Whole when the
    // array is needed for a count (no metrics.total_events). Refused as load() refuses.
    std::optional<QByteArray> loadWithoutEvents(const QString& path, JsonParser& parser,
                                                QString* error = nullptr) const;
    // The newest copy: a document queued after a failed save wins over the file on disk.
    std::optional<QJsonObject> loadSession(const QString& sessionId, QString* error = nullptr);

    // Absolute path of the session's file, or empty if it has none.
    QString filePath(const QString& sessionId);

    // All session files, newest start first. Unreadable ones come back with damaged = true and
    // an error. Only files changed since the last look (by mtime and size) are parsed.
    QList<SessionSummary> list();

    // Deletes the session's file (both variants) and any queued unsaved copy of it; with
    // Disposal::Trash the files go to the user's trash (freedesktop.org spec) instead, so a
    // deletion from the browser can be undone there.
    enum class Disposal
    {
        Delete,
        Trash
    };
    bool remove(const QString& sessionId, Disposal disposal = Disposal::Delete);

    // Deletes sessions with status completed, timed_out or stopped whose end_time (file mtime
    // if absent) is more than `days` days ago; never active or damaged ones. days == 0 means
    // never, as auto_cleanup_days: 0 does: nothing is deleted. Returns how many were (or, with
    // dryRun, would be) deleted; their paths go to `removed`. distrustClock (the automatic cleanup,
    // which nobody watches): ages are measured against the newest session file's last write when
    // the wall clock is ahead of it, so a clock set weeks ahead deletes nothing a right clock would
    // keep.
    int cleanup(int days, bool dryRun, QStringList* removed = nullptr, bool distrustClock = false);

    // One session a cleanup removes, and why ("ended 45 days ago (auto_cleanup_days: 30)",
    // "oldest ended session while the session files take 612 MB (max_total_mb: 500)").
    struct CleanupItem
    {
        SessionSummary session;
        QString reason;
    };
    // What cleanup() would remove: ended sessions older than `days` (0: none for age), then,
    // while the session files together exceed maxTotalBytes (0: no budget), the oldest ended
    // sessions left. Never active, damaged or pinned ones. Empty with *error when the pins
    // cannot be read (a cleanup then must not run).
    QList<CleanupItem> planCleanup(int days, qint64 maxTotalBytes, bool distrustClock = false,
                                   QString* error = nullptr);
    // Removes what planCleanup() names; returns how many were (or, dryRun, would be) removed,
    // -1 with lastError() when the plan could not be made.
    int cleanup(int days, qint64 maxTotalBytes, bool dryRun, QList<CleanupItem>* removed,
                bool distrustClock = false);

    // Pins live in PinnedSessions' sidecar file; a pinned session is never cleaned up.
    bool setPinned(const QString& sessionId, bool pinned);
    QSet<QString> pinnedIds() const;

    // Saves again every document whose save failed, oldest first; returns how many succeeded.
    // Those that fail again stay queued.
    int retryPending();
    int pendingCount() const { return int(m_pending.size()); }
    // What waits in the retry queue: which session, where it was to go and why it did not.
    struct Unsaved
    {
        QString sessionId;
        QString path;
        QString reason;
    };
    QList<Unsaved> unsaved() const;
    qint64 pendingBytes() const { return m_pendingBytes; }

    QString lastError() const { return m_lastError; }
    int failureCount() const { return m_failureCount; }         // failed save attempts
    int evictedCount() const { return m_evictedCount; }         // unsaved documents dropped
    int lastListParseCount() const { return m_lastParseCount; } // files parsed by last list()

signals:
    void saved(const QString& sessionId, const QString& path, const ea::SavedDocument& document);
    void saveFailed(const QString& path, const QString& reason);
    void removed(const QString& sessionId, const QString& path);
    void pinnedChanged(const QString& sessionId, bool pinned);
    // An unsaved document was dropped from the retry queue to respect pendingByteLimit().
    void pendingDropped(const QString& sessionId, qint64 bytes);

private:
    // A path as given, or inside the directory when relative.
    QString resolved(const QString& path) const;
    // A file's bytes as they are (inflated), with load()'s refusals; not parsed.
    std::optional<QByteArray> readFile(const QString& path, QString* error) const;
    struct IndexEntry
    {
        qint64 mtimeMs = 0;
        qint64 size = 0;
        SessionSummary summary;
    };
    struct Pending
    {
        Prepared prepared; // the file's contents, as they were to be written
        qint64 bytes = 0;
        QString path;
        QString reason;
    };
    // Where a prepared document goes; empty (after failSave()) when it cannot be written.
    QString pathFor(const Prepared& prepared);
    // fileHoldsIt: false when a later document of the same batch replaced it in the file.
    void finishCommit(const Prepared& prepared, const QString& path, bool fileHoldsIt = true);

    void failSave(const QString& sessionId, const QString& path, const QString& reason,
                  const Prepared* queue, qint64 bytes);
    void enqueuePending(Pending pending);
    void dropPending(const QString& sessionId);
    void evictPendingOverLimit();
    bool ensureDirectory(QString* error);
    // A name for a session that has no file yet, never one a file of another session has.
    QString freeName(const QString& sessionId, const QDateTime& start);
    // Why name (either variant) is not this session's to write, or empty when it is free.
    QString takenBy(const QString& sessionId, const QString& name);
    bool removeFile(const QString& path, Disposal disposal, QString* error);
    void ensureScanned();
    void scan();
    void loadCache();
    IndexEntry parseEntry(const QString& name, qint64 mtimeMs, qint64 size);
    QString absolute(const QString& name) const;

    QString m_dir;
    qint64 m_compressionThreshold = defaultCompressionThreshold;
    qint64 m_pendingByteLimit = defaultPendingByteLimit;
    qint64 m_maxDocumentBytes = defaultMaxDocumentBytes;

    QHash<QString, IndexEntry> m_entries; // file name -> what we know about it
    QHash<QString, QString> m_fileById;   // session id -> file name
    QHash<QString, SessionSummary> m_odd; // symlinks, directories: listed, never indexed
    bool m_scanned = false;
    std::unique_ptr<SessionSummaryCache> m_summaryCache;

    QList<Pending> m_pending;
    qint64 m_pendingBytes = 0;

    QString m_lastError;
    // Failures are logged at most once a minute (a full disk fails every save and retry).
    QElapsedTimer m_failLogClock;
    qint64 m_failLoggedAtMs = -1;
    int m_failsNotLogged = 0;
    int m_failureCount = 0;
    int m_evictedCount = 0;
    int m_lastParseCount = 0;
};

} // namespace ea
