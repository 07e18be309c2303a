// Tests Journal: append and replay, torn and garbage lines, releases, segment deletion, crashes.
#include "storage/Journal.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace ea;

static const char* const kChildEnv = "EA_TST_JOURNAL_CHILD_DIR";
static constexpr int kChildRecords = 500;

struct Replayed
{
    qint64 seq;
    QDateTime t;
    QString name;
    QByteArray payload;
};

static QList<Replayed> replayAll(Journal& journal, Journal::ReplayStats* stats = nullptr)
{
    QList<Replayed> out;
    const Journal::ReplayStats s = journal.replay(
        [&](qint64 seq, const QDateTime& t, const QString& name, const QByteArray& payload) {
            out.append({seq, t, name, payload});
        });
    if (stats)
        *stats = s;
    return out;
}

static QList<qint64> seqsOf(const QList<Replayed>& records)
{
    QList<qint64> seqs;
    for (const Replayed& r : records)
        seqs.append(r.seq);
    return seqs;
}

static QList<qint64> range(qint64 first, qint64 last)
{
    QList<qint64> out;
    for (qint64 s = first; s <= last; ++s)
        out.append(s);
    return out;
}

static bool appendRaw(const QString& path, const QByteArray& data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Append) && f.write(data) == data.size();
}

class TstJournal : public QObject
{
    Q_OBJECT

private slots:
    void appendsAndReplays()
    {
        QTemporaryDir tmp;
        const QString dir = Journal::directoryFor(tmp.path());
        QCOMPARE(dir, QDir::cleanPath(tmp.path() + "/.journal"));
        const QList<QPair<QString, QByteArray>> events{
            {"claude_event",
             "{\"type\":\"hook\",\"subtype\":\"pre_tool\",\"data\":{\"x\":\"a\\nb\"}}"},
            {"tool_event", "[1,2,{\"k\":null}]"},
            {"hook_event", "\"just a string\""},
            {"heartbeat", QByteArray()},
            {"name \"with\" quotes,\"args\":[", "42"},
        };
        {
            Journal journal(dir);
            QVERIFY2(journal.open(), qPrintable(journal.lastError()));
            QCOMPARE(replayAll(journal).size(), 0);
            qint64 expected = 1;
            for (const auto& [name, payload] : events) {
                QCOMPARE(journal.append(name, payload, 1736346622000 + expected), expected);
                ++expected;
            }
            QCOMPARE(journal.unreleasedCount(), 5);
        }
        Journal journal(dir);
        QVERIFY(journal.open());
        Journal::ReplayStats stats;
        const QList<Replayed> got = replayAll(journal, &stats);
        QCOMPARE(got.size(), events.size());
        QCOMPARE(stats.records, qint64(events.size()));
        QCOMPARE(stats.garbage, 0);
        QCOMPARE(stats.torn, 0);
        for (int i = 0; i < events.size(); ++i) {
            QCOMPARE(got[i].seq, qint64(i + 1));
            QCOMPARE(got[i].name, events[i].first);
            QCOMPARE(got[i].payload, events[i].second); // byte for byte
            QCOMPARE(got[i].t.toMSecsSinceEpoch(), 1736346622000 + i + 1);
            QCOMPARE(got[i].t.timeSpec(), Qt::UTC);
        }
        // Numbering continues after a restart.
        QCOMPARE(journal.append(QStringLiteral("x"), "{}"), 6);
    }

    void recordsAreJsonLines()
    {
        QTemporaryDir tmp;
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        QCOMPARE(journal.append("claude_event", "{\n  \"a\": 1\n}\r\n", 1000), 1);
        QCOMPARE(journal.segmentFiles().size(), 1);
        QFile f(journal.segmentFiles().first());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray line = f.readAll();
        QVERIFY(line.endsWith('\n'));
        QCOMPARE(line.count('\n'), 1);
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QCOMPARE(o.value("seq").toInt(), 1);
        QCOMPARE(o.value("t").toInteger(), 1000);
        QCOMPARE(o.value("name").toString(), QStringLiteral("claude_event"));
        QCOMPARE(o.value("args").toArray().at(0).toObject().value("a").toInt(), 1);
    }

