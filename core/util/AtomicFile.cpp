#include "util/AtomicFile.h"

#include "util/SystemReason.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QSet>
#include <QTemporaryFile>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace ea {

static QString obstacle(const QString& path)
{
    const QFileInfo fi(path);
    if (fi.isSymLink())
        return QStringLiteral("it is a symbolic link (to %1); refusing to follow it")
            .arg(fi.symLinkTarget());
    if (fi.exists() && !fi.isFile())
        return QStringLiteral("it exists and is not a regular file");
    return {};
}

bool AtomicFile::write(const QString& path, const QByteArray& data, QString* error,
                       QFileDevice::Permissions permissions)
{
    QString why = obstacle(path);
    if (!why.isEmpty()) {
        *error = why;
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = SystemReason::forFile(file);
        return false;
    }
    // QSaveFile::open() resolves a symlink at the final name and would then replace its
    // target; one planted between the check above and open() is caught here.
    why = obstacle(path);
    if (!why.isEmpty()) {
        file.cancelWriting();
        *error = why;
        return false;
    }
    if (!file.setPermissions(permissions)) {
        *error = QStringLiteral("cannot set permissions: %1").arg(SystemReason::forFile(file));
        file.cancelWriting();
        return false;
    }
    if (file.write(data) != data.size()) {
        *error = SystemReason::forFile(file);
        file.cancelWriting();
        return false;
    }
    // Qt 6.4's QSaveFile::commit() can return true after its final flush failed (ENOSPC on a
    // full disk), having renamed an empty file over the old one: flush and check first.
    if (!file.flush() || file.error() != QFileDevice::NoError) {
        *error = SystemReason::forFile(file);
        file.cancelWriting();
        return false;
    }
    if (!file.commit()) {
        *error = SystemReason::forFile(file);
        return false;
    }
    // And check what landed, since callers may drop their only other copy (the journal).
    const QFileInfo landed(path);
    if (landed.isSymLink() || landed.size() != data.size()) {
        *error = QStringLiteral("the file on disk has %1 bytes instead of %2")
                     .arg(QString::number(landed.size()), QString::number(data.size()));
        return false;
    }
    return true;
}

namespace {
// Makes a file's contents durable on its own: the fallback when a whole file system's sync
// reports an error, so that one bad file does not fail the others.
bool syncOne(const QString& path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool syncFileSystemOf(const QString& directory)
{
    const int fd =
        ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::syncfs(fd) == 0;
    ::close(fd);
    return ok;
}
} // namespace

QStringList AtomicFile::writeAll(const QList<Item>& items, QFileDevice::Permissions permissions)
{
    QStringList errors(items.size());
    // A few files cost less synced one by one than the file system's other dirty data (a
    // spill file of hundreds of MB) written out with them.
    constexpr qsizetype kFewFiles = 16;
    if (items.size() < kFewFiles) {
        for (qsizetype i = 0; i < items.size(); ++i) {
            QString why;
            if (!write(items.at(i).path, items.at(i).data, &why, permissions))
                errors[i] = why;
        }
        return errors;
    }
    struct Temp
    {
        qsizetype index;
        QString name;
    };
    QList<Temp> temps;
    QSet<QString> directories;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const Item& item = items.at(i);
        QString why = obstacle(item.path);
        if (!why.isEmpty()) {
            errors[i] = why;
            continue;
        }
        // Beside its final name, so the rename stays within one file system; closed once
        // written, so a batch of thousands never runs out of descriptors.
        QTemporaryFile file(item.path + QStringLiteral(".XXXXXX"));
        file.setAutoRemove(false);
        if (!file.open()) {
            errors[i] = SystemReason::forFile(file);
            continue;
        }
        bool ok = file.setPermissions(permissions);
        if (!ok)
            errors[i] =
                QStringLiteral("cannot set permissions: %1").arg(SystemReason::forFile(file));
        else if (file.write(item.data) != item.data.size() || !file.flush() ||
                 file.error() != QFileDevice::NoError) {
            errors[i] = SystemReason::forFile(file);
            ok = false;
        }
        const QString name = file.fileName();
        file.close();
        if (!ok) {
            QFile::remove(name);
            continue;
        }
        temps.append(Temp{i, name});
        directories.insert(QFileInfo(name).absolutePath());
    }
    bool synced = true;
    for (const QString& directory : std::as_const(directories))
        synced = syncFileSystemOf(directory) && synced;
    for (const Temp& temp : std::as_const(temps)) {
        const Item& item = items.at(temp.index);
        if (!synced && !syncOne(temp.name)) {
            errors[temp.index] = QStringLiteral("cannot sync %1 to disk").arg(temp.name);
            QFile::remove(temp.name);
            continue;
        }
        // rename() replaces a symlink planted at the final name meanwhile rather than
        // following it.
        if (::rename(QFile::encodeName(temp.name).constData(),
                     QFile::encodeName(item.path).constData()) != 0) {
            errors[temp.index] = QStringLiteral("cannot rename %1 to %2: %3")
                                     .arg(temp.name, item.path, qt_error_string(errno));
            QFile::remove(temp.name);
            continue;
        }
        const QFileInfo landed(item.path);
        if (landed.isSymLink() || landed.size() != item.data.size())
            errors[temp.index] =
                QStringLiteral("the file on disk has %1 bytes instead of %2")
                    .arg(QString::number(landed.size()), QString::number(item.data.size()));
    }
    return errors;
}

} // namespace ea
