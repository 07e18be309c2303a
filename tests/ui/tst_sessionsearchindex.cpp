#include "model/EventCategory.h"
#include "presentation/SessionSearchIndex.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// Full-text search over a generated store of 10,000 saved sessions.
class TestSessionSearchIndex : public QObject
{
    Q_OBJECT

    static constexpr int kSessions = 10000;
    // On tmpfs where there is one: 10,000 small files take seconds on a busy disk, and the
    // disk is not what is under test.
    QTemporaryDir m_tmp{QFileInfo(QStringLiteral("/dev/shm")).isWritable()
                            ? QStringLiteral("/dev/shm/ea-search-XXXXXX")
                            : QDir::tempPath() + QStringLiteral("/ea-search-XXXXXX")};
    QString m_act;
    QList<SessionSummary> m_listing;

    static QString idOf(int i)
    {
        return QStringLiteral("%1-0000-4000-8000-%2")
            .arg(i, 8, 10, QLatin1Char('0'))
            .arg(i, 12, 10, QLatin1Char('0'));
    }

    static QJsonObject session(int i, const QString& promptWord = {})
    {
        const QString id = idOf(i);
        const QString prompt = QStringLiteral("Refactor module%1 and fix bug %2 %3")
                                   .arg(i % 97)
                                   .arg(i)
                                   .arg(promptWord);
        const QJsonArray events{
            QJsonObject{{"event_type", "user_prompt"},
                        {"category", "prompt"},
                        {"timestamp", "2026-07-01T10:00:00.000Z"},
                        {"data", QJsonObject{{"prompt_text", prompt}}}},
            QJsonObject{{"event_type", "assistant_response"},
                        {"category", "response"},
                        {"timestamp", "2026-07-01T10:00:05.000Z"},
                        {"data", QJsonObject{{"response_text",
                                              QStringLiteral("Done with ticket-%1").arg(i)}}}},
        };
        QJsonArray ops{QJsonObject{
            {"tool_name", i % 2 ? "Edit" : "Bash"},
            {"file_path", QStringLiteral("/home/dev/proj%1/src/file%2.py").arg(i % 13).arg(i)},
            {"success", true}}};
        QJsonArray delegations;
        if (i % 10 == 0)
            delegations.append(
                QJsonObject{{"agent_type", "research"},
                            {"task_description", QStringLiteral("survey area %1").arg(i)}});
        return QJsonObject{
            {"session_id", id},
            {"start_time", "2026-07-01T10:00:00.000Z"},
            {"working_directory", QStringLiteral("/home/dev/proj%1").arg(i % 13)},
            {"initial_prompt", prompt},
            {"events", events},
            {"tool_operations", ops},
            {"delegations", delegations},
            {"metrics", QJsonObject{{"events_by_category",
                                     QJsonObject{{"prompt", 1},
                                                 {"response", 1},
                                                 {"delegation", i % 10 == 0 ? 1 : 0}}}}}};
    }

    static SessionSummary summaryOf(const QString& path, const QString& id)
    {
        const QFileInfo fi(path);
        SessionSummary s;
        s.sessionId = id;
        s.filePath = fi.absoluteFilePath();
        s.fileSize = fi.size();
        s.modified = fi.lastModified().toUTC();
        return s;
    }

    QString write(int i, const QString& word = {})
    {
        const QJsonObject doc = session(i, word);
        const QString path = m_act + QStringLiteral("/session_%1.json").arg(i);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        f.write(QJsonDocument(doc).toJson(QJsonDocument::Compact));
        return path;
    }

    static void waitIndexed(SessionSearchIndex& index)
    {
        if (!index.isIndexing())
            return;
        QSignalSpy done(&index, &SessionSearchIndex::finished);
        QVERIFY(done.wait(60000));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_act = m_tmp.path() + QStringLiteral("/act");
        QDir().mkpath(m_act);
        QVERIFY(m_tmp.isValid());
        for (int i = 0; i < kSessions; ++i) {
            const QString path = write(i, i == 4321 ? QStringLiteral("zanzibar") : QString());
            m_listing.append(summaryOf(path, idOf(i)));
        }
    }

