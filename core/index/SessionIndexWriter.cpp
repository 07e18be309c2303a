#include "index/SessionIndexWriter.h"

#include "index/SessionIndexer.h"
#include "storage/PinnedSessions.h"
#include "storage/SessionStore.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QScopeGuard>
#include <QSemaphore>
#include <QTimer>

namespace ea {

Q_DECLARE_LOGGING_CATEGORY(lcIndex)

namespace {
constexpr qint64 kMaxQueuedDocumentBytes = 64 * 1024 * 1024;
} // namespace

SessionIndexWriter::SessionIndexWriter(const QString& activityDirectory, QObject* parent)
    : QObject(parent), m_dir(QDir::cleanPath(QDir(activityDirectory).absolutePath()))
{
    m_thread.setObjectName(QStringLiteral("session-index"));
}

SessionIndexWriter::~SessionIndexWriter()
{
    if (!m_indexer)
        return;
    // A rebuild in progress stops at its next batch: what it committed stays, and the next
    // start catches up from there.
    m_stopping.store(true);
    SessionIndexer* indexer = m_indexer;
    QMetaObject::invokeMethod(
        indexer,
        [indexer] {
            indexer->close();
            delete indexer;
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    m_thread.wait();
    m_indexer = nullptr;
}

void SessionIndexWriter::start()
{
    if (m_indexer)
        return;
    m_indexer = new SessionIndexer(m_dir);
    m_indexer->setStopFlag(&m_stopping);
    m_indexer->setIdleCheckpoints(true);
    connect(m_indexer, &SessionIndexer::rebuilding, this, &SessionIndexWriter::rebuilding);
    connect(m_indexer, &SessionIndexer::progress, this, &SessionIndexWriter::progress);
    m_indexer->moveToThread(&m_thread);
    m_thread.start(QThread::LowPriority);
    post([this](SessionIndexer& ix) {
        // Pins changed by another process (`event-aggregator pin`) are noticed from the
        // directory: a stat of the pins file at most twice a second, not per save.
        auto* watcher = new QFileSystemWatcher(&ix);
        auto* debounce = new QTimer(&ix);
        debounce->setSingleShot(true);
        debounce->setInterval(500);
        auto pinsStamp = std::make_shared<QPair<qint64, qint64>>();
        const QString pinsPath = PinnedSessions(m_dir).path();
        const auto stamp = [pinsPath] {
            const QFileInfo fi(pinsPath);
            return qMakePair(fi.exists() ? fi.lastModified().toMSecsSinceEpoch() : -1,
                             fi.exists() ? fi.size() : -1);
        };
        *pinsStamp = stamp();
        connect(watcher, &QFileSystemWatcher::directoryChanged, debounce,
                [debounce] { debounce->start(); });
        connect(debounce, &QTimer::timeout, &ix, [this, &ix, pinsStamp, stamp] {
            const auto now = stamp();
            if (now == *pinsStamp)
                return;
            *pinsStamp = now;
            if (ix.isOpen() && ix.syncPins())
                Q_EMIT updated();
        });
        watcher->addPath(m_dir);
        // A second without saves: the WAL goes into the database then, not inside a save.
        m_checkpointTimer = new QTimer(&ix);
        m_checkpointTimer->setSingleShot(true);
        m_checkpointTimer->setInterval(1000);
        connect(m_checkpointTimer, &QTimer::timeout, &ix, [&ix] {
            ix.releaseMemory();
            if (ix.isOpen() && ix.hasUncheckpointedSaves())
                ix.checkpoint();
        });
        catchUp(ix);
    });
}

void SessionIndexWriter::catchUp(SessionIndexer& ix)
{
    SessionIndexer::Changes changes;
    const auto release = qScopeGuard([&ix] { ix.releaseMemory(); });
    if (!ix.open() || !ix.reconcile(&changes)) {
        if (!m_stopping.load()) {
            qCWarning(lcIndex).noquote() << "session database unusable:" << ix.error();
            Q_EMIT failed(ix.error());
        }
        return;
    }
    Q_EMIT ready();
    Q_EMIT updated();
}

void SessionIndexWriter::attach(SessionStore* store)
{
    connect(store, &SessionStore::saved, this,
            [this](const QString&, const QString& path, const SavedDocument& saved) {
                fileChanged(path, saved);
            });
    connect(store, &SessionStore::removed, this,
            [this](const QString&, const QString& path) { fileChanged(path); });
    connect(store, &SessionStore::pinnedChanged, this, [this] { pinsChanged(); });
}

void SessionIndexWriter::fileChanged(const QString& path, const SavedDocument& saved)
{
    if (!m_indexer)
        return;
    SavedDocument document = saved;
    // Documents wait here while the writer is busy (it runs at low priority); beyond the bound
    // the file is read back instead, so a backlog cannot hold much memory.
    if (m_queuedDocumentBytes.load() + document.withoutEvents.size() > kMaxQueuedDocumentBytes)
        document.withoutEvents.clear();
    m_queuedDocumentBytes += document.withoutEvents.size();
    {
        // Files that come while a drain waits join it: one transaction for all of them.
        const QMutexLocker lock(&m_filesMutex);
        m_files.append({path, std::move(document)});
        if (m_files.size() > 1) {
            ++m_queued;
            return;
        }
    }
    post([this](SessionIndexer& ix) {
        QList<std::pair<QString, SavedDocument>> files;
        {
            const QMutexLocker lock(&m_filesMutex);
            files.swap(m_files);
        }
        m_queued -= int(files.size()) - 1; // the drain itself counts down when it returns
        qint64 bytes = 0;
        for (const auto& file : std::as_const(files))
            bytes += file.second.withoutEvents.size();
        const auto release = qScopeGuard([this, bytes] { m_queuedDocumentBytes -= bytes; });
        if (!ix.isOpen())
            return; // start() failed: the next start catches up from the files
        if (ix.syncFiles(files)) {
            m_checkpointTimer->start();
            Q_EMIT updated();
            return;
        }
        // A database damaged under us (or removed): rebuilt from the files.
        qCWarning(lcIndex).noquote()
            << "session database update failed:" << ix.error() << "- checking it";
        catchUp(ix);
    });
}

void SessionIndexWriter::reconcile()
{
    post([this](SessionIndexer& ix) { catchUp(ix); });
}

void SessionIndexWriter::pinsChanged()
{
    post([this](SessionIndexer& ix) {
        if (ix.isOpen() && ix.syncPins())
            Q_EMIT updated();
    });
}

bool SessionIndexWriter::waitForIdle(int timeoutMs)
{
    if (!m_indexer)
        return true;
    auto done = std::make_shared<QSemaphore>(0);
    QMetaObject::invokeMethod(
        m_indexer, [done] { done->release(); }, Qt::QueuedConnection);
    return done->tryAcquire(1, timeoutMs);
}

void SessionIndexWriter::post(std::function<void(SessionIndexer&)> work)
{
    if (!m_indexer)
        return;
    ++m_queued;
    SessionIndexer* indexer = m_indexer;
    QMetaObject::invokeMethod(
        indexer,
        [this, indexer, work = std::move(work)] {
            work(*indexer);
            --m_queued;
        },
        Qt::QueuedConnection);
}

} // namespace ea

#include "moc_SessionIndexWriter.cpp"
