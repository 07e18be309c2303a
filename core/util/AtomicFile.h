// The one way the app writes a file: atomically, checked to the last byte, never through a symlink.
#pragma once

#include <QByteArray>
#include <QFileDevice>
#include <QList>
#include <QString>

namespace ea {

class AtomicFile
{
public:
    // Replaces `path` with `data` (temporary file, flush, fsync, rename). Refuses a symlink or a
    // non-regular file at `path`. On failure the old file is untouched and `error` names the
    // system's reason. `permissions` are set on the new file before any byte is written.
    static bool write(const QString& path, const QByteArray& data, QString* error,
                      QFileDevice::Permissions permissions = QFileDevice::ReadOwner |
                                                             QFileDevice::WriteOwner);

    struct Item
    {
        QString path;
        QByteArray data;
    };
    // The same for many files at once, with one sync of their file system instead of one per
    // file (each costs a journal commit, ~6-12 ms here: a shutdown saving 10,000 sessions spent
    // one to two minutes in them; starting every file's writeback first did not help): every
    // file is written to a temporary beside it, all of them are made durable together
    // (syncfs), then each is renamed into place. A batch of a few files is written one by one.
    // Returns, per item, an empty string when it landed or the reason it did not (its old file is
    // then untouched). The caller still syncs the directories so the renames are durable.
    static QStringList writeAll(const QList<Item>& items,
                                QFileDevice::Permissions permissions = QFileDevice::ReadOwner |
                                                                       QFileDevice::WriteOwner);
};

} // namespace ea
