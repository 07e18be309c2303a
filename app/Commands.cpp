#include "Commands.h"

#include "CaptureSetup.h"
#include "ControlClient.h"
#include "SessionExporter.h"
#include "SessionStore.h"
#include "SessionSummary.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

namespace {
void err(const QString& text)
{
    std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(text));
}

void out(const QByteArray& bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
}

// Subcommands accept the global storage flags after their name too.
struct SubParser
{
    QCommandLineParser parser;
    QCommandLineOption activity{QStringLiteral("activity-dir"), QString(), QStringLiteral("dir")};
    QCommandLineOption config{QStringLiteral("config"), QString(), QStringLiteral("file")};

    SubParser()
    {
        parser.addOption(activity);
        parser.addOption(config);
    }
    // Parses args; on error prints it and returns false.
    bool parse(const QString& command, const QStringList& args)
    {
        if (!parser.parse(QStringList{command} + args)) {
            err(parser.errorText());
            return false;
        }
        return true;
    }
    // The store for the activity directory the flags and the configuration name.
    std::unique_ptr<SessionStore> store(const AppOptions& global, int* exitCode)
    {
        AppOptions o = global;
        if (parser.isSet(activity))
            o.activityDir = parser.value(activity);
        if (parser.isSet(config))
            o.configFile = parser.value(config);
        QString error;
        const auto setup = CaptureSetup::resolve(o, &error);
        if (!setup) {
            err(error);
            *exitCode = 2;
            return nullptr;
        }
        return std::make_unique<SessionStore>(setup->settings.activityDirectory);
    }
};

QList<SessionSummary> newestFirst(SessionStore& store, bool reportDamaged)
{
    QList<SessionSummary> all = store.list();
    QList<SessionSummary> good;
    for (const SessionSummary& s : all) {
        if (s.damaged) {
            if (reportDamaged)
                err(QStringLiteral("damaged session file skipped: %1 (%2)")
                        .arg(s.filePath, s.error));
            continue;
        }
        good.append(s);
    }
    std::sort(good.begin(), good.end(), [](const SessionSummary& a, const SessionSummary& b) {
        return a.startTime > b.startTime;
    });
    return good;
}

QString duration(const SessionSummary& s)
{
    if (!s.startTime.isValid() || !s.endTime.isValid())
        return QStringLiteral("-");
    const qint64 secs = s.startTime.secsTo(s.endTime);
    return QStringLiteral("%1:%2:%3")
        .arg(secs / 3600)
        .arg((secs / 60) % 60, 2, 10, QLatin1Char('0'))
        .arg(secs % 60, 2, 10, QLatin1Char('0'));
}

// Resolves ids or unique prefixes; prints why for each that fails.
bool resolveIds(const QList<SessionSummary>& all, const QStringList& wanted,
                QList<SessionSummary>* found)
{
    bool ok = true;
    for (const QString& w : wanted) {
        QList<SessionSummary> matches;
        for (const SessionSummary& s : all) {
            if (s.sessionId == w) {
                matches = {s};
                break;
            }
            if (s.sessionId.startsWith(w))
                matches.append(s);
        }
        if (matches.size() == 1) {
            found->append(matches.first());
        } else {
            err(matches.isEmpty()
                    ? QStringLiteral("no saved session matches \"%1\"").arg(w)
                    : QStringLiteral("\"%1\" matches %2 sessions; give more of the id")
                          .arg(w, QString::number(matches.size())));
            ok = false;
        }
    }
    return ok;
}

} // namespace

int Commands::run(const AppOptions& o)
{
    if (o.command == QLatin1String("sessions"))
        return sessions(o.commandArgs, o);
    if (o.command == QLatin1String("show"))
        return show(o.commandArgs, o);
    if (o.command == QLatin1String("export"))
        return exportSessions(o.commandArgs, o);
    if (o.command == QLatin1String("cleanup"))
        return cleanup(o.commandArgs, o);
    if (o.command == QLatin1String("status") || o.command == QLatin1String("stop"))
        return control(o.command);
    err(QStringLiteral("unknown command \"%1\"").arg(o.command));
    return 2;
}

