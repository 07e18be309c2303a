#include "aggregation/SessionDocumentReader.h"

#include "aggregation/AgentSession.h"
#include "ingest/EventNormalizer.h"
#include "util/IsoTime.h"
#include "json/QtJsonFields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcReader, "ea.aggregation.reader")

using qtjson::objectAt;
using qtjson::stringAt;

std::optional<AgentSession> SessionDocumentReader::read(const QJsonObject& object, QString* error)
{
    const auto fail = [error](const QString& why) -> std::optional<AgentSession> {
        if (error)
            *error = why;
        qCWarning(lcReader) << "cannot reopen session:" << why;
        return std::nullopt;
    };
    const QString sessionId = stringAt(object, "session_id");
    if (sessionId.isEmpty())
        return fail(QStringLiteral("no session_id"));
    const QJsonValue version = object.value(QLatin1String("schema_version"));
    const bool ours = !version.isUndefined();
    if (ours && (!version.isDouble() || version.toInt() < 1 ||
                 version.toInt() > AgentSession::SchemaVersion))
        return fail(QStringLiteral("unsupported schema_version %1")
                        .arg(QString::fromUtf8(
                            QJsonDocument(QJsonArray{version}).toJson(QJsonDocument::Compact))));
    const QJsonValue eventsValue = object.value(QLatin1String("events"));
    if (!eventsValue.isUndefined() && !eventsValue.isArray())
        return fail(QStringLiteral("events is not an array"));

    AgentSession session(sessionId);
    int skipped = 0;
    for (const QJsonValue& value : eventsValue.toArray()) {
        const QJsonObject saved = value.toObject();
        const QDateTime at = IsoTime::fromJson(saved.value(QLatin1String("timestamp")));
        if (saved.isEmpty() || !at.isValid()) {
            ++skipped;
            continue;
        }
        // Rebuild an event in the current server's shape around the saved data, so the one
        // code path that aggregates live events also rebuilds tool calls and delegations.
        const QString eventType = stringAt(saved, "event_type");
        QJsonObject envelope;
        envelope.insert(QLatin1String("type"), eventType);
        if (ours)
            envelope.insert(QLatin1String("subtype"), eventType);
        envelope.insert(QLatin1String("timestamp"), IsoTime::toString(at));
        envelope.insert(QLatin1String("session_id"), sessionId);
        const QString correlation = stringAt(saved, "correlation_id");
        if (!correlation.isEmpty())
            envelope.insert(QLatin1String("correlation_id"), correlation);
        const QJsonValue data = saved.value(QLatin1String("data"));
        envelope.insert(QLatin1String("data"), data.isObject() ? data : QJsonValue(QJsonObject()));
        QString eventName = stringAt(saved, "event_name");
        if (eventName.isEmpty())
            eventName = QStringLiteral("claude_event");
        ClaudeEvent event = EventNormalizer::normalizeObject(eventName, envelope, at);
        event.timestamp = at;
        event.timestampFromReceipt = saved.value(QLatin1String("timestamp_from_receipt")).toBool();
        bool ok = false;
        const quint64 id = stringAt(saved, "id").toULongLong(&ok, 16);
        if (ok)
            event.identity = id;
        session.addEvent(event);
    }
    if (skipped)
        qCWarning(lcReader) << "reopened" << sessionId << "without" << skipped
                            << "unreadable events";

    const QDateTime start = IsoTime::fromJson(object.value(QLatin1String("start_time")));
    if (start.isValid() && (!session.m_startTime.isValid() || start < session.m_startTime))
        session.m_startTime = start;
    const QDateTime last = IsoTime::fromJson(object.value(QLatin1String("last_event_time")));
    if (last.isValid() && (!session.m_lastEventTime.isValid() || last > session.m_lastEventTime))
        session.m_lastEventTime = last;
    for (const auto& [key, member] :
         {std::pair{"working_directory", &AgentSession::m_workingDirectory},
          std::pair{"launch_method", &AgentSession::m_launchMethod},
          std::pair{"initial_prompt", &AgentSession::m_initialPrompt},
          std::pair{"final_response", &AgentSession::m_finalResponse}}) {
        const QString saved = stringAt(object, key);
        if (!saved.isEmpty())
            session.*member = saved;
    }
    if (object.value(QLatin1String("session_ended")).toBool())
        session.m_sessionEndSeen = true;

    const QJsonObject metadata = objectAt(object, "metadata");
    const QJsonValue pid = metadata.value(QLatin1String("claude_pid"));
    if (pid.isDouble())
        session.m_claudePid = qint64(pid.toDouble());
    if (!stringAt(metadata, "git_branch").isEmpty())
        session.m_gitBranch = stringAt(metadata, "git_branch");
    if (!stringAt(metadata, "project_root").isEmpty())
        session.m_projectRoot = stringAt(metadata, "project_root");

    const QJsonObject capture = objectAt(object, "capture");
    session.m_filter = CaptureFilter::fromJson(objectAt(capture, "switches"));
    const QJsonObject filtered = objectAt(capture, "filtered");
    for (const EventCategory::Value c : EventCategory::all())
        session.m_filteredCounts[c] = qMax(0, filtered.value(EventCategory(c).name()).toInt());
    for (const QJsonValue& value : capture.value(QLatin1String("possible_gaps")).toArray()) {
        const QJsonObject gap = value.toObject();
        if (gap.value(QLatin1String("derived")).toBool())
            continue; // recomputed from the replayed events
        session.addPossibleGap(IsoTime::fromJson(gap.value(QLatin1String("from"))),
                               IsoTime::fromJson(gap.value(QLatin1String("to"))),
                               stringAt(gap, "reason"));
    }

    const QString statusText = stringAt(object, "status");
    const std::optional<AgentSession::Status> status = AgentSession::statusFromName(statusText);
    const QDateTime end = IsoTime::fromJson(object.value(QLatin1String("end_time")));
    if (status && *status != AgentSession::Status::Active) {
        session.setStatus(*status, stringAt(object, "completion_reason"), end);
    } else if (!status && end.isValid()) {
        // A Python aggregator file is written when its session is finalized.
        session.setStatus(AgentSession::Status::Completed, QStringLiteral("imported"), end);
    }
    return session;
}

} // namespace ea
