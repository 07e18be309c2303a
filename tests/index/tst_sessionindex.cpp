#include "RecordedStream.h"
#include "SessionFactory.h"
#include "aggregation/SessionDocumentReader.h"
#include "aggregation/SessionDocumentWriter.h"
#include "capture/SessionSaver.h"
#include "index/IndexedSummaryCache.h"
#include "index/SessionIndexReader.h"
#include "index/SessionIndexSchema.h"
#include "index/SessionIndexWriter.h"
#include "index/SessionIndexer.h"
#include "ingest/Deduplicator.h"
#include "ingest/EventNormalizer.h"
#include "storage/PinnedSessions.h"
#include "storage/SessionStore.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// The session database: kept in step with saves, deletes, cleanups and pins; rebuilt from the
// files when missing, damaged or of another schema, with the same rows as kept in step.
class TestSessionIndex : public QObject
{
    Q_OBJECT

    const QDateTime m_base{QDate(2026, 10, 1), QTime(9, 0), Qt::UTC};

    // Every row of every table, without the database's own keys: sessions by file name, child
    // rows by the file name of their session.
    static QStringList dump(const QString& dir)
    {
        QStringList rows;
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("dump"));
            db.setDatabaseName(QDir(dir).filePath(SessionIndexSchema::fileName));
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
            if (!db.open())
                return {QStringLiteral("cannot open")};
            QSqlQuery q(db);
            // skip: a column holding the database's own key (a child row's session)
            const auto all = [&](const QString& sql, int skip = -1) {
                if (!q.exec(sql)) {
                    rows << QStringLiteral("failed: ") + sql;
                    return;
                }
                while (q.next()) {
                    QStringList cells;
                    for (int i = 0; i < q.record().count(); ++i)
                        if (i != skip)
                            cells << (q.value(i).isNull() ? QStringLiteral("NULL")
                                                          : q.value(i).toString());
                    rows << cells.join(QLatin1Char('|'));
                }
            };
            all(QStringLiteral(
                "SELECT session_id, file_name, file_size, file_mtime_ms, project, "
                "working_directory, branch, start_ms, end_ms, status, completion_reason, "
                "events, tool_calls, delegations, failures, unknown_results, turns, tokens, "
                "duration_ms, initial_prompt, pinned, damaged, error, tools, agents FROM "
                "sessions ORDER BY file_name"));
            for (const QString& t :
                 {QStringLiteral("tool_calls"), QStringLiteral("delegations"),
                  QStringLiteral("files"), QStringLiteral("turns"), QStringLiteral("session_tools"),
                  QStringLiteral("session_agents")}) {
                all(QStringLiteral(
                        "SELECT '%1', s.file_name, c.* FROM %1 c JOIN sessions s ON s.id = "
                        "c.session ORDER BY 2, 3, 4, 5, 6")
                        .arg(t),
                    2);
            }
            all(QStringLiteral("SELECT s.file_name, t.prompts, t.responses, t.tools, t.paths, "
                               "t.commands, t.agents FROM session_text t JOIN sessions s ON s.id = "
                               "t.rowid ORDER BY 1"));
            all(QStringLiteral("SELECT count(*) FROM session_text"));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("dump"));
        // Child rows of one session in insertion order are compared as a set.
        rows.sort();
        return rows;
    }

    // The session with its first tool call's input replaced.
    static QJsonObject withFirstInput(QJsonObject doc, const QJsonObject& input)
    {
        QJsonArray ops = doc.value(QStringLiteral("tool_operations")).toArray();
        QJsonObject op = ops.at(0).toObject();
        op.insert(QStringLiteral("input_data"), input);
        ops.replace(0, op);
        doc.insert(QStringLiteral("tool_operations"), ops);
        return doc;
    }

    static void removeDatabase(const QString& dir)
    {
        for (const char* suffix : {"", "-wal", "-shm"})
            QFile::remove(QDir(dir).filePath(SessionIndexSchema::fileName) + QLatin1String(suffix));
    }

    // The database built from nothing over the same files.
    static QStringList rebuilt(const QString& dir)
    {
        QTemporaryDir copy;
        for (const QString& name :
             QDir(dir).entryList({QStringLiteral("session_*"), PinnedSessions::fileName},
                                 QDir::Files | QDir::Hidden)) {
            QFile::copy(QDir(dir).filePath(name), copy.filePath(name));
            QFile f(copy.filePath(name));
            f.open(QIODevice::ReadWrite);
            f.setFileTime(QFileInfo(QDir(dir).filePath(name)).lastModified(),
                          QFileDevice::FileModificationTime);
        }
        SessionIndexer ix(copy.path());
        if (!ix.open())
            return {ix.error()};
        ix.close();
        QStringList rows = dump(copy.path());
        rows.replaceInStrings(copy.path(), dir);
        return rows;
    }

    // Following the store's saves, open and caught up with the files.
    static bool started(SessionIndexWriter& writer, SessionStore* store)
    {
        writer.attach(store);
        QSignalSpy ready(&writer, &SessionIndexWriter::ready);
        writer.start();
        return ready.wait(10000);
    }

