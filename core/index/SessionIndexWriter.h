// Runs the session database's upkeep on a thread of its own, fed by the store's saves and deletes.
#pragma once

#include "storage/SavedDocument.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QThread>

class QTimer;

#include <atomic>
#include <functional>
#include <utility>

namespace ea {

class SessionIndexer;
class SessionStore;

// Owned by the capture process (headless and tray). start() opens (or rebuilds) the database and
// catches up with the files; after that every file the store saves or removes, and every pin,
// is indexed on the writer's thread: the capture never waits for the database. Readers open it
// read-only (SessionIndexReader).
class SessionIndexWriter : public QObject
{
    Q_OBJECT
public:
    explicit SessionIndexWriter(const QString& activityDirectory, QObject* parent = nullptr);
    // Finishes what is queued (each file is a few milliseconds), then stops the thread.
    ~SessionIndexWriter() override;

    void start();
    // Follows the store's saved, removed and pinnedChanged signals.
    void attach(SessionStore* store);
    // Thread-safe: index (or drop) this file soon. saved: the document just written to it,
    // indexed instead of reading the file back while the file is still that version.
    void fileChanged(const QString& path, const SavedDocument& saved = {});
    // Thread-safe: look at every file again (the activity directory was recreated, ...).
    void reconcile();
    void pinsChanged();
    // Blocks until everything queued so far is in the database (tests, commands). False on
    // timeout.
    bool waitForIdle(int timeoutMs = 30000);
    int queued() const { return m_queued.load(); }
    QString directory() const { return m_dir; }

Q_SIGNALS:
    void rebuilding(const QString& reason);
    void progress(int done, int total);
    // Open and caught up with the files (after start() and after reconcile()).
    void ready();
    // Rows changed: a list showing the database may refresh.
    void updated();
    void failed(const QString& error);

private:
    void post(std::function<void(SessionIndexer&)> work);
    // On the writer's thread: open (rebuilding when needed) and reconcile with the files.
    void catchUp(SessionIndexer& ix);

    QString m_dir;
    QThread m_thread;
    SessionIndexer* m_indexer = nullptr; // lives on m_thread
    QTimer* m_checkpointTimer = nullptr; // on m_thread, touched only there
    std::atomic<int> m_queued{0};
    // Bytes of documents waiting in the queue: past a bound, the writer reads the files instead.
    std::atomic<qint64> m_queuedDocumentBytes{0};
    // Saved files waiting for the drain posted when the first of them came.
    QMutex m_filesMutex;
    QList<std::pair<QString, SavedDocument>> m_files;
    std::atomic<bool> m_stopping{false};
};

} // namespace ea
