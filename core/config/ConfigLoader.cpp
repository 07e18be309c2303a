#include "config/ConfigLoader.h"

#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <limits>

namespace ea {

Q_LOGGING_CATEGORY(lcConfig, "ea.config.loader")

static const QString kSection = QStringLiteral("event_aggregator");

// A validation failure; carried by exception only inside this file, to keep parse() linear.
struct ConfigError
{
    int line; // 1-based, 0 if unknown
    QString message;
};

static QString str(const YAML::Node& n)
{
    return QString::fromStdString(n.Scalar());
}

static int lineOf(const YAML::Node& n)
{
    const YAML::Mark m = n.Mark();
    return m.is_null() ? 0 : m.line + 1;
}

// What a value looked like, for "got ..." in messages.
static QString describe(const YAML::Node& n)
{
    switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return QStringLiteral("nothing");
    case YAML::NodeType::Sequence:
        return QStringLiteral("a list");
    case YAML::NodeType::Map:
        return QStringLiteral("a mapping");
    case YAML::NodeType::Scalar:
        break;
    }
    QString v = str(n);
    if (v.size() > 60)
        v = v.left(57) + QStringLiteral("...");
    return QLatin1Char('"') + v + QLatin1Char('"') +
           (n.Tag() == "!" ? QStringLiteral(" (a quoted string)") : QString());
}

[[noreturn]] static void reject(const YAML::Node& where, const QString& key, const QString& problem,
                                const YAML::Node& value)
{
    throw ConfigError{lineOf(where),
                      QStringLiteral("%1 %2, got %3").arg(key, problem, describe(value))};
}

static bool isPlain(const YAML::Node& n, const char* explicitTag)
{
    return n.IsScalar() && (n.Tag() == "?" || n.Tag() == explicitTag ||
                            n.Tag() == std::string("tag:yaml.org,2002:") + (explicitTag + 2));
}

static bool toBool(const YAML::Node& key, const YAML::Node& value, const QString& path)
{
    // The words PyYAML (YAML 1.1) reads as booleans, so a file claude-mpm accepts works here.
    static const QSet<QString> yes{
        QStringLiteral("true"), QStringLiteral("True"), QStringLiteral("TRUE"),
        QStringLiteral("yes"),  QStringLiteral("Yes"),  QStringLiteral("YES"),
        QStringLiteral("on"),   QStringLiteral("On"),   QStringLiteral("ON")};
    static const QSet<QString> no{
        QStringLiteral("false"), QStringLiteral("False"), QStringLiteral("FALSE"),
        QStringLiteral("no"),    QStringLiteral("No"),    QStringLiteral("NO"),
        QStringLiteral("off"),   QStringLiteral("Off"),   QStringLiteral("OFF")};
    if (isPlain(value, "!!bool")) {
        if (yes.contains(str(value)))
            return true;
        if (no.contains(str(value)))
            return false;
    }
    reject(key, path, QStringLiteral("must be true or false"), value);
}

static qint64 toInteger(const YAML::Node& key, const YAML::Node& value, const QString& path,
                        const QString& problem)
{
    static const QRegularExpression decimal(QStringLiteral("^[-+]?[0-9]+$"));
    if (isPlain(value, "!!int") && decimal.match(str(value)).hasMatch()) {
        bool ok = false;
        const qint64 v = str(value).toLongLong(&ok);
        if (ok && v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max())
            return v;
    }
    reject(key, path, problem, value);
}

static QString toText(const YAML::Node& key, const YAML::Node& value, const QString& path)
{
    if (!value.IsScalar() || str(value).trimmed().isEmpty())
        reject(key, path, QStringLiteral("must be a non-empty string"), value);
    return str(value);
}

// Calls handle(keyNode, valueNode, keyName) per entry; rejects non-scalar and repeated keys.
static void forEachEntry(
    const YAML::Node& map, const QString& prefix,
    const std::function<void(const YAML::Node&, const YAML::Node&, const QString&)>& handle)
{
    QSet<QString> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar())
            throw ConfigError{lineOf(key),
                              QStringLiteral("%1 has a key that is not a name").arg(prefix)};
        const QString name = str(key);
        if (seen.contains(name))
            throw ConfigError{lineOf(key), QStringLiteral("%1.%2 appears twice").arg(prefix, name)};
        seen.insert(name);
        handle(key, value, name);
    }
}

