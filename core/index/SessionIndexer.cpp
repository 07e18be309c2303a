#include "index/SessionIndexer.h"

#include "index/SessionIndexSchema.h"
#include "index/SqliteStatement.h"
#include "model/SessionSummary.h"
#include "model/ToolOperation.h"
#include "storage/PinnedSessions.h"
#include "storage/SessionFileName.h"
#include "storage/SessionStore.h"
#include "json/JsonFields.h"
#include "json/JsonParser.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <sys/stat.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ea {

Q_LOGGING_CATEGORY(lcIndex, "ea.index")

namespace {

// Text kept per full-text column and session: a session's tool outputs can run to megabytes,
// and what a search needs is in the first of them.
constexpr qsizetype kMaxColumnBytes = 256 * 1024;
constexpr qsizetype kMaxTargetChars = 4096;
constexpr int kBatch = 500; // sessions per transaction while catching up
// With idle checkpoints: saves between two checkpoints at most (a few MB of WAL).
constexpr int kMaxUncheckpointed = 256;

struct FileState
{
    qint64 size = 0;
    qint64 mtimeMs = 0;
};

// A regular file's size and mtime (lstat: a symbolic link is no session file). QFileInfo's
// lastModified() converts to local time, which cost most of a 100,000-file catch-up.
std::optional<FileState> statFile(const QString& path)
{
    struct stat st;
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0 || !S_ISREG(st.st_mode))
        return std::nullopt;
    return FileState{qint64(st.st_size),
                     qint64(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000};
}

std::optional<qint64> timeMs(const simdjson::dom::element& o, std::string_view key)
{
    const QDateTime t = SessionSummary::parseTime(json::stringAt(o, key));
    if (!t.isValid())
        return std::nullopt;
    return t.toMSecsSinceEpoch();
}

// Appends, after a newline, as much of the text as the column's limit leaves room for, cut
// before a character's continuation bytes.
void appendText(QByteArray* column, std::string_view text)
{
    const qsizetype separator = column->isEmpty() ? 0 : 1;
    const qsizetype room = kMaxColumnBytes - column->size() - separator;
    if (text.empty() || room <= 0)
        return;
    size_t take = std::min(text.size(), size_t(room));
    while (take > 0 && take < text.size() && (uchar(text[take]) & 0xC0) == 0x80)
        --take;
    if (take == 0)
        return;
    if (separator)
        column->append('\n');
    column->append(text.data(), qsizetype(take));
}

// The strings inside a JSON value, each as its text (escapes undone), in document order.
void appendStrings(QByteArray* column, const simdjson::dom::element& v)
{
    std::string_view text;
    if (!v.get_string().get(text)) {
        appendText(column, text);
    } else if (v.is_object()) {
        // A copy, not the temporary result's reference, which a range-for would outlive.
        const simdjson::dom::object object = v.get_object().value_unsafe();
        for (const auto field : object)
            appendStrings(column, field.value);
    } else if (v.is_array()) {
        const simdjson::dom::array array = v.get_array().value_unsafe();
        for (const simdjson::dom::element e : array)
            appendStrings(column, e);
    }
}

// What a search finds in a tool's input or output: its strings' texts. Not its JSON text: the
// keys of every call ("command", "file_path") matched every session, and an escaped line
// break made the next word "nword" to the tokenizer, so a word after it was not found.
void appendJsonText(QByteArray* column, const simdjson::dom::element& o, std::string_view key)
{
    simdjson::dom::element v;
    if (json::memberAt(o, key, &v))
        appendStrings(column, v);
}

std::string_view outcomeName(const simdjson::dom::element& o)
{
    switch (ToolOperation::outcomeOf(o)) {
    case ToolOperation::Outcome::Success:
        return "success";
    case ToolOperation::Outcome::Failure:
        return "failure";
    default:
        return "unknown";
    }
}

bool modifies(std::string_view tool)
{
    return tool == "Edit" || tool == "Write" || tool == "MultiEdit" || tool == "NotebookEdit";
}

// Everything one session file contributes to the database. Its texts are views into the parsed
// document (bound to SQLite as they are: no UTF-16 copy and back); it lives no longer.
struct Extract
{
    SessionSummary summary;
    QString project;
    QString completionReason;
    QString initialPrompt;
    std::optional<qint64> startMs, endMs, durationMs;
    struct Tool
    {
        std::string_view tool, target, outcome, agent;
        std::optional<qint64> durationMs, turn;
    };
    QList<Tool> tools;
    struct Delegation
    {
        std::string_view agent, outcome;
        std::optional<qint64> durationMs;
    };
    QList<Delegation> delegations;
    QHash<QString, QString> files; // path -> read | modified
    struct TurnRow
    {
        qint64 index = 0;
        std::optional<qint64> startMs, durationMs, tokens;
        int toolCalls = 0, failures = 0;
    };
    QList<TurnRow> turns;
    QByteArray prompts, responses, toolText, paths, commands, agents; // UTF-8
    // Per tool and per agent, for session_tools / session_agents (ordered: rows come out the
    // same on every rebuild).
    struct ToolTotals
    {
        qint64 calls = 0, failures = 0;
    };
    std::map<std::string_view, ToolTotals> toolTotals;
    struct AgentTotals
    {
        qint64 delegations = 0, failures = 0, calls = 0;
    };
    std::map<std::string_view, AgentTotals> agentTotals;

