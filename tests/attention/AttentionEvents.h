// Builds dashboard events in claude-mpm's wire shape for the live-state tests.
#pragma once

#include "ingest/EventNormalizer.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace ea::test {

inline const QDateTime kT0(QDate(2026, 7, 27), QTime(16, 30), Qt::UTC);

// One event of session `session` at kT0 + atMs (event time), with `data` merged into its data.
inline ClaudeEvent wireEvent(const QString& subtype, qint64 atMs, QJsonObject data = {},
                             const QString& session = QStringLiteral("s1"))
{
    const QString stamp = kT0.addMSecs(atMs).toString(Qt::ISODateWithMs);
    data.insert(QStringLiteral("session_id"), session);
    data.insert(QStringLiteral("working_directory"), QStringLiteral("/home/me/api"));
    data.insert(QStringLiteral("git_branch"), QStringLiteral("feature/x"));
    data.insert(QStringLiteral("timestamp"), stamp);
    const QJsonObject payload{{QStringLiteral("type"), QStringLiteral("claude_event")},
                              {QStringLiteral("subtype"), subtype},
                              {QStringLiteral("data"), data},
                              {QStringLiteral("timestamp"), stamp},
                              {QStringLiteral("session_id"), session},
                              {QStringLiteral("cwd"), QStringLiteral("/home/me/api")}};
    return EventNormalizer::normalizeObject(QStringLiteral("claude_event"), payload, kT0);
}

inline ClaudeEvent preTool(const QString& tool, const QString& id, qint64 atMs,
                           const QString& session = QStringLiteral("s1"))
{
    return wireEvent(QStringLiteral("pre_tool"), atMs,
                     {{QStringLiteral("tool_name"), tool}, {QStringLiteral("correlation_id"), id}},
                     session);
}

inline ClaudeEvent postTool(const QString& tool, const QString& id, qint64 atMs,
                            const QString& session = QStringLiteral("s1"))
{
    return wireEvent(QStringLiteral("post_tool"), atMs,
                     {{QStringLiteral("tool_name"), tool},
                      {QStringLiteral("correlation_id"), id},
                      {QStringLiteral("success"), true}},
                     session);
}

inline ClaudeEvent hookExecution(const QString& hook, qint64 atMs,
                                 const QString& session = QStringLiteral("s1"))
{
    return wireEvent(QStringLiteral("hook_execution"), atMs,
                     {{QStringLiteral("hook_name"), hook}, {QStringLiteral("success"), true}},
                     session);
}

inline ClaudeEvent notification(const QString& type, const QString& message, qint64 atMs,
                                const QString& session = QStringLiteral("s1"))
{
    return wireEvent(
        QStringLiteral("notification"), atMs,
        {{QStringLiteral("notification_type"), type}, {QStringLiteral("message"), message}},
        session);
}

} // namespace ea::test
