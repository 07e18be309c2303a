#include "RecordingReader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRecording, "ea.capture.recording", QtInfoMsg)

RecordingReader::RecordingReader(const QString& path) : m_file(path) {}

bool RecordingReader::open(QString* error)
{
    if (!m_file.open(QIODevice::ReadOnly)) {
        if (error)
            *error =
                QStringLiteral("cannot open %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    return true;
}

std::optional<RecordingReader::Entry> RecordingReader::parseLine(const QByteArray& line,
                                                                 QString* error)
{
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    const QJsonValue name = o.value(QLatin1String("name"));
    if (!name.isString() || name.toString().isEmpty()) {
        *error = QStringLiteral("no \"name\" string");
        return std::nullopt;
    }
    const QJsonValue args = o.value(QLatin1String("args"));
    if (!args.isArray() && !args.isUndefined()) {
        *error = QStringLiteral("\"args\" is not an array");
        return std::nullopt;
    }
    Entry e;
    e.name = name.toString();
    const QJsonArray a = args.toArray();
    if (!a.isEmpty()) {
        // Scalars cannot be a QJsonDocument on their own; serialize through an array.
        const QByteArray wrapped =
            QJsonDocument(QJsonArray{a.first()}).toJson(QJsonDocument::Compact);
        e.payload = wrapped.mid(1, wrapped.size() - 2);
    }
    return e;
}

std::optional<RecordingReader::Entry> RecordingReader::next()
{
    while (!m_file.atEnd()) {
        // readLine(max) would allocate max bytes per call (64 MB a line): read in steps.
        QByteArray line;
        bool tooLong = false;
        while (!m_file.atEnd()) {
            const QByteArray part = m_file.readLine(4096);
            if (part.isEmpty())
                break;
            if (!tooLong)
                line += part;
            if (line.size() > MaxLineBytes) {
                tooLong = true;
                line.clear();
            }
            if (part.endsWith('\n'))
                break;
        }
        line = line.trimmed();
        ++m_line;
        if (tooLong) {
            ++m_skipped;
            m_lastProblem =
                QStringLiteral("%1:%2: line longer than %3 bytes")
                    .arg(m_file.fileName(), QString::number(m_line), QString::number(MaxLineBytes));
            qCWarning(lcRecording).noquote() << m_lastProblem;
            continue;
        }
        if (line.isEmpty())
            continue;
        QString why;
        auto e = parseLine(line, &why);
        if (!e) {
            ++m_skipped;
            m_lastProblem =
                QStringLiteral("%1:%2: %3").arg(m_file.fileName(), QString::number(m_line), why);
            qCWarning(lcRecording).noquote() << m_lastProblem;
            continue;
        }
        e->lineNumber = m_line;
        return e;
    }
    return std::nullopt;
}
