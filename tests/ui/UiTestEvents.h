// Builds normalized dashboard events for the UI tests.
#pragma once

#include "ingest/EventNormalizer.h"
#include "model/ClaudeEvent.h"

#include <QDateTime>
#include <QString>

namespace ea::UiTestEvents {
// One hook event of `session` at base + ms; `extra` goes into its data (keeps identities apart).
inline ClaudeEvent make(const QString& session, const QString& subtype, qint64 ms,
                        const QString& dataJson = QStringLiteral("{}"),
                        const QString& cwd = QStringLiteral("/home/dev/proj"))
{
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(1780000000000 + ms, Qt::UTC);
    QString data = dataJson;
    data.chop(1); // open the object to add the common fields
    if (data.size() > 1)
        data += QLatin1Char(',');
    data += QStringLiteral("\"n\":%1}").arg(ms);
    const QString json = QStringLiteral("{\"type\":\"claude_event\",\"subtype\":\"%1\","
                                        "\"timestamp\":\"%2\",\"session_id\":\"%3\","
                                        "\"cwd\":\"%4\",\"data\":%5}")
                             .arg(subtype, at.toString(Qt::ISODateWithMs), session, cwd, data);
    const NormalizeResult r =
        EventNormalizer::normalize(QStringLiteral("claude_event"), json.toUtf8(), at);
    Q_ASSERT(r.isEvents() && r.events.size() == 1);
    return r.events.first();
}
} // namespace ea::UiTestEvents
