#include "ConfigWriter.h"

#include "AtomicFile.h"
#include "SystemReason.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

Q_LOGGING_CATEGORY(lcConfigWriter, "ea.config.writer")

using Entries = std::vector<std::pair<std::string, YAML::Node>>;

// Rebuilds `existing` (a map or nothing) with `values` replacing same-named keys in place and
// the rest appended, so a user's ordering and keys we do not know survive.
static YAML::Node merge(const YAML::Node& existing, const Entries& values)
{
    YAML::Node out(YAML::NodeType::Map);
    std::vector<bool> used(values.size(), false);
    if (existing.IsDefined() && existing.IsMap()) {
        for (auto it = existing.begin(); it != existing.end(); ++it) {
            const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
            bool replaced = false;
            for (size_t i = 0; i < values.size(); ++i) {
                if (!used[i] && values[i].first == key) {
                    out[key] = values[i].second;
                    used[i] = replaced = true;
                    break;
                }
            }
            if (!replaced)
                out[it->first] = it->second;
        }
    }
    for (size_t i = 0; i < values.size(); ++i) {
        if (!used[i])
            out[values[i].first] = values[i].second;
    }
    return out;
}

// Whether a YAML 1.1 reader (PyYAML, i.e. claude-mpm) would take this plain scalar for a
// boolean, null, number or date rather than a string.
static bool looksTyped(const std::string& value)
{
    static const QRegularExpression typed(QStringLiteral(
        "^(|~|null|Null|NULL|y|Y|n|N|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|"
        "FALSE|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?|"
        "[-+]?\\.[0-9_]+([eE][-+]?[0-9]+)?|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|"
        "[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?|[-+]?\\.(inf|Inf|INF)|"
        "\\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*|<<|=)$"));
    return typed.match(QString::fromStdString(value)).hasMatch();
}

// Emits like `out << node`, but keeps what yaml-cpp's own emitter drops: a quoted scalar
// that would read as another type without quotes stays quoted (note: "yes" must not become a
// boolean, version: "1.10" the number 1.1, for the other programs reading this file).
// Explicit tags and flow style are kept too.
static void emitNode(YAML::Emitter& out, const YAML::Node& node)
{
    const std::string& tag = node.Tag();
    static const std::string core = "tag:yaml.org,2002:";
    if (!tag.empty() && tag != "?" && tag != "!") {
        if (tag.compare(0, core.size(), core) == 0)
            out << YAML::SecondaryTag(tag.substr(core.size()));
        else if (tag.front() == '!')
            out << YAML::LocalTag(tag.substr(1));
        else
            out << YAML::VerbatimTag(tag);
    }
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
        out << YAML::Null;
        break;
    case YAML::NodeType::Scalar:
        if (tag == "!" && looksTyped(node.Scalar()))
            out << YAML::DoubleQuoted;
        out << node.Scalar();
        break;
    case YAML::NodeType::Sequence:
        if (node.Style() == YAML::EmitterStyle::Flow)
            out << YAML::Flow;
        out << YAML::BeginSeq;
        for (const YAML::Node& item : node)
            emitNode(out, item);
        out << YAML::EndSeq;
        break;
    case YAML::NodeType::Map:
        if (node.Style() == YAML::EmitterStyle::Flow)
            out << YAML::Flow;
        out << YAML::BeginMap;
        for (auto it = node.begin(); it != node.end(); ++it) {
            out << YAML::Key;
            emitNode(out, it->first);
            out << YAML::Value;
            emitNode(out, it->second);
        }
        out << YAML::EndMap;
        break;
    }
}

// A string value of ours: marked as quoted, so emitNode() protects it like a quoted one.
static YAML::Node text(const QString& s)
{
    YAML::Node node(s.toStdString());
    node.SetTag("!");
    return node;
}

