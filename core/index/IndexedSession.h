// What the session database says about one session: a row of the session list.
#pragma once

#include "model/SessionSummary.h"

#include <QDateTime>
#include <QString>

namespace ea {

struct IndexedSession
{
    qint64 rowId = 0; // the database's key for this file (stable until the file changes)
    QString sessionId;
    QString project; // the last component of the project root (or working directory)
    QString workingDirectory;
    QString branch;
    QDateTime start; // UTC; invalid when unknown
    QDateTime end;   // invalid while not ended
    QString status;  // as saved: active, completed, timed_out, stopped, interrupted; "damaged"
    int events = 0;
    int toolCalls = 0;
    int delegations = 0;
    int failures = 0;
    int unknownResults = 0;
    int turns = 0;
    qint64 tokens = -1;     // -1: not reported
    qint64 durationMs = -1; // -1: not ended
    QString initialPrompt;  // the first 200 characters
    QString filePath;       // absolute
    qint64 fileSize = 0;
    QDateTime modified; // file mtime, UTC
    bool pinned = false;
    bool damaged = false;
    QString error; // why the file could not be read

    // The same as a listing shows it (a damaged file's summary has no id or status of its own).
    SessionSummary summary() const
    {
        SessionSummary m;
        m.filePath = filePath;
        m.fileSize = fileSize;
        m.modified = modified;
        m.damaged = damaged;
        m.error = error;
        if (damaged)
            return m;
        m.sessionId = sessionId;
        m.startTime = start;
        m.endTime = end;
        m.status = status;
        m.totalEvents = events;
        m.toolCalls = toolCalls;
        m.delegations = delegations;
        m.failures = failures;
        m.unknownResults = unknownResults;
        m.turns = turns;
        m.totalTokens = tokens;
        m.workingDirectory = workingDirectory;
        m.gitBranch = branch;
        return m;
    }
};

} // namespace ea