    static Extract of(const simdjson::dom::element& doc)
    {
        using json::arrayAt;
        using json::viewAt;
        Extract e;
        e.summary = SessionSummary::fromDocument(doc);
        // A default element reads no memory it could check: absent ones are never read.
        simdjson::dom::element metadata, metrics;
        const bool hasMetadata = json::memberAt(doc, "metadata", &metadata);
        const bool hasMetrics = json::memberAt(doc, "metrics", &metrics);
        QString root = hasMetadata ? json::stringAt(metadata, "project_root") : QString();
        if (root.isEmpty())
            root = e.summary.workingDirectory;
        e.project = QFileInfo(QDir::cleanPath(root)).fileName();
        e.completionReason = json::stringAt(doc, "completion_reason");
        const std::string_view initialPrompt = viewAt(doc, "initial_prompt");
        // 200 UTF-16 units come from at most 800 bytes: no need to convert a long prompt whole.
        e.initialPrompt = json::utf8(initialPrompt.substr(0, 1024)).left(200);
        if (e.summary.startTime.isValid())
            e.startMs = e.summary.startTime.toMSecsSinceEpoch();
        if (e.summary.endTime.isValid())
            e.endMs = e.summary.endTime.toMSecsSinceEpoch();
        if (hasMetrics)
            e.durationMs = json::int64At(metrics, "session_duration_ms");
        if (!e.durationMs && e.startMs && e.endMs)
            e.durationMs = *e.endMs - *e.startMs;

        appendText(&e.prompts, initialPrompt);
        appendText(&e.responses, viewAt(doc, "final_response"));

        std::vector<simdjson::dom::element> ops;
        simdjson::dom::array list;
        if (arrayAt(doc, "tool_operations", &list))
            ops.assign(list.begin(), list.end());
        const bool opsInDelegationsOnly = ops.empty();
        std::set<std::string_view> agents;
        if (arrayAt(doc, "delegations", &list)) {
            for (const simdjson::dom::element d : list) {
                Delegation row;
                row.agent = viewAt(d, "agent_type");
                simdjson::dom::element result;
                std::string_view resultText;
                if (json::memberAt(d, "result", &result) && !result.get_string().get(resultText))
                    row.outcome = resultText;
                else if (const std::optional<bool> success = json::boolAt(d, "success"))
                    row.outcome = *success ? "success" : "failure";
                else
                    row.outcome = "unknown";
                row.durationMs = json::int64At(d, "duration_ms");
                e.delegations.append(row);
                agents.insert(row.agent);
                AgentTotals& a = e.agentTotals[row.agent];
                ++a.delegations;
                a.failures += row.outcome == "failure" ? 1 : 0;
                appendText(&e.prompts, viewAt(d, "task_description"));
                appendText(&e.prompts, viewAt(d, "prompt"));
                appendText(&e.responses, viewAt(d, "response"));
                simdjson::dom::array own;
                if (opsInDelegationsOnly && arrayAt(d, "tool_operations", &own))
                    ops.insert(ops.end(), own.begin(), own.end());
            }
        }
        for (const simdjson::dom::element& o : ops) {
            Tool t;
            t.tool = viewAt(o, "tool_name");
            t.agent = viewAt(o, "agent_type");
            t.outcome = outcomeName(o);
            t.durationMs = json::int64At(o, "duration_ms");
            t.turn = json::int64At(o, "turn");
            simdjson::dom::element input;
            const bool hasInput = json::memberAt(o, "input_data", &input);
            const auto inputString = [&](std::string_view key) {
                return hasInput ? viewAt(input, key) : std::string_view();
            };
            const std::string_view command = inputString("command");
            std::string_view file = inputString("file_path");
            if (file.empty())
                file = inputString("notebook_path");
            if (file.empty())
                file = viewAt(o, "file_path");
            t.target = !command.empty() ? command : !file.empty() ? file : inputString("pattern");
            appendText(&e.commands, command);
            if (!file.empty()) {
                const QString path = json::utf8(file);
                if (modifies(t.tool))
                    e.files.insert(path, QStringLiteral("modified"));
                else if (!e.files.contains(path))
                    e.files.insert(path, QStringLiteral("read"));
            }
            if (!t.agent.empty()) {
                agents.insert(t.agent);
                ++e.agentTotals[t.agent].calls;
            }
            ToolTotals& totals = e.toolTotals[t.tool];
            ++totals.calls;
            totals.failures += t.outcome == "failure" ? 1 : 0;
            if (e.toolText.size() < kMaxColumnBytes) {
                appendJsonText(&e.toolText, o, "input_data");
                appendJsonText(&e.toolText, o, "output_data");
            }
            e.tools.append(t);
        }
        if (hasMetrics && arrayAt(metrics, "files_modified", &list)) {
            for (const simdjson::dom::element v : list) {
                std::string_view path;
                if (!v.get_string().get(path))
                    e.files.insert(json::utf8(path), QStringLiteral("modified"));
            }
        }
        if (hasMetrics && arrayAt(metrics, "files_read", &list)) {
            for (const simdjson::dom::element v : list) {
                std::string_view path;
                if (v.get_string().get(path))
                    continue;
                const QString file = json::utf8(path);
                if (!e.files.contains(file))
                    e.files.insert(file, QStringLiteral("read"));
            }
        }
        if (arrayAt(doc, "turns", &list)) {
            for (const simdjson::dom::element t : list) {
                TurnRow row;
                row.index = json::int64At(t, "index").value_or(0);
                row.startMs = timeMs(t, "start_time");
                row.durationMs = json::int64At(t, "duration_ms");
                simdjson::dom::element usage;
                if (json::memberAt(t, "token_usage", &usage))
                    row.tokens = json::int64At(usage, "total_tokens");
                row.toolCalls = json::intAt(t, "tool_calls");
                row.failures = json::intAt(t, "tool_failures");
                e.turns.append(row);
                appendText(&e.prompts, viewAt(t, "prompt"));
            }
        }
        QStringList fileList = e.files.keys();
        fileList.sort();
        for (const QString& f : fileList)
            appendText(&e.paths, f.toStdString());
        agents.erase(std::string_view());
        for (const std::string_view a : agents) {
            if (!e.agents.isEmpty())
                e.agents.append(' ');
            e.agents.append(a.data(), qsizetype(a.size()));
        }
        return e;
    }
};

} // namespace

