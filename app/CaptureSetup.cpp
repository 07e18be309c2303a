#include "app/CaptureSetup.h"

#include "config/ConfigLoader.h"

#include <QDir>
#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcSetup, "ea.app.setup", QtInfoMsg)

std::optional<CaptureSetup::Result> CaptureSetup::resolve(const AppOptions& o, QString* error)
{
    QStringList warnings;
    const auto config = ConfigLoader::load(o.configFile, QDir::currentPath(), error, &warnings);
    if (!config)
        return std::nullopt;
    for (const QString& w : std::as_const(warnings))
        qCWarning(lcSetup).noquote() << w;

    Result r;
    r.config = *config;
    CaptureSettings& s = r.settings;
    // Command-line flags win over the file.
    s.host = o.host.isEmpty() ? config->dashboardHost : o.host;
    s.port = quint16(o.port.value_or(config->dashboardPort));
    s.allowRemote = o.allowRemote || config->allowRemote;
    s.events = o.events.isEmpty() ? config->events : o.events;
    s.activityDirectory = o.activityDir.isEmpty()
                              ? config->resolvedActivityDirectory()
                              : QDir(QDir::currentPath()).absoluteFilePath(o.activityDir);
    s.activityDirectory = QDir::cleanPath(s.activityDirectory);
    s.sessionTimeoutMs =
        qint64(o.timeoutMinutes.value_or(config->sessionTimeoutMinutes)) * 60 * 1000;
    s.autoCleanupDays = config->autoCleanupDays;
    s.maxTotalMb = config->maxTotalMb;
    s.blockedAfterMs = qint64(config->blockedAfterSeconds) * 1000;
    s.idleAfterMs = qint64(config->idleAfterMinutes) * 60 * 1000;
    s.compressAll = config->compressSessions;
    s.recordFile = o.recordFile;
    s.filter = config->capture;
    s.redactAtCapture = config->redactAtCapture;
    s.redaction = RedactionRules::withUserRules(config->redactionRules);
    // The test hook for timeouts shorter than a minute; not a user setting.
    bool ok = false;
    const qint64 ms = qEnvironmentVariableIntValue("EA_SESSION_TIMEOUT_MS", &ok);
    if (ok && ms > 0)
        s.sessionTimeoutMs = ms;
    return r;
}

} // namespace ea
