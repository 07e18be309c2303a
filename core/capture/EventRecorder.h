#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

namespace ea {

// Writes every raw event received to a JSON Lines file in the same format --replay reads.
class EventRecorder
{
public:
    explicit EventRecorder(const QString& path);
    // Creates the file 0600 (exclusively) or appends to an existing regular file of this
    // user's; refuses a symbolic link and anyone else's file, saying why.
    bool open(QString* error);
    // payload is the raw JSON of the event's first argument, written verbatim.
    bool write(const QString& name, const QByteArray& payload);
    void flush();
    qint64 written() const { return m_written; }

private:
    QFile m_file;
    qint64 m_written = 0;
};

} // namespace ea
