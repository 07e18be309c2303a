// The session query syntax (SessionQuery): no crash, and every value the user typed is bound.
#include "FuzzSupport.h"
#include "index/SessionIndexSchema.h"
#include "index/SessionQuery.h"

#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <cstdio>
#include <cstdlib>

using namespace ea;

namespace {

// Every word the generated SQL may hold: ours, never the user's.
const QSet<QString>& sqlWords()
{
    static const QSet<QString> words{QStringLiteral("s"),
                                     QStringLiteral("id"),
                                     QStringLiteral("project"),
                                     QStringLiteral("working_directory"),
                                     QStringLiteral("branch"),
                                     QStringLiteral("status"),
                                     QStringLiteral("agent_type"),
                                     QStringLiteral("agent"),
                                     QStringLiteral("tool"),
                                     QStringLiteral("path"),
                                     QStringLiteral("rpath"),
                                     QStringLiteral("tools"),
                                     QStringLiteral("agents"),
                                     QStringLiteral("instr"),
                                     QStringLiteral("session_id"),
                                     QStringLiteral("start_ms"),
                                     QStringLiteral("tokens"),
                                     QStringLiteral("tool_calls"),
                                     QStringLiteral("failures"),
                                     QStringLiteral("turns"),
                                     QStringLiteral("events"),
                                     QStringLiteral("duration_ms"),
                                     QStringLiteral("pinned"),
                                     QStringLiteral("session"),
                                     QStringLiteral("delegations"),
                                     QStringLiteral("files"),
                                     QStringLiteral("session_tools"),
                                     QStringLiteral("EXISTS"),
                                     QStringLiteral("t"),
                                     QStringLiteral("session_agents"),
                                     QStringLiteral("rowid"),
                                     QStringLiteral("session_text"),
                                     QStringLiteral("SELECT"),
                                     QStringLiteral("FROM"),
                                     QStringLiteral("WHERE"),
                                     QStringLiteral("IN"),
                                     QStringLiteral("AND"),
                                     QStringLiteral("OR"),
                                     QStringLiteral("LIKE"),
                                     QStringLiteral("ESCAPE"),
                                     QStringLiteral("COLLATE"),
                                     QStringLiteral("NOCASE"),
                                     QStringLiteral("MATCH"),
                                     QStringLiteral("substr"),
                                     QStringLiteral("length"),
                                     QStringLiteral("1"),
                                     QStringLiteral("0")};
    return words;
}

void check(const QString& where, qsizetype bound, const QString& input)
{
    if (where.count(QLatin1Char('?')) != bound) {
        std::fprintf(stderr, "placeholders and bindings differ for: %s\n", qPrintable(input));
        std::abort();
    }
    QString rest = where;
    rest.remove(QStringLiteral("ESCAPE '\\'"));
    if (rest.contains(QLatin1Char('\'')) || rest.contains(QLatin1Char('"'))) {
        std::fprintf(stderr, "a literal in the SQL for: %s\n%s\n", qPrintable(input),
                     qPrintable(where));
        std::abort();
    }
    static const QRegularExpression word(QStringLiteral("[A-Za-z0-9_]+"));
    for (auto it = word.globalMatch(rest); it.hasNext();) {
        const QString w = it.next().captured(0);
        if (!sqlWords().contains(w)) {
            std::fprintf(stderr, "\"%s\" reached the SQL unbound for: %s\n", qPrintable(w),
                         qPrintable(input));
            std::abort();
        }
    }
}

QSqlDatabase& database()
{
    static QSqlDatabase db = [] {
        QSqlDatabase d =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fuzz_query"));
        d.setDatabaseName(QStringLiteral(":memory:"));
        if (!d.open())
            std::abort();
        QSqlQuery q(d);
        for (const QString& sql : SessionIndexSchema::createStatements()) {
            if (!q.exec(sql))
                std::abort();
        }
        return d;
    }();
    return db;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));
    QueryError error;
    const SessionQuery query =
        SessionQuery::parse(text, &error, QDateTime(QDate(2026, 11, 1), QTime(12, 0), Qt::UTC));
    if (error.isError()) {
        if (error.message.isEmpty() || error.position > text.size())
            std::abort(); // a refusal says why and where
        return 0;
    }
    check(query.where(), query.bindings().size(), text);
    check(query.filterWhere(), query.filterBindings().size(), text);
    // The database takes it: valid SQL, and FTS5 never sees its own syntax from the user.
    QSqlQuery q(database());
    if (!q.prepare(QStringLiteral("SELECT count(*) FROM sessions s WHERE ") + query.where()))
        std::abort();
    for (const QVariant& v : query.bindings())
        q.addBindValue(v);
    if (!q.exec()) {
        std::fprintf(stderr, "SQLite refused the query for: %s\n%s\n", qPrintable(text),
                     qPrintable(q.lastError().text()));
        std::abort();
    }
    return 0;
}
