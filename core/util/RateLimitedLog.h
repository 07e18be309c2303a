#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QString>

namespace ea {

// Counts occurrences by key and logs each key at most once per interval: the first occurrence
// at once, later ones as one line saying how many happened since. For conditions that can
// repeat per event (a limit hit, a rejected payload, a failing disk).
class RateLimitedLog
{
public:
    explicit RateLimitedLog(const QLoggingCategory& category, qint64 intervalMs = 60000);

    void setInterval(qint64 ms) { m_intervalMs = ms; }
    // Counts one occurrence; logs `message` (with the number suppressed since the last line)
    // if the key has not been logged within the interval. Returns whether it logged.
    bool note(const QString& key, const QString& message);
    // Logs what is still unreported (e.g. at shutdown).
    void flush();

    quint64 count(const QString& key) const { return m_entries.value(key).total; }
    quint64 linesLogged() const { return m_lines; }
    // {"key": total, ...}
    QJsonObject counts() const;

private:
    struct Entry
    {
        quint64 total = 0;
        quint64 sinceLog = 0; // occurrences not yet reported
        qint64 loggedAtMs = -1;
        QString lastMessage;
    };
    const QLoggingCategory& m_category;
    qint64 m_intervalMs;
    QHash<QString, Entry> m_entries;
    QElapsedTimer m_clock;
    quint64 m_lines = 0;
};

} // namespace ea