int Commands::sessions(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    const QCommandLineOption limit(QStringLiteral("limit"), QString(), QStringLiteral("n"));
    p.parser.addOption(json);
    p.parser.addOption(limit);
    if (!p.parse(QStringLiteral("sessions"), args))
        return 2;
    int n = -1;
    if (p.parser.isSet(limit)) {
        bool ok = false;
        n = p.parser.value(limit).toInt(&ok);
        if (!ok || n < 0) {
            err(QStringLiteral("--limit must be a non-negative number"));
            return 2;
        }
    }
    int code = 0;
    auto store = p.store(global, &code);
    if (!store)
        return code;
    QList<SessionSummary> list = newestFirst(*store, true);
    if (n >= 0)
        list = list.mid(0, n);
    if (p.parser.isSet(json)) {
        QJsonArray a;
        for (const SessionSummary& s : list)
            a.append(s.toJson());
        out(QJsonDocument(a).toJson(QJsonDocument::Indented));
        return 0;
    }
    QString text;
    QTextStream ts(&text);
    // Columns are padded, never substituted: ids and statuses come from files and may hold
    // "%1" themselves.
    const auto row = [&ts](const QString& id, const QString& start, const QString& dur,
                           const QString& events, const QString& tools, const QString& deleg,
                           const QString& status) {
        ts << id.leftJustified(36) << "  " << start.leftJustified(19) << "  "
           << dur.rightJustified(9) << "  " << events.rightJustified(6) << "  "
           << tools.rightJustified(5) << "  " << deleg.rightJustified(5) << "  " << status << '\n';
    };
    row(QStringLiteral("SESSION"), QStringLiteral("START (UTC)"), QStringLiteral("DURATION"),
        QStringLiteral("EVENTS"), QStringLiteral("TOOLS"), QStringLiteral("DELEG"),
        QStringLiteral("STATUS"));
    for (const SessionSummary& s : list)
        row(s.sessionId.left(36),
            s.startTime.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), duration(s),
            QString::number(s.totalEvents), QString::number(s.toolCalls),
            QString::number(s.delegations), s.status);
    ts.flush();
    out(text.toUtf8());
    return 0;
}

// "12550 (input 2000, output 550, cache write 5000, cache read 5000)", or "unknown".
static QString tokensText(const QJsonValue& usage)
{
    const QJsonObject u = usage.toObject();
    if (!u.value(QLatin1String("total_tokens")).isDouble())
        return QStringLiteral("unknown");
    const auto n = [&u](const char* key) {
        return QString::number(qint64(u.value(QLatin1String(key)).toDouble()));
    };
    return QStringLiteral("%1 (input %2, output %3, cache write %4, cache read %5)")
        .arg(n("total_tokens"), n("input_tokens"), n("output_tokens"),
             n("cache_creation_input_tokens"), n("cache_read_input_tokens"));
}

int Commands::show(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    p.parser.addOption(json);
    if (!p.parse(QStringLiteral("show"), args))
        return 2;
    if (p.parser.positionalArguments().size() != 1) {
        err(QStringLiteral("usage: event-aggregator show ID [--json]"));
        return 2;
    }
    int code = 0;
    auto store = p.store(global, &code);
    if (!store)
        return code;
    QList<SessionSummary> found;
    if (!resolveIds(newestFirst(*store, false), p.parser.positionalArguments(), &found))
        return 1;
    QString error;
    const auto doc = store->load(found.first().filePath, &error);
    if (!doc) {
        err(error);
        return 1;
    }
    if (p.parser.isSet(json)) {
        out(QJsonDocument(*doc).toJson(QJsonDocument::Indented));
        return 0;
    }
    const SessionSummary& s = found.first();
    const QJsonObject metrics = doc->value(QLatin1String("metrics")).toObject();
    QString text;
    QTextStream ts(&text);
    ts << "Session:     " << s.sessionId << "\n"
       << "Status:      " << s.status << " ("
       << doc->value(QLatin1String("completion_reason")).toString() << ")\n"
       << "Project:     " << s.workingDirectory << "\n"
       << "Branch:      " << s.gitBranch << "\n"
       << "Start:       " << s.startTime.toString(Qt::ISODate) << "\n"
       << "Duration:    " << duration(s) << "\n"
       << "Events:      " << s.totalEvents << "\n"
       << "Tool calls:  " << s.toolCalls << " (" << s.failures << " failed, " << s.unknownResults
       << " without a result)\n"
       << "Turns:       " << s.turns << "\n"
       << "Tokens:      " << tokensText(metrics.value(QLatin1String("token_usage"))) << "\n"
       << "Delegations: " << s.delegations << "\n"
       << "Agents:      "
       << metrics.value(QLatin1String("agents_used"))
              .toVariant()
              .toStringList()
              .join(QStringLiteral(", "))
       << "\n"
       << "Prompt:      " << doc->value(QLatin1String("initial_prompt")).toString().left(200)
       << "\n"
       << "File:        " << s.filePath << "\n";
    // One line per turn: when, how long, what it did, what it cost.
    for (const QJsonValue& v : doc->value(QLatin1String("turns")).toArray()) {
        const QJsonObject t = v.toObject();
        const QJsonValue ms = t.value(QLatin1String("duration_ms"));
        ts << "  Turn " << t.value(QLatin1String("index")).toInt() + 1 << ":  "
           << t.value(QLatin1String("start_time")).toString() << "  "
           << (ms.isDouble() ? QString::number(ms.toDouble() / 1000.0, 'f', 1) + QLatin1String(" s")
                             : QStringLiteral("open"))
           << "  " << t.value(QLatin1String("tool_calls")).toInt() << " tool calls ("
           << t.value(QLatin1String("tool_failures")).toInt() << " failed, "
           << t.value(QLatin1String("tool_unknown_results")).toInt() << " without a result), "
           << t.value(QLatin1String("delegations")).toInt() << " delegations, tokens "
           << tokensText(t.value(QLatin1String("token_usage"))) << "  "
           << t.value(QLatin1String("prompt")).toString().simplified().left(60) << "\n";
    }
    ts.flush();
    out(text.toUtf8());
    return 0;
}

