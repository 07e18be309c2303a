// Tests SessionStore: atomic saves, gzip, permissions, symlinks, damaged files, retries, cleanup,
// index.
#include "storage/GzipCodec.h"
#include "storage/SessionFileName.h"
#include "storage/SessionStore.h"
#include "json/JsonParser.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSaveFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ea;

// Makes a directory unwritable for as long as it lives: mode 0500 for a normal user; for root,
// whom modes do not stop (CI runs as root), the immutable attribute (chattr +i).
class UnwritableDirectory
{
public:
    explicit UnwritableDirectory(const QString& dir) : m_path(QFile::encodeName(dir))
    {
        if (::geteuid() != 0) {
            m_locked = ::chmod(m_path.constData(), 0500) == 0;
        } else {
            m_locked = setImmutable(true);
        }
        if (!m_locked)
            m_error = dir + QStringLiteral(": ") + QString::fromLocal8Bit(::strerror(errno));
    }
    ~UnwritableDirectory()
    {
        if (m_locked && ::geteuid() != 0)
            ::chmod(m_path.constData(), 0700);
        else if (m_locked)
            setImmutable(false);
    }
    UnwritableDirectory(const UnwritableDirectory&) = delete;
    UnwritableDirectory& operator=(const UnwritableDirectory&) = delete;
    bool isLocked() const { return m_locked; }
    QString error() const { return m_error; }

private:
    bool setImmutable(bool on) const
    {
        const int fd = ::open(m_path.constData(), O_RDONLY | O_DIRECTORY);
        if (fd < 0)
            return false;
        int flags = 0;
        bool done = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
        if (done) {
            flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
            done = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
        }
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return done;
    }

    QByteArray m_path;
    bool m_locked = false;
    QString m_error;
};

// What a store lists from a summary cache (the session database in the app): entries whose
// file still has their size and mtime are trusted, everything else is parsed.
class ListedCache : public SessionSummaryCache
{
public:
    QHash<QString, Entry> entries;
    int loads = 0;
    QHash<QString, Entry> load() override
    {
        ++loads;
        return entries;
    }
};

class TstSessionStore : public QObject
{
    Q_OBJECT

private:
    static QJsonObject session(const QString& id, const QString& status = QStringLiteral("active"),
                               const QString& start = QStringLiteral("2025-01-08T14:30:22.123Z"),
                               const QString& end = {})
    {
        QJsonObject s{{QStringLiteral("session_id"), id},
                      {QStringLiteral("start_time"), start},
                      {QStringLiteral("status"), status},
                      {QStringLiteral("working_directory"), QStringLiteral("/home/me/proj")},
                      {QStringLiteral("events"), QJsonArray{QJsonObject{{"event_type", "x"}}}},
                      {QStringLiteral("metadata"), QJsonObject{{"git_branch", "main"}}},
                      {QStringLiteral("metrics"), QJsonObject{{"total_events", 7},
                                                              {"total_tool_calls", 3},
                                                              {"total_delegations", 2},
                                                              {"total_failures", 1}}}};
        s.insert(QStringLiteral("end_time"), end.isEmpty() ? QJsonValue() : QJsonValue(end));
        return s;
    }

    // Pads a session so its JSON is larger than `bytes`.
    static QJsonObject big(QJsonObject s, int bytes)
    {
        s.insert(QStringLiteral("final_response"), QString(bytes, QLatin1Char('x')));
        return s;
    }

    static mode_t mode(const QString& path)
    {
        struct stat st
        {
        };
        if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
            return 0;
        return st.st_mode & 07777;
    }

