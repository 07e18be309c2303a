#pragma once

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

namespace ea {

// Reads a JSON Lines recording ({"name": <event>, "args": [<payload>, ...]} per line), one event at
// a time, from a file or a pipe (a FIFO waits for its writer without blocking interruption).
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
    ~RecordingReader();
    RecordingReader(const RecordingReader&) = delete;
    RecordingReader& operator=(const RecordingReader&) = delete;

    bool open(QString* error);

    // Asked now and then while reading (at least every 100 ms while a pipe has nothing to read);
    // returning true ends the recording there, as if it had ended (see interrupted()).
    void setInterruptCheck(std::function<bool()> check) { m_interruptCheck = std::move(check); }

    // The next good line; bad lines are counted and skipped (see skipped(), lastProblem()).
    std::optional<Entry> next();

    qint64 skipped() const { return m_skipped; }
    QString lastProblem() const { return m_lastProblem; }
    bool interrupted() const { return m_interrupted; }
    // A read error (not the end of the file), or empty.
    QString readError() const { return m_readError; }

    // A single line; nullopt with *error for a malformed one.
    static std::optional<Entry> parseLine(const QByteArray& line, QString* error);

    static constexpr qint64 MaxLineBytes = 64 * 1024 * 1024;

private:
    bool fill();
    bool checkInterrupt();

    QString m_path;
    int m_fd = -1;
    bool m_pipe = false;
    bool m_eof = false;
    QByteArray m_buffer;
    qsizetype m_pos = 0;  // start of the unread part of m_buffer
    qsizetype m_scan = 0; // where to look for the next line break
    bool m_skippingLong = false;
    qint64 m_line = 0;
    qint64 m_skipped = 0;
    qint64 m_sinceCheck = 0;
    bool m_interrupted = false;
    QString m_lastProblem;
    QString m_readError;
    std::function<bool()> m_interruptCheck;
};

} // namespace ea
