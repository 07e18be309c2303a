#pragma once

#include "model/CaptureFilter.h"
#include "redaction/RedactionRule.h"

#include <QString>
#include <QStringList>

namespace ea {

// Bounds on what capture holds in memory. Each one, when hit, is counted ("limits" in the
// counters) and logged at most once per logIntervalMs; none of them drops an event.
struct CaptureLimits
{
    // Live sessions beyond this: the least recently active one is saved (status "interrupted",
    // like at quit) and released from memory; its next event reopens it from its file.
    int maxLiveSessions = 1000;
    // Approximate bytes of events held by all live sessions; beyond: release as above.
    qint64 maxLiveBytes = qint64(256) << 20;
    // One live session beyond either bound is saved as finished ("stopped", with
    // "continued_in") and continues in a new part, "<id>#part<N>".
    qint64 maxSessionEvents = 100000;
    qint64 maxSessionBytes = qint64(64) << 20;
    // Tool calls started (pre_tool) and not yet finished in one session; beyond: a new part.
    int maxPendingToolCalls = 10000;
    // Released sessions remembered so they still time out while the app runs; the oldest
    // beyond this are forgotten and time out when the app next starts.
    int maxParkedSessions = 100000;
    // Session documents waiting for a save that failed (disk full, unwritable directory);
    // beyond: the oldest is dropped from memory. Its events stay in the journal, if that was
    // writable, and come back on the next start.
    qint64 maxUnsavedBytes = qint64(64) << 20;
    // Sessions just finished (Claude Code stops after every turn) stay in memory up to this
    // many bytes, so the turn that follows does not reload and re-parse the saved file.
    qint64 maxFinishedBytes = qint64(64) << 20;
    int logIntervalMs = 60000;

    bool operator==(const CaptureLimits&) const = default;
};

// Everything CaptureService needs, resolved from the config file and the command line.
struct CaptureSettings
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8765;
    bool allowRemote = false;
    QStringList events;        // Socket.IO event names aggregated
    QString activityDirectory; // absolute
    qint64 sessionTimeoutMs = 60 * 60 * 1000;
    qint64 proximityWindowMs = 5000;
    // Live states: a tool call without result and nothing else moving for this long reads
    // "probably blocked"; no activity this long after a turn ended reads "idle".
    qint64 blockedAfterMs = 20 * 1000;
    qint64 idleAfterMs = 10 * 60 * 1000;
    int autoCleanupDays = 30; // 0: never
    bool compressAll = false;
    CaptureFilter filter;
    QString recordFile; // empty: no recording
    bool useJournal = true;
    // Payloads go through a Redactor with these rules before the journal (and so every
    // session file) sees them.
    bool redactAtCapture = false;
    RedactionRules redaction;
    CaptureLimits limits;

    // Environment overrides for operations and tests, applied by CaptureService:
    // EA_MAX_LIVE_SESSIONS, EA_MAX_LIVE_BYTES, EA_MAX_SESSION_EVENTS, EA_MAX_SESSION_BYTES,
    // EA_MAX_PENDING_TOOL_CALLS, EA_MAX_PARKED_SESSIONS, EA_MAX_UNSAVED_BYTES,
    // EA_LIMIT_LOG_INTERVAL_MS (positive integers; others are ignored).
    static CaptureSettings withEnvironment(CaptureSettings settings);

    // Whether a service would run any differently with the other settings.
    bool operator==(const CaptureSettings&) const = default;
};

} // namespace ea
