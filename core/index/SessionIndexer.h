// Keeps the session database in step with the session files, on the thread that calls it.
#pragma once

#include "storage/SavedDocument.h"

#include <QList>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <utility>

namespace ea {

class SessionStore;

// Does the writing for SessionIndexWriter (on its thread) and for commands that hold the
// activity directory's lock (cleanup, pin, and the questions when no capture runs). One
// writer per database at a time: the activity lock (or the capture process) guarantees it.
class SessionIndexer : public QObject
{
    Q_OBJECT
public:
    explicit SessionIndexer(const QString& activityDirectory, QObject* parent = nullptr);
    ~SessionIndexer() override;

    enum class Check
    {
        Full,  // PRAGMA quick_check: reads every page (about a second per 100 MB)
        Schema // the schema version only; damage shows up as a failing reconcile()
    };
    // Opens the database, creating it when missing and rebuilding it (from nothing) when it is
    // damaged (truncated, garbage) or has another schema version; the reason is logged and
    // given to rebuilding(). False with error() when it cannot even be created.
    bool open(Check check = Check::Full);
    // Builds it again from the files, whatever it holds.
    bool rebuild(const QString& reason);
    // Lets go of what indexing files keeps between them (a parser as big as the largest file,
    // SQLite's page cache).
    void releaseMemory();
    bool isOpen() const;
    void close();
    QString error() const { return m_error; }
    QString databasePath() const;

    struct Changes
    {
        int added = 0;
        int updated = 0;
        int removed = 0;
        int unchanged = 0;
        int total() const { return added + updated + removed; }
    };
    // Catches up with the files: new, changed (size or mtime) and removed ones, and the pins.
    // Emits progress() while it indexes. False with error() on a database failure.
    bool reconcile(Changes* changes = nullptr);
    // Indexes the named file (either variant, .json or .json.gz) as it is on disk now, or drops
    // its row when it is gone. A path or a bare file name; false on a database failure.
    // saved: the document just written to that file (SessionStore::saved()), indexed instead
    // of reading the file back when the file is still the version it names.
    bool syncFile(const QString& fileName, const SavedDocument& saved = {});
    // The same for several files in one transaction: each transaction writes the pages it
    // touched to the WAL again, so saves that queued up while the last one ran go in together.
    bool syncFiles(const QList<std::pair<QString, SavedDocument>>& files);
    // Takes the pins from the sidecar file (PinnedSessions) into the pinned column.
    bool syncPins();
    // Checkpoints copy the WAL into the database and sync it: about 13 ms every twentieth
    // save. With idle checkpoints (set before open()) SQLite no longer runs them inside a save;
    // the caller runs checkpoint() when it has nothing else to do, and every 256th save still
    // runs one so the WAL stays bounded.
    void setIdleCheckpoints(bool on) { m_idleCheckpoints = on; }
    bool checkpoint();
    bool hasUncheckpointedSaves() const { return m_uncheckpointed > 0; }
    // Checked between batches of a reconcile: when it turns true, what is done is committed and
    // reconcile() returns false (the next one continues).
    void setStopFlag(const std::atomic<bool>* stop) { m_stop = stop; }

Q_SIGNALS:
    // The database is being built from the files, and why ("missing", "damaged: ...").
    void rebuilding(const QString& reason);
    void progress(int done, int total);

private:
    bool openConnection(QString* why);
    QString check(Check check); // why the open database is unusable, or empty
    bool failed(const QString& what, const QString& why);
    bool dropRow(const QString& fileName, QString* why);
    bool indexFile(const QString& name, qint64 size, qint64 mtimeMs, QString* why,
                   const QByteArray& withoutEvents = {});

    struct Private;
    std::unique_ptr<Private> d;
    QString m_error;
    const std::atomic<bool>* m_stop = nullptr;
    bool m_idleCheckpoints = false;
    int m_uncheckpointed = 0;
};

} // namespace ea