    // 1e999 is valid JSON that Qt's reader refuses: journaled and replayed as it came, like
    // 2^53 + 1 (the event used to be refused, so a crash lost it).
    void numbersOutOfRangeAreJournaledAsReceived()
    {
        QTemporaryDir tmp;
        const QByteArray payload = R"({"huge":1e999,"tiny":-1e-999,"exact":9007199254740993})";
        {
            Journal journal(tmp.path());
            QVERIFY(journal.open());
            QCOMPARE(journal.append("claude_event", payload, 1000), 1);
            QCOMPARE(journal.append("x", "{\"a\":1e999x}"), -1); // not a number at all
        }
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        const QList<Replayed> got = replayAll(journal);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got.first().payload, payload);
    }

    void rejectsPayloadsThatAreNotJson()
    {
        QTemporaryDir tmp;
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        QCOMPARE(journal.append("x", "{not json"), -1);
        QVERIFY(journal.lastError().contains(QStringLiteral("not valid JSON")));
        QCOMPARE(journal.append("x", "]}{\"seq\":99"), -1); // would forge a record
        QCOMPARE(journal.append("x", "{}"), 1);             // no number was used up
        QCOMPARE(journal.append("x", "\xff\xfe"), -1);
    }

    void setsOwnerOnlyPermissions()
    {
        QTemporaryDir tmp;
        const mode_t old = ::umask(0);
        const QString dir = Journal::directoryFor(tmp.path() + "/activity");
        Journal journal(dir);
        QVERIFY(journal.open());
        QVERIFY(journal.append("x", "{}") > 0);
        ::umask(old);
        QCOMPARE(QFileInfo(dir).permissions() & 0x7777,
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                     QFileDevice::ReadUser | QFileDevice::WriteUser | QFileDevice::ExeUser);
        QCOMPARE(QFileInfo(journal.segmentFiles().first()).permissions() & 0x7777,
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser |
                     QFileDevice::WriteUser);
    }

    void toleratesATornLastLine()
    {
        QTemporaryDir tmp;
        QString segment;
        {
            Journal journal(tmp.path());
            QVERIFY(journal.open());
            for (int i = 0; i < 3; ++i)
                QVERIFY(journal.append("e", QByteArray::number(i)) > 0);
            segment = journal.segmentFiles().last();
        }
        // A crash in the middle of writing record 4.
        QVERIFY(appendRaw(segment, "{\"seq\":4,\"t\":1,\"name\":\"e\",\"args\":[{\"half"));
        {
            Journal journal(tmp.path());
            QVERIFY(journal.open());
            QCOMPARE(journal.tornLines(), 1);
            Journal::ReplayStats stats;
            QCOMPARE(seqsOf(replayAll(journal, &stats)), range(1, 3));
            QCOMPARE(stats.torn, 1);
            QCOMPARE(stats.garbage, 0);
            // New records go to a new segment, never glued to the torn line.
            QCOMPARE(journal.append("e", "4"), 4);
            QCOMPARE(journal.segmentFiles().size(), 2);
        }
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        QCOMPARE(seqsOf(replayAll(journal)), range(1, 4));
    }

    void skipsGarbageLines()
    {
        QTemporaryDir tmp;
        QString segment;
        {
            Journal journal(tmp.path());
            QVERIFY(journal.open());
            QVERIFY(journal.append("e", "1") > 0);
            segment = journal.segmentFiles().last();
            QVERIFY(appendRaw(segment, "this is not json\n{\"seq\":\"x\"}\n[1,2]\n\n{\"other\":1}\n"
                                       "{\"seq\":1,\"t\":1,\"name\":\"dup\",\"args\":[]}\n"));
            QVERIFY(journal.append("e", "2") > 0);
        }
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        Journal::ReplayStats stats;
        const QList<Replayed> got = replayAll(journal, &stats);
        QCOMPARE(seqsOf(got), (QList<qint64>{1, 2}));
        QCOMPARE(got.first().name, QStringLiteral("e"));
        QCOMPARE(stats.garbage, 5); // four bad lines and the duplicate seq 1
        QCOMPARE(journal.garbageLines(), 4 + 1);
    }

    void releasedRecordsAreNotReplayed()
    {
        QTemporaryDir tmp;
        {
            Journal journal(tmp.path());
            QVERIFY(journal.open());
            for (int i = 1; i <= 10; ++i)
                QCOMPARE(journal.append("e", QByteArray::number(i)), i);
            journal.release({2, 3, 4, 9, 9, 12345});
            journal.releaseUpTo(1);
            QCOMPARE(journal.unreleasedCount(), 5);
        }
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        Journal::ReplayStats stats;
        QCOMPARE(seqsOf(replayAll(journal, &stats)), (QList<qint64>{5, 6, 7, 8, 10}));
        QCOMPARE(stats.released, 5);
        QCOMPARE(journal.unreleasedCount(), 5);
        // Numbers are never reused, even for released records.
        QCOMPARE(journal.append("e", "11"), 11);
    }

    // A save releases a session's events, which are seldom neighbours: thousands of ranges in
    // one release line, all read back.
    void releasesOfScatteredRecordsAreReadBack()
    {
        QTemporaryDir tmp;
        QList<qint64> kept;
        {
            Journal journal(tmp.path());
            QVERIFY(journal.open());
            QList<qint64> released;
            for (int i = 1; i <= 6000; ++i) {
                QCOMPARE(journal.append("e", QByteArray::number(i)), i);
                (i % 3 == 0 ? kept : released).append(i);
            }
            journal.release(released);
            QCOMPARE(journal.unreleasedCount(), kept.size());
        }
        const QStringList segments =
            QDir(tmp.path()).entryList({QStringLiteral("*.jsonl")}, QDir::Files);
        QVERIFY(!segments.isEmpty());
        QFile last(QDir(tmp.path()).filePath(segments.last()));
        QVERIFY(last.open(QIODevice::ReadOnly));
        QVERIFY(last.readAll().contains("{\"release\":[[1,2],[4,5],[7,8],"));
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        Journal::ReplayStats stats;
        QCOMPARE(seqsOf(replayAll(journal, &stats)), kept);
        QCOMPARE(stats.released, 4000);
    }

    void deletesSegmentsOnceReleased()
    {
        QTemporaryDir tmp;
        Journal journal(tmp.path());
        journal.setSegmentLimits(1 << 20, 5);
        QVERIFY(journal.open());
        for (int i = 1; i <= 20; ++i)
            QCOMPARE(journal.append("e", QByteArray::number(i)), i);
        QStringList files = journal.segmentFiles();
        QCOMPARE(files.size(), 4);
        QCOMPARE(QFileInfo(files[0]).fileName(),
                 QStringLiteral("journal-00000000000000000001.jsonl"));
        QCOMPARE(QFileInfo(files[1]).fileName(),
                 QStringLiteral("journal-00000000000000000006.jsonl"));

        // Releasing the third segment's records deletes nothing: an older one is still needed,
        // and its release line must outlive the records it releases.
        journal.release(range(11, 15));
        QCOMPARE(journal.segmentFiles(), files);
        // Partly released: still kept.
        journal.release(range(1, 4));
        QVERIFY(QFileInfo::exists(files[0]));
        journal.release({5});
        QVERIFY(!QFileInfo::exists(files[0]));
        QCOMPARE(journal.segmentFiles().size(), 3);
        // The second segment goes, and with it the already released third one.
        journal.release(range(6, 10));
        QVERIFY(!QFileInfo::exists(files[1]));
        QVERIFY(!QFileInfo::exists(files[2]));
        QCOMPARE(journal.segmentFiles(), QStringList{files[3]});
        // The current segment is never deleted while open, even when fully released.
        journal.releaseUpTo(20);
        QCOMPARE(journal.segmentFiles(), QStringList{files[3]});
        QCOMPARE(journal.unreleasedCount(), 0);
        journal.close();

        // On the next start it is.
        Journal next(tmp.path());
        QVERIFY(next.open());
        QCOMPARE(next.segmentFiles(), QStringList());
        QCOMPARE(QDir(tmp.path()).entryList(QDir::Files), QStringList());
        QCOMPARE(replayAll(next).size(), 0);
        QCOMPARE(next.append("e", "21"), 21); // the release line kept numbering going
    }

    // Several records in one call (one write per segment): consecutive seqs, a refused one
    // in the middle takes none, segments still roll over at their limits, all replay.
    void appendsABatch()
    {
        QTemporaryDir tmp;
        {
            Journal journal(tmp.path());
            journal.setSegmentLimits(1 << 20, 4);
            QVERIFY(journal.open());
            QCOMPARE(journal.append("e", "1"), 1);
            QList<Journal::Record> batch;
            for (int i = 2; i <= 11; ++i)
                batch.append({QStringLiteral("e"), QByteArray::number(i), 1000 + i});
            batch.insert(3, {QStringLiteral("e"), QByteArray("{not json"), -1});
            const QList<qint64> seqs = journal.append(batch);
            QList<qint64> expected = range(2, 11);
            expected.insert(3, -1);
            QCOMPARE(seqs, expected);
            QCOMPARE(journal.segmentFiles().size(), 3); // 4 + 4 + 3 records
            QCOMPARE(journal.unreleasedCount(), 11);
            QCOMPARE(journal.append(QList<Journal::Record>{}), QList<qint64>{});
            // Written at once, before any sync or event loop.
            qsizetype lines = 0;
            for (const QString& path : journal.segmentFiles()) {
                QFile f(path);
                QVERIFY(f.open(QIODevice::ReadOnly));
                lines += f.readAll().count('\n');
            }
            QCOMPARE(lines, 11);
            journal.release(range(2, 5));
        }
        Journal again(tmp.path());
        QVERIFY(again.open());
        const QList<Replayed> got = replayAll(again);
        QCOMPARE(seqsOf(got), QList<qint64>({1, 6, 7, 8, 9, 10, 11}));
        QCOMPARE(got.last().payload, QByteArray("11"));
    }

    void releaseUpToDeletesAPrefix()
    {
        QTemporaryDir tmp;
        Journal journal(tmp.path());
        journal.setSegmentLimits(300, 1000); // rotate by size
        QVERIFY(journal.open());
        for (int i = 1; i <= 40; ++i)
            QVERIFY(journal.append("claude_event", "{\"k\":\"0123456789\"}") > 0);
        const QStringList files = journal.segmentFiles();
        QVERIFY(files.size() >= 5);
        for (const QString& f : files)
            QVERIFY(QFileInfo(f).size() < 300 + 100);
        journal.releaseUpTo(20);
        const QStringList left = journal.segmentFiles();
        QVERIFY(left.size() < files.size());
        QCOMPARE(left.last(), files.last());
        journal.close();
        Journal next(tmp.path());
        QVERIFY(next.open());
        QCOMPARE(seqsOf(replayAll(next)), range(21, 40));
    }

    void releasesDuringReplayAreSafe()
    {
        QTemporaryDir tmp;
        {
            Journal journal(tmp.path());
            journal.setSegmentLimits(1 << 20, 3);
            QVERIFY(journal.open());
            for (int i = 1; i <= 9; ++i)
                QVERIFY(journal.append("e", "{}") > 0);
        }
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        QList<qint64> seen;
        journal.replay([&](qint64 seq, const QDateTime&, const QString&, const QByteArray&) {
            seen.append(seq);
            journal.release({seq}); // e.g. the aggregator saved a session mid-replay
        });
        QCOMPARE(seen, range(1, 9));
        QCOMPARE(journal.unreleasedCount(), 0);
        // Every old segment was released; only the segment holding the release lines is left.
        QCOMPARE(journal.segmentFiles().size(), 1);
    }

    void syncsSoonAfterAppending()
    {
        QTemporaryDir tmp;
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        QCOMPARE(journal.syncDelay(), 100);
        QVERIFY(journal.isSynced());
        QVERIFY(journal.append("e", "{}") > 0);
        QVERIFY(!journal.isSynced());
        QTRY_VERIFY_WITH_TIMEOUT(journal.isSynced(), 1000);
    }

    void writesReachTheFileBeforeAnyFlush()
    {
        QTemporaryDir tmp;
        auto* journal = new Journal(tmp.path());
        QVERIFY(journal->open());
        for (int i = 1; i <= 100; ++i)
            QVERIFY(journal->append("e", QByteArray::number(i)) > 0);
        // No close(), no sync(), no event loop: the bytes are already in the file.
        QFile f(journal->segmentFiles().first());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 100);
        delete journal; // destroyed without close()
        Journal again(tmp.path());
        QVERIFY(again.open());
        QCOMPARE(seqsOf(replayAll(again)), range(1, 100));
    }

    void survivesAKilledProcess()
    {
        QTemporaryDir tmp;
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(kChildEnv), tmp.path());
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit); // SIGKILL: no destructor ran
        Journal journal(tmp.path());
        QVERIFY(journal.open());
        Journal::ReplayStats stats;
        const QList<Replayed> got = replayAll(journal, &stats);
        QCOMPARE(got.size(), kChildRecords);
        QCOMPARE(seqsOf(got), range(1, kChildRecords));
        QCOMPARE(got.last().payload, QByteArray::number(kChildRecords));
        QCOMPARE(stats.torn + stats.garbage, 0);
    }

    void refusesAPlantedSymlinkAsSegment()
    {
        QTemporaryDir tmp;
        const QString outside = tmp.path() + "/outside.txt";
        QVERIFY(appendRaw(outside, "secret"));
        const QString dir = tmp.path() + "/j";
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(QFile::link(outside, dir + "/journal-00000000000000000001.jsonl"));
        Journal journal(dir);
        QSignalSpy failed(&journal, &Journal::writeFailed);
        QVERIFY(journal.open()); // the link is ignored when reading
        QCOMPARE(journal.append("e", "{}"), -1);
        QCOMPARE(failed.size(), 1);
        QVERIFY(journal.lastError().contains(QStringLiteral("journal-00000000000000000001.jsonl")));
        QFile f(outside);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("secret"));
    }

    void failsClearlyWhenTheDirectoryCannotBeMade()
    {
        QTemporaryDir tmp;
        QVERIFY(appendRaw(tmp.path() + "/file", "x"));
        Journal journal(tmp.path() + "/file/.journal");
        QVERIFY(!journal.open());
        QVERIFY(journal.lastError().contains(tmp.path() + "/file"));
        QCOMPARE(journal.append("e", "{}"), -1);
    }
};

// Run as a child by survivesAKilledProcess: append, then die without any cleanup.
static int crashingChild(const QString& dir)
{
    Journal journal(dir);
    journal.setSyncDelay(60000); // nothing fdatasync'ed: the kernel still has every byte
    if (!journal.open())
        return 2;
    for (int i = 1; i <= kChildRecords; ++i)
        journal.append(QStringLiteral("claude_event"), QByteArray::number(i));
    ::kill(::getpid(), SIGKILL);
    return 3;
}

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsSet(kChildEnv)) {
        QCoreApplication app(argc, argv);
        return crashingChild(qEnvironmentVariable(kChildEnv));
    }
    QCoreApplication app(argc, argv);
    TstJournal test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_journal.moc"
