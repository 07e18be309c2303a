// Settings of the event aggregator: the event_aggregator section of .claude-mpm/configuration.yaml.
#pragma once

#include "model/CaptureFilter.h"
#include "redaction/RedactionRule.h"

#include <QString>
#include <QStringList>

namespace ea {

struct AggregatorConfig
{
    // Which kinds of events are kept in saved sessions (capture: in the YAML).
    using Capture = CaptureFilter;

    bool enabled = true;
    QString activityDirectory = QStringLiteral(".claude-mpm/activity"); // as written in the file
    int dashboardPort = 8765;
    QString dashboardHost = QStringLiteral("127.0.0.1");
    bool allowRemote = false; // required for a dashboard_host that is not loopback
    int sessionTimeoutMinutes = 60;
    int autoCleanupDays = 30;     // 0 = never delete old sessions
    int maxTotalMb = 0;           // session files beyond this: the oldest ended go (0 = no limit)
    int blockedAfterSeconds = 20; // a tool call without result this long: "probably blocked"
    int idleAfterMinutes = 10;    // no activity this long after a turn ended: "idle"
    Capture capture;
    QStringList events = defaultEvents(); // Socket.IO event names to subscribe to
    bool notifications = true;
    // Which live-state changes notify (when notifications are on).
    bool notifyPermission = true; // a session needs permission
    bool notifyBlocked = true;    // a session is probably blocked
    bool notifyFinished = true;   // a session finished its turn
    // Secrets replaced before the journal and session files see them (exports always are).
    bool redactAtCapture = false;
    QList<RedactionRule> redactionRules; // redaction.rules: the user's, after the built-ins

    // Live forwarding of each settled turn to an OpenTelemetry collector (otlp: in the YAML).
    struct Otlp
    {
        QString endpoint; // OTLP/HTTP traces URL; empty: nothing is forwarded
        // Request headers as written; "${NAME}" in a value is the environment variable NAME.
        QList<QPair<QString, QString>> headers;
        int timeoutSeconds = 10;
        bool gzip = false; // compression: gzip
        QString serviceName = QStringLiteral("claude-code");
        int outboxMaxMegabytes = 64; // unacknowledged turns kept on disk; the oldest go first

        bool operator==(const Otlp&) const = default;
    };
    Otlp otlp;

    // Keys the Python aggregator's documentation lists; accepted so existing files still load.
    bool autoStart = false;
    bool compressSessions = false; // true: gzip every session (SessionStore threshold 0)
    QString fileFormat;            // ignored: file names are fixed (a warning says so)

    // Where the values came from; not written back.
    QString configFile;       // empty when no file was found (all defaults)
    QString projectDirectory; // the directory containing .claude-mpm/, else the working dir

    // activityDirectory made absolute: "~/" is the home directory, relative paths are taken
    // from projectDirectory.
    QString resolvedActivityDirectory() const;

    static QStringList defaultEvents();

    bool operator==(const AggregatorConfig&) const = default;
};

} // namespace ea