struct SessionIndexer::Private
{
    QString dir;
    QString connection;
    std::unique_ptr<SessionStore> loader; // load(): size limits, symlink refusal, gzip
    // Kept from file to file while saves come (a new one per file was mostly page faults);
    // released when they stop, since its buffers are as big as the largest file.
    std::unique_ptr<JsonParser> parser;
    QSqlDatabase db;
    bool open = false;
    bool inTransaction = false;

    QSqlQuery query() const { return QSqlQuery(db); }
    // Statements prepared once per connection: a rebuild runs each of them per file.
    QHash<QString, QSqlQuery*> statements;
    QSqlQuery* prepared(const QString& sql)
    {
        QSqlQuery*& q = statements[sql];
        if (!q) {
            q = new QSqlQuery(db);
            q->prepare(sql);
        }
        return q;
    }
    // The rows of a saved session, through SQLite's own API on the same connection.
    std::map<std::string, std::unique_ptr<SqliteStatement>> rowStatements;
    SqliteStatement& rowStatement(const char* sql)
    {
        std::unique_ptr<SqliteStatement>& s = rowStatements[sql];
        if (!s)
            s = std::make_unique<SqliteStatement>(SqliteStatement::handleOf(db), sql);
        return *s;
    }
    void dropStatements()
    {
        qDeleteAll(statements);
        statements.clear();
        rowStatements.clear();
    }
    // The pins while a reconcile runs (read once, not per file); empty otherwise.
    std::optional<QSet<QString>> pins;
};

SessionIndexer::SessionIndexer(const QString& activityDirectory, QObject* parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    d->dir = QDir::cleanPath(QDir(activityDirectory).absolutePath());
    d->connection = QStringLiteral("ea.index.writer.%1").arg(quintptr(this), 0, 16);
    d->loader = std::make_unique<SessionStore>(d->dir);
}

SessionIndexer::~SessionIndexer()
{
    close();
}

QString SessionIndexer::databasePath() const
{
    return QDir(d->dir).filePath(SessionIndexSchema::fileName);
}

