// The one way the app writes a file: atomically, checked to the last byte, never through a symlink.
#pragma once

#include <QByteArray>
#include <QFileDevice>
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
};

} // namespace ea