static void parseCapture(const YAML::Node& key, const YAML::Node& value,
                         AggregatorConfig::Capture& capture)
{
    const QString prefix = kSection + QStringLiteral(".capture");
    if (value.IsNull())
        return;
    if (!value.IsMap())
        reject(key, prefix, QStringLiteral("must be a mapping of true/false switches"), value);
    const QList<QPair<QString, bool*>> fields{
        {QStringLiteral("user_prompts"), &capture.userPrompts},
        {QStringLiteral("agent_delegations"), &capture.agentDelegations},
        {QStringLiteral("tool_operations"), &capture.toolOperations},
        {QStringLiteral("file_operations"), &capture.fileOperations},
        {QStringLiteral("todo_updates"), &capture.todoUpdates},
        {QStringLiteral("responses"), &capture.responses},
        {QStringLiteral("memory_events"), &capture.memoryEvents},
    };
    forEachEntry(value, prefix, [&](const YAML::Node& k, const YAML::Node& v, const QString& name) {
        for (const auto& [field, target] : fields) {
            if (field == name) {
                *target = toBool(k, v, prefix + QLatin1Char('.') + name);
                return;
            }
        }
        QStringList known;
        for (const auto& f : fields)
            known.append(f.first);
        throw ConfigError{lineOf(k), QStringLiteral("%1.%2 is not a known key (known: %3)")
                                         .arg(prefix, name, known.join(QStringLiteral(", ")))};
    });
}