void SessionIndexer::releaseMemory()
{
    d->parser.reset();
    // The page cache (cache_size, 32 MB) stays full after a burst of saves; idle, it is only
    // memory held. SQLite reads the pages again when the next save comes.
    if (d->open && !d->inTransaction) {
        QSqlQuery q = d->query();
        if (!q.exec(QStringLiteral("PRAGMA shrink_memory")))
            qCDebug(lcIndex).noquote() << "shrink_memory:" << q.lastError().text();
    }
}

bool SessionIndexer::isOpen() const
{
    return d->open;
}

void SessionIndexer::close()
{
    if (!QSqlDatabase::contains(d->connection))
        return;
    d->dropStatements();
    d->db.close();
    d->db = QSqlDatabase();
    QSqlDatabase::removeDatabase(d->connection);
    d->open = false;
}

namespace {
bool exec(QSqlQuery& q, const QString& sql, QString* error)
{
    if (q.exec(sql))
        return true;
    *error = q.lastError().text();
    return false;
}

bool execPrepared(QSqlQuery& q, QString* error)
{
    if (q.exec())
        return true;
    *error = q.lastError().text();
    return false;
}
} // namespace

bool SessionIndexer::open(Check level)
{
    close();
    if (!QFileInfo(d->dir).isDir()) {
        m_error = QStringLiteral("no activity directory %1").arg(d->dir);
        return false;
    }
    const QString path = databasePath();
    QString reason;
    if (!QFileInfo::exists(path)) {
        reason = QStringLiteral("it does not exist yet");
    } else {
        QString why;
        if (!openConnection(&why))
            reason = QStringLiteral("it cannot be opened (%1)").arg(why);
        else if (const QString problem = check(level); !problem.isEmpty())
            reason = problem;
    }
    if (reason.isEmpty())
        return true;
    return rebuild(reason);
}

bool SessionIndexer::openConnection(QString* why)
{
    close();
    d->db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connection);
    d->db.setDatabaseName(databasePath());
    d->db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!d->db.open()) {
        *why = d->db.lastError().text();
        close();
        return false;
    }
    QSqlQuery q = d->query();
    // WAL: readers in other processes never block this writer, nor it them. NORMAL: a power
    // cut may lose the last transactions, which the next start catches up from the files.
    // cache_size: a saved session touches pages all over its tables' indexes; with SQLite's
    // default 2 MB cache each of them was read again (a rebuild spent a third of its time in
    // read() calls).
    if (!exec(q, QStringLiteral("PRAGMA journal_mode=WAL"), why) ||
        !exec(q, QStringLiteral("PRAGMA synchronous=NORMAL"), why) ||
        !exec(q, QStringLiteral("PRAGMA foreign_keys=ON"), why) ||
        !exec(q, QStringLiteral("PRAGMA cache_size=-32768"), why) ||
        !exec(q, QStringLiteral("PRAGMA wal_autocheckpoint=%1").arg(m_idleCheckpoints ? 0 : 1000),
              why)) {
        close();
        return false;
    }
    d->open = true;
    return true;
}

QString SessionIndexer::check(Check level)
{
    QSqlQuery q = d->query();
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")))
        return QStringLiteral("it is damaged or not a session database (%1)")
            .arg(q.lastError().text());
    if (!q.next())
        return QStringLiteral("it has no schema version");
    const int v = q.value(0).toInt();
    if (v != SessionIndexSchema::version)
        return QStringLiteral("it has schema version %1, this program uses %2")
            .arg(v)
            .arg(SessionIndexSchema::version);
    q.finish();
    if (level == Check::Schema)
        return {};
    // A truncated file reads its first pages fine; the check walks every page.
    if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next())
        return QStringLiteral("it is damaged (%1)").arg(q.lastError().text());
    const QString result = q.value(0).toString();
    if (result != QLatin1String("ok"))
        return QStringLiteral("it is damaged (%1)").arg(result);
    return {};
}

