#include "index/IndexedSummaryCache.h"

#include "index/SessionIndexReader.h"

#include <QFileInfo>
#include <QLoggingCategory>

namespace ea {

Q_DECLARE_LOGGING_CATEGORY(lcIndex)

IndexedSummaryCache::IndexedSummaryCache(const QString& activityDirectory)
    : m_dir(activityDirectory)
{}

QHash<QString, SessionSummaryCache::Entry> IndexedSummaryCache::load()
{
    QHash<QString, Entry> out;
    SessionIndexReader reader(m_dir);
    if (!reader.open(SessionIndexReader::Schema::Any))
        return out; // none yet, or not a database: the store parses the files
    const QList<IndexedSession> rows = reader.allSessions();
    if (!reader.error().isEmpty()) {
        qCInfo(lcIndex).noquote() << "session listing not taken from" << reader.databasePath()
                                  << ":" << reader.error() << "- reading the files";
        return out;
    }
    out.reserve(rows.size());
    for (const IndexedSession& s : rows) {
        Entry e;
        e.size = s.fileSize;
        e.mtimeMs = s.modified.toMSecsSinceEpoch();
        e.summary = s.summary();
        out.insert(QFileInfo(s.filePath).fileName(), std::move(e));
    }
    return out;
}

} // namespace ea