int Commands::exportSessions(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption all(QStringLiteral("all"));
    const QCommandLineOption format(QStringLiteral("format"), QString(), QStringLiteral("format"));
    const QCommandLineOption output(QStringList{QStringLiteral("o"), QStringLiteral("output")},
                                    QString(), QStringLiteral("file"));
    p.parser.addOption(all);
    p.parser.addOption(format);
    p.parser.addOption(output);
    if (!p.parse(QStringLiteral("export"), args))
        return 2;
    const std::optional<SessionExporter::Format> fmt =
        SessionExporter::formatFromName(p.parser.value(format));
    if (!fmt) {
        err(QStringLiteral("--format must be json, jsonl or csv"));
        return 2;
    }
    const QStringList ids = p.parser.positionalArguments();
    if (ids.isEmpty() == !p.parser.isSet(all)) {
        err(QStringLiteral(
            "usage: event-aggregator export (ID... | --all) --format json|jsonl|csv [-o FILE]"));
        return 2;
    }
    int code = 0;
    auto store = p.store(global, &code);
    if (!store)
        return code;
    const QList<SessionSummary> everything = newestFirst(*store, false);
    QList<SessionSummary> chosen;
    if (p.parser.isSet(all))
        chosen = everything;
    else if (!resolveIds(everything, ids, &chosen))
        return 1;

    QFile file;
    if (p.parser.isSet(output)) {
        file.setFileName(p.parser.value(output));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            err(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
            return 1;
        }
    } else if (!file.open(stdout, QIODevice::WriteOnly)) {
        return 1;
    }
    SessionExporter exporter(*fmt, &file);
    bool ok = exporter.begin();
    for (const SessionSummary& s : chosen) {
        if (!ok)
            break;
        QString error;
        const auto doc = store->load(s.filePath, &error);
        if (!doc) {
            err(error);
            continue;
        }
        ok = exporter.add(*doc);
    }
    ok = ok && exporter.finish();
    file.flush();
    if (!ok) {
        err(QStringLiteral("cannot write the export: %1").arg(exporter.errorString()));
        return 1;
    }
    return 0;
}

int Commands::cleanup(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption days(QStringLiteral("days"), QString(), QStringLiteral("n"));
    const QCommandLineOption dryRun(QStringLiteral("dry-run"));
    p.parser.addOption(days);
    p.parser.addOption(dryRun);
    if (!p.parse(QStringLiteral("cleanup"), args))
        return 2;
    AppOptions o = global;
    if (p.parser.isSet(p.activity))
        o.activityDir = p.parser.value(p.activity);
    if (p.parser.isSet(p.config))
        o.configFile = p.parser.value(p.config);
    QString error;
    const auto setup = CaptureSetup::resolve(o, &error);
    if (!setup) {
        err(error);
        return 2;
    }
    int n = setup->settings.autoCleanupDays;
    if (p.parser.isSet(days)) {
        bool ok = false;
        n = p.parser.value(days).toInt(&ok);
        if (!ok || n < 0) {
            err(QStringLiteral("--days must be a non-negative number"));
            return 2;
        }
    }
    SessionStore store(setup->settings.activityDirectory);
    QStringList removed;
    const int count = store.cleanup(n, p.parser.isSet(dryRun), &removed);
    if (count < 0) {
        err(store.lastError());
        return 1;
    }
    QString text;
    for (const QString& r : removed)
        text += (p.parser.isSet(dryRun) ? QStringLiteral("would remove ")
                                        : QStringLiteral("removed ")) +
                r + QLatin1Char('\n');
    text += QStringLiteral("%1 session(s) %2\n")
                .arg(count)
                .arg(p.parser.isSet(dryRun) ? QStringLiteral("would be removed")
                                            : QStringLiteral("removed"));
    out(text.toUtf8());
    return 0;
}

int Commands::control(const QString& command)
{
    QString error;
    const auto reply = ControlClient::request(command, &error);
    if (!reply) {
        err(error);
        return 3;
    }
    if (!reply->value(QLatin1String("ok")).toBool()) {
        err(reply->value(QLatin1String("error")).toString());
        return 1;
    }
    if (command == QLatin1String("status"))
        out(QJsonDocument(reply->value(QLatin1String("status")).toObject())
                .toJson(QJsonDocument::Indented));
    else
        out("stopping\n");
    return 0;
}