bool SessionIndexer::rebuild(const QString& reason)
{
    close();
    const QString path = databasePath();
    qCInfo(lcIndex).noquote() << "building the session database" << path
                              << "from the files:" << reason;
    Q_EMIT rebuilding(reason);
    for (const QString& suffix :
         {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")}) {
        QFile f(path + suffix);
        if ((f.exists() || QFileInfo(f.fileName()).isSymLink()) && !f.remove()) {
            m_error = QStringLiteral("cannot remove %1: %2").arg(f.fileName(), f.errorString());
            return false;
        }
    }
    QString why;
    if (!openConnection(&why)) {
        m_error = QStringLiteral("cannot create %1: %2").arg(path, why);
        return false;
    }
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QSqlQuery q = d->query();
    d->db.transaction();
    for (const QString& sql : SessionIndexSchema::createStatements()) {
        if (!exec(q, sql, &why)) {
            d->db.rollback();
            m_error = QStringLiteral("cannot create %1: %2").arg(path, why);
            close();
            return false;
        }
    }
    q.prepare(QStringLiteral("INSERT INTO meta(key, value) VALUES ('schema_version', ?)"));
    q.addBindValue(SessionIndexSchema::version);
    if (!execPrepared(q, &why) || !d->db.commit()) {
        m_error = QStringLiteral("cannot create %1: %2").arg(path, why);
        close();
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    Changes changes;
    if (!reconcile(&changes))
        return false;
    qCInfo(lcIndex).noquote() << "session database built:" << changes.added << "file(s) in"
                              << timer.elapsed() << "ms";
    return true;
}

bool SessionIndexer::failed(const QString& what, const QString& why)
{
    m_error = QStringLiteral("%1 in %2: %3").arg(what, databasePath(), why);
    qCWarning(lcIndex).noquote() << m_error;
    if (d->inTransaction) {
        d->db.rollback();
        d->inTransaction = false;
    }
    return false;
}

bool SessionIndexer::reconcile(Changes* changes)
{
    if (!d->open)
        return failed(QStringLiteral("reconcile"), QStringLiteral("the database is not open"));
    QHash<QString, FileState> files;
    const QStringList names =
        QDir(d->dir).entryList({QStringLiteral("session_*")},
                               QDir::Files | QDir::System | QDir::Hidden | QDir::NoSymLinks);
    for (const QString& name : names) {
        if (!SessionFileName::isSessionFile(name))
            continue;
        if (const auto st = statFile(d->dir + QLatin1Char('/') + name))
            files.insert(name, *st);
    }
    QSqlQuery q = d->query();
    QString why;
    if (!exec(q, QStringLiteral("SELECT file_name, file_size, file_mtime_ms FROM sessions"), &why))
        return failed(QStringLiteral("cannot read the indexed files"), why);
    QStringList gone;
    QStringList todo;
    Changes c;
    QSet<QString> known;
    while (q.next()) {
        const QString name = q.value(0).toString();
        known.insert(name);
        const auto it = files.constFind(name);
        if (it == files.constEnd()) {
            gone.append(name);
        } else if (it->size != q.value(1).toLongLong() || it->mtimeMs != q.value(2).toLongLong()) {
            todo.append(name);
            ++c.updated;
        } else {
            ++c.unchanged;
        }
    }
    q.finish();
    for (auto it = files.constBegin(); it != files.constEnd(); ++it) {
        if (!known.contains(it.key())) {
            todo.append(it.key());
            ++c.added;
        }
    }
    c.removed = int(gone.size());
    // Oldest first: rowids then follow start times, and search ranks the newest matches by
    // rowid (SessionIndexReader::search).
    {
        std::vector<std::pair<qint64, QString>> byStart;
        byStart.reserve(size_t(todo.size()));
        for (const QString& name : std::as_const(todo)) {
            const auto parts = SessionFileName::parse(name);
            byStart.emplace_back(parts && parts->startUtc.isValid()
                                     ? parts->startUtc.toMSecsSinceEpoch()
                                     : std::numeric_limits<qint64>::max(),
                                 name);
        }
        std::sort(byStart.begin(), byStart.end());
        todo.clear();
        for (auto& [start, name] : byStart)
            todo.append(std::move(name));
    }
    d->pins = PinnedSessions(d->dir).load();
    const auto forgetPins = qScopeGuard([this] { d->pins.reset(); });
    const int total = int(todo.size());
    int done = 0;
    auto begin = [this] {
        d->inTransaction = d->db.transaction();
        return d->inTransaction;
    };
    auto commit = [this] {
        d->inTransaction = false;
        return d->db.commit();
    };
    if (!begin())
        return failed(QStringLiteral("cannot write"), d->db.lastError().text());
    for (const QString& name : gone) {
        if (!dropRow(name, &why))
            return failed(QStringLiteral("cannot remove %1").arg(name), why);
    }
    if (total > 0)
        Q_EMIT progress(0, total);
    for (const QString& name : todo) {
        const FileState st = files.value(name);
        if (!indexFile(name, st.size, st.mtimeMs, &why))
            return failed(QStringLiteral("cannot index %1").arg(name), why);
        ++done;
        if (done % kBatch == 0) {
            if (!commit())
                return failed(QStringLiteral("cannot write"), d->db.lastError().text());
            Q_EMIT progress(done, total);
            if (m_stop && m_stop->load()) {
                m_error = QStringLiteral("stopped after %1 of %2 file(s)").arg(done).arg(total);
                return false;
            }
            if (!begin())
                return failed(QStringLiteral("cannot write"), d->db.lastError().text());
        }
    }
    if (!commit())
        return failed(QStringLiteral("cannot write"), d->db.lastError().text());
    if (total > 0)
        Q_EMIT progress(total, total);
    if (!syncPins())
        return false;
    // The planner's statistics (which index answers project:, which a scan does best) follow
    // big changes; sampled, so it takes well under a second on 100,000 sessions.
    if (c.total() >= kBatch) {
        QSqlQuery analyze = d->query();
        if (!exec(analyze, QStringLiteral("PRAGMA analysis_limit=400"), &why) ||
            !exec(analyze, QStringLiteral("ANALYZE"), &why))
            qCWarning(lcIndex).noquote() << "cannot update the query planner's statistics:" << why;
    }
    if (changes)
        *changes = c;
    if (c.total() > 0)
        qCInfo(lcIndex).noquote() << "session database caught up:" << c.added << "new," << c.updated
                                  << "changed," << c.removed << "removed file(s)";
    return true;
}

bool SessionIndexer::syncFile(const QString& pathOrName, const SavedDocument& saved)
{
    return syncFiles({{pathOrName, saved}});
}

bool SessionIndexer::syncFiles(const QList<std::pair<QString, SavedDocument>>& files)
{
    if (!d->open)
        return failed(QStringLiteral("sync"), QStringLiteral("the database is not open"));
    d->inTransaction = d->db.transaction();
    int synced = 0;
    for (const auto& [pathOrName, saved] : files) {
        const QString name = QFileInfo(pathOrName).fileName();
        if (!SessionFileName::isSessionFile(name))
            continue;
        ++synced;
        QString why;
        for (const bool gz : {false, true}) {
            const QString variant = SessionFileName::withCompression(name, gz);
            const std::optional<FileState> st = statFile(d->dir + QLatin1Char('/') + variant);
            if (!st) {
                if (!dropRow(variant, &why))
                    return failed(QStringLiteral("cannot remove %1").arg(variant), why);
                continue;
            }
            QSqlQuery* q = d->prepared(QStringLiteral(
                "SELECT file_size, file_mtime_ms FROM sessions WHERE file_name = ?"));
            q->addBindValue(variant);
            if (!execPrepared(*q, &why))
                return failed(QStringLiteral("cannot read %1").arg(variant), why);
            const bool same = q->next() && q->value(0).toLongLong() == st->size &&
                              q->value(1).toLongLong() == st->mtimeMs;
            q->finish();
            if (same)
                continue;
            // Saved twice before this runs, the file is already the second version: the first
            // document is not it.
            const bool given =
                variant == name && st->size == saved.fileSize && st->mtimeMs == saved.fileMtimeMs;
            if (!indexFile(variant, st->size, st->mtimeMs, &why,
                           given ? saved.withoutEvents : QByteArray()))
                return failed(QStringLiteral("cannot index %1").arg(variant), why);
        }
    }
    d->inTransaction = false;
    if (!d->db.commit())
        return failed(QStringLiteral("cannot write"), d->db.lastError().text());
    // Without an idle moment (saves back to back), the WAL is still bounded.
    m_uncheckpointed += synced;
    if (m_idleCheckpoints && m_uncheckpointed >= kMaxUncheckpointed)
        checkpoint();
    return true;
}

bool SessionIndexer::checkpoint()
{
    m_uncheckpointed = 0;
    if (!d->open)
        return false;
    QSqlQuery q = d->query();
    QString why;
    if (!exec(q, QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"), &why)) {
        qCWarning(lcIndex).noquote() << "checkpoint of" << databasePath() << "failed:" << why;
        return false;
    }
    return true;
}

bool SessionIndexer::syncPins()
{
    if (!d->open)
        return failed(QStringLiteral("pins"), QStringLiteral("the database is not open"));
    QString error;
    const QSet<QString> pins = PinnedSessions(d->dir).load(&error);
    if (!error.isEmpty()) {
        qCWarning(lcIndex).noquote() << "pins not taken into the session database:" << error;
        return true; // the files stay as they are; cleanup refuses to run meanwhile
    }
    QString why;
    d->inTransaction = d->db.transaction();
    QSqlQuery q = d->query();
    if (!exec(q, QStringLiteral("UPDATE sessions SET pinned = 0 WHERE pinned = 1"), &why))
        return failed(QStringLiteral("cannot update pins"), why);
    q.prepare(QStringLiteral("UPDATE sessions SET pinned = 1 WHERE session_id = ?"));
    for (const QString& id : pins) {
        q.addBindValue(id);
        if (!execPrepared(q, &why))
            return failed(QStringLiteral("cannot update pins"), why);
    }
    d->inTransaction = false;
    if (!d->db.commit())
        return failed(QStringLiteral("cannot write"), d->db.lastError().text());
    return true;
}

bool SessionIndexer::dropRow(const QString& fileName, QString* why)
{
    QSqlQuery* q = nullptr;
    q = d->prepared(QStringLiteral("SELECT id FROM sessions WHERE file_name = ?"));
    q->addBindValue(fileName);
    if (!execPrepared(*q, why))
        return false;
    if (!q->next()) {
        q->finish();
        return true;
    }
    const qint64 id = q->value(0).toLongLong();
    q->finish();
    q = d->prepared(QStringLiteral("DELETE FROM session_text WHERE rowid = ?"));
    q->addBindValue(id);
    if (!execPrepared(*q, why))
        return false;
    q = d->prepared(QStringLiteral("DELETE FROM sessions WHERE id = ?"));
    q->addBindValue(id);
    return execPrepared(*q, why);
}

bool SessionIndexer::indexFile(const QString& name, qint64 size, qint64 mtimeMs, QString* why,
                               const QByteArray& withoutEvents)
{
    if (!dropRow(name, why))
        return false;
    QString loadError;
    if (!d->parser)
        d->parser = std::make_unique<JsonParser>(d->loader->maxDocumentBytes());
    JsonParser& parser = *d->parser;
    const auto parsedObject = [&](QByteArrayView text) {
        return parser.parse(text) == JsonParser::Status::Ok && parser.root().is_object();
    };
    // Written by us a moment ago: no need to read, inflate and check the file.
    bool parsed = !withoutEvents.isEmpty() && parsedObject(withoutEvents);
    if (!parsed && !withoutEvents.isEmpty())
        qCWarning(lcIndex).noquote()
            << "the document given for" << name << "is not a JSON object:" << parser.errorMessage()
            << "- reading the file";
    if (!parsed) {
        // Nothing here reads the events: they stay text, and most of a big file is theirs.
        const std::optional<QByteArray> text =
            d->loader->loadWithoutEvents(name, parser, &loadError);
        parsed = text && parsedObject(*text);
        if (text && !parsed)
            loadError = QStringLiteral("%1 is not valid JSON: %2")
                            .arg(d->dir + QLatin1Char('/') + name, parser.errorMessage());
    }
    Extract e;
    bool damaged = false;
    if (parsed) {
        e = Extract::of(parser.root());
        if (e.summary.sessionId.isEmpty()) {
            damaged = true;
            // As SessionStore words it: the listing may come from this row.
            loadError =
                QStringLiteral("%1 has no session_id").arg(d->dir + QLatin1Char('/') + name);
        }
    } else {
        damaged = true;
    }
    if (damaged) {
        const auto parts = SessionFileName::parse(name);
        e = Extract();
        e.summary.sessionId = parts ? parts->idPart : name;
        if (parts && parts->startUtc.isValid())
            e.startMs = parts->startUtc.toMSecsSinceEpoch();
    }
    SqliteStatement* q = &d->rowStatement(
        "INSERT INTO sessions(session_id, file_name, file_size, file_mtime_ms, project, "
        "working_directory, branch, start_ms, end_ms, status, completion_reason, events, "
        "tool_calls, delegations, failures, unknown_results, turns, tokens, duration_ms, "
        "initial_prompt, pinned, damaged, error, tools, agents) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const SessionSummary& s = e.summary;
    // The keys of the totals: every tool called, every agent delegated to or calling.
    QStringList tools, agents;
    for (const auto& [tool, totals] : e.toolTotals)
        tools.append(json::utf8(tool));
    for (const auto& [agent, totals] : e.agentTotals)
        agents.append(json::utf8(agent));
    const bool pinned =
        d->pins ? d->pins->contains(s.sessionId) : PinnedSessions(d->dir).isPinned(s.sessionId);
    int column = 0;
    q->bind(++column, s.sessionId);
    q->bind(++column, name);
    q->bind(++column, size);
    q->bind(++column, mtimeMs);
    q->bind(++column, e.project);
    q->bind(++column, s.workingDirectory);
    q->bind(++column, s.gitBranch);
    q->bind(++column, e.startMs);
    q->bind(++column, e.endMs);
    q->bind(++column, damaged ? QStringLiteral("damaged") : s.status);
    q->bind(++column, e.completionReason);
    q->bind(++column, qint64(s.totalEvents));
    q->bind(++column, qint64(s.toolCalls));
    q->bind(++column, qint64(s.delegations));
    q->bind(++column, qint64(s.failures));
    q->bind(++column, qint64(s.unknownResults));
    q->bind(++column, qint64(s.turns));
    q->bind(++column, s.totalTokens >= 0 ? std::optional<qint64>(s.totalTokens) : std::nullopt);
    q->bind(++column, e.durationMs);
    q->bind(++column, e.initialPrompt);
    q->bind(++column, qint64(pinned ? 1 : 0));
    q->bind(++column, qint64(damaged ? 1 : 0));
    q->bind(++column, damaged ? loadError : QString());
    q->bind(++column, SessionIndexSchema::nameList(tools));
    q->bind(++column, SessionIndexSchema::nameList(agents));
    if (!q->run(why))
        return false;
    const qint64 id = q->lastInsertId();
    if (damaged)
        return true;

    q = &d->rowStatement("INSERT INTO tool_calls(session, seq, tool, target, outcome, "
                         "duration_ms, agent, turn) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    qint64 seq = 0;
    for (const Extract::Tool& t : std::as_const(e.tools)) {
        q->bind(1, id);
        q->bind(2, seq++);
        q->bind(3, t.tool);
        if (t.target.size() <= kMaxTargetChars) // no more characters than bytes
            q->bind(4, t.target);
        else
            q->bind(4, json::utf8(t.target).left(kMaxTargetChars));
        q->bind(5, t.outcome);
        q->bind(6, t.durationMs);
        q->bind(7, t.agent);
        q->bind(8, t.turn);
        if (!q->run(why))
            return false;
    }
    q = &d->rowStatement("INSERT INTO delegations(session, seq, agent_type, outcome, duration_ms) "
                         "VALUES (?, ?, ?, ?, ?)");
    seq = 0;
    for (const Extract::Delegation& dl : std::as_const(e.delegations)) {
        q->bind(1, id);
        q->bind(2, seq++);
        q->bind(3, dl.agent);
        q->bind(4, dl.outcome);
        q->bind(5, dl.durationMs);
        if (!q->run(why))
            return false;
    }
    q = &d->rowStatement("INSERT INTO files(session, path, kind, rpath) VALUES (?, ?, ?, ?)");
    for (auto it = e.files.constBegin(); it != e.files.constEnd(); ++it) {
        q->bind(1, id);
        q->bind(2, it.key());
        q->bind(3, it.value());
        q->bind(4, SessionIndexSchema::reversedPath(it.key()));
        if (!q->run(why))
            return false;
    }
    q = &d->rowStatement("INSERT INTO turns(session, idx, start_ms, duration_ms, tool_calls, "
                         "failures, tokens) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const Extract::TurnRow& t : std::as_const(e.turns)) {
        q->bind(1, id);
        q->bind(2, t.index);
        q->bind(3, t.startMs);
        q->bind(4, t.durationMs);
        q->bind(5, qint64(t.toolCalls));
        q->bind(6, qint64(t.failures));
        q->bind(7, t.tokens);
        if (!q->run(why))
            return false;
    }
    const qint64 turns = s.turns;
    const qint64 tokens = s.totalTokens >= 0 ? s.totalTokens : 0;
    q = &d->rowStatement("INSERT INTO session_tools(session, tool, calls, failures, turns, "
                         "tokens) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& [tool, totals] : e.toolTotals) {
        q->bind(1, id);
        q->bind(2, tool);
        q->bind(3, totals.calls);
        q->bind(4, totals.failures);
        q->bind(5, turns);
        q->bind(6, tokens);
        if (!q->run(why))
            return false;
    }
    q = &d->rowStatement("INSERT INTO session_agents(session, agent, delegations, failures, "
                         "calls, turns, tokens) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const auto& [agent, totals] : e.agentTotals) {
        q->bind(1, id);
        q->bind(2, agent);
        q->bind(3, totals.delegations);
        q->bind(4, totals.failures);
        q->bind(5, totals.calls);
        q->bind(6, turns);
        q->bind(7, tokens);
        if (!q->run(why))
            return false;
    }
    q = &d->rowStatement("INSERT INTO session_text(rowid, prompts, responses, tools, paths, "
                         "commands, agents) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q->bind(1, id);
    const auto view = [](const QByteArray& utf8) {
        return std::string_view(utf8.constData(), size_t(utf8.size()));
    };
    q->bind(2, view(e.prompts));
    q->bind(3, view(e.responses));
    q->bind(4, view(e.toolText));
    q->bind(5, view(e.paths));
    q->bind(6, view(e.commands));
    q->bind(7, view(e.agents));
    return q->run(why);
}

} // namespace ea

#include "moc_SessionIndexer.cpp"
