// What a session listing shows about one saved session file, without its events.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace simdjson::dom {
class element;
} // namespace simdjson::dom

namespace ea {

struct SessionSummary
{
    QString sessionId; // from the document; for a damaged file, the id part of its name
    QString filePath;  // absolute
    QDateTime startTime;
    QDateTime endTime; // invalid while the session has not ended
    QString status;    // "active", "completed", "timed_out", "stopped", ... as saved
    int totalEvents = 0;
    int toolCalls = 0;
    int delegations = 0;
    int failures = 0;       // failed tool calls and delegations (ToolOperation::outcomeOf)
    int unknownResults = 0; // tool calls that closed without a result
    int turns = 0;
    qint64 totalTokens = -1; // metrics.token_usage.total_tokens; -1: not reported
    QString workingDirectory;
    QString gitBranch;
    qint64 fileSize = 0; // bytes on disk (compressed size for .json.gz)
    QDateTime modified;  // file mtime
    bool compressed = false;
    bool damaged = false;
    QString error; // why the file is damaged

    // Reads the fields above from a saved session document (the Python aggregator's layout
    // plus "status"); missing fields stay empty or zero, counts fall back to array sizes.
    static SessionSummary fromDocument(const simdjson::dom::element& session);
    // The same from a Qt tree or from text (read as above; not JSON: all fields empty).
    static SessionSummary fromDocument(const QJsonObject& session);
    static SessionSummary fromText(QByteArrayView json);

    // Accepts what the dashboard and Python write: "...Z", "+00:00", microseconds, the
    // malformed "+00:00Z", and naive times (taken as UTC). Invalid on anything else.
    static QDateTime parseTime(const QString& text);

    // Whether status means the session is over, so cleanup may delete it.
    bool isEnded() const;

    // The form `sessions --json` prints.
    QJsonObject toJson() const;
};

} // namespace ea
