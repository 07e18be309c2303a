// Reads the sample dashboard recordings (one Socket.IO event per line) that tests replay.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QString>

struct RecordedEvent
{
    int line = 0;       // 1-based line number, for failure messages
    QString name;       // Socket.IO event name
    QByteArray payload; // first argument as compact JSON; empty when the event had none
};

class RecordedStream
{
public:
    static QString fixturePath(const QString& fileName)
    {
        return QStringLiteral(EA_FIXTURES_DIR "/samples/") + fileName;
    }

    // Fails (empty list) only when the file is missing; a bad line is kept with empty payload.
    static QList<RecordedEvent> load(const QString& fileName)
    {
        QList<RecordedEvent> events;
        QFile file(fixturePath(fileName));
        if (!file.open(QIODevice::ReadOnly))
            return events;
        int line = 0;
        while (!file.atEnd()) {
            const QByteArray text = file.readLine().trimmed();
            ++line;
            if (text.isEmpty())
                continue;
            const QJsonObject record = QJsonDocument::fromJson(text).object();
            RecordedEvent event;
            event.line = line;
            event.name = record.value(QStringLiteral("name")).toString();
            const QJsonArray args = record.value(QStringLiteral("args")).toArray();
            if (!args.isEmpty()) {
                // Wrapping in an array serializes scalars too ("not an object", null).
                const QByteArray wrapped =
                    QJsonDocument(QJsonArray{args.first()}).toJson(QJsonDocument::Compact);
                event.payload = wrapped.mid(1, wrapped.size() - 2);
            }
            events.append(event);
        }
        return events;
    }

    static QJsonObject truth(const QString& fileName)
    {
        QFile file(fixturePath(fileName));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(file.readAll()).object();
    }

    // A fixed receive time, so identities of events without a timestamp are reproducible.
    static QDateTime receivedAt(int line)
    {
        return QDateTime(QDate(2026, 7, 27), QTime(18, 0), Qt::UTC).addMSecs(line);
    }
};