    static bool writeFile(const QString& path, const QByteArray& data)
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
    }

    static QByteArray readFile(const QString& path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static QStringList sessionFiles(const QString& dir)
    {
        return QDir(dir).entryList({QStringLiteral("session_*")},
                                   QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot,
                                   QDir::Name);
    }

private slots:
    void initTestCase()
    {
        // A permissive umask must not leak into the files' modes.
        ::umask(0);
    }

    void roundTripsPlainJson()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.path() + QStringLiteral("/activity");
        SessionStore store(dir);
        QSignalSpy saved(&store, &SessionStore::saved);
        const QJsonObject doc = session(QStringLiteral("5283b66c-aaaa"));
        QVERIFY2(store.save(doc), qPrintable(store.lastError()));
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.at(0).at(0).toString(), QStringLiteral("5283b66c-aaaa"));
        const QString path = saved.at(0).at(1).toString();
        QCOMPARE(QFileInfo(path).fileName(),
                 QStringLiteral("session_5283b66c-aaaa_2025-01-08T14-30-22.json"));
        QCOMPARE(QFileInfo(path).absolutePath(), QDir(dir).absolutePath());
        QVERIFY(!GzipCodec::looksCompressed(readFile(path)));

        QString error;
        const std::optional<QJsonObject> back = store.load(path, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(*back, doc);
        QCOMPARE(store.loadSession(QStringLiteral("5283b66c-aaaa")).value_or(QJsonObject()), doc);
        QCOMPARE(store.filePath(QStringLiteral("5283b66c-aaaa")), path);
        // A relative path is taken inside the directory.
        QVERIFY(store.load(QFileInfo(path).fileName()));
    }

    void roundTripsGzip()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        store.setCompressionThreshold(4096);
        const QJsonObject doc = big(session(QStringLiteral("big-one")), 100000);
        QVERIFY2(store.save(doc), qPrintable(store.lastError()));
        const QString path = store.filePath(QStringLiteral("big-one"));
        QVERIFY(path.endsWith(QLatin1String(".json.gz")));
        const QByteArray raw = readFile(path);
        QVERIFY(GzipCodec::looksCompressed(raw));
        QVERIFY(raw.size() < 20000);
        QString error;
        const std::optional<QJsonObject> back = store.load(path, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(*back, doc);

        // The gzip module or binary of any other tool must be able to read it too.
        const QString gzip = QStandardPaths::findExecutable(QStringLiteral("gzip"));
        if (!gzip.isEmpty()) {
            QProcess p;
            p.start(gzip, {QStringLiteral("-dc"), path});
            QVERIFY(p.waitForFinished(10000));
            QCOMPARE(p.exitCode(), 0);
            QCOMPARE(QJsonDocument::fromJson(p.readAllStandardOutput()).object(), doc);
        }
    }

    void setsOwnerOnlyPermissions()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.path() + QStringLiteral("/a/b/activity");
        SessionStore store(dir);
        store.setCompressionThreshold(2000);
        QVERIFY(store.save(session(QStringLiteral("p1"))));
        QVERIFY(store.save(big(session(QStringLiteral("p2")), 5000)));
        QCOMPARE(mode(dir), mode_t(0700));
        QCOMPARE(mode(store.filePath(QStringLiteral("p1"))), mode_t(0600));
        QCOMPARE(mode(store.filePath(QStringLiteral("p2"))), mode_t(0600));
        // A file someone loosened is tightened again on the next save.
        ::chmod(QFile::encodeName(store.filePath(QStringLiteral("p1"))).constData(), 0644);
        QVERIFY(store.save(session(QStringLiteral("p1"), QStringLiteral("completed"))));
        QCOMPARE(mode(store.filePath(QStringLiteral("p1"))), mode_t(0600));
    }

    void sameIdUpdatesTheSameFile()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        store.setCompressionThreshold(4096);
        const QString id = QStringLiteral("same-id");
        QVERIFY(store.save(session(id)));
        const QString first = store.filePath(id);
        // A later save with a different start time still updates the first file.
        QJsonObject second =
            session(id, QStringLiteral("completed"), QStringLiteral("2025-02-01T00:00:00Z"),
                    QStringLiteral("2025-02-01T01:00:00Z"));
        QVERIFY(store.save(second));
        QCOMPARE(store.filePath(id), first);
        QCOMPARE(sessionFiles(tmp.path()), QStringList{QFileInfo(first).fileName()});
        QCOMPARE(store.load(first).value_or(QJsonObject()), second);

        // Growing past the threshold switches to .json.gz and removes the .json.
        QVERIFY(store.save(big(second, 10000)));
        const QString gz = store.filePath(id);
        QCOMPARE(gz, first + QStringLiteral(".gz"));
        QCOMPARE(sessionFiles(tmp.path()), QStringList{QFileInfo(gz).fileName()});
        // And back.
        QVERIFY(store.save(second));
        QCOMPARE(sessionFiles(tmp.path()), QStringList{QFileInfo(first).fileName()});

        // A new store (a restart) finds the file by session id, not by name.
        SessionStore again(tmp.path());
        QVERIFY(again.save(
            session(id, QStringLiteral("stopped"), QStringLiteral("2030-01-01T00:00:00Z"))));
        QCOMPARE(again.filePath(id), first);
        QCOMPARE(sessionFiles(tmp.path()).size(), 1);
    }

    void hostileIdsLandInsideTheDirectory()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.path() + QStringLiteral("/activity");
        SessionStore store(dir);
        const QStringList ids{QStringLiteral("../../escape"), QStringLiteral("/etc/passwd"),
                              QString(10000, QLatin1Char('z')), QStringLiteral("🙂"),
                              QString::fromUtf16(u"a\0b", 3)};
        for (const QString& id : ids) {
            QVERIFY2(store.save(session(id)), qPrintable(store.lastError()));
            QCOMPARE(QFileInfo(store.filePath(id)).absolutePath(), QDir(dir).absolutePath());
            QCOMPARE(store.loadSession(id).value_or(QJsonObject()).value("session_id").toString(),
                     id);
        }
        QCOMPARE(sessionFiles(dir).size(), ids.size());
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("activity")});
    }

    void listsDamagedFilesWithoutCrashing()
    {
        QTemporaryDir tmp;
        const QString d = tmp.path();
        SessionStore store(d);
        QVERIFY(store.save(session(QStringLiteral("good"))));
        const QByteArray valid = QJsonDocument(session(QStringLiteral("cut"))).toJson();
        QVERIFY(
            writeFile(d + "/session_cut_2025-01-01T00-00-00.json", valid.left(valid.size() / 2)));
        QVERIFY(writeFile(d + "/session_garbage_2025-01-01T00-00-00.json", "\x00\xff garbage"));
        QVERIFY(writeFile(d + "/session_empty_2025-01-01T00-00-00.json", ""));
        QVERIFY(writeFile(d + "/session_array_2025-01-01T00-00-00.json", "[1,2,3]"));
        QVERIFY(writeFile(d + "/session_noid_2025-01-01T00-00-00.json", "{\"status\":\"x\"}"));
        QVERIFY(writeFile(d + "/session_badgz_2025-01-01T00-00-00.json.gz", "\x1f\x8b garbage"));
        const QByteArray gz = GzipCodec::compress(valid).value();
        QVERIFY(
            writeFile(d + "/session_cutgz_2025-01-01T00-00-00.json.gz", gz.left(gz.size() / 2)));
        QVERIFY(QDir(d).mkdir(QStringLiteral("session_dir_2025-01-01T00-00-00.json")));
        QVERIFY(QFile::link(d + "/nowhere", d + "/session_dangling_2025-01-01T00-00-00.json"));

        const QList<SessionSummary> all = store.list();
        QCOMPARE(all.size(), 10);
        int damaged = 0;
        for (const SessionSummary& s : all) {
            if (s.sessionId == QLatin1String("good")) {
                QVERIFY(!s.damaged);
                QCOMPARE(s.totalEvents, 7);
                QCOMPARE(s.toolCalls, 3);
                QCOMPARE(s.delegations, 2);
                QCOMPARE(s.failures, 1);
                QCOMPARE(s.gitBranch, QStringLiteral("main"));
                QCOMPARE(s.workingDirectory, QStringLiteral("/home/me/proj"));
                QCOMPARE(s.status, QStringLiteral("active"));
                QCOMPARE(s.startTime,
                         QDateTime(QDate(2025, 1, 8), QTime(14, 30, 22, 123), Qt::UTC));
                QVERIFY(s.fileSize > 0);
                continue;
            }
            ++damaged;
            QVERIFY2(s.damaged, qPrintable(s.filePath));
            QVERIFY2(s.error.contains(s.filePath), qPrintable(s.error));
        }
        QCOMPARE(damaged, 9);
        // Listing again (from what it knows) gives the same verdicts.
        const QList<SessionSummary> again = store.list();
        QCOMPARE(again.size(), 10);
        QCOMPARE(std::count_if(again.begin(), again.end(), [](auto& s) { return s.damaged; }), 9);
        QCOMPARE(store.lastListParseCount(), 0);
        // And damaged files do not stop saves.
        QVERIFY(store.save(session(QStringLiteral("good"), QStringLiteral("completed"))));
    }

    // The session database reads everything but the events: the rest of the document is what
    // load() gives, and a file load() refuses is refused the same way.
    void loadsWithoutTheEvents()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        JsonParser parser(store.maxDocumentBytes());
        QString error;
        for (const bool gzipped : {false, true}) {
            store.setCompressionThreshold(gzipped ? 64 : 1 << 20);
            const QString id = gzipped ? QStringLiteral("gz") : QStringLiteral("plain");
            QJsonObject doc = session(id);
            doc.insert(QStringLiteral("events"),
                       QJsonArray{QJsonObject{{"event_type", "x"}}, QJsonObject{{"a", "\"]}"}}});
            doc.insert(QStringLiteral("turns"), QJsonArray{QJsonObject{{"index", 0}}});
            QVERIFY(store.save(doc));
            const auto back = store.loadWithoutEvents(store.filePath(id), parser, &error);
            QVERIFY2(back, qPrintable(error));
            QJsonObject expected = doc;
            expected.insert(QStringLiteral("events"), QJsonArray());
            QCOMPARE(QJsonDocument::fromJson(*back).object(), expected);
        }
        // Without metrics.total_events a reader counts the events: the document comes whole.
        QJsonObject counted = session(QStringLiteral("counted"));
        counted.remove(QStringLiteral("metrics"));
        QVERIFY(store.save(counted));
        const auto whole =
            store.loadWithoutEvents(store.filePath(QStringLiteral("counted")), parser, &error);
        QVERIFY2(whole, qPrintable(error));
        QCOMPARE(QJsonDocument::fromJson(*whole).object().value("events").toArray().size(), 1);
        // Damage anywhere, the events included, is damage.
        const QString broken =
            tmp.path() + QStringLiteral("/session_broken_2025-01-01T00-00-00.json");
        QVERIFY(writeFile(
            broken, R"({"session_id":"broken","metrics":{"total_events":1},"events":[{"a":}]})"));
        error.clear();
        QVERIFY(!store.loadWithoutEvents(broken, parser, &error));
        QVERIFY2(error.contains(QStringLiteral("not valid JSON")), qPrintable(error));
        QVERIFY(!store.load(broken));
        const QString array =
            tmp.path() + QStringLiteral("/session_array_2025-01-01T00-00-00.json");
        QVERIFY(writeFile(array, "[1, 2]"));
        QVERIFY(!store.loadWithoutEvents(array, parser, &error));
        QVERIFY2(error.contains(QStringLiteral("does not hold a JSON object")), qPrintable(error));
    }

    void refusesBadFilesOnLoad()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        store.setMaxDocumentBytes(1 << 20);
        QString error;
        QVERIFY(!store.load(tmp.path() + "/missing.json", &error));
        QVERIFY(error.contains(QStringLiteral("does not exist")));
        // A gzip bomb: 20 MiB of zeros in ~20 KiB.
        const QByteArray bomb = GzipCodec::compress(QByteArray(20 << 20, '\0')).value();
        QVERIFY(bomb.size() < 100000);
        QVERIFY(writeFile(tmp.path() + "/session_bomb_2025-01-01T00-00-00.json.gz", bomb));
        QVERIFY(!store.load(tmp.path() + "/session_bomb_2025-01-01T00-00-00.json.gz", &error));
        QVERIFY2(error.contains(QStringLiteral("more than")), qPrintable(error));
        // An oversized plain file.
        QVERIFY(writeFile(tmp.path() + "/huge.json", QByteArray((1 << 20) + 10, ' ')));
        QVERIFY(!store.load(tmp.path() + "/huge.json", &error));
        QVERIFY2(error.contains(QStringLiteral("larger than")), qPrintable(error));
        // A symlink to a perfectly good file is still not followed.
        QVERIFY(store.save(session(QStringLiteral("real"))));
        QVERIFY(QFile::link(store.filePath(QStringLiteral("real")), tmp.path() + "/link.json"));
        QVERIFY(!store.load(tmp.path() + "/link.json", &error));
        QVERIFY(error.contains(QStringLiteral("symbolic link")));
    }

    void qsaveFileAloneWouldFollowASymlink()
    {
        // Why the store checks for symlinks itself: QSaveFile resolves a symlink at the final
        // name and replaces the file it points to (Qt 6.4).
        QTemporaryDir tmp;
        const QString outside = tmp.path() + "/outside.txt";
        QVERIFY(writeFile(outside, "secret"));
        QVERIFY(QFile::link(outside, tmp.path() + "/link"));
        QSaveFile f(tmp.path() + "/link");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("overwritten");
        QVERIFY(f.commit());
        QCOMPARE(readFile(outside), QByteArray("overwritten"));
        QVERIFY(QFileInfo(tmp.path() + "/link").isSymLink());
    }

    void neverFollowsAPlantedSymlink()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.path() + "/activity";
        const QString outside = tmp.path() + "/outside.txt";
        QVERIFY(writeFile(outside, "secret"));
        SessionStore store(dir);
        QVERIFY(store.save(session(QStringLiteral("other")))); // creates the directory

        const QString name = SessionFileName::forSession(
            QStringLiteral("victim"), QDateTime(QDate(2025, 1, 8), QTime(14, 30, 22), Qt::UTC));
        QVERIFY(QFile::link(outside, dir + QLatin1Char('/') + name));
        // Not followed, not replaced, and it does not cost the session: the next free name.
        QSignalSpy failed(&store, &SessionStore::saveFailed);
        QVERIFY(store.save(session(QStringLiteral("victim"))));
        QCOMPARE(failed.size(), 0);
        QCOMPARE(readFile(outside), QByteArray("secret"));
        QVERIFY(QFileInfo(dir + QLatin1Char('/') + name).isSymLink());
        const QString saved = store.filePath(QStringLiteral("victim"));
        QVERIFY2(!saved.endsWith(name) && QFileInfo(saved).isFile() &&
                     !QFileInfo(saved).isSymLink(),
                 qPrintable(saved));

        // Nor a symlink at the other variant's name (saving one variant removes the other).
        const QString name2 = SessionFileName::forSession(
            QStringLiteral("victim2"), QDateTime(QDate(2025, 1, 8), QTime(14, 30, 22), Qt::UTC));
        QVERIFY(QFile::link(outside, dir + QLatin1Char('/') + name2 + QStringLiteral(".gz")));
        QVERIFY(store.save(session(QStringLiteral("victim2"))));
        QCOMPARE(readFile(outside), QByteArray("secret"));
        QVERIFY(QFileInfo(dir + QLatin1Char('/') + name2 + QStringLiteral(".gz")).isSymLink());
        QVERIFY(!store.filePath(QStringLiteral("victim2")).endsWith(name2));

        // A symlink where an earlier version's listing file was is neither read nor removed
        // through.
        QVERIFY(QFile::link(outside, dir + QLatin1Char('/') + SessionStore::obsoleteIndexFileName));
        store.save(session(QStringLiteral("third")));
        store.list();
        QCOMPARE(readFile(outside), QByteArray("secret"));
    }

    void unwritableDirectoryRecoversThroughRetry()
    {
        QTemporaryDir tmp;
        // A regular file where a parent directory should be: fails for root as well.
        const QString blocker = tmp.path() + "/blocker";
        QVERIFY(writeFile(blocker, "in the way"));
        const QString dir = blocker + "/activity";
        SessionStore store(dir);
        QSignalSpy failed(&store, &SessionStore::saveFailed);
        QSignalSpy saved(&store, &SessionStore::saved);

        const QJsonObject doc = session(QStringLiteral("unlucky"));
        QVERIFY(!store.save(doc));
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.at(0).at(0).toString(), dir);
        QVERIFY2(failed.at(0).at(1).toString().contains(blocker),
                 qPrintable(failed.at(0).at(1).toString()));
        QVERIFY(store.lastError().contains(QStringLiteral("unlucky")));
        QCOMPARE(store.failureCount(), 1);
        QCOMPARE(store.pendingCount(), 1);
        QVERIFY(store.pendingBytes() > 0);

        // Reopening the session while its save waits must see the queued document.
        QCOMPARE(store.loadSession(QStringLiteral("unlucky")).value_or(QJsonObject()), doc);

        QCOMPARE(store.retryPending(), 0); // still blocked
        QCOMPARE(store.failureCount(), 2);
        QCOMPARE(store.pendingCount(), 1);

        QVERIFY(QFile::remove(blocker));
        QCOMPARE(store.retryPending(), 1);
        QCOMPARE(saved.size(), 1);
        QCOMPARE(store.pendingCount(), 0);
        QCOMPARE(store.pendingBytes(), 0);
        QCOMPARE(store.loadSession(QStringLiteral("unlucky")).value_or(QJsonObject()), doc);
    }

    void readOnlyDirectoryRecoversThroughRetry()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.path() + "/activity";
        SessionStore store(dir);
        QVERIFY(store.save(session(QStringLiteral("first"))));
        {
            UnwritableDirectory locked(dir);
            QVERIFY2(locked.isLocked(), qPrintable(locked.error()));
            QVERIFY(!store.save(session(QStringLiteral("second"))));
            QVERIFY(store.lastError().contains(dir));
            QCOMPARE(store.pendingCount(), 1);
        }
        QCOMPARE(store.retryPending(), 1);
        QVERIFY(QFileInfo::exists(store.filePath(QStringLiteral("second"))));
    }

    void pendingQueueIsBounded()
    {
        QTemporaryDir tmp;
        QVERIFY(writeFile(tmp.path() + "/blocker", "x"));
        SessionStore store(tmp.path() + "/blocker/activity");
        QSignalSpy dropped(&store, &SessionStore::pendingDropped);
        const QJsonObject a = big(session(QStringLiteral("a")), 3000);
        const qint64 one = QJsonDocument(a).toJson(QJsonDocument::Indented).size();
        store.setPendingByteLimit(one * 2 + 100);
        QVERIFY(!store.save(a));
        QVERIFY(!store.save(big(session(QStringLiteral("b")), 3000)));
        QCOMPARE(store.pendingCount(), 2);
        // Saving "a" again replaces its queued copy rather than adding one.
        QVERIFY(!store.save(big(session(QStringLiteral("a"), QStringLiteral("completed")), 3000)));
        QCOMPARE(store.pendingCount(), 2);
        QCOMPARE(store.evictedCount(), 0);
        QVERIFY(!store.save(big(session(QStringLiteral("c")), 3000)));
        QCOMPARE(store.pendingCount(), 2);
        QCOMPARE(store.evictedCount(), 1);
        QCOMPARE(dropped.size(), 1);
        QCOMPARE(dropped.at(0).at(0).toString(), QStringLiteral("b")); // the oldest
        QVERIFY(store.pendingBytes() <= store.pendingByteLimit());
    }

    void rejectsADocumentWithoutId()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        QSignalSpy failed(&store, &SessionStore::saveFailed);
        QVERIFY(!store.save(QJsonObject{{"start_time", "2025-01-01T00:00:00Z"}}));
        QCOMPARE(failed.size(), 1);
        QVERIFY(store.lastError().contains(QStringLiteral("session_id")));
        QCOMPARE(store.pendingCount(), 0);
    }

    void removesSessions()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        QVERIFY(store.save(session(QStringLiteral("gone"))));
        QVERIFY(store.save(session(QStringLiteral("kept"))));
        QSignalSpy removed(&store, &SessionStore::removed);
        QVERIFY(store.remove(QStringLiteral("gone")));
        QCOMPARE(removed.size(), 1);
        QVERIFY(!store.remove(QStringLiteral("gone")));
        QVERIFY(store.lastError().contains(QStringLiteral("gone")));
        const QList<SessionSummary> all = store.list();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().sessionId, QStringLiteral("kept"));
    }

    // The browser's Delete moves files to the user's trash (freedesktop.org), so it can be undone.
    void trashesSessionsIntoTheUsersTrash()
    {
        QTemporaryDir tmp;
        const QByteArray oldDataHome = qgetenv("XDG_DATA_HOME");
        QVERIFY(QDir().mkpath(tmp.path() + QStringLiteral("/data"))); // as ~/.local/share exists
        qputenv("XDG_DATA_HOME", QFile::encodeName(tmp.path() + QStringLiteral("/data")));
        SessionStore store(tmp.path() + QStringLiteral("/activity"));
        QVERIFY(store.save(session(QStringLiteral("trashed"))));
        const QString path = store.list().constFirst().filePath;
        QVERIFY(store.remove(QStringLiteral("trashed"), SessionStore::Disposal::Trash));
        if (oldDataHome.isNull())
            qunsetenv("XDG_DATA_HOME");
        else
            qputenv("XDG_DATA_HOME", oldDataHome);
        QVERIFY(!QFile::exists(path));
        QVERIFY(store.list().isEmpty());
        const QString inTrash =
            tmp.path() + QStringLiteral("/data/Trash/files/") + QFileInfo(path).fileName();
        QVERIFY2(QFile::exists(inTrash), qPrintable(inTrash));
        QVERIFY(QFile::exists(tmp.path() + QStringLiteral("/data/Trash/info/") +
                              QFileInfo(path).fileName() + QStringLiteral(".trashinfo")));
    }

    // Ids that share a file name (crafted against the old 4-byte hash, or a file another tool
    // wrote) never overwrite each other: the file's stored session_id decides, not its name.
    void neverOverwritesAnotherSessionsFile()
    {
        QTemporaryDir tmp;
        const QString start = QStringLiteral("2025-01-08T14:30:22.123Z");
        const QDateTime startUtc = SessionSummary::parseTime(start);
        const QString mineName = SessionFileName::forSession(QStringLiteral("mine/x"), startUtc);
        const QByteArray theirs =
            QJsonDocument(session(QStringLiteral("theirs"), QStringLiteral("completed"), start))
                .toJson();
        QVERIFY(writeFile(tmp.path() + QLatin1Char('/') + mineName, theirs));
        const QString damagedName = SessionFileName::forSession(QStringLiteral("mine/y"), startUtc);
        QVERIFY(writeFile(tmp.path() + QLatin1Char('/') + damagedName, "{damaged"));

        SessionStore store(tmp.path());
        QVERIFY(store.save(session(QStringLiteral("mine/x"), QStringLiteral("completed"), start)));
        QVERIFY(store.save(session(QStringLiteral("mine/y"), QStringLiteral("completed"), start)));
        QCOMPARE(readFile(tmp.path() + QLatin1Char('/') + mineName), theirs);
        QCOMPARE(readFile(tmp.path() + QLatin1Char('/') + damagedName), QByteArray("{damaged"));
        const QString mine = store.filePath(QStringLiteral("mine/x"));
        QVERIFY(!mine.isEmpty() && !mine.endsWith(mineName));
        QCOMPARE(store.loadSession(QStringLiteral("mine/x"))
                     ->value(QLatin1String("session_id"))
                     .toString(),
                 QStringLiteral("mine/x"));
        QCOMPARE(sessionFiles(tmp.path()).size(), 4);
        // Saved again (and growing into gzip), it stays in its own file.
        QVERIFY(store.save(
            big(session(QStringLiteral("mine/x"), QStringLiteral("completed"), start), 2 << 20)));
        QCOMPARE(readFile(tmp.path() + QLatin1Char('/') + mineName), theirs);
        QCOMPARE(sessionFiles(tmp.path()).size(), 4);
        // A fresh store (a restart) finds each session in its own file.
        SessionStore again(tmp.path());
        QStringList ids;
        for (const SessionSummary& s : again.list())
            ids.append(s.sessionId);
        ids.sort();
        QCOMPARE(ids.size(), 4);
        QVERIFY(ids.contains(QStringLiteral("theirs")) && ids.contains(QStringLiteral("mine/x")) &&
                ids.contains(QStringLiteral("mine/y")));
    }

    // Small files are indented for people, from the events' text: numbers keep the digits
    // they arrived with (a JSON tree rounded integers above 2^53).
    void smallFilesKeepNumbersAsReceived()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        QJsonObject head = session(QStringLiteral("numbers"));
        head.remove(QStringLiteral("events"));
        // Not a raw string: moc (6.4) reads \" inside one as an escape and skipped every test
        // function after this one.
        const QByteArray events =
            "[{\"event_type\":\"x\",\"data\":{\"big\":12345678901234567891,\"neg\":"
            "-9007199254740993,\"exp\":1.50e300,\"tenth\":0.10,\"text\":\"a \\\"quoted\\\" "
            "[brace] {x}: y, z\",\"e\":{},\"l\":[]}}]";
        QVERIFY(store.save(head, events));
        const QString path = store.filePath(QStringLiteral("numbers"));
        QVERIFY(path.endsWith(QLatin1String(".json")));
        const QByteArray text = readFile(path);
        for (const char* digits : {"12345678901234567891", "-9007199254740993", "1.50e300", "0.10"})
            QVERIFY2(text.contains(digits), text.constData());
        QVERIFY2(text.contains("\n    \"events\": [\n"), text.constData()); // still indented
        QJsonParseError pe;
        const QJsonObject doc = QJsonDocument::fromJson(text, &pe).object();
        QCOMPARE(pe.error, QJsonParseError::NoError);
        const QJsonObject data = doc.value(QLatin1String("events"))
                                     .toArray()
                                     .first()
                                     .toObject()
                                     .value("data")
                                     .toObject();
        QCOMPARE(data.value(QLatin1String("text")).toString(),
                 QStringLiteral("a \"quoted\" [brace] {x}: y, z"));
        QCOMPARE(doc.value(QLatin1String("session_id")).toString(), QStringLiteral("numbers"));
    }

    void cleansUpOldEndedSessions()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        const auto ago = [](int days) {
            return QDateTime::currentDateTimeUtc().addDays(-days).toString(Qt::ISODateWithMs);
        };
        const QString old = ago(40);
        QVERIFY(store.save(session("completed-old", "completed", old, old)));
        QVERIFY(store.save(session("timed-out-old", "timed_out", old, old)));
        QVERIFY(store.save(session("stopped-old", "stopped", old, old)));
        QVERIFY(store.save(session("completed-recent", "completed", ago(5), ago(5))));
        QVERIFY(store.save(session("active-old", "active", old)));
        QVERIFY(store.save(session("active-with-end", "active", old, old)));
        QVERIFY(writeFile(tmp.path() + "/session_broken_2000-01-01T00-00-00.json", "{"));
        // A Python-era file: no status, but an end_time means it had ended.
        QJsonObject python = session("python-old", QString(), old, old);
        python.remove(QStringLiteral("status"));
        QVERIFY(writeFile(tmp.path() + "/session_python-_20250101_000000.json",
                          QJsonDocument(python).toJson()));

        // Age counts from the later of end_time and the file's last write, so every file
        // is made as old as its contents; one written now stays.
        for (const QFileInfo& fi : QDir(tmp.path()).entryInfoList({"session_*"}, QDir::Files)) {
            QFile f(fi.filePath());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.setFileTime(QDateTime::currentDateTimeUtc().addDays(-40),
                                  QFileDevice::FileModificationTime));
        }
        QVERIFY(store.save(session("completed-old-written-now", "completed", old, old)));

        QStringList would;
        QCOMPARE(store.cleanup(30, true, &would), 4);
        QCOMPARE(would.size(), 4);
        QCOMPARE(store.list().size(), 9); // a dry run deletes nothing

        QStringList removed;
        QCOMPARE(store.cleanup(30, false, &removed), 4);
        QCOMPARE(removed, would);
        for (const QString& p : removed)
            QVERIFY(!QFileInfo::exists(p));
        QStringList left;
        for (const SessionSummary& s : store.list())
            left.append(s.sessionId);
        left.sort();
        QCOMPARE(left, (QStringList{"active-old", "active-with-end", "broken",
                                    "completed-old-written-now", "completed-recent"}));

        QCOMPARE(store.cleanup(-1, false), 0);
        QVERIFY(store.lastError().contains(QStringLiteral("negative")));
        // 0 means never, as in auto_cleanup_days: 0; it used to delete every ended session.
        QCOMPARE(store.cleanup(0, false), 0);
        QCOMPARE(store.list().size(), 5);
    }

    // The automatic cleanup measures age against the newest file when the wall clock is ahead
    // of it: started with the clock 40 days ahead, it used to delete every ended session.
    void automaticCleanupDistrustsAClockAhead()
    {
        QTemporaryDir tmp;
        SessionStore store(tmp.path());
        const auto ago = [](int days) {
            return QDateTime::currentDateTimeUtc().addDays(-days).toString(Qt::ISODateWithMs);
        };
        QVERIFY(store.save(session("last-used", "completed", ago(40), ago(40))));
        QVERIFY(store.save(session("a-week-before", "completed", ago(47), ago(47))));
        QVERIFY(store.save(session("long-before", "completed", ago(80), ago(80))));
        // As if written by a right clock that is now 40 days behind this one.
        for (const QFileInfo& fi : QDir(tmp.path()).entryInfoList({"session_*"}, QDir::Files)) {
            const QJsonObject doc = *store.load(fi.filePath());
            QFile f(fi.filePath());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.setFileTime(
                SessionSummary::parseTime(doc.value(QLatin1String("end_time")).toString()),
                QFileDevice::FileModificationTime));
        }
        QStringList removed;
        QCOMPARE(store.cleanup(30, false, &removed, true), 1);
        QCOMPARE(removed.size(), 1);
        QVERIFY(removed.first().contains(QStringLiteral("long-before")));
        QCOMPARE(store.list().size(), 2);
        // Asked for explicitly, the wall clock counts.
        QCOMPARE(store.cleanup(30, true), 2);
    }

    void listingStartsFromTheSummaryCache()
    {
        QTemporaryDir tmp;
        const QString d = tmp.path();
        const int n = 2000;
        for (int i = 0; i < n; ++i) {
            QJsonObject s = session(QStringLiteral("s%1").arg(i), QStringLiteral("completed"));
            QJsonArray events;
            for (int e = 0; e < 50; ++e)
                events.append(QJsonObject{{"event_type", "tool"}, {"data", QJsonObject{{"n", e}}}});
            s.insert(QStringLiteral("events"), events);
            QVERIFY(writeFile(d + QStringLiteral("/session_s%1_2025-01-01T00-00-00.json").arg(i),
                              QJsonDocument(s).toJson()));
        }
        // An earlier version's listing file goes at the first listing.
        QVERIFY(writeFile(d + QLatin1Char('/') + SessionStore::obsoleteIndexFileName, "{}"));
        auto cache = std::make_unique<ListedCache>();
        QElapsedTimer t;
        qint64 firstMs = 0;
        {
            SessionStore store(d);
            t.start();
            const QList<SessionSummary> all = store.list();
            firstMs = t.elapsed();
            QCOMPARE(all.size(), n);
            QCOMPARE(store.lastListParseCount(), n);
            QCOMPARE(store.list().size(), n);
            QCOMPARE(store.lastListParseCount(), 0); // known now
            for (const SessionSummary& s : all) {
                SessionSummaryCache::Entry e;
                e.size = s.fileSize;
                e.mtimeMs = s.modified.toMSecsSinceEpoch();
                e.summary = s;
                e.summary.sessionId = s.sessionId;
                cache->entries.insert(QFileInfo(s.filePath).fileName(), e);
            }
        }
        QVERIFY(!QFileInfo::exists(d + QLatin1Char('/') + SessionStore::obsoleteIndexFileName));

        // A restart lists from the cache instead of the sessions.
        ListedCache* seen = cache.get();
        SessionStore store(d);
        store.setSummaryCache(std::move(cache));
        t.start();
        const QList<SessionSummary> all = store.list();
        const qint64 restartMs = t.elapsed();
        QCOMPARE(all.size(), n);
        QCOMPARE(store.lastListParseCount(), 0);
        QCOMPARE(all.first().totalEvents, 7);
        qInfo("listing %d files: %lld ms parsing, %lld ms from the cache", n, firstMs, restartMs);
        // A file changed behind the store's back is parsed again, and only that one.
        QJsonObject changed = session(QStringLiteral("s7"), QStringLiteral("stopped"));
        QVERIFY(writeFile(d + QStringLiteral("/session_s7_2025-01-01T00-00-00.json"),
                          QJsonDocument(changed).toJson()));
        const QList<SessionSummary> again = store.list();
        QCOMPARE(store.lastListParseCount(), 1);
        const auto s7 = std::find_if(again.begin(), again.end(),
                                     [](auto& s) { return s.sessionId == QLatin1String("s7"); });
        QVERIFY(s7 != again.end());
        QCOMPARE(s7->status, QStringLiteral("stopped"));
        // A deleted file disappears from the listing; the cache is read only once.
        QVERIFY(QFile::remove(d + QStringLiteral("/session_s8_2025-01-01T00-00-00.json")));
        QCOMPARE(store.list().size(), n - 1);
        QCOMPARE(seen->loads, 1);

        // Entries that do not match their file (size, mtime) or name no session file are not
        // trusted.
        auto stale = std::make_unique<ListedCache>();
        SessionSummaryCache::Entry wrong;
        wrong.size = 1;
        wrong.summary.sessionId = QStringLiteral("impostor");
        stale->entries.insert(QStringLiteral("session_s1_2025-01-01T00-00-00.json"), wrong);
        stale->entries.insert(QStringLiteral("../session_s2_2025-01-01T00-00-00.json"), wrong);
        stale->entries.insert(QStringLiteral("notes.txt"), wrong);
        SessionStore fresh(d);
        fresh.setSummaryCache(std::move(stale));
        const QList<SessionSummary> listed = fresh.list();
        QCOMPARE(listed.size(), n - 1);
        QCOMPARE(fresh.lastListParseCount(), n - 1);
        QVERIFY(std::none_of(listed.begin(), listed.end(),
                             [](auto& s) { return s.sessionId == QLatin1String("impostor"); }));
    }
};

QTEST_GUILESS_MAIN(TstSessionStore)
#include "tst_sessionstore.moc"
