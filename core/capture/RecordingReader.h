#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

#include <optional>

// Reads a JSON Lines recording ({"name": <event>, "args": [<payload>, ...]} per line), one event at
// a time.
class RecordingReader
{
public:
    struct Entry
    {
        QString name;
        QByteArray payload; // compact JSON of the first argument; empty when there was none
        qint64 lineNumber = 0;
    };

    explicit RecordingReader(const QString& path);
    bool open(QString* error);

    // The next good line; bad lines are counted and skipped (see skipped(), lastProblem()).
    std::optional<Entry> next();

    qint64 skipped() const { return m_skipped; }
    QString lastProblem() const { return m_lastProblem; }

    // A single line; nullopt with *error for a malformed one.
    static std::optional<Entry> parseLine(const QByteArray& line, QString* error);

    static constexpr qint64 MaxLineBytes = 64 * 1024 * 1024;

private:
    QFile m_file;
    qint64 m_line = 0;
    qint64 m_skipped = 0;
    QString m_lastProblem;
};
