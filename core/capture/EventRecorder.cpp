#include "EventRecorder.h"

#include <QJsonArray>
#include <QJsonDocument>

EventRecorder::EventRecorder(const QString& path) : m_file(path) {}

bool EventRecorder::open(QString* error)
{
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        if (error)
            *error = QStringLiteral("cannot write the recording %1: %2")
                         .arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

bool EventRecorder::write(const QString& name, const QByteArray& payload)
{
    // The name goes through the JSON encoder (it may hold quotes); the payload is already JSON.
    const QByteArray quotedName = QJsonDocument(QJsonArray{name}).toJson(QJsonDocument::Compact);
    QByteArray line;
    line.reserve(payload.size() + quotedName.size() + 24);
    line.append("{\"name\":")
        .append(quotedName.mid(1, quotedName.size() - 2))
        .append(",\"args\":[");
    const qsizetype start = line.size();
    line.append(payload.isEmpty() ? QByteArray("null") : payload).append("]}");
    // A line break is whitespace to JSON but ends a JSON Lines record; valid JSON has none in
    // strings.
    for (qsizetype i = start; i < line.size(); ++i) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    line.append('\n');
    if (m_file.write(line) != line.size())
        return false;
    ++m_written;
    return true;
}

void EventRecorder::flush()
{
    m_file.flush();
}
