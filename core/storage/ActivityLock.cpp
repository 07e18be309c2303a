#include "storage/ActivityLock.h"

#include "util/SystemReason.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace ea {

ActivityLock::ActivityLock(const QString& activityDirectory)
    : m_dir(QDir::cleanPath(QDir(activityDirectory).absolutePath())),
      m_path(m_dir + QLatin1Char('/') + fileName), m_lock(m_path)
{
    // A lock whose process is gone is stale at once; a live holder's lock never is.
    m_lock.setStaleLockTime(0);
}

QString ActivityLock::whyUnwritable() const
{
    // QLockFile keeps errno to itself; ask the system the same question to name its reason.
    return SystemReason::forDirectory(m_dir);
}

ActivityLock::Result ActivityLock::tryLock(QString* error)
{
    if (m_lock.isLocked())
        return Result::Locked;
    if (m_lock.tryLock(0))
        return Result::Locked;
    switch (m_lock.error()) {
    case QLockFile::LockFailedError: {
        qint64 pid = 0;
        QString host;
        QString program;
        if (m_lock.getLockInfo(&pid, &host, &program))
            *error = QStringLiteral("the activity directory %1 is in use by another process "
                                    "(pid %2, %3 on %4); only one may write to it at a time")
                         .arg(m_dir, QString::number(pid),
                              program.isEmpty() ? QStringLiteral("unknown program") : program,
                              host.isEmpty() ? QStringLiteral("unknown host") : host);
        else
            *error = QStringLiteral("the activity directory %1 is in use by another process "
                                    "(lock file %2); only one may write to it at a time")
                         .arg(m_dir, m_path);
        return Result::HeldElsewhere;
    }
    default:
        *error = QStringLiteral("cannot create the lock file %1: %2").arg(m_path, whyUnwritable());
        return Result::Unavailable;
    }
}

} // namespace ea
