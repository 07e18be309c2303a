#include "util/RateLimitedLog.h"

namespace ea {

RateLimitedLog::RateLimitedLog(const QLoggingCategory& category, qint64 intervalMs)
    : m_category(category), m_intervalMs(intervalMs)
{
    m_clock.start();
}

bool RateLimitedLog::note(const QString& key, const QString& message)
{
    Entry& e = m_entries[key];
    ++e.total;
    ++e.sinceLog;
    e.lastMessage = message;
    const qint64 now = m_clock.elapsed();
    if (e.loggedAtMs >= 0 && now - e.loggedAtMs < m_intervalMs)
        return false;
    const quint64 repeats = e.sinceLog - 1;
    if (m_category.isWarningEnabled()) {
        if (repeats > 0)
            QMessageLogger(nullptr, 0, nullptr, m_category.categoryName()).warning().noquote()
                << message
                << QStringLiteral("(%1; %2 more since the last such message, %3 in all)")
                       .arg(key)
                       .arg(repeats)
                       .arg(e.total);
        else
            QMessageLogger(nullptr, 0, nullptr, m_category.categoryName()).warning().noquote()
                << message
                << QStringLiteral("(%1; further ones are logged at most every %2 s)")
                       .arg(key)
                       .arg(m_intervalMs / 1000.0);
    }
    ++m_lines;
    e.sinceLog = 0;
    e.loggedAtMs = now;
    return true;
}

void RateLimitedLog::flush()
{
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        Entry& e = it.value();
        if (e.sinceLog == 0)
            continue;
        if (m_category.isWarningEnabled())
            QMessageLogger(nullptr, 0, nullptr, m_category.categoryName()).warning().noquote()
                << e.lastMessage
                << QStringLiteral("(%1; %2 more since the last such message, %3 in all)")
                       .arg(it.key())
                       .arg(e.sinceLog)
                       .arg(e.total);
        ++m_lines;
        e.sinceLog = 0;
        e.loggedAtMs = m_clock.elapsed();
    }
}

QJsonObject RateLimitedLog::counts() const
{
    QJsonObject o;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
        o.insert(it.key(), double(it->total));
    return o;
}

} // namespace ea
