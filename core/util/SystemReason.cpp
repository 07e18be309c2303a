#include "util/SystemReason.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <sys/statvfs.h>
#include <unistd.h>

namespace ea {

QString SystemReason::forFile(const QFileDevice& file)
{
    // What QIODevice says when no reason was set, in the running translation.
    const QString unknown = QFile().errorString();
    if (file.error() != QFileDevice::NoError && file.errorString() != unknown)
        return file.errorString();
    if (file.fileName().isEmpty()) // a descriptor such as standard output: only errno knows
        return errno != 0 ? QString::fromLocal8Bit(std::strerror(errno)) : unknown;
    return forDirectory(QFileInfo(file.fileName()).absolutePath());
}

QString SystemReason::forDirectory(const QString& dir)
{
    QByteArray native = QFile::encodeName(dir);
    if (::access(native.constData(), W_OK) != 0) {
        if (errno != ENOENT)
            return QString::fromLocal8Bit(std::strerror(errno)); // read-only, not a directory...
        // A directory still to be made: its nearest existing ancestor is the one to ask.
        QString existing = QFileInfo(dir).absoluteFilePath();
        while (!QFileInfo::exists(existing) && QFileInfo(existing).absolutePath() != existing)
            existing = QFileInfo(existing).absolutePath();
        if (!QFileInfo(existing).isDir())
            return QString::fromLocal8Bit(std::strerror(ENOTDIR));
        native = QFile::encodeName(existing);
        if (::access(native.constData(), W_OK) != 0)
            return QString::fromLocal8Bit(std::strerror(errno));
    }
    struct statvfs fs
    {
    };
    if (::statvfs(native.constData(), &fs) == 0 && (fs.f_bavail == 0 || fs.f_favail == 0))
        return QString::fromLocal8Bit(std::strerror(ENOSPC));
    return QStringLiteral("the file system refused it");
}

} // namespace ea
