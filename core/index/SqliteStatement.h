// One prepared SQLite statement on a connection Qt SQL opened, bound and run without QVariant.
#pragma once

#include <QString>

#include <optional>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;
class QSqlDatabase;

namespace ea {

// Qt SQL formats a placeholder name per bound value (QString::arg in QSqlResult::bindValue):
// for the rows of a saved session that was a fifth of the session database's work. Statements
// must go before the connection closes (SessionIndexer drops them first).
class SqliteStatement
{
public:
    // The SQLite handle under an open QSQLITE connection; null for any other driver.
    static sqlite3* handleOf(const QSqlDatabase& db);

    SqliteStatement(sqlite3* db, const char* sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    bool isValid() const { return m_stmt != nullptr; }
    // Parameters count from 1, as in SQL.
    void bind(int index, qint64 value);
    void bind(int index, std::optional<qint64> value); // NULL when empty
    void bind(int index, const QString& text);         // a null QString binds ""
    // UTF-8, bound without a copy: it must stay as it is until run().
    void bind(int index, std::string_view utf8);
    // Runs a statement that returns no rows and readies it for the next bindings.
    bool run(QString* why);
    // The rowid of the last row inserted on the connection.
    qint64 lastInsertId() const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
    QString m_error;
};

} // namespace ea
