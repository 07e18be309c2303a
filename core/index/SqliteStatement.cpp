#include "index/SqliteStatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

namespace ea {

sqlite3* SqliteStatement::handleOf(const QSqlDatabase& db)
{
    const QVariant v = db.driver() ? db.driver()->handle() : QVariant();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3* const*>(v.constData());
}

SqliteStatement::SqliteStatement(sqlite3* db, const char* sql) : m_db(db)
{
    if (!db ||
        sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr) != SQLITE_OK) {
        m_error = db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("no connection");
        sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
    }
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_stmt);
}

void SqliteStatement::bind(int index, qint64 value)
{
    if (m_stmt)
        sqlite3_bind_int64(m_stmt, index, value);
}

void SqliteStatement::bind(int index, std::optional<qint64> value)
{
    if (!m_stmt)
        return;
    if (value)
        sqlite3_bind_int64(m_stmt, index, *value);
    else
        sqlite3_bind_null(m_stmt, index);
}

void SqliteStatement::bind(int index, const QString& text)
{
    if (!m_stmt)
        return;
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bind(int index, std::string_view utf8)
{
    // A null pointer would bind NULL, not "".
    if (m_stmt)
        sqlite3_bind_text(m_stmt, index, utf8.data() ? utf8.data() : "", int(utf8.size()),
                          SQLITE_STATIC);
}

bool SqliteStatement::run(QString* why)
{
    if (!m_stmt) {
        *why = m_error;
        return false;
    }
    const int rc = sqlite3_step(m_stmt);
    const bool done = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!done)
        *why = QString::fromUtf8(sqlite3_errmsg(m_db));
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    return done;
}

qint64 SqliteStatement::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

} // namespace ea