static void parseOtlp(const YAML::Node& key, const YAML::Node& value, AggregatorConfig::Otlp& otlp)
{
    const QString prefix = kSection + QStringLiteral(".otlp");
    if (value.IsNull())
        return;
    if (!value.IsMap())
        reject(key, prefix, QStringLiteral("must be a mapping"), value);
    forEachEntry(value, prefix, [&](const YAML::Node& k, const YAML::Node& v, const QString& name) {
        const QString path = prefix + QLatin1Char('.') + name;
        if (name == QLatin1String("endpoint")) {
            const QString text = toText(k, v, path).trimmed();
            const QUrl url(text, QUrl::StrictMode);
            if (!url.isValid() || url.host().isEmpty() ||
                (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
                reject(k, path, QStringLiteral("must be an http:// or https:// URL"), v);
            otlp.endpoint = text;
        } else if (name == QLatin1String("headers")) {
            if (v.IsNull())
                return;
            if (!v.IsMap())
                reject(k, path, QStringLiteral("must be a mapping of header names to values"), v);
            forEachEntry(
                v, path, [&](const YAML::Node& hk, const YAML::Node& hv, const QString& header) {
                    static const QRegularExpression token(
                        QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
                    if (!token.match(header).hasMatch())
                        reject(hk, path, QStringLiteral("has a key that is not a header name"), hk);
                    if (!hv.IsScalar())
                        reject(hk, path + QLatin1Char('.') + header,
                               QStringLiteral("must be a string"), hv);
                    otlp.headers.append({header, str(hv)});
                });
        } else if (name == QLatin1String("timeout")) {
            const QString problem = QStringLiteral("must be a number of seconds from 1 to 300");
            const qint64 seconds = toInteger(k, v, path, problem);
            if (seconds < 1 || seconds > 300)
                reject(k, path, problem, v);
            otlp.timeoutSeconds = int(seconds);
        } else if (name == QLatin1String("compression")) {
            const QString c = toText(k, v, path).trimmed();
            if (c != QLatin1String("gzip") && c != QLatin1String("none"))
                reject(k, path, QStringLiteral("must be gzip or none"), v);
            otlp.gzip = c == QLatin1String("gzip");
        } else if (name == QLatin1String("service_name")) {
            otlp.serviceName = toText(k, v, path).trimmed();
        } else if (name == QLatin1String("outbox_max_mb")) {
            const QString problem = QStringLiteral("must be an integer from 1 to 10240");
            const qint64 mb = toInteger(k, v, path, problem);
            if (mb < 1 || mb > 10240)
                reject(k, path, problem, v);
            otlp.outboxMaxMegabytes = int(mb);
        } else {
            throw ConfigError{lineOf(k), QStringLiteral("%1 is not a known key (known: endpoint, "
                                                        "headers, timeout, compression, "
                                                        "service_name, outbox_max_mb)")
                                             .arg(path)};
        }
    });
}

static QStringList parseEvents(const YAML::Node& key, const YAML::Node& value, const QString& path)
{
    if (!value.IsSequence() || value.size() == 0)
        reject(key, path, QStringLiteral("must be a non-empty list of event names"), value);
    QStringList events;
    QSet<QString> seen; // a list lookup per name made 50,000 names take seconds
    for (const YAML::Node& item : value) {
        if (!item.IsScalar() || str(item).trimmed().isEmpty())
            reject(item, path, QStringLiteral("entries must be event names"), item);
        const QString name = str(item).trimmed();
        if (!seen.contains(name)) {
            seen.insert(name);
            events.append(name);
        }
    }
    return events;
}

// redaction: {rules: [{name, pattern | keys, replacement}]}
static void parseRedaction(const YAML::Node& key, const YAML::Node& value,
                           QList<RedactionRule>& rules)
{
    const QString prefix = kSection + QStringLiteral(".redaction");
    if (value.IsNull())
        return;
    if (!value.IsMap())
        reject(key, prefix, QStringLiteral("must be a mapping with a rules list"), value);
    forEachEntry(value, prefix, [&](const YAML::Node& k, const YAML::Node& v, const QString& name) {
        const QString path = prefix + QLatin1Char('.') + name;
        if (name != QLatin1String("rules"))
            throw ConfigError{lineOf(k),
                              QStringLiteral("%1 is not a known key (known: rules)").arg(path)};
        if (v.IsNull())
            return;
        if (!v.IsSequence())
            reject(k, path, QStringLiteral("must be a list of rules"), v);
        QSet<QString> names;
        for (const YAML::Node& item : v) {
            if (!item.IsMap())
                reject(item, path,
                       QStringLiteral("entries must be mappings of name, pattern or keys, and "
                                      "replacement"),
                       item);
            RedactionRule rule;
            forEachEntry(item, path + QStringLiteral("[]"),
                         [&](const YAML::Node& rk, const YAML::Node& rv, const QString& field) {
                             const QString fieldPath = path + QStringLiteral("[].") + field;
                             if (field == QLatin1String("name")) {
                                 rule.name = toText(rk, rv, fieldPath).trimmed();
                             } else if (field == QLatin1String("pattern")) {
                                 rule.pattern = toText(rk, rv, fieldPath);
                             } else if (field == QLatin1String("replacement")) {
                                 rule.replacement = toText(rk, rv, fieldPath);
                             } else if (field == QLatin1String("keys")) {
                                 if (rv.IsScalar()) {
                                     rule.keys = {toText(rk, rv, fieldPath).trimmed()};
                                 } else if (rv.IsSequence() && rv.size() > 0) {
                                     for (const YAML::Node& n : rv)
                                         rule.keys.append(toText(n, n, fieldPath).trimmed());
                                 } else {
                                     reject(rk, fieldPath,
                                            QStringLiteral("must be a key name or a list of them"),
                                            rv);
                                 }
                             } else {
                                 throw ConfigError{
                                     lineOf(rk),
                                     QStringLiteral("%1 is not a known key (known: name, pattern, "
                                                    "keys, replacement)")
                                         .arg(fieldPath)};
                             }
                         });
            const QString problem = rule.problem();
            if (!problem.isEmpty())
                throw ConfigError{lineOf(item), QStringLiteral("%1: %2").arg(path, problem)};
            if (names.contains(rule.name))
                throw ConfigError{
                    lineOf(item),
                    QStringLiteral("%1: two rules are named \"%2\"").arg(path, rule.name)};
            names.insert(rule.name);
            rules.append(rule);
        }
    });
}

static bool isLoopback(const QString& host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

static void parseSection(const YAML::Node& section, AggregatorConfig& c, QStringList* warnings)
{
    int hostLine = 0;
    YAML::Node hostValue;
    forEachEntry(
        section, kSection, [&](const YAML::Node& k, const YAML::Node& v, const QString& name) {
            const QString path = kSection + QLatin1Char('.') + name;
            if (name == QLatin1String("enabled")) {
                c.enabled = toBool(k, v, path);
            } else if (name == QLatin1String("activity_directory")) {
                c.activityDirectory = toText(k, v, path);
            } else if (name == QLatin1String("dashboard_port")) {
                const QString problem = QStringLiteral("must be an integer from 1 to 65535");
                const qint64 port = toInteger(k, v, path, problem);
                if (port < 1 || port > 65535)
                    reject(k, path, problem, v);
                c.dashboardPort = int(port);
            } else if (name == QLatin1String("dashboard_host")) {
                c.dashboardHost = toText(k, v, path).trimmed();
                hostLine = lineOf(k);
                hostValue = v;
            } else if (name == QLatin1String("allow_remote")) {
                c.allowRemote = toBool(k, v, path);
            } else if (name == QLatin1String("session_timeout_minutes")) {
                const QString problem = QStringLiteral("must be a positive integer");
                const qint64 minutes = toInteger(k, v, path, problem);
                if (minutes <= 0)
                    reject(k, path, problem, v);
                c.sessionTimeoutMinutes = int(minutes);
            } else if (name == QLatin1String("blocked_after_seconds")) {
                const QString problem = QStringLiteral("must be a positive integer");
                const qint64 seconds = toInteger(k, v, path, problem);
                if (seconds <= 0 || seconds > 24 * 3600)
                    reject(k, path, problem, v);
                c.blockedAfterSeconds = int(seconds);
            } else if (name == QLatin1String("idle_after_minutes")) {
                const QString problem = QStringLiteral("must be a positive integer");
                const qint64 minutes = toInteger(k, v, path, problem);
                if (minutes <= 0 || minutes > 7 * 24 * 60)
                    reject(k, path, problem, v);
                c.idleAfterMinutes = int(minutes);
            } else if (name == QLatin1String("auto_cleanup_days")) {
                const QString problem =
                    QStringLiteral("must be a non-negative integer (0 = never)");
                const qint64 days = toInteger(k, v, path, problem);
                if (days < 0)
                    reject(k, path, problem, v);
                c.autoCleanupDays = int(days);
            } else if (name == QLatin1String("max_total_mb")) {
                const QString problem =
                    QStringLiteral("must be a non-negative integer (0 = no limit)");
                const qint64 mb = toInteger(k, v, path, problem);
                if (mb < 0 || mb > qint64(1) << 30)
                    reject(k, path, problem, v);
                c.maxTotalMb = int(mb);
            } else if (name == QLatin1String("capture")) {
                parseCapture(k, v, c.capture);
            } else if (name == QLatin1String("otlp")) {
                parseOtlp(k, v, c.otlp);
            } else if (name == QLatin1String("events")) {
                c.events = parseEvents(k, v, path);
            } else if (name == QLatin1String("notifications")) {
                c.notifications = toBool(k, v, path);
            } else if (name == QLatin1String("notify_permission")) {
                c.notifyPermission = toBool(k, v, path);
            } else if (name == QLatin1String("notify_blocked")) {
                c.notifyBlocked = toBool(k, v, path);
            } else if (name == QLatin1String("notify_finished")) {
                c.notifyFinished = toBool(k, v, path);
            } else if (name == QLatin1String("redact_at_capture")) {
                c.redactAtCapture = toBool(k, v, path);
            } else if (name == QLatin1String("redaction")) {
                parseRedaction(k, v, c.redactionRules);
            } else if (name == QLatin1String("auto_start")) {
                c.autoStart = toBool(k, v, path);
            } else if (name == QLatin1String("compress_sessions")) {
                c.compressSessions = toBool(k, v, path);
            } else if (name == QLatin1String("file_format")) {
                c.fileFormat = toText(k, v, path);
                if (warnings)
                    warnings->append(
                        QStringLiteral("line %1: %2 is ignored; session files are always "
                                       "named session_<id>_<start time>.json")
                            .arg(lineOf(k))
                            .arg(path));
            } else {
                throw ConfigError{
                    lineOf(k),
                    QStringLiteral(
                        "%1 is not a known key (known: enabled, activity_directory, "
                        "dashboard_port, dashboard_host, allow_remote, "
                        "session_timeout_minutes, blocked_after_seconds, "
                        "idle_after_minutes, auto_cleanup_days, max_total_mb, capture, events, "
                        "notifications, notify_permission, notify_blocked, "
                        "notify_finished, redact_at_capture, redaction, otlp, auto_start, "
                        "compress_sessions, file_format)")
                        .arg(path)};
            }
        });
    // The dashboard stream carries prompts and code; leaving the machine must be deliberate.
    if (!c.allowRemote && !isLoopback(c.dashboardHost))
        throw ConfigError{hostLine,
                          QStringLiteral("%1.dashboard_host %2 is not a loopback address; "
                                         "set %1.allow_remote: true to connect to it")
                              .arg(kSection, describe(hostValue))};
}

std::optional<AggregatorConfig> ConfigLoader::parse(const QByteArray& yaml, const QString& fileName,
                                                    const QString& projectDirectory, QString* error,
                                                    QStringList* warnings)
{
    AggregatorConfig config;
    config.projectDirectory = projectDirectory;
    auto fail = [&](int line, const QString& message) -> std::optional<AggregatorConfig> {
        const QString where = line > 0 ? QStringLiteral("%1:%2: ").arg(fileName).arg(line)
                                       : fileName + QStringLiteral(": ");
        if (error)
            *error = where + message;
        return std::nullopt;
    };
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (root.IsNull())
            return config;
        if (!root.IsMap())
            return fail(lineOf(root), QStringLiteral("the top level must be a mapping of sections, "
                                                     "got %1")
                                          .arg(describe(root)));
        YAML::Node section;
        YAML::Node sectionKey;
        bool found = false;
        for (auto it = root.begin(); it != root.end(); ++it) {
            if (!it->first.IsScalar() || str(it->first) != kSection)
                continue;
            if (found)
                return fail(lineOf(it->first), QStringLiteral("%1 appears twice").arg(kSection));
            found = true;
            sectionKey.reset(it->first);
            section.reset(it->second);
        }
        if (!found || section.IsNull())
            return config;
        if (!section.IsMap())
            return fail(
                lineOf(sectionKey),
                QStringLiteral("%1 must be a mapping, got %2").arg(kSection, describe(section)));
        parseSection(section, config, warnings);
    } catch (const ConfigError& e) {
        return fail(e.line, e.message);
    } catch (const YAML::Exception& e) {
        return fail(e.mark.is_null() ? 0 : e.mark.line + 1,
                    QStringLiteral("invalid YAML: %1").arg(QString::fromStdString(e.msg)));
    }
    return config;
}

QString ConfigLoader::projectDirectoryFor(const QString& configFile,
                                          const QString& workingDirectory)
{
    const QDir dir = QFileInfo(configFile).absoluteDir();
    if (dir.dirName() == QLatin1String(".claude-mpm"))
        return QDir::cleanPath(dir.absoluteFilePath(QStringLiteral("..")));
    return QDir(workingDirectory).absolutePath();
}

QString ConfigLoader::locate(const QString& explicitPath, const QString& workingDirectory)
{
    if (!explicitPath.isEmpty())
        return QDir(workingDirectory).absoluteFilePath(explicitPath);
    const QString relative = QStringLiteral(".claude-mpm/configuration.yaml");
    for (const QString& base : {workingDirectory, QDir::homePath()}) {
        const QString candidate = QDir(base).absoluteFilePath(relative);
        if (QFileInfo(candidate).isFile())
            return candidate;
    }
    return {};
}

std::optional<AggregatorConfig> ConfigLoader::load(const QString& explicitPath,
                                                   const QString& workingDirectory, QString* error,
                                                   QStringList* warnings)
{
    const QString path = locate(explicitPath, workingDirectory);
    if (path.isEmpty()) {
        qCDebug(lcConfig) << "no configuration.yaml found; using defaults";
        AggregatorConfig config;
        config.projectDirectory = QDir(workingDirectory).absolutePath();
        return config;
    }
    return loadFile(path, workingDirectory, error, warnings);
}

std::optional<AggregatorConfig> ConfigLoader::loadFile(const QString& path,
                                                       const QString& workingDirectory,
                                                       QString* error, QStringList* warnings)
{
    auto fail = [&](const QString& message) -> std::optional<AggregatorConfig> {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, message);
        return std::nullopt;
    };
    const QFileInfo fi(path);
    if (!fi.exists())
        return fail(QStringLiteral("no such file"));
    if (!fi.isFile())
        return fail(QStringLiteral("not a regular file"));
    if (fi.size() > maxFileBytes)
        return fail(
            QStringLiteral("larger than %1 bytes; not a configuration file?").arg(maxFileBytes));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read: %1").arg(f.errorString()));
    const QByteArray text = f.read(std::min(fi.size(), maxFileBytes) + 1);
    if (f.error() != QFileDevice::NoError)
        return fail(QStringLiteral("cannot read: %1").arg(f.errorString()));
    std::optional<AggregatorConfig> config =
        parse(text, path, projectDirectoryFor(path, workingDirectory), error, warnings);
    if (config) {
        config->configFile = fi.absoluteFilePath();
        qCDebug(lcConfig).noquote() << "loaded" << config->configFile;
    }
    return config;
}

} // namespace ea
