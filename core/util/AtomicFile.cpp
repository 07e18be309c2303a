#include "util/AtomicFile.h"

#include "util/SystemReason.h"

#include <QFileInfo>
#include <QSaveFile>

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

} // namespace ea
