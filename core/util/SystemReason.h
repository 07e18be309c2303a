// Names the system's reason for a failed write, also where Qt reports none ("Unknown error").
#pragma once

#include <QFileDevice>
#include <QString>

namespace ea {

class SystemReason
{
public:
    // Why a write to `file` failed. Qt's own reason when it has one; a write cut short (the
    // disk filled part way) or a failed lock leaves Qt without one, and then the system is
    // asked about the file's directory: "No space left on device", "Read-only file system".
    static QString forFile(const QFileDevice& file);
    // Why `dir` cannot take more data: not writable (access()'s reason), full (ENOSPC), or,
    // when neither shows, that the file system refused it. A `dir` that does not exist yet is
    // answered for its nearest existing ancestor.
    static QString forDirectory(const QString& dir);
};

} // namespace ea