bool ConfigWriter::write(const QString& path, const AggregatorConfig& config, QString* error)
{
    auto fail = [&](const QString& message) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, message);
        qCWarning(lcConfigWriter).noquote() << path << ":" << message;
        return false;
    };
    YAML::Node loaded;
    const QFileInfo fi(path);
    if (fi.exists()) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read: %1").arg(f.errorString()));
        try {
            loaded = YAML::Load(f.readAll().toStdString());
            if (!loaded.IsMap() && !loaded.IsNull())
                return fail(QStringLiteral("not rewritten: its top level is not a mapping"));
        } catch (const YAML::Exception& e) {
            return fail(QStringLiteral("not rewritten: line %1: invalid YAML: %2")
                            .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                            .arg(QString::fromStdString(e.msg)));
        }
    }

    YAML::Node root = loaded.IsMap() ? loaded : YAML::Node(YAML::NodeType::Map);
    const AggregatorConfig::Capture& c = config.capture;
    // Looked up through a const node: a non-const operator[] would add the key.
    const YAML::Node constRoot = root;
    const YAML::Node found = constRoot["event_aggregator"];
    const bool had = found.IsDefined() && found.IsMap();
    const YAML::Node existing = had ? found : YAML::Node();
    const YAML::Node capture = merge(had ? existing["capture"] : YAML::Node(),
                                     {{"user_prompts", YAML::Node(c.userPrompts)},
                                      {"agent_delegations", YAML::Node(c.agentDelegations)},
                                      {"tool_operations", YAML::Node(c.toolOperations)},
                                      {"file_operations", YAML::Node(c.fileOperations)},
                                      {"todo_updates", YAML::Node(c.todoUpdates)},
                                      {"responses", YAML::Node(c.responses)},
                                      {"memory_events", YAML::Node(c.memoryEvents)}});
    YAML::Node events(YAML::NodeType::Sequence);
    for (const QString& e : config.events)
        events.push_back(text(e));

    Entries values{{"enabled", YAML::Node(config.enabled)},
                   {"activity_directory", text(config.activityDirectory)},
                   {"dashboard_host", text(config.dashboardHost)},
                   {"dashboard_port", YAML::Node(config.dashboardPort)},
                   {"allow_remote", YAML::Node(config.allowRemote)},
                   {"session_timeout_minutes", YAML::Node(config.sessionTimeoutMinutes)},
                   {"auto_cleanup_days", YAML::Node(config.autoCleanupDays)},
                   {"notifications", YAML::Node(config.notifications)},
                   {"events", events},
                   {"capture", capture}};
    // The Python-era keys are written only when they say something.
    if (config.autoStart || (had && existing["auto_start"]))
        values.emplace_back("auto_start", YAML::Node(config.autoStart));
    if (config.compressSessions || (had && existing["compress_sessions"]))
        values.emplace_back("compress_sessions", YAML::Node(config.compressSessions));
    if (!config.fileFormat.isEmpty())
        values.emplace_back("file_format", text(config.fileFormat));
    root["event_aggregator"] = merge(existing, values);

    YAML::Emitter out;
    emitNode(out, root);
    if (!out.good())
        return fail(
            QStringLiteral("cannot emit YAML: %1").arg(QString::fromStdString(out.GetLastError())));
    QByteArray data(out.c_str(), qsizetype(out.size()));
    data.append('\n');

    if (!QDir().mkpath(fi.absolutePath()))
        return fail(QStringLiteral("cannot create directory %1: %2")
                        .arg(fi.absolutePath(), SystemReason::forDirectory(fi.absolutePath())));
    // Keep the permissions the user gave the file; a new one is readable by its owner only.
    const QFileDevice::Permissions mode =
        fi.exists() ? QFile::permissions(path) : QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    QString why;
    if (!AtomicFile::write(path, data, &why, mode))
        return fail(QStringLiteral("cannot write %1: %2").arg(path, why));
    return true;
}

QString ConfigWriter::targetFor(const AggregatorConfig& config, const QString& workingDirectory)
{
    if (!config.configFile.isEmpty())
        return config.configFile;
    return QDir(workingDirectory)
        .absoluteFilePath(QStringLiteral(".claude-mpm/configuration.yaml"));
}
