// SqliteStatement: binding and running on the handle of a Qt SQL connection.
#include "index/SqliteStatement.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

#include <string>

using namespace ea;

class tst_SqliteStatement : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bindsAndRunsOnQtsConnection()
    {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "t");
            db.setDatabaseName(QStringLiteral(":memory:"));
            QVERIFY(db.open());
            QSqlQuery create(db);
            QVERIFY(create.exec(QStringLiteral(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER, s TEXT NOT NULL UNIQUE)")));
            sqlite3* handle = SqliteStatement::handleOf(db);
            QVERIFY(handle);
            {
                SqliteStatement insert(handle, "INSERT INTO t(n, s) VALUES (?, ?)");
                QVERIFY(insert.isValid());
                QString why;
                insert.bind(1, qint64(1) << 40);
                insert.bind(2, QStringLiteral("é \"x\""));
                QVERIFY2(insert.run(&why), qPrintable(why));
                QCOMPARE(insert.lastInsertId(), qint64(1));
                // Bindings are cleared after each run: an unbound parameter is NULL.
                insert.bind(2, QString()); // a null string is "", the columns are NOT NULL
                QVERIFY2(insert.run(&why), qPrintable(why));
                insert.bind(1, std::optional<qint64>());
                insert.bind(2, QString());
                QVERIFY(!insert.run(&why)); // "" again: UNIQUE
                QVERIFY2(why.contains(QStringLiteral("UNIQUE")), qPrintable(why));
                insert.bind(2, QStringLiteral("after a failure"));
                QVERIFY2(insert.run(&why), qPrintable(why));
                // UTF-8 views: as they are, and an empty view without data is "" (UNIQUE).
                std::string utf8 = "中文 \"y\"";
                insert.bind(2, std::string_view(utf8));
                QVERIFY2(insert.run(&why), qPrintable(why));
                utf8.assign("changed after the run");
                insert.bind(2, std::string_view());
                QVERIFY(!insert.run(&why));
                QVERIFY2(why.contains(QStringLiteral("UNIQUE")), qPrintable(why));
            }
            QSqlQuery read(db);
            QVERIFY(read.exec(QStringLiteral("SELECT n, s FROM t ORDER BY id")));
            QVERIFY(read.next());
            QCOMPARE(read.value(0).toLongLong(), qint64(1) << 40);
            QCOMPARE(read.value(1).toString(), QStringLiteral("é \"x\""));
            QVERIFY(read.next());
            QVERIFY(read.value(0).isNull());
            QCOMPARE(read.value(1).toString(), QString(""));
            QVERIFY(read.next());
            QCOMPARE(read.value(1).toString(), QStringLiteral("after a failure"));
            QVERIFY(read.next());
            QCOMPARE(read.value(1).toString(), QStringLiteral("中文 \"y\""));
            QVERIFY(!read.next());

            SqliteStatement broken(handle, "INSERT INTO nowhere VALUES (?)");
            QVERIFY(!broken.isValid());
            QString why;
            QVERIFY(!broken.run(&why));
            QVERIFY2(why.contains(QStringLiteral("nowhere")), qPrintable(why));
            db.close();
        }
        QSqlDatabase::removeDatabase("t");
    }

    void noHandleForAnotherDriver() { QVERIFY(!SqliteStatement::handleOf(QSqlDatabase())); }
};

QTEST_GUILESS_MAIN(tst_SqliteStatement)
#include "tst_sqlitestatement.moc"
