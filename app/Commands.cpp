#include "app/Commands.h"

#include "app/CaptureSetup.h"
#include "app/StatusBarLine.h"
#include "attention/LiveState.h"
#include "control/ControlChannel.h"
#include "control/ControlClient.h"
#include "export/SessionExporter.h"
#include "index/IndexedSummaryCache.h"
#include "index/SessionIndexReader.h"
#include "index/SessionIndexSchema.h"
#include "index/SessionIndexer.h"
#include "index/SessionQuery.h"
#include "model/SessionSummary.h"
#include "redaction/Redactor.h"
#include "storage/ActivityLock.h"
#include "storage/PinnedSessions.h"
#include "storage/SessionStore.h"
#include "util/AtomicFile.h"
#include "util/SystemReason.h"
#include "json/JsonText.h"

#include <QBuffer>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace ea {

namespace {
// Ids, prompts and paths come from the network or from files: printed raw, their control
// characters would drive the terminal (retitle it, clear it, plant links). Shown escaped in
// human output; --json output stays exact.
QString printable(const QString& text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u == '\n')
            out += QStringLiteral("\\n");
        else if (u == '\t')
            out += QStringLiteral("\\t");
        else if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || u == 0x2028 || u == 0x2029 ||
                 (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
            out += QStringLiteral("\\u%1").arg(int(u), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

void err(const QString& text)
{
    std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(printable(text)));
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
    // --limit N as a count (fallback when not given); false, with the error printed, when it is
    // not a non-negative number.
    bool limit(const QCommandLineOption& option, int fallback, int* n) const
    {
        *n = fallback;
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        *n = parser.value(option).toInt(&ok);
        if (ok && *n >= 0)
            return true;
        err(QStringLiteral("--limit must be a non-negative number"));
        return false;
    }
    // The store for the activity directory the flags and the configuration name.
    std::unique_ptr<SessionStore> store(const AppOptions& global, int* exitCode)
    {
        const QString dir = directory(global, exitCode);
        if (dir.isEmpty())
            return nullptr;
        auto s = std::make_unique<SessionStore>(dir);
        s->setSummaryCache(std::make_unique<IndexedSummaryCache>(dir));
        return s;
    }
    // The activity directory the flags and the configuration name; empty (exit code 2) on a
    // configuration error.
    QString directory(const AppOptions& global, int* exitCode)
    {
        AppOptions o = global;
        if (parser.isSet(activity))
            o.activityDir = parser.value(activity);
        if (parser.isSet(config))
            o.configFile = parser.value(config);
        QString error;
        setup = CaptureSetup::resolve(o, &error, false);
        if (!setup) {
            err(error);
            *exitCode = 2;
            return {};
        }
        return setup->settings.activityDirectory;
    }
    // What store() resolved: the configuration (its redaction rules) and settings.
    std::optional<CaptureSetup::Result> setup;
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

// A query that does not parse: exit code 2, the message and where, with the text marked.
int badQuery(const QString& what, const QString& text, const QueryError& error)
{
    err(QStringLiteral("%1: at position %2: %3")
            .arg(what)
            .arg(error.position + 1)
            .arg(error.message));
    std::fprintf(
        stderr, "  %s\n  %s^\n", qPrintable(printable(text)),
        QByteArray(qMax(0, int(printable(text.left(error.position)).size())), ' ').constData());
    return 2;
}

// The database ready to read. With no capture running (the activity directory's lock is free)
// it is first brought up to date with the files here, built when missing or unusable; a
// running capture keeps it up to date itself. Exit code 1 when it cannot be read.
bool openIndex(const QString& dir, SessionIndexReader* reader, int* exitCode)
{
    *exitCode = 1;
    if (!QFileInfo(dir).isDir()) {
        err(QStringLiteral("no activity directory %1: nothing has been captured there").arg(dir));
        return false;
    }
    ActivityLock lock(dir);
    QString why;
    const ActivityLock::Result locked = lock.tryLock(&why);
    if (locked == ActivityLock::Result::Locked) {
        SessionIndexer indexer(dir);
        QObject::connect(&indexer, &SessionIndexer::rebuilding, [](const QString& reason) {
            err(QStringLiteral("building the session database from the files: %1").arg(reason));
        });
        QObject::connect(&indexer, &SessionIndexer::progress, [](int done, int total) {
            if (total >= 1000)
                std::fprintf(stderr, "event-aggregator: indexed %d of %d session files\n", done,
                             total);
        });
        // The full page check is the capture's, at its start; here a damaged file shows up as
        // a failing catch-up, and is then built again.
        if (!indexer.open(SessionIndexer::Check::Schema)) {
            err(indexer.error());
            return false;
        }
        if (!indexer.reconcile() &&
            !indexer.rebuild(QStringLiteral("it could not be read (%1)").arg(indexer.error()))) {
            err(indexer.error());
            return false;
        }
        indexer.close();
        lock.unlock();
    }
    if (!reader->open()) {
        if (locked == ActivityLock::Result::HeldElsewhere)
            err(QStringLiteral(
                    "%1; the capture running there builds it, try again in a moment (%2)")
                    .arg(reader->error(), why));
        else
            err(reader->error());
        return false;
    }
    *exitCode = 0;
    return true;
}

QString timeText(const QDateTime& t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonValue orNull(qint64 v)
{
    return v >= 0 ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

QJsonObject indexedJson(const IndexedSession& s)
{
    QJsonObject o{{QStringLiteral("session_id"), s.sessionId},
                  {QStringLiteral("project"), s.project},
                  {QStringLiteral("working_directory"), s.workingDirectory},
                  {QStringLiteral("git_branch"), s.branch},
                  {QStringLiteral("start_time"), s.start.isValid() ? QJsonValue(timeText(s.start))
                                                                   : QJsonValue(QJsonValue::Null)},
                  {QStringLiteral("end_time"),
                   s.end.isValid() ? QJsonValue(timeText(s.end)) : QJsonValue(QJsonValue::Null)},
                  {QStringLiteral("status"), s.status},
                  {QStringLiteral("total_events"), s.events},
                  {QStringLiteral("tool_calls"), s.toolCalls},
                  {QStringLiteral("delegations"), s.delegations},
                  {QStringLiteral("failures"), s.failures},
                  {QStringLiteral("unknown_results"), s.unknownResults},
                  {QStringLiteral("turns"), s.turns},
                  {QStringLiteral("total_tokens"), orNull(s.tokens)},
                  {QStringLiteral("duration_ms"), orNull(s.durationMs)},
                  {QStringLiteral("pinned"), s.pinned},
                  {QStringLiteral("file"), s.filePath}};
    if (s.damaged) {
        o.insert(QStringLiteral("damaged"), true);
        o.insert(QStringLiteral("error"), s.error);
    }
    return o;
}

QString durationText(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("-");
    const qint64 secs = ms / 1000;
    return QStringLiteral("%1:%2:%3")
        .arg(secs / 3600)
        .arg((secs / 60) % 60, 2, 10, QLatin1Char('0'))
        .arg(secs % 60, 2, 10, QLatin1Char('0'));
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
    if (o.command == QLatin1String("redact"))
        return redact(o.commandArgs, o);
    if (o.command == QLatin1String("cleanup"))
        return cleanup(o.commandArgs, o);
    if (o.command == QLatin1String("search"))
        return search(o.commandArgs, o);
    if (o.command == QLatin1String("stats"))
        return stats(o.commandArgs, o);
    if (o.command == QLatin1String("pin") || o.command == QLatin1String("unpin"))
        return pin(o.commandArgs, o, o.command == QLatin1String("pin"));
    if (o.command == QLatin1String("status"))
        return status(o.commandArgs);
    if (o.command == QLatin1String("watch"))
        return watch(o.commandArgs);
    if (o.command == QLatin1String("stop"))
        return control(o.command);
    err(QStringLiteral("unknown command \"%1\"").arg(o.command));
    return 2;
}

int Commands::sessions(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    const QCommandLineOption limit(QStringLiteral("limit"), QString(), QStringLiteral("n"));
    const QCommandLineOption where(QStringLiteral("where"), QString(), QStringLiteral("query"));
    p.parser.addOption(json);
    p.parser.addOption(limit);
    p.parser.addOption(where);
    if (!p.parse(QStringLiteral("sessions"), args))
        return 2;
    int n = -1;
    if (!p.limit(limit, -1, &n))
        return 2;
    if (p.parser.isSet(where)) {
        int code = 0;
        const QString dir = p.directory(global, &code);
        if (dir.isEmpty())
            return code;
        return sessionsWhere(p.parser.value(where), p.parser.isSet(json), n, dir);
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
        row(printable(s.sessionId.left(36)),
            s.startTime.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), duration(s),
            QString::number(s.totalEvents), QString::number(s.toolCalls),
            QString::number(s.delegations), printable(s.status));
    ts.flush();
    out(text.toUtf8());
    return 0;
}

int Commands::sessionsWhere(const QString& where, bool json, int limit, const QString& dir)
{
    QueryError error;
    const SessionQuery query = SessionQuery::parse(where, &error);
    if (error.isError())
        return badQuery(QStringLiteral("--where"), where, error);
    SessionIndexReader reader(dir);
    int code = 0;
    if (!openIndex(dir, &reader, &code))
        return code;
    const QList<IndexedSession> rows =
        reader.sessions(query, SessionIndexReader::SortColumn::Start, Qt::DescendingOrder, 0,
                        limit >= 0 ? limit : std::numeric_limits<int>::max());
    if (!reader.error().isEmpty()) {
        err(reader.error());
        return 1;
    }
    if (json) {
        QJsonArray a;
        for (const IndexedSession& s : rows)
            a.append(indexedJson(s));
        out(QJsonDocument(a).toJson(QJsonDocument::Indented));
        return 0;
    }
    QString text;
    QTextStream ts(&text);
    const auto line = [&ts](const QString& id, const QString& start, const QString& dur,
                            const QString& tools, const QString& fails, const QString& tokens,
                            const QString& status, const QString& project) {
        ts << id.leftJustified(36) << "  " << start.leftJustified(19) << "  "
           << dur.rightJustified(9) << "  " << tools.rightJustified(5) << "  "
           << fails.rightJustified(5) << "  " << tokens.rightJustified(9) << "  "
           << status.leftJustified(11) << "  " << project << '\n';
    };
    line(QStringLiteral("SESSION"), QStringLiteral("START (UTC)"), QStringLiteral("DURATION"),
         QStringLiteral("TOOLS"), QStringLiteral("FAILS"), QStringLiteral("TOKENS"),
         QStringLiteral("STATUS"), QStringLiteral("PROJECT (BRANCH)"));
    for (const IndexedSession& s : rows)
        line(printable(s.sessionId.left(36)),
             s.start.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
             durationText(s.durationMs), QString::number(s.toolCalls), QString::number(s.failures),
             s.tokens >= 0 ? QString::number(s.tokens) : QStringLiteral("-"),
             printable(s.status) + (s.pinned ? QStringLiteral("*") : QString()),
             printable(s.project) + (s.branch.isEmpty()
                                         ? QString()
                                         : QStringLiteral(" (%1)").arg(printable(s.branch))));
    ts.flush();
    out(text.toUtf8());
    return 0;
}

int Commands::search(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    const QCommandLineOption limit(QStringLiteral("limit"), QString(), QStringLiteral("n"));
    const QCommandLineOption where(QStringLiteral("where"), QString(), QStringLiteral("query"));
    p.parser.addOption(json);
    p.parser.addOption(limit);
    p.parser.addOption(where);
    if (!p.parse(QStringLiteral("search"), args))
        return 2;
    const QString text = p.parser.positionalArguments().join(QLatin1Char(' '));
    int n = 20;
    if (!p.limit(limit, 20, &n))
        return 2;
    QueryError error;
    const SessionQuery textQuery = SessionQuery::parse(text, &error);
    if (error.isError())
        return badQuery(QStringLiteral("search text"), text, error);
    if (!textQuery.hasText()) {
        err(QStringLiteral("usage: event-aggregator search TEXT [--where QUERY] [--json] "
                           "[--limit N] (TEXT has no word to search for)"));
        return 2;
    }
    const QString filter = p.parser.value(where);
    const SessionQuery filterQuery = SessionQuery::parse(filter, &error);
    if (error.isError())
        return badQuery(QStringLiteral("--where"), filter, error);
    // One query: the filter's terms and the text's, which the filter may also hold.
    const SessionQuery query = SessionQuery::parse(filter + QLatin1Char(' ') + text, &error);
    int code = 0;
    const QString dir = p.directory(global, &code);
    if (dir.isEmpty())
        return code;
    SessionIndexReader reader(dir);
    if (!openIndex(dir, &reader, &code))
        return code;
    const QList<SearchHit> hits = reader.search(query, 0, n);
    if (!reader.error().isEmpty()) {
        err(reader.error());
        return 1;
    }
    if (p.parser.isSet(json)) {
        QJsonArray a;
        for (const SearchHit& h : hits) {
            QJsonArray spans;
            for (const SearchHit::Span& s : h.matches)
                spans.append(QJsonArray{s.offset, s.length});
            const IndexedSession s = reader.session(h.rowId);
            a.append(QJsonObject{{QStringLiteral("session_id"), h.sessionId},
                                 {QStringLiteral("rank"), h.rank},
                                 {QStringLiteral("column"), h.column},
                                 {QStringLiteral("snippet"), h.snippet},
                                 {QStringLiteral("matches"), spans},
                                 {QStringLiteral("session"), indexedJson(s)}});
        }
        out(QJsonDocument(a).toJson(QJsonDocument::Indented));
        return 0;
    }
    QString textOut;
    for (const SearchHit& h : hits) {
        const IndexedSession s = reader.session(h.rowId);
        // The match in [brackets]: the snippet itself is escaped, the marks are ours.
        QString snippet;
        int last = 0;
        for (const SearchHit::Span& m : h.matches) {
            snippet += printable(h.snippet.mid(last, m.offset - last)) + QLatin1Char('[') +
                       printable(h.snippet.mid(m.offset, m.length)) + QLatin1Char(']');
            last = m.offset + m.length;
        }
        snippet += printable(h.snippet.mid(last));
        textOut += QStringLiteral("%1  %2  %3  %4\n    %5: %6\n")
                       .arg(printable(h.sessionId.left(36)),
                            s.start.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                            printable(s.project), printable(s.status), h.column, snippet);
    }
    if (hits.isEmpty())
        textOut = QStringLiteral("no session matches\n");
    out(textOut.toUtf8());
    return 0;
}

int Commands::stats(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    const QCommandLineOption where(QStringLiteral("where"), QString(), QStringLiteral("query"));
    const QCommandLineOption by(QStringLiteral("by"), QString(), QStringLiteral("group"));
    p.parser.addOption(json);
    p.parser.addOption(where);
    p.parser.addOption(by);
    if (!p.parse(QStringLiteral("stats"), args))
        return 2;
    if (!p.parser.positionalArguments().isEmpty()) {
        err(QStringLiteral("stats takes no arguments, got \"%1\"; use --where")
                .arg(p.parser.positionalArguments().constFirst()));
        return 2;
    }
    SessionIndexReader::GroupBy group = SessionIndexReader::GroupBy::None;
    if (p.parser.isSet(by)) {
        const auto g = SessionIndexReader::groupByFromName(p.parser.value(by));
        if (!g) {
            err(QStringLiteral("--by must be day, project, agent or tool, got \"%1\"")
                    .arg(p.parser.value(by)));
            return 2;
        }
        group = *g;
    }
    QueryError error;
    const SessionQuery query = SessionQuery::parse(p.parser.value(where), &error);
    if (error.isError())
        return badQuery(QStringLiteral("--where"), p.parser.value(where), error);
    int code = 0;
    const QString dir = p.directory(global, &code);
    if (dir.isEmpty())
        return code;
    SessionIndexReader reader(dir);
    if (!openIndex(dir, &reader, &code))
        return code;
    const StatsTable table = reader.stats(query, group);
    if (!reader.error().isEmpty()) {
        err(reader.error());
        return 1;
    }
    if (p.parser.isSet(json)) {
        QJsonArray a;
        for (const StatsRow& r : table)
            a.append(QJsonObject{{QStringLiteral("group"), r.key},
                                 {QStringLiteral("sessions"), r.sessions},
                                 {QStringLiteral("turns"), r.turns},
                                 {QStringLiteral("tool_calls"), r.toolCalls},
                                 {QStringLiteral("failures"), r.failures},
                                 {QStringLiteral("failure_rate"), r.failureRate},
                                 {QStringLiteral("p50_duration_ms"), orNull(r.p50DurationMs)},
                                 {QStringLiteral("p95_duration_ms"), orNull(r.p95DurationMs)},
                                 {QStringLiteral("tokens"), r.tokens}});
        out(QJsonDocument(a).toJson(QJsonDocument::Indented));
        return 0;
    }
    QString text;
    QTextStream ts(&text);
    const auto line = [&ts](const QString& key, const QString& sessions, const QString& turns,
                            const QString& tools, const QString& rate, const QString& p50,
                            const QString& p95, const QString& tokens) {
        ts << key.leftJustified(24) << "  " << sessions.rightJustified(8) << "  "
           << turns.rightJustified(8) << "  " << tools.rightJustified(9) << "  "
           << rate.rightJustified(7) << "  " << p50.rightJustified(9) << "  "
           << p95.rightJustified(9) << "  " << tokens.rightJustified(12) << '\n';
    };
    const auto seconds = [](qint64 ms) {
        return ms < 0 ? QStringLiteral("-")
                      : QString::number(ms / 1000.0, 'f', 1) + QLatin1Char('s');
    };
    line(group == SessionIndexReader::GroupBy::None ? QStringLiteral("")
                                                    : p.parser.value(by).toUpper(),
         QStringLiteral("SESSIONS"), QStringLiteral("TURNS"), QStringLiteral("TOOLCALLS"),
         QStringLiteral("FAILED"), QStringLiteral("P50"), QStringLiteral("P95"),
         QStringLiteral("TOKENS"));
    for (const StatsRow& r : table)
        line(group == SessionIndexReader::GroupBy::None ? QStringLiteral("all")
             : r.key.isEmpty()                          ? QStringLiteral("(none)")
                                                        : printable(r.key.left(24)),
             QString::number(r.sessions), QString::number(r.turns), QString::number(r.toolCalls),
             QString::number(r.failureRate * 100.0, 'f', 1) + QLatin1Char('%'),
             seconds(r.p50DurationMs), seconds(r.p95DurationMs), QString::number(r.tokens));
    ts.flush();
    out(text.toUtf8());
    return 0;
}

int Commands::pin(const QStringList& args, const AppOptions& global, bool pinned)
{
    SubParser p;
    const QString name = pinned ? QStringLiteral("pin") : QStringLiteral("unpin");
    if (!p.parse(name, args))
        return 2;
    if (p.parser.positionalArguments().isEmpty()) {
        err(QStringLiteral("usage: event-aggregator %1 ID...").arg(name));
        return 2;
    }
    int code = 0;
    auto store = p.store(global, &code);
    if (!store)
        return code;
    QList<SessionSummary> found;
    if (!resolveIds(newestFirst(*store, false), p.parser.positionalArguments(), &found))
        return 1;
    // No activity lock: the pins file has a lock of its own, and a running capture notices the
    // change and takes it into its session database.
    for (const SessionSummary& s : found) {
        QString why;
        if (!PinnedSessions(store->directory()).set(s.sessionId, pinned, &why)) {
            err(why);
            return 1;
        }
        out(QStringLiteral("%1 %2\n")
                .arg(pinned ? QStringLiteral("pinned") : QStringLiteral("unpinned"),
                     printable(s.sessionId))
                .toUtf8());
    }
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
    const auto fileText = store->loadText(found.first().filePath, &error);
    if (!fileText) {
        err(error);
        return 1;
    }
    if (p.parser.isSet(json)) {
        // The file's own text: a tree would round integers above 2^53.
        out(JsonText::indented(*fileText));
        return 0;
    }
    const QJsonObject doc = QJsonDocument::fromJson(*fileText).object();
    const SessionSummary& s = found.first();
    const QJsonObject metrics = doc.value(QLatin1String("metrics")).toObject();
    QString text;
    QTextStream ts(&text);
    ts << "Session:     " << printable(s.sessionId) << "\n"
       << "Status:      " << printable(s.status) << " ("
       << printable(doc.value(QLatin1String("completion_reason")).toString()) << ")\n"
       << "Project:     " << printable(s.workingDirectory) << "\n"
       << "Branch:      " << printable(s.gitBranch) << "\n"
       << "Start:       " << s.startTime.toString(Qt::ISODate) << "\n"
       << "Duration:    " << duration(s) << "\n"
       << "Events:      " << s.totalEvents << "\n"
       << "Tool calls:  " << s.toolCalls << " (" << s.failures << " failed, " << s.unknownResults
       << " without a result)\n"
       << "Turns:       " << s.turns << "\n"
       << "Tokens:      " << tokensText(metrics.value(QLatin1String("token_usage"))) << "\n"
       << "Delegations: " << s.delegations << "\n"
       << "Agents:      "
       << printable(metrics.value(QLatin1String("agents_used"))
                        .toVariant()
                        .toStringList()
                        .join(QStringLiteral(", ")))
       << "\n"
       << "Prompt:      "
       << printable(doc.value(QLatin1String("initial_prompt")).toString().left(200)) << "\n"
       << "File:        " << printable(s.filePath) << "\n";
    // One line per turn: when, how long, what it did, what it cost.
    for (const QJsonValue& v : doc.value(QLatin1String("turns")).toArray()) {
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
           << printable(t.value(QLatin1String("prompt")).toString().simplified().left(60)) << "\n";
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
        err(QStringLiteral("--format must be json, jsonl, csv or otlp"));
        return 2;
    }
    const QStringList ids = p.parser.positionalArguments();
    if (ids.isEmpty() == !p.parser.isSet(all)) {
        err(QStringLiteral("usage: event-aggregator export (ID... | --all) --format "
                           "json|jsonl|csv|otlp [-o FILE]"));
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

    // A file named by -o is written whole or not at all (AtomicFile), never inside the
    // activity directory, where it could replace a session file.
    const QString outputPath = p.parser.isSet(output) ? p.parser.value(output) : QString();
    if (!outputPath.isEmpty()) {
        const QString dir = QFileInfo(store->directory()).canonicalFilePath();
        QString parent = QFileInfo(QFileInfo(outputPath).absolutePath()).canonicalFilePath();
        if (parent.isEmpty())
            parent = QFileInfo(outputPath).absolutePath();
        if (!dir.isEmpty() && (parent == dir || parent.startsWith(dir + QLatin1Char('/')))) {
            err(QStringLiteral("refusing to write the export into the activity directory %1; "
                               "choose another place for %2")
                    .arg(store->directory(), outputPath));
            return 2;
        }
    }
    QBuffer buffer;
    QFile stdoutFile;
    QIODevice* device = &buffer;
    if (outputPath.isEmpty()) {
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly)) {
            err(QStringLiteral("cannot write to standard output: %1")
                    .arg(stdoutFile.errorString()));
            return 1;
        }
        device = &stdoutFile;
    } else {
        buffer.open(QIODevice::WriteOnly);
    }
    SessionExporter exporter(*fmt, device, Redactor(p.setup->settings.redaction));
    exporter.setOtlpServiceName(p.setup->config.otlp.serviceName);
    bool ok = exporter.begin();
    for (const SessionSummary& s : chosen) {
        if (!ok)
            break;
        QString error;
        const auto text = store->loadText(s.filePath, &error);
        if (!text) {
            err(error);
            continue;
        }
        ok = exporter.add(QJsonDocument::fromJson(*text).object(), *text);
    }
    ok = ok && exporter.finish();
    if (!ok) {
        err(QStringLiteral("cannot write the export: %1").arg(exporter.errorString()));
        return 1;
    }
    // What was redacted: on stderr for people (stdout is the export), in each json document,
    // and for jsonl and csv files in a sidecar, since their rows have no place for it.
    const RedactionManifest& manifest = exporter.manifest();
    if (!manifest.isEmpty()) {
        QStringList parts;
        for (auto it = manifest.counts().cbegin(); it != manifest.counts().cend(); ++it)
            parts.append(QStringLiteral("%1 %2").arg(it.key()).arg(it.value()));
        err(QStringLiteral("redacted %1 secret(s): %2")
                .arg(manifest.total())
                .arg(parts.join(QStringLiteral(", "))));
    }
    if (outputPath.isEmpty()) {
        // The last bytes leave only now: a full disk or /dev/full shows up here.
        if (!stdoutFile.flush()) {
            err(QStringLiteral("cannot write the export to standard output: %1")
                    .arg(SystemReason::forFile(stdoutFile)));
            return 1;
        }
        if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
            err(QStringLiteral("cannot write the export to standard output: %1")
                    .arg(QString::fromLocal8Bit(std::strerror(errno))));
            return 1;
        }
        return 0;
    }
    QString why;
    if (!AtomicFile::write(outputPath, buffer.data(), &why)) {
        err(QStringLiteral("cannot write %1: %2").arg(outputPath, why));
        return 1;
    }
    if (*fmt != SessionExporter::Format::Json) {
        const QString sidecar = SessionExporter::sidecarPath(outputPath);
        if (!AtomicFile::write(sidecar, exporter.sidecarText(outputPath), &why)) {
            err(QStringLiteral("cannot write %1: %2").arg(sidecar, why));
            return 1;
        }
    }
    return 0;
}

int Commands::redact(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption check(QStringLiteral("check"));
    const QCommandLineOption json(QStringLiteral("json"));
    p.parser.addOption(check);
    p.parser.addOption(json);
    if (!p.parse(QStringLiteral("redact"), args))
        return 2;
    const QStringList what = p.parser.positionalArguments();
    if (!p.parser.isSet(check) || what.size() != 1) {
        err(QStringLiteral("usage: event-aggregator redact --check FILE|ID [--json]"));
        return 2;
    }
    int code = 0;
    auto store = p.store(global, &code);
    if (!store)
        return code;
    const Redactor redactor(p.setup->settings.redaction);
    // A file when one is there by that name, else a saved session's id (or its prefix).
    const QString target = what.first();
    QString error;
    std::optional<QByteArray> text;
    QString label = target;
    if (QFileInfo(target).isFile()) {
        // Session files (plain or gzip) as the store reads them; any other file as it is.
        text = store->loadText(QFileInfo(target).absoluteFilePath(), &error);
        QFile f(target);
        if (!text && !target.endsWith(QLatin1String(".gz")) && f.open(QIODevice::ReadOnly)) {
            text = f.readAll();
            if (f.error() != QFileDevice::NoError) {
                err(QStringLiteral("cannot read %1: %2").arg(target, f.errorString()));
                return 2;
            }
        }
    } else {
        QList<SessionSummary> found;
        if (!resolveIds(newestFirst(*store, false), {target}, &found))
            return 2;
        label = found.first().filePath;
        text = store->loadText(found.first().filePath, &error);
    }
    if (!text) {
        err(error);
        return 2;
    }
    RedactionManifest manifest;
    manifest.setKeepFindings(true);
    // One JSON document, JSON Lines (recordings, exports), or any other text.
    QJsonParseError parseError{};
    QJsonDocument::fromJson(*text, &parseError);
    const QString trimmed = QString::fromUtf8(text->left(64)).trimmed();
    if (parseError.error == QJsonParseError::NoError) {
        redactor.redactJson(*text, &manifest);
    } else if (trimmed.startsWith(QLatin1Char('{')) || trimmed.startsWith(QLatin1Char('['))) {
        const QList<QByteArray> lines = text->split('\n');
        for (qsizetype i = 0; i < lines.size(); ++i) {
            RedactionManifest line;
            line.setKeepFindings(true);
            redactor.redactJson(lines.at(i), &line);
            manifest.merge(line, QStringLiteral("line %1 ").arg(i + 1));
        }
    } else {
        redactor.redactText(QString::fromUtf8(*text), &manifest);
    }
    if (p.parser.isSet(json)) {
        QJsonArray findings;
        for (const RedactionManifest::Finding& f : manifest.findings())
            findings.append(QJsonObject{{QStringLiteral("rule"), f.rule},
                                        {QStringLiteral("location"), f.location},
                                        {QStringLiteral("preview"), f.preview},
                                        {QStringLiteral("length"), f.secretLength}});
        QJsonObject o = manifest.toJson();
        o.insert(QStringLiteral("file"), label);
        o.insert(QStringLiteral("findings"), findings);
        out(QJsonDocument(o).toJson(QJsonDocument::Indented));
    } else {
        QString report;
        for (const RedactionManifest::Finding& f : manifest.findings())
            report += QStringLiteral("%1  %2  %3 chars  %4\n")
                          .arg(f.rule, printable(f.location))
                          .arg(f.secretLength)
                          .arg(printable(f.preview));
        if (manifest.isEmpty()) {
            report += QStringLiteral("%1: nothing to redact\n").arg(printable(label));
        } else {
            QStringList parts;
            for (auto it = manifest.counts().cbegin(); it != manifest.counts().cend(); ++it)
                parts.append(QStringLiteral("%1 %2").arg(it.key()).arg(it.value()));
            report += QStringLiteral("%1: %2 secret(s) would be redacted (%3)\n")
                          .arg(printable(label))
                          .arg(manifest.total())
                          .arg(parts.join(QStringLiteral(", ")));
        }
        out(report.toUtf8());
    }
    return manifest.isEmpty() ? 0 : 1;
}

int Commands::cleanup(const QStringList& args, const AppOptions& global)
{
    SubParser p;
    const QCommandLineOption days(QStringLiteral("days"), QString(), QStringLiteral("n"));
    const QCommandLineOption maxTotal(QStringLiteral("max-total-mb"), QString(),
                                      QStringLiteral("mb"));
    const QCommandLineOption dryRun(QStringLiteral("dry-run"));
    p.parser.addOption(days);
    p.parser.addOption(maxTotal);
    p.parser.addOption(dryRun);
    if (!p.parse(QStringLiteral("cleanup"), args))
        return 2;
    AppOptions o = global;
    if (p.parser.isSet(p.activity))
        o.activityDir = p.parser.value(p.activity);
    if (p.parser.isSet(p.config))
        o.configFile = p.parser.value(p.config);
    QString error;
    const auto setup = CaptureSetup::resolve(o, &error, false);
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
    int mb = setup->settings.maxTotalMb;
    if (p.parser.isSet(maxTotal)) {
        bool ok = false;
        mb = p.parser.value(maxTotal).toInt(&ok);
        if (!ok || mb < 0) {
            err(QStringLiteral("--max-total-mb must be a non-negative number"));
            return 2;
        }
    }
    if (n == 0 && mb == 0) {
        // 0 means never, as auto_cleanup_days: 0 does: there is nothing to do.
        out(QStringLiteral("nothing to clean up: %1 keeps sessions forever\n")
                .arg(p.parser.isSet(days) ? QStringLiteral("--days 0")
                     : setup->config.configFile.isEmpty()
                         ? QStringLiteral("auto_cleanup_days: 0")
                         : QStringLiteral("auto_cleanup_days: 0 in %1")
                               .arg(setup->config.configFile))
                .toUtf8());
        return 0;
    }
    const QString dir = setup->settings.activityDirectory;
    // Deleting is writing: not while another process (a capture, a replay) owns the directory.
    ActivityLock lock(dir);
    if (!p.parser.isSet(dryRun) && QFileInfo(dir).isDir()) {
        QString why;
        if (lock.tryLock(&why) == ActivityLock::Result::HeldElsewhere) {
            err(why);
            return 1;
        }
    }
    SessionStore store(dir);
    store.setSummaryCache(std::make_unique<IndexedSummaryCache>(dir));
    QList<SessionStore::CleanupItem> removed;
    const int count = store.cleanup(n, qint64(mb) * 1024 * 1024, p.parser.isSet(dryRun), &removed);
    if (count < 0) {
        err(store.lastError());
        return 1;
    }
    if (count == 0) {
        out((mb > 0 ? QStringLiteral("nothing to clean up: no ended, unpinned session in %1 is "
                                     "older than %2 day(s), and the session files fit in %3 MB\n")
                          .arg(dir, QString::number(n), QString::number(mb))
                    : QStringLiteral("nothing to clean up: no ended session in %1 is older than "
                                     "%2 day(s)\n")
                          .arg(dir, QString::number(n)))
                .toUtf8());
        return 0;
    }
    if (!p.parser.isSet(dryRun) && lock.isLocked() &&
        QFileInfo::exists(QDir(dir).filePath(SessionIndexSchema::fileName))) {
        // No capture keeps the session database now: its rows of the removed files go here.
        SessionIndexer indexer(dir);
        if (indexer.open()) {
            for (const SessionStore::CleanupItem& item : std::as_const(removed))
                indexer.syncFile(item.session.filePath);
        }
    }
    QString text;
    for (const SessionStore::CleanupItem& r : std::as_const(removed))
        text += (p.parser.isSet(dryRun) ? QStringLiteral("would remove ")
                                        : QStringLiteral("removed ")) +
                printable(r.session.filePath) + QStringLiteral(" (") + r.reason +
                QStringLiteral(")\n");
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
    if (ControlChannel::runtimeDirectory(&error).isEmpty()) {
        err(error); // an unsafe directory is a failure, not the absence of an instance
        return 1;
    }
    bool busy = false;
    const auto reply = ControlClient::request(command, &error, 10000, &busy);
    if (!reply) {
        err(error);
        return busy ? 1 : 3; // busy is not absent
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

int Commands::status(const QStringList& args)
{
    QCommandLineParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    const QCommandLineOption format(QStringLiteral("format"), QString(), QStringLiteral("name"));
    p.addOption(json);
    p.addOption(format);
    if (!p.parse(QStringList{QStringLiteral("status")} + args)) {
        err(p.errorText());
        return 2;
    }
    if (!p.positionalArguments().isEmpty()) {
        err(QStringLiteral("status takes no arguments, got \"%1\"")
                .arg(p.positionalArguments().constFirst()));
        return 2;
    }
    std::optional<StatusBarLine::Format> bar;
    if (p.isSet(format)) {
        bar = StatusBarLine::formatFromName(p.value(format));
        if (!bar) {
            err(QStringLiteral("--format must be waybar, i3blocks or plain, got \"%1\"")
                    .arg(p.value(format)));
            return 2;
        }
    }
    if (!bar)
        return control(QStringLiteral("status")); // the JSON, as before (--json says so)
    QString error;
    if (ControlChannel::runtimeDirectory(&error).isEmpty()) {
        err(error);
        return 1;
    }
    bool busy = false;
    const auto reply = ControlClient::request(QStringLiteral("status"), &error, 10000, &busy);
    if (!reply || !reply->value(QLatin1String("ok")).toBool()) {
        // The bar still gets a line to show; the exit code tells scripts what happened.
        out(StatusBarLine::render(StatusBarLine::notRunning(), *bar));
        if (!reply && !busy)
            return 3;
        err(reply ? reply->value(QLatin1String("error")).toString() : error);
        return 1;
    }
    out(StatusBarLine::render(StatusBarLine::of(reply->value(QLatin1String("status")).toObject(),
                                                QDateTime::currentDateTimeUtc()),
                              *bar));
    return 0;
}

int Commands::watch(const QStringList& args)
{
    QCommandLineParser p;
    const QCommandLineOption json(QStringLiteral("json"));
    p.addOption(json);
    if (!p.parse(QStringList{QStringLiteral("watch")} + args)) {
        err(p.errorText());
        return 2;
    }
    if (!p.positionalArguments().isEmpty()) {
        err(QStringLiteral("watch takes no arguments, got \"%1\"")
                .arg(p.positionalArguments().constFirst()));
        return 2;
    }
    QString error;
    if (ControlChannel::runtimeDirectory(&error).isEmpty()) {
        err(error);
        return 1;
    }
    const bool asJson = p.isSet(json);
    const ControlClient::WatchEnd end = ControlClient::watch(
        [asJson](const QJsonObject& change) {
            if (asJson) {
                out(QJsonDocument(change).toJson(QJsonDocument::Compact) + '\n');
                std::fflush(stdout); // a pipe would otherwise hold the line back
                return;
            }
            // For people: time, where, state, why; control characters escaped.
            const QDateTime since =
                QDateTime::fromString(change.value(QLatin1String("since")).toString(), Qt::ISODate);
            QString where = change.value(QLatin1String("project")).toString();
            if (where.isEmpty())
                where = change.value(QLatin1String("session")).toString().left(8);
            const QString branch = change.value(QLatin1String("branch")).toString();
            if (!branch.isEmpty() && branch != QLatin1String("Unknown"))
                where += QStringLiteral(" (%1)").arg(branch);
            const auto kind = LiveState::fromName(change.value(QLatin1String("state")).toString());
            out(printable(QStringLiteral("%1  %2  %3: %4")
                              .arg(since.isValid()
                                       ? since.toLocalTime().toString(QStringLiteral("HH:mm:ss"))
                                       : QStringLiteral("--:--:--"),
                                   where, kind ? LiveState::label(*kind) : QStringLiteral("?"),
                                   change.value(QLatin1String("reason")).toString()))
                    .toUtf8() +
                '\n');
            std::fflush(stdout);
        },
        &error);
    err(error);
    switch (end) {
    case ControlClient::WatchEnd::NoInstance:
        return 3;
    case ControlClient::WatchEnd::Refused:
        return 1;
    case ControlClient::WatchEnd::InstanceGone:
        return 0;
    }
    return 1;
}

} // namespace ea
