#include "storage/PinnedSessions.h"

#include "util/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>

#include <algorithm>

namespace ea {

PinnedSessions::PinnedSessions(const QString& activityDirectory)
    : m_dir(activityDirectory), m_path(QDir(activityDirectory).filePath(fileName))
{}

QSet<QString> PinnedSessions::load(QString* error) const
{
    QSet<QString> out;
    const QFileInfo fi(m_path);
    if (!fi.exists() && !fi.isSymLink())
        return out;
    QFile f(m_path);
    if (fi.isSymLink() || !fi.isFile() || !f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read %1: %2")
                         .arg(m_path, fi.isSymLink() ? QStringLiteral("it is a symbolic link")
                                                     : f.errorString());
        return out;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.read(qint64(16) << 20), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        if (error)
            *error = QStringLiteral("%1 is damaged: %2").arg(m_path, pe.errorString());
        return out;
    }
    for (const QJsonValue& v : doc.object().value(QLatin1String("pinned")).toArray()) {
        if (v.isString())
            out.insert(v.toString());
    }
    return out;
}

bool PinnedSessions::set(const QString& sessionId, bool pinned, QString* error)
{
    QLockFile lock(QDir(m_dir).filePath(QStringLiteral(".pinned.lock")));
    if (!lock.tryLock(5000)) {
        if (error)
            *error = QStringLiteral("cannot change the pins in %1: %2 is held")
                         .arg(m_dir, lock.error() == QLockFile::LockFailedError
                                         ? QStringLiteral(".pinned.lock")
                                         : QStringLiteral("the lock file"));
        return false;
    }
    QString why;
    QSet<QString> ids = load(&why);
    if (!why.isEmpty()) {
        if (error)
            *error = why; // rewriting a damaged file would drop the pins it holds
        return false;
    }
    if (ids.contains(sessionId) == pinned)
        return true;
    if (pinned)
        ids.insert(sessionId);
    else
        ids.remove(sessionId);
    QStringList sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    const QJsonObject root{{QStringLiteral("pinned"), QJsonArray::fromStringList(sorted)}};
    return AtomicFile::write(m_path, QJsonDocument(root).toJson(QJsonDocument::Indented), error);
}

} // namespace ea
