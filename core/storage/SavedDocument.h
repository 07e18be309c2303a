// What a save hands on to the session database: the document without its events, and which
// version of the file it is.
#pragma once

#include <QByteArray>
#include <QMetaType>

namespace ea {

struct SavedDocument
{
    // The document with an empty "events" array; empty when the writer did not give it.
    QByteArray withoutEvents;
    // The file as written (lstat: size, mtime in ms). A reader that finds the file otherwise
    // knows it was replaced since, and reads it instead.
    qint64 fileSize = -1;
    qint64 fileMtimeMs = -1;
};

} // namespace ea

Q_DECLARE_METATYPE(ea::SavedDocument)
