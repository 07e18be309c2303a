#include "index/IndexedSummaryCache.h"

#include "index/SessionIndexSchema.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace ea {

Q_DECLARE_LOGGING_CATEGORY(lcIndex)

IndexedSummaryCache::IndexedSummaryCache(const QString& activityDirectory)
    : m_dir(QDir::cleanPath(QDir(activityDirectory).absolutePath()))
{}

QHash<QString, SessionSummaryCache::Entry> IndexedSummaryCache::load()
{
    QHash<QString, Entry> out;
    const QString path = QDir(m_dir).filePath(SessionIndexSchema::fileName);
    const QFileInfo fi(path);
    if (!fi.isFile() || fi.isSymLink())
        return out;
    const QString connection = QStringLiteral("ea.index.summaries.%1").arg(quintptr(this), 0, 16);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
        if (db.open()) {
            QSqlQuery q(db);
            q.setForwardOnly(true);
            if (q.exec(QStringLiteral(
                    "SELECT file_name, file_size, file_mtime_ms, session_id, start_ms, end_ms, "
                    "status, events, tool_calls, delegations, failures, unknown_results, turns, "
                    "tokens, working_directory, branch, damaged, error FROM sessions"))) {
                const auto utc = [](const QVariant& ms) {
                    return ms.isNull() ? QDateTime()
                                       : QDateTime::fromMSecsSinceEpoch(ms.toLongLong(), Qt::UTC);
                };
                while (q.next()) {
                    Entry e;
                    e.size = q.value(1).toLongLong();
                    e.mtimeMs = q.value(2).toLongLong();
                    SessionSummary& s = e.summary;
                    if (q.value(16).toInt() != 0) {
                        s.damaged = true;
                        s.error = q.value(17).toString();
                    } else {
                        s.sessionId = q.value(3).toString();
                        s.startTime = utc(q.value(4));
                        s.endTime = utc(q.value(5));
                        s.status = q.value(6).toString();
                        s.totalEvents = q.value(7).toInt();
                        s.toolCalls = q.value(8).toInt();
                        s.delegations = q.value(9).toInt();
                        s.failures = q.value(10).toInt();
                        s.unknownResults = q.value(11).toInt();
                        s.turns = q.value(12).toInt();
                        s.totalTokens = q.value(13).isNull() ? -1 : q.value(13).toLongLong();
                        s.workingDirectory = q.value(14).toString();
                        s.gitBranch = q.value(15).toString();
                    }
                    out.insert(q.value(0).toString(), e);
                }
            } else {
                qCInfo(lcIndex).noquote() << "session listing not taken from" << path << ":"
                                          << q.lastError().text() << "- reading the files";
                out.clear();
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return out;
}

} // namespace ea