    void searchesTenThousandSessionsQuicklyWithoutReadingFiles()
    {
        SessionSearchIndex index;
        index.setCacheFile(m_tmp.path() + QStringLiteral("/cache.bin"));
        QCOMPARE(index.refresh(m_listing), kSessions);
        QVERIFY(index.isIndexing());
        waitIndexed(index);
        QCOMPARE(index.indexedCount(), kSessions);
        QCOMPARE(index.filesRead(), quint64(kSessions));

        const quint64 readBefore = index.filesRead();
        QElapsedTimer t;
        t.start();
        const QSet<QString> hits = index.search(QStringLiteral("ZANZIBAR"));
        const QSet<QString> twoWords = index.search(QStringLiteral("module5 ticket-5"));
        const QSet<QString> path = index.search(QStringLiteral("proj7/src/file7.py"));
        const qint64 elapsed = t.elapsed();
        QCOMPARE(hits.size(), 1);
        QVERIFY(hits.contains(m_listing.at(4321).sessionId));
        QVERIFY(twoWords.contains(m_listing.at(5).sessionId));
        QCOMPARE(path.size(), 1); // file7.py of proj7 is session 7 only
        // Three searches over 10,000 sessions, well under a second together.
        QVERIFY2(elapsed < 1000, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
        QCOMPARE(index.filesRead(), readBefore); // a keystroke never reads a file

        // Fields: the file path is not in the prompts; agents only where delegated.
        QVERIFY(
            index.search(QStringLiteral("file7.py"), 1u << SessionSearchIndex::Prompts).isEmpty());
        QCOMPARE(index.search(QStringLiteral("research"), 1u << SessionSearchIndex::Agents).size(),
                 kSessions / 10);
        QVERIFY(index.categoriesOf(m_listing.at(10).sessionId) & (1 << EventCategory::Delegation));
        QVERIFY(
            !(index.categoriesOf(m_listing.at(11).sessionId) & (1 << EventCategory::Delegation)));
        QVERIFY(index.writeCache());
    }

    void refreshReadsOnlyWhatChangedAndTheCacheSurvivesARestart()
    {
        {
            SessionSearchIndex warm;
            warm.setCacheFile(m_tmp.path() + QStringLiteral("/cache.bin"));
            // Everything comes from the cache: not one session file is read.
            QCOMPARE(warm.refresh(m_listing), 0);
            QCOMPARE(warm.filesRead(), quint64(0));
            QCOMPARE(warm.search(QStringLiteral("zanzibar")).size(), 1);

            // One file rewritten, one deleted.
            QTest::qWait(20); // a different mtime
            const QString changed = write(42, QStringLiteral("xylophone extra words"));
            QList<SessionSummary> listing = m_listing;
            listing[42] = summaryOf(changed, listing[42].sessionId);
            QFile::remove(listing[4321].filePath);
            listing.removeAt(4321);
            QCOMPARE(warm.refresh(listing), 1);
            waitIndexed(warm);
            QCOMPARE(warm.filesRead(), quint64(1));
            QCOMPARE(warm.search(QStringLiteral("xylophone")).size(), 1);
            QVERIFY(warm.search(QStringLiteral("zanzibar")).isEmpty());
            QCOMPARE(warm.indexedCount(), kSessions - 1);
        }
        // A cache that is garbage is ignored, not trusted.
        QFile cache(m_tmp.path() + QStringLiteral("/cache.bin"));
        QVERIFY(cache.open(QIODevice::WriteOnly));
        cache.write("not a cache");
        cache.close();
        SessionSearchIndex cold;
        cold.setCacheFile(cache.fileName());
        QCOMPARE(cold.refresh(m_listing.mid(0, 10)), 10);
        waitIndexed(cold);
        QCOMPARE(cold.indexedCount(), 10);
    }

    void extractCoversPromptsResponsesToolsFilesAgents()
    {
        const SessionSearchIndex::Document d = SessionSearchIndex::extract(session(30));
        QVERIFY(d.text[SessionSearchIndex::Prompts].contains("refactor module30"));
        QVERIFY(d.text[SessionSearchIndex::Responses].contains("ticket-30"));
        QVERIFY(d.text[SessionSearchIndex::Tools].contains("bash"));
        QVERIFY(d.text[SessionSearchIndex::Files].contains("/home/dev/proj4/src/file30.py"));
        QVERIFY(d.text[SessionSearchIndex::Agents].contains("survey area 30"));
    }
};

QTEST_MAIN(TestSessionSearchIndex)
#include "tst_sessionsearchindex.moc"
