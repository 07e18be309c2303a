// Full-text search over saved sessions: text extracted once per file, in the background, cached on
// disk.
#pragma once

#include "model/SessionSummary.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThread>

#include <array>
#include <atomic>
#include <memory>

namespace ea {

// A keystroke never reads a file: search() scans the lower-cased text held in memory (a few KB
// per session). Files are read only when they are new or changed (by mtime and size), on a
// worker thread, and the extracted text is cached so the next start reads none at all.
// Use from one thread; the worker only reads files and hands documents back queued.
class SessionSearchIndex : public QObject
{
    Q_OBJECT
public:
    enum Field : quint8
    {
        Prompts,   // initial prompt, user prompts, delegation prompts
        Responses, // final response, assistant responses, delegation responses
        Tools,     // tool names, commands, tool errors
        Files,     // file paths, working directory
        Agents,    // agent types and task descriptions of delegations
        FieldCount
    };
    using Fields = quint8; // bit (1 << Field)
    static constexpr Fields AllFields = (1u << FieldCount) - 1;
    static constexpr qsizetype MaxFieldBytes = 64 * 1024;

    struct Document
    {
        QString sessionId;
        QString filePath;
        qint64 mtimeMs = 0;
        qint64 size = 0;
        quint16 categories = 0; // bit (1 << EventCategory::Value) per category with events
        std::array<QByteArray, FieldCount> text; // lower-cased UTF-8, newline separated
    };

    explicit SessionSearchIndex(QObject* parent = nullptr);
    ~SessionSearchIndex() override; // stops the worker and writes the cache if it changed

    // Where extracted text is kept between runs; empty: nowhere. Read on the first refresh().
    void setCacheFile(const QString& path) { m_cacheFile = path; }
    QString cacheFile() const { return m_cacheFile; }

    // Brings the index in line with these files (a SessionStore::list()): drops the ones gone
    // and reads new or changed ones on the worker. Returns how many files are to be read.
    int refresh(const QList<SessionSummary>& files);
    bool isIndexing() const { return m_worker != nullptr; }
    int indexedCount() const { return int(m_docs.size()); }
    int pendingCount() const { return m_pending; }
    bool contains(const QString& sessionId) const { return m_byId.contains(sessionId); }
    // Bits of EventCategory values with events, or -1 when the session is not indexed yet.
    int categoriesOf(const QString& sessionId) const;

    // Ids of indexed sessions whose text, within `fields`, contains every word of `query`
    // (case-insensitive substrings). An empty query matches every indexed session.
    QSet<QString> search(const QString& query, Fields fields = AllFields) const;

    // Session files read since construction (not counting the cache), for tests and logs.
    quint64 filesRead() const { return m_filesRead; }

    bool writeCache();

    // The searchable text of one session document.
    static Document extract(const QJsonObject& session);

Q_SIGNALS:
    void progress(int done, int total);
    void updated(); // newly read sessions are searchable
    void finished();

private:
    void loadCache();
    void startWorker(QStringList paths);
    void receive(QList<Document> docs, int readCount);
    void workerDone();
    void insert(Document doc);
    void removePath(const QString& path);

    QString m_cacheFile;
    bool m_cacheLoaded = false;
    bool m_dirty = false;
    QHash<QString, Document> m_docs;                // file path -> document
    QHash<QString, QSet<QString>> m_byId;           // session id -> file paths
    QHash<QString, QPair<qint64, qint64>> m_wanted; // path -> mtime, size of the listing
    QThread* m_worker = nullptr;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QList<SessionSummary> m_again; // a listing that arrived while the worker ran
    bool m_haveAgain = false;
    int m_pending = 0;
    int m_total = 0;
    quint64 m_filesRead = 0;
};

} // namespace ea