private Q_SLOTS:
    void rebuildEqualsIncremental()
    {
        QTemporaryDir dir;
        {
            SessionStore store(dir.path());
            SessionIndexWriter writer(dir.path());
            QVERIFY(started(writer, &store));
            for (int n = 0; n < 30; ++n)
                QVERIFY(store.save(test::generatedSession(
                    n, m_base.addSecs(n * 3600),
                    n % 10 == 9 ? QStringLiteral("active") : QStringLiteral("completed"))));
            // A session saved again (more tool calls, new status), some removed, one pinned.
            QJsonObject again = test::generatedSession(31, m_base.addSecs(3 * 3600));
            again.insert(QStringLiteral("session_id"),
                         test::generatedSession(3, m_base).value(QStringLiteral("session_id")));
            QVERIFY(store.save(again));
            QVERIFY(store.remove(
                test::generatedSession(5, m_base).value(QStringLiteral("session_id")).toString()));
            QVERIFY(store.setPinned(
                test::generatedSession(7, m_base).value(QStringLiteral("session_id")).toString(),
                true));
            // A cleanup by size: the oldest ended sessions go, never the pinned one.
            QList<SessionStore::CleanupItem> removed;
            QVERIFY(store.cleanup(0, 40 * 1024, false, &removed) > 0);
            for (const auto& item : removed)
                QVERIFY(item.session.sessionId != test::generatedSession(7, m_base)
                                                      .value(QStringLiteral("session_id"))
                                                      .toString());
            QVERIFY(writer.waitForIdle());
            const QStringList incremental = dump(dir.path());
            QVERIFY2(incremental.size() > 50, qPrintable(QString::number(incremental.size())));
            QCOMPARE(incremental, rebuilt(dir.path()));
            // Pinned rows say so.
            QVERIFY(incremental.filter(QRegularExpression(QStringLiteral("^sess-000007")))
                        .first()
                        .contains(QStringLiteral("|1|0|")));
        }
        // Reopened by a new writer over unchanged files: nothing changes.
        const QStringList before = dump(dir.path());
        {
            SessionIndexWriter writer(dir.path());
            QSignalSpy ready(&writer, &SessionIndexWriter::ready);
            QSignalSpy rebuilding(&writer, &SessionIndexWriter::rebuilding);
            writer.start();
            QVERIFY(ready.wait(10000));
            QCOMPARE(rebuilding.size(), 0);
        }
        QCOMPARE(dump(dir.path()), before);
        // Files changed while no writer ran (added, removed) are caught up on the next start.
        {
            SessionStore store(dir.path());
            QVERIFY(store.save(test::generatedSession(100, m_base.addDays(3))));
            QVERIFY(store.remove(
                test::generatedSession(28, m_base).value(QStringLiteral("session_id")).toString()));
        }
        {
            SessionIndexWriter writer(dir.path());
            QSignalSpy ready(&writer, &SessionIndexWriter::ready);
            writer.start();
            QVERIFY(ready.wait(10000));
        }
        const QStringList caughtUp = dump(dir.path());
        QVERIFY(!caughtUp.filter(QStringLiteral("sess-000100")).isEmpty());
        QVERIFY(caughtUp.filter(QStringLiteral("sess-000028")).isEmpty());
        QCOMPARE(caughtUp, rebuilt(dir.path()));
    }

    // The capture's saves hand the database the document they wrote, without its events: the
    // rows are the ones reading the files gives, plain and gzip'd (the files are not read).
    void savesAreIndexedFromTheWrittenDocument()
    {
        Deduplicator dedup;
        std::map<QString, AgentSession> sessions;
        for (const char* stem : {"current-server", "legacy-server", "seed-format"}) {
            const auto lines = RecordedStream::load(QLatin1String(stem) + QStringLiteral(".jsonl"));
            QVERIFY(!lines.isEmpty());
            for (const RecordedEvent& line : lines) {
                const NormalizeResult r = EventNormalizer::normalize(
                    line.name, line.payload, RecordedStream::receivedAt(line.line));
                for (const ClaudeEvent& e : r.events)
                    if (e.hasSession() && dedup.insert(e))
                        sessions.try_emplace(e.sessionId, e.sessionId).first->second.addEvent(e);
            }
        }
        QVERIFY(sessions.size() >= 3);
        QTemporaryDir dir;
        SessionStore store(dir.path());
        SessionIndexWriter writer(dir.path());
        QVERIFY(started(writer, &store));
        QSignalSpy saved(&store, &SessionStore::saved);
        {
            SessionSaver saver(&store);
            // Each session twice: plain, then gzip'd (the second file replaces the first).
            for (const qint64 threshold : {qint64(1) << 30, qint64(0)}) {
                store.setCompressionThreshold(threshold);
                for (auto& [id, session] : sessions)
                    saver.save(session, {}, {});
                saver.flush();
            }
        }
        QCOMPARE(saved.size(), int(sessions.size()) * 2);
        for (const QList<QVariant>& args : std::as_const(saved)) {
            const SavedDocument document = args.at(2).value<SavedDocument>();
            const QJsonObject given = QJsonDocument::fromJson(document.withoutEvents).object();
            QVERIFY(document.fileSize > 0 && document.fileMtimeMs > 0);
            QCOMPARE(given.value(QStringLiteral("events")), QJsonValue(QJsonArray()));
            QCOMPARE(given.value(QStringLiteral("session_id")), args.at(0).toString());
        }
        QVERIFY(saved.last().at(1).toString().endsWith(QLatin1String(".json.gz")));
        // Saved twice in one batch: the file holds the second, so only that one is handed on.
        saved.clear();
        const AgentSession& one = sessions.begin()->second;
        QList<SessionStore::Prepared> batch;
        for (const char* part : {"1", "2"}) {
            const QJsonObject extra{{QStringLiteral("part"), QLatin1String(part)}};
            qsizetype at = -1;
            QByteArray text;
            at = SessionDocumentWriter::writeSized(one, extra, 0, &text);
            batch.append(SessionStore::prepareText(text, one.summary(), 0));
            batch.last().withoutEvents = text.left(at) + "[]}";
        }
        QCOMPARE(store.commit(batch), 2);
        QCOMPARE(saved.size(), 2);
        QVERIFY(saved.at(0).at(2).value<SavedDocument>().withoutEvents.isEmpty());
        QVERIFY(saved.at(1).at(2).value<SavedDocument>().withoutEvents.contains("\"part\":\"2\""));
        QVERIFY(writer.waitForIdle());
        const QStringList incremental = dump(dir.path());
        QVERIFY2(incremental.size() > 30, qPrintable(incremental.join(QLatin1Char('\n'))));
        QCOMPARE(incremental, rebuilt(dir.path()));
    }

    // What it is given is what it indexes while the file is the version it names; a file
    // replaced since, or a given text that is no JSON object, is read instead (with a warning
    // for the latter).
    void aGivenDocumentIsIndexedInsteadOfTheFile()
    {
        QTemporaryDir dir;
        SessionStore store(dir.path());
        const QJsonObject doc = test::generatedSession(1, m_base);
        QVERIFY(store.save(doc));
        const QString name = QDir(dir.path()).entryList({QStringLiteral("session_*")}).value(0);
        QVERIFY(!name.isEmpty());
        const QString path = QDir(dir.path()).filePath(name);
        SessionIndexer ix(dir.path());
        QVERIFY(ix.open());
        QJsonObject other = doc;
        other.insert(QStringLiteral("events"), QJsonArray());
        other.insert(QStringLiteral("working_directory"), QStringLiteral("/given/elsewhere"));
        const QByteArray given = QJsonDocument(other).toJson(QJsonDocument::Compact);
        // A new version of the file (its time moved on), and what a save would hand on for it.
        int minutes = 0;
        const auto touch = [&] {
            QFile f(path);
            if (!f.open(QIODevice::ReadWrite) ||
                !f.setFileTime(m_base.addSecs(60 * ++minutes), QFileDevice::FileModificationTime))
                return SavedDocument();
            f.close();
            const QFileInfo fi(path);
            return SavedDocument{given, fi.size(), fi.lastModified().toMSecsSinceEpoch()};
        };
        const auto givenRows = [&] {
            ix.close();
            const int rows =
                int(dump(dir.path()).filter(QStringLiteral("/given/elsewhere")).size());
            return ix.open() ? rows : -1;
        };
        SavedDocument saved = touch();
        QVERIFY(saved.fileSize > 0);
        QVERIFY(ix.syncFile(name, saved));
        QCOMPARE(givenRows(), 1);
        // Saved again before the first was indexed: the file is no longer what was given.
        saved = touch();
        touch();
        QVERIFY(ix.syncFile(name, saved));
        QCOMPARE(givenRows(), 0);
        saved = touch();
        QVERIFY(ix.syncFile(name, saved));
        QCOMPARE(givenRows(), 1);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("is not a JSON object.*reading")));
        saved = touch();
        saved.withoutEvents = "[1,2";
        QVERIFY(ix.syncFile(name, saved));
        QCOMPARE(givenRows(), 0);
        ix.close();
        QCOMPARE(dump(dir.path()), rebuilt(dir.path()));
    }

    // Saves that queued up while the writer was busy go in together: new files, a removed one
    // and a name that is no session file, in one transaction, give the rows a rebuild gives.
    void queuedSavesGoInTogether()
    {
        QTemporaryDir dir;
        SessionStore store(dir.path());
        SessionIndexer ix(dir.path());
        QVERIFY(ix.open());
        QList<std::pair<QString, SavedDocument>> files;
        for (int n = 0; n < 4; ++n) {
            QVERIFY(store.save(test::generatedSession(n, m_base.addSecs(n * 3600))));
            files.append({store.filePath(test::generatedSession(n, m_base.addSecs(n * 3600))
                                             .value(QStringLiteral("session_id"))
                                             .toString()),
                          SavedDocument()});
        }
        QVERIFY(ix.syncFiles(files.mid(0, 1)));
        QVERIFY(QFile::remove(files.at(0).first));
        files.append({dir.filePath(QStringLiteral("notes.txt")), SavedDocument()});
        QVERIFY(ix.syncFiles(files));
        ix.close();
        const QStringList rows = dump(dir.path());
        QCOMPARE(rows.filter(QStringLiteral("sess-000000")).size(), 0);
        QVERIFY(!rows.filter(QStringLiteral("sess-000003")).isEmpty());
        QCOMPARE(rows, rebuilt(dir.path()));
    }

    void damagedDatabasesAreRebuiltWithNothingLost_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("missing") << QStringLiteral("missing");
        QTest::newRow("truncated") << QStringLiteral("truncated");
        QTest::newRow("garbage") << QStringLiteral("garbage");
        QTest::newRow("older schema") << QStringLiteral("schema");
    }
    void damagedDatabasesAreRebuiltWithNothingLost()
    {
        QFETCH(QString, damage);
        QTemporaryDir dir;
        {
            SessionStore store(dir.path());
            for (int n = 0; n < 200; ++n)
                QVERIFY(store.save(test::generatedSession(n, m_base.addSecs(n * 60))));
        }
        {
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        const QStringList good = dump(dir.path());
        QVERIFY(good.size() > 200);
        const QString db = QDir(dir.path()).filePath(SessionIndexSchema::fileName);
        if (damage == QLatin1String("missing")) {
            removeDatabase(dir.path());
        } else if (damage == QLatin1String("truncated")) {
            QFile f(db);
            QVERIFY(f.size() > 8192);
            QVERIFY(f.resize(f.size() / 2));
        } else if (damage == QLatin1String("garbage")) {
            QFile f(db);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(QByteArray(100000, '\x5a'));
        } else {
            QSqlDatabase d =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("old"));
            d.setDatabaseName(db);
            QVERIFY(d.open());
            QVERIFY(QSqlQuery(d).exec(
                QStringLiteral("UPDATE meta SET value = '0' WHERE key = 'schema_version'")));
            d.close();
            d = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("old"));
        }
        // A reader refuses it (it never writes); the writer rebuilds it, saying why.
        if (damage != QLatin1String("truncated")) {
            SessionIndexReader reader(dir.path());
            QVERIFY(!reader.open());
            QVERIFY(!reader.error().isEmpty());
        }
        SessionIndexWriter writer(dir.path());
        QSignalSpy ready(&writer, &SessionIndexWriter::ready);
        QSignalSpy rebuilding(&writer, &SessionIndexWriter::rebuilding);
        QSignalSpy progress(&writer, &SessionIndexWriter::progress);
        writer.start();
        QVERIFY(ready.wait(20000));
        QCOMPARE(rebuilding.size(), 1);
        QVERIFY(progress.size() >= 1);
        QCOMPARE(progress.last().at(0).toInt(), 200);
        QCOMPARE(dump(dir.path()), good);
    }

    void readerListsSearchesAndCounts()
    {
        QTemporaryDir dir;
        {
            SessionStore store(dir.path());
            for (int n = 0; n < 40; ++n)
                QVERIFY(store.save(test::generatedSession(n, m_base.addSecs(n * 3600))));
            QJsonObject special = test::generatedSession(40, m_base.addDays(5));
            special.insert(QStringLiteral("initial_prompt"),
                           QStringLiteral("Please rotate the zebrafish credentials"));
            QVERIFY(store.save(special));
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        SessionIndexReader reader(dir.path());
        QVERIFY2(reader.open(), qPrintable(reader.error()));
        QueryError error;
        QCOMPARE(reader.count(SessionQuery::parse(u"", &error)), 41);
        QCOMPARE(reader.count(SessionQuery::parse(u"project:api", &error)), 9); // n % 5 == 0
        QCOMPARE(reader.count(SessionQuery::parse(u"project:a*", &error)), 9);
        QCOMPARE(reader.count(SessionQuery::parse(u"project:/home/dev/api", &error)), 9);
        QCOMPARE(reader.count(SessionQuery::parse(u"id:sess-00001", &error)), 10); // 10..19
        QCOMPARE(reader.count(SessionQuery::parse(u"id:sess-000040-api", &error)), 1);
        QVERIFY(reader.count(SessionQuery::parse(u"file:src/module_2.py", &error)) > 0);
        QCOMPARE(reader.count(SessionQuery::parse(u"project:\"api' OR '1'='1\"", &error)), 0);

        const QList<IndexedSession> page =
            reader.sessions(SessionQuery::parse(u"", &error), SessionIndexReader::SortColumn::Start,
                            Qt::DescendingOrder, 0, 10);
        QCOMPARE(page.size(), 10);
        QVERIFY(page.first().start > page.last().start);
        QCOMPARE(page.first().project, QStringLiteral("api")); // n = 40
        const QList<IndexedSession> next =
            reader.sessions(SessionQuery::parse(u"", &error), SessionIndexReader::SortColumn::Start,
                            Qt::DescendingOrder, 10, 10);
        QVERIFY(next.first().start < page.last().start);

        const QList<SearchHit> hits = reader.search(SessionQuery::parse(u"zebrafish", &error));
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.first().column, QStringLiteral("prompts"));
        QCOMPARE(hits.first().matches.size(), 1);
        const SearchHit::Span m = hits.first().matches.first();
        QCOMPARE(hits.first().snippet.mid(m.offset, m.length), QStringLiteral("zebrafish"));
        QCOMPARE(reader.search(SessionQuery::parse(u"zebrafish project:web", &error)).size(), 0);

        // Statistics: per tool, the durations are 10 * (k + 1) ms.
        const StatsTable tools =
            reader.stats(SessionQuery::parse(u"", &error), SessionIndexReader::GroupBy::Tool);
        QCOMPARE(tools.size(), 4);
        qint64 calls = 0;
        for (const StatsRow& r : tools) {
            calls += r.toolCalls;
            QVERIFY(r.p50DurationMs >= 10 && r.p95DurationMs >= r.p50DurationMs &&
                    r.p95DurationMs <= 80);
            QVERIFY(r.failureRate > 0 && r.failureRate < 0.3);
        }
        const StatsTable all = reader.stats(SessionQuery::parse(u"", &error));
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().sessions, 41);
        QCOMPARE(all.first().toolCalls, calls);
        QVERIFY(all.first().p50DurationMs >= 60000);
        QCOMPARE(
            reader.stats(SessionQuery::parse(u"", &error), SessionIndexReader::GroupBy::Project)
                .size(),
            5);
        QVERIFY(reader.stats(SessionQuery::parse(u"", &error), SessionIndexReader::GroupBy::Day)
                    .size() >= 2);
        QCOMPARE(reader.stats(SessionQuery::parse(u"", &error), SessionIndexReader::GroupBy::Agent)
                     .size(),
                 4);
    }

    // The fast paths (per-session lists and totals, reversed paths, percentiles walked along an
    // index) against the plain reading of the child tables, for several filters.
    void longTextsAreCutAtWholeCharacters()
    {
        QTemporaryDir dir;
        const QString prompt(200 * 1024, QChar(0x00e9)); // 400 KiB of UTF-8
        const QString command = QString(5000, QChar(0x4e2d));
        {
            SessionStore store(dir.path());
            QJsonObject doc = withFirstInput(test::generatedSession(1, m_base),
                                             {{QStringLiteral("command"), command}});
            doc.insert(QStringLiteral("initial_prompt"), QStringLiteral("x") + prompt);
            QVERIFY(store.save(doc));
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("long"));
        db.setDatabaseName(QDir(dir.path()).filePath(SessionIndexSchema::fileName));
        QVERIFY(db.open());
        const auto cleanup = qScopeGuard([&] {
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("long"));
        });
        QSqlQuery q(db);
        // The first 256 KiB of the column, ending on a whole character: one "x", then é's.
        QVERIFY(q.exec(QStringLiteral("SELECT prompts, length(CAST(prompts AS BLOB)) FROM "
                                      "session_text")));
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toLongLong(), 256 * 1024 - 1);
        QCOMPARE(q.value(0).toString(), QStringLiteral("x") + prompt.left(128 * 1024 - 1));
        QVERIFY(q.exec(QStringLiteral("SELECT target FROM tool_calls ORDER BY session, seq")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), command.left(4096)); // characters, not bytes
        QVERIFY(q.exec(QStringLiteral("SELECT initial_prompt FROM sessions")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("x") + prompt.left(199));
    }

    // A tool's input is searched by its strings' texts: a word after an escaped line break is
    // found, a key name is not.
    void toolInputsAreSearchedByTheirTexts()
    {
        QTemporaryDir dir;
        {
            SessionStore store(dir.path());
            QVERIFY(store.save(withFirstInput(
                test::generatedSession(1, m_base),
                {{QStringLiteral("zquillkey"), QStringLiteral("first\nzebrine")},
                 {QStringLiteral("nested"),
                  QJsonArray{QJsonObject{{QStringLiteral("deep"), QStringLiteral("xylophonic")}},
                             42}}})));
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        SessionIndexReader reader(dir.path());
        QVERIFY2(reader.open(), qPrintable(reader.error()));
        QueryError error;
        for (const char16_t* word : {u"zebrine", u"xylophonic"}) {
            const QList<SearchHit> hits = reader.search(SessionQuery::parse(word, &error));
            QCOMPARE(hits.size(), 1);
            QCOMPARE(hits.first().column, QStringLiteral("tools"));
        }
        QCOMPARE(reader.search(SessionQuery::parse(u"zquillkey", &error)).size(), 0);
        QCOMPARE(reader.search(SessionQuery::parse(u"nzebrine", &error)).size(), 0);
    }

    void fastPathsAgreeWithTheChildTables()
    {
        QTemporaryDir dir;
        {
            SessionStore store(dir.path());
            for (int n = 0; n < 70; ++n) {
                QJsonObject doc = test::generatedSession(n, m_base.addSecs(n * 3600));
                if (n % 9 == 0) { // no duration, no agent, an upper-case path
                    QJsonArray ops = doc.value(QStringLiteral("tool_operations")).toArray();
                    QJsonObject op = ops.at(0).toObject();
                    op.remove(QStringLiteral("duration_ms"));
                    op.insert(QStringLiteral("agent_type"), QString());
                    op.insert(QStringLiteral("input_data"),
                              QJsonObject{{QStringLiteral("file_path"),
                                           QStringLiteral("/home/dev/API/Src/Module_2.py")}});
                    op.insert(QStringLiteral("tool_name"), QStringLiteral("Read"));
                    ops.replace(0, op);
                    // Calls by an agent the session did not delegate to (n = 0, 18, 27, ...).
                    QJsonObject second = ops.at(1).toObject();
                    second.insert(QStringLiteral("agent_type"), QStringLiteral("qa"));
                    ops.replace(1, second);
                    doc.insert(QStringLiteral("tool_operations"), ops);
                }
                QVERIFY(store.save(doc));
            }
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        SessionIndexReader reader(dir.path());
        QVERIFY2(reader.open(), qPrintable(reader.error()));
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("oracle"));
        db.setDatabaseName(QDir(dir.path()).filePath(SessionIndexSchema::fileName));
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QVERIFY(db.open());
        const auto cleanup = qScopeGuard([&] {
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("oracle"));
        });
        QSqlQuery q(db);
        const auto scalar = [&](const QString& sql, const QVariantList& values) {
            q.prepare(sql);
            for (const QVariant& v : values)
                q.addBindValue(v);
            if (!q.exec() || !q.next())
                return qint64(-1);
            const qint64 v = q.value(0).toLongLong();
            q.finish();
            return v;
        };
        QueryError error;
        // Counts: the query's conditions against the child tables read directly.
        const QList<std::pair<QString, QString>> counts{
            {QStringLiteral("tool:bash"), QStringLiteral("s.id IN (SELECT session FROM tool_calls "
                                                         "WHERE tool = 'Bash' COLLATE NOCASE)")},
            {QStringLiteral("agent:QA"),
             QStringLiteral("(s.id IN (SELECT session FROM delegations WHERE agent_type = 'qa') "
                            "OR s.id IN (SELECT session FROM tool_calls WHERE agent = 'qa'))")},
            {QStringLiteral("agent:main"),
             QStringLiteral("s.id IN (SELECT session FROM tool_calls WHERE agent = 'main')")},
            {QStringLiteral("file:src/module_2.py"),
             QStringLiteral("s.id IN (SELECT session FROM files WHERE path LIKE "
                            "'%/src/module_2.py')")},
            {QStringLiteral("file:/home/dev/api/src/module_2.py"),
             QStringLiteral("s.id IN (SELECT session FROM files WHERE path LIKE "
                            "'/home/dev/api/src/module_2.py')")},
            {QStringLiteral("file:module_2.py"),
             QStringLiteral("s.id IN (SELECT session FROM files WHERE path LIKE '%/module_2.py')")},
            {QStringLiteral("file:dule_2.py"), QStringLiteral("0")}, // not after a /
            // Wildcards, in any ASCII case, through the per-session totals.
            {QStringLiteral("tool:ba*"), QStringLiteral("s.id IN (SELECT session FROM tool_calls "
                                                        "WHERE tool LIKE 'ba%')")},
            {QStringLiteral("tool:*EA*"), QStringLiteral("s.id IN (SELECT session FROM "
                                                         "tool_calls WHERE tool LIKE '%ea%')")},
            {QStringLiteral("tool:B*x"), QStringLiteral("0")},
            // Edit and Read are both in every list: a LIKE on the list alone would find e*d.
            {QStringLiteral("tool:E*d"), QStringLiteral("0")},
            {QStringLiteral("agent:m*n"),
             QStringLiteral("s.id IN (SELECT session FROM tool_calls WHERE agent LIKE 'm%n')")},
            {QStringLiteral("agent:Q*"),
             QStringLiteral("(s.id IN (SELECT session FROM delegations WHERE agent_type LIKE 'q%') "
                            "OR s.id IN (SELECT session FROM tool_calls WHERE agent LIKE 'q%'))")},
            {QStringLiteral("agent:*ai*"),
             QStringLiteral("s.id IN (SELECT session FROM tool_calls WHERE agent LIKE '%ai%')")},
        };
        for (const auto& [text, condition] : counts) {
            const qint64 expected =
                scalar(QStringLiteral("SELECT count(*) FROM sessions s WHERE ") + condition, {});
            QVERIFY2(expected >= 0, qPrintable(q.lastError().text()));
            QCOMPARE(reader.count(SessionQuery::parse(text, &error)), int(expected));
            QVERIFY(condition == QLatin1String("0") || expected > 0);
        }
        // Statistics per tool and per agent, against their definition over the calls.
        for (const QString& filter :
             {QString(), QStringLiteral("project:api"), QStringLiteral("tool:Edit failed"),
              QStringLiteral("agent:qa")}) {
            const SessionQuery query = SessionQuery::parse(filter, &error);
            for (const bool tool : {true, false}) {
                const QString table =
                    tool ? QStringLiteral("tool_calls") : QStringLiteral("delegations");
                const QString key = tool ? QStringLiteral("tool") : QStringLiteral("agent_type");
                const StatsTable got =
                    reader.stats(query, tool ? SessionIndexReader::GroupBy::Tool
                                             : SessionIndexReader::GroupBy::Agent);
                q.prepare(QStringLiteral("SELECT DISTINCT c.%1 FROM %2 c JOIN sessions s ON s.id "
                                         "= c.session WHERE %3 ORDER BY 1")
                              .arg(key, table, query.where()));
                for (const QVariant& v : query.bindings())
                    q.addBindValue(v);
                QVERIFY(q.exec());
                QStringList keys;
                while (q.next())
                    keys << q.value(0).toString();
                QCOMPARE(got.size(), keys.size());
                for (int i = 0; i < keys.size(); ++i) {
                    const StatsRow& r = got.at(i);
                    const QString k = keys.at(i);
                    QCOMPARE(r.key, k);
                    QVariantList values{k};
                    values += query.bindings();
                    const auto of = [&](const QString& what) {
                        return scalar(QStringLiteral("SELECT %1 FROM %2 c JOIN sessions s ON s.id "
                                                     "= c.session WHERE c.%3 = ? AND %4")
                                          .arg(what, table, key, query.where()),
                                      values);
                    };
                    QCOMPARE(r.sessions, of(QStringLiteral("count(DISTINCT c.session)")));
                    QCOMPARE(r.failures, of(QStringLiteral("sum(c.outcome = 'failure')")));
                    QCOMPARE(r.turns, scalar(QStringLiteral("SELECT sum(s.turns) FROM sessions s "
                                                            "WHERE s.id IN (SELECT session FROM "
                                                            "%1 WHERE %2 = ?) AND %3")
                                                 .arg(table, key, query.where()),
                                             values));
                    const qint64 calls =
                        tool ? of(QStringLiteral("count(*)"))
                             : scalar(QStringLiteral("SELECT count(*) FROM tool_calls c JOIN "
                                                     "sessions s ON s.id = c.session WHERE "
                                                     "c.agent = ? AND %1")
                                          .arg(query.where()),
                                      values);
                    QCOMPARE(r.toolCalls, calls);
                    const qint64 n = of(QStringLiteral("count(c.duration_ms)"));
                    for (const int p : {50, 95}) {
                        QVariantList at = values;
                        at << (n * p + 99) / 100 - 1;
                        const qint64 expected =
                            n == 0 ? -1
                                   : scalar(QStringLiteral("SELECT c.duration_ms FROM %1 c JOIN "
                                                           "sessions s ON s.id = c.session WHERE "
                                                           "c.%2 = ? AND %3 AND c.duration_ms IS "
                                                           "NOT NULL ORDER BY 1 LIMIT 1 OFFSET ?")
                                                .arg(table, key, query.where()),
                                            at);
                        QCOMPARE(p == 50 ? r.p50DurationMs : r.p95DurationMs, expected);
                    }
                }
            }
            // The files touched most: every session counts a path once.
            const StatsTable files = reader.topFiles(query, 5);
            QVERIFY(!files.isEmpty());
            for (const StatsRow& r : files) {
                QVariantList values{r.key};
                values += query.bindings();
                QCOMPARE(r.sessions,
                         scalar(QStringLiteral("SELECT count(DISTINCT f.session) FROM files f JOIN "
                                               "sessions s ON s.id = f.session WHERE f.path = ? "
                                               "AND %1")
                                    .arg(query.where()),
                                values));
            }
        }
    }

    // The session database is the store's listing: what it lists from the database is what it
    // lists by parsing every file, damaged files included.
    void theStoreListsFromTheDatabase()
    {
        QTemporaryDir dir;
        {
            SessionStore store(dir.path());
            store.setCompressionThreshold(4000);
            for (int n = 0; n < 30; ++n)
                QVERIFY(store.save(test::generatedSession(n, m_base.addSecs(n * 600),
                                                          n % 4 ? QStringLiteral("completed")
                                                                : QStringLiteral("interrupted"))));
        }
        QFile bad(dir.filePath(QStringLiteral("session_bad_2026-01-01T00-00-00.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"no\": \"id\"}");
        bad.close();
        {
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        SessionStore parsed(dir.path());
        const QList<SessionSummary> expected = parsed.list();
        QCOMPARE(parsed.lastListParseCount(), 31);
        SessionStore cached(dir.path());
        cached.setSummaryCache(std::make_unique<IndexedSummaryCache>(dir.path()));
        const QList<SessionSummary> got = cached.list();
        QCOMPARE(cached.lastListParseCount(), 0);
        QCOMPARE(got.size(), expected.size());
        const auto line = [](const SessionSummary& s) {
            return QStringList{s.sessionId,
                               s.filePath,
                               s.startTime.toString(Qt::ISODateWithMs),
                               s.endTime.toString(Qt::ISODateWithMs),
                               s.status,
                               QString::number(s.totalEvents),
                               QString::number(s.toolCalls),
                               QString::number(s.delegations),
                               QString::number(s.failures),
                               QString::number(s.unknownResults),
                               QString::number(s.turns),
                               QString::number(s.totalTokens),
                               s.workingDirectory,
                               s.gitBranch,
                               QString::number(s.fileSize),
                               QString::number(s.compressed),
                               QString::number(s.damaged),
                               s.error}
                .join(QLatin1Char('|'));
        };
        for (int i = 0; i < got.size(); ++i)
            QCOMPARE(line(got.at(i)), line(expected.at(i)));
        QVERIFY(std::count_if(got.begin(), got.end(), [](auto& s) { return s.compressed; }) > 0);
        QCOMPARE(std::count_if(got.begin(), got.end(), [](auto& s) { return s.damaged; }), 1);

        // A database of an older schema still lists (the first start after an upgrade, while
        // the index thread rebuilds it).
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("older"));
            db.setDatabaseName(dir.filePath(SessionIndexSchema::fileName));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("UPDATE meta SET value = '1' WHERE key = "
                                          "'schema_version'")));
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("older"));
        QVERIFY(!SessionIndexReader(dir.path()).open());
        SessionStore upgraded(dir.path());
        upgraded.setSummaryCache(std::make_unique<IndexedSummaryCache>(dir.path()));
        QCOMPARE(upgraded.list().size(), expected.size());
        QCOMPARE(upgraded.lastListParseCount(), 0);

        // No database, or not one: the files are parsed.
        QVERIFY(QFile::remove(dir.filePath(SessionIndexSchema::fileName)));
        QFile garbage(dir.filePath(SessionIndexSchema::fileName));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(8192, 'x'));
        garbage.close();
        SessionStore fallback(dir.path());
        fallback.setSummaryCache(std::make_unique<IndexedSummaryCache>(dir.path()));
        QCOMPARE(fallback.list().size(), expected.size());
        QCOMPARE(fallback.lastListParseCount(), 31);
    }

    // Ranking is over the newest 5,000 matching sessions: the best older match is reached by
    // narrowing the time range (README "Session database").
    void searchRanksTheNewestMatches()
    {
        QTemporaryDir dir;
        const int n = 5010;
        {
            SessionStore store(dir.path());
            for (int i = 0; i < n; ++i) {
                QJsonObject doc = test::generatedSession(i, m_base.addSecs(qint64(i) * 60));
                // The ten oldest say it five times: BM25 ranks them first when it sees them.
                doc.insert(QStringLiteral("initial_prompt"),
                           i < 10 ? QStringLiteral("quokka quokka quokka quokka quokka")
                                  : QStringLiteral("one quokka among many other words here"));
                QVERIFY(store.save(doc));
            }
        }
        {
            SessionIndexer ix(dir.path());
            QVERIFY(ix.open());
        }
        SessionIndexReader reader(dir.path());
        QVERIFY(reader.open());
        QueryError error;
        const QList<SearchHit> hits = reader.search(SessionQuery::parse(u"quokka", &error), 0, 5);
        QCOMPARE(hits.size(), 5);
        const QString oldestTen = QStringLiteral("sess-00000");
        for (const SearchHit& h : hits)
            QVERIFY2(!h.sessionId.startsWith(oldestTen), qPrintable(h.sessionId));
        const QString until = m_base.addSecs(100 * 60).toString(Qt::ISODate);
        const QList<SearchHit> older = reader.search(
            SessionQuery::parse(QStringLiteral("quokka until:") + until, &error), 0, 5);
        QVERIFY2(!error.isError(), qPrintable(error.message));
        QCOMPARE(older.size(), 5);
        for (const SearchHit& h : older)
            QVERIFY2(h.sessionId.startsWith(oldestTen), qPrintable(h.sessionId));
    }

    void cleanupPlansSayWhyAndSparePins()
    {
        QTemporaryDir dir;
        SessionStore store(dir.path());
        const QDateTime old = QDateTime::currentDateTimeUtc().addDays(-100);
        for (int n = 0; n < 6; ++n)
            QVERIFY(store.save(test::generatedSession(n, old.addSecs(n * 60))));
        QVERIFY(store.save(test::generatedSession(6, old, QStringLiteral("active"))));
        for (const QString& name : QDir(dir.path()).entryList({QStringLiteral("session_*")})) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.setFileTime(old.addDays(1), QFileDevice::FileModificationTime));
        }
        const QString pinned =
            test::generatedSession(2, old).value(QStringLiteral("session_id")).toString();
        QVERIFY(store.setPinned(pinned, true));
        QVERIFY(PinnedSessions(dir.path()).isPinned(pinned));
        const auto plan = store.planCleanup(30, 0);
        QCOMPARE(plan.size(), 5); // not the pinned one, not the active one
        for (const auto& item : plan) {
            QVERIFY(item.session.sessionId != pinned);
            QVERIFY2(item.reason.contains(QStringLiteral("older than 30 day(s)")),
                     qPrintable(item.reason));
        }
        // By size: oldest first, until the rest fits.
        qint64 total = 0;
        for (const SessionSummary& s : store.list())
            total += s.fileSize;
        const auto bySize = store.planCleanup(0, total - 1);
        QCOMPARE(bySize.size(), 1);
        QVERIFY(bySize.first().reason.contains(QStringLiteral("oldest ended session")));
        QCOMPARE(bySize.first().session.sessionId,
                 test::generatedSession(0, old).value(QStringLiteral("session_id")).toString());
        // A damaged pins file: no cleanup at all rather than one that might remove a pinned one.
        QFile pins(PinnedSessions(dir.path()).path());
        QVERIFY(pins.open(QIODevice::WriteOnly | QIODevice::Truncate));
        pins.write("{not json");
        pins.close();
        QList<SessionStore::CleanupItem> removed;
        QCOMPARE(store.cleanup(30, 0, false, &removed), -1);
        QVERIFY(store.lastError().contains(QStringLiteral("damaged")));
        QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("session_*")}).size(), 7);
    }
};

QTEST_GUILESS_MAIN(TestSessionIndex)
#include "tst_sessionindex.moc"
