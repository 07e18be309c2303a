#include "util/PrivateDirectory.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ea {

bool PrivateDirectory::ensure(const QString& path, QString* error)
{
    const QFileInfo fi(path);
    if (fi.isDir())
        return true;
    if (fi.exists() || fi.isSymLink()) {
        *error = QStringLiteral("%1 exists and is not a directory").arg(path);
        return false;
    }
    // Walk down from the root so the failing component and errno end up in the message.
    const QString absolute = fi.absoluteFilePath();
    const QStringList parts = absolute.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    QString current;
    for (qsizetype i = 0; i < parts.size(); ++i) {
        current += QLatin1Char('/') + parts.at(i);
        if (QFileInfo(current).isDir())
            continue;
        const bool last = i == parts.size() - 1;
        const QByteArray native = QFile::encodeName(current);
        if (::mkdir(native.constData(), last ? 0700 : 0755) != 0 && errno != EEXIST) {
            *error = QStringLiteral("cannot create directory %1: %2")
                         .arg(current, QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        if (!QFileInfo(current).isDir()) {
            *error = QStringLiteral("cannot create directory %1: a file of that name is in the way")
                         .arg(current);
            return false;
        }
        if (last)
            ::chmod(native.constData(), 0700); // in case the umask was unusually strict
    }
    return true;
}

bool PrivateDirectory::sync(const QString& path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace ea
