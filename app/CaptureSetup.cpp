#include "app/CaptureSetup.h"

#include "config/ConfigLoader.h"

#include "util/LoopbackHost.h"

#include <QDir>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QRegularExpression>

namespace ea {

Q_LOGGING_CATEGORY(lcSetup, "ea.app.setup", QtInfoMsg)

namespace {
// "${NAME}" in a header value is the environment variable NAME, so tokens stay out of the file.
std::optional<QByteArray> expand(const QString& header, const QString& value, QString* error)
{
    static const QRegularExpression variable(QStringLiteral("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}"));
    QString out;
    qsizetype at = 0;
    for (QRegularExpressionMatchIterator it = variable.globalMatch(value); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        const QString name = m.captured(1);
        if (!qEnvironmentVariableIsSet(name.toLocal8Bit().constData())) {
            *error = QStringLiteral("event_aggregator.otlp.headers.%1 uses ${%2}, which is not "
                                    "set in the environment")
                         .arg(header, name);
            return std::nullopt;
        }
        out += value.mid(at, m.capturedStart() - at) +
               qEnvironmentVariable(name.toLocal8Bit().constData());
        at = m.capturedEnd();
    }
    out += value.mid(at);
    if (out.contains(QLatin1Char('\n')) || out.contains(QLatin1Char('\r'))) {
        *error = QStringLiteral("event_aggregator.otlp.headers.%1 holds a line break").arg(header);
        return std::nullopt;
    }
    return out.toUtf8();
}

std::optional<OtlpForwarder::Settings> otlpSettings(const AggregatorConfig& c, bool allowRemote,
                                                    const RedactionRules& redaction, QString* error)
{
    OtlpForwarder::Settings s;
    s.endpoint = QUrl(c.otlp.endpoint);
    // Traces carry prompts and code: they leave the machine only encrypted or when asked to.
    if (s.endpoint.scheme() != QLatin1String("https") &&
        !LoopbackHost::matches(s.endpoint.host()) && !allowRemote) {
        *error = QStringLiteral("event_aggregator.otlp.endpoint %1 is not a loopback address; use "
                                "https, or --allow-remote (allow_remote: true) to send traces "
                                "there unencrypted")
                     .arg(s.endpoint.toString(QUrl::RemoveUserInfo));
        return std::nullopt;
    }
    for (const auto& [name, value] : c.otlp.headers) {
        const std::optional<QByteArray> v = expand(name, value, error);
        if (!v)
            return std::nullopt;
        s.headers.append({name.toLatin1(), *v});
    }
    s.timeoutMs = c.otlp.timeoutSeconds * 1000;
    s.gzip = c.otlp.gzip;
    s.outboxMaxBytes = qint64(c.otlp.outboxMaxMegabytes) << 20;
    s.trace.serviceName = c.otlp.serviceName;
    s.trace.hostName = QHostInfo::localHostName();
    s.trace.redactor = Redactor(redaction);
    return s;
}
} // namespace

std::optional<CaptureSetup::Result> CaptureSetup::resolve(const AppOptions& o, QString* error,
                                                          bool withOtlp)
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
    if (withOtlp && !config->otlp.endpoint.isEmpty()) {
        r.otlp = otlpSettings(*config, s.allowRemote, s.redaction, error);
        if (!r.otlp)
            return std::nullopt;
    }
    return r;
}

} // namespace ea
