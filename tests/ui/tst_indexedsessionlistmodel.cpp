#include "SessionFactory.h"
#include "index/SessionIndexer.h"
#include "presentation/IndexedSessionListModel.h"
#include "presentation/LiveSessionMatcher.h"
#include "presentation/SessionIndexClient.h"
#include "storage/SessionStore.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// The browser's table over a generated session database of thousands of sessions: counted and
// paged in SQL off the GUI thread, sorted and filtered there, live sessions on top.
class TestIndexedSessionListModel : public QObject
{
    Q_OBJECT

    static constexpr int kSessions = 3000;
    QTemporaryDir m_dir{QFileInfo(QStringLiteral("/dev/shm")).isWritable()
                            ? QStringLiteral("/dev/shm/ea-indexed-XXXXXX")
                            : QDir::tempPath() + QStringLiteral("/ea-indexed-XXXXXX")};
    const QDateTime m_base{QDate(2026, 10, 1), QTime(8, 0), Qt::UTC};

    static QString idOf(int n)
    {
        return test::generatedSession(n, QDateTime::currentDateTimeUtc())
            .value(QStringLiteral("session_id"))
            .toString();
    }

    // The window's model over the generated database (its client reads that directory from the
    // first request on), checked by QAbstractItemModelTester throughout.
    struct Browser
    {
        explicit Browser(const QString& dir) : model((client.setActivityDirectory(dir), &client)) {}
        SessionIndexClient client;
        IndexedSessionListModel model;
        QAbstractItemModelTester tester{&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest};
    };

    // Waits until the model has counted and read the rows [first, last].
    static bool waitLoaded(IndexedSessionListModel& model, int first, int last)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000) {
            bool all = !model.isCounting();
            for (int row = first; all && row <= last; ++row)
                all = model.isLoaded(row);
            if (all)
                return true;
            QTest::qWait(5);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        {
            SessionStore store(m_dir.path());
            for (int n = 0; n < kSessions; ++n)
                QVERIFY(store.save(test::generatedSession(n, m_base.addSecs(n * 600))));
        }
        SessionIndexer indexer(m_dir.path());
        QVERIFY2(indexer.open(), qPrintable(indexer.error()));
    }

    void opensAtOnceAndReadsOnlyThePagesShown()
    {
        Browser browser(m_dir.path());
        SessionIndexClient& client = browser.client;
        IndexedSessionListModel& model = browser.model;
        QSignalSpy pages(&client, &SessionIndexClient::rowsReady);
        // The first page shows before the count (which visits every match) is known.
        int rowsAtFirstPage = -1;
        bool countingAtFirstPage = false;
        connect(&model, &IndexedSessionListModel::rowsLoaded, this, [&] {
            if (rowsAtFirstPage < 0) {
                rowsAtFirstPage = model.rowCount();
                countingAtFirstPage = model.isCounting();
            }
        });
        QVERIFY(waitLoaded(model, 0, 20));
        QCOMPARE(rowsAtFirstPage, IndexedSessionListModel::PageSize);
        QVERIFY(countingAtFirstPage);
        QCOMPARE(model.rowCount(), kSessions);
        QCOMPARE(model.savedCount(), kSessions);
        // Newest first, the database's rows as they are.
        QCOMPARE(model.sessionIdAt(0), idOf(kSessions - 1));
        QCOMPARE(model.index(0, SessionListModel::ProjectColumn).data().toString(),
                 QStringLiteral("mobile")); // session 2999: projects[2999 % 5]
        // Only the first page was read; the end is read when asked for.
        QVERIFY(!model.isLoaded(kSessions - 1));
        QCOMPARE(model.index(kSessions - 1, 0).data().toString(), QStringLiteral("…"));
        QVERIFY(waitLoaded(model, kSessions - 1, kSessions - 1));
        QCOMPARE(model.sessionIdAt(kSessions - 1), idOf(0));
        QVERIFY2(pages.size() <= 3, qPrintable(QString::number(pages.size())));
        QCOMPARE(model.summaryAt(0).failures >= 0, true);
    }

    void sortsAndFiltersInSql()
    {
        Browser browser(m_dir.path());
        IndexedSessionListModel& model = browser.model;
        QVERIFY(waitLoaded(model, 0, 0));
        model.sort(SessionListModel::EventsColumn, Qt::AscendingOrder);
        QVERIFY(waitLoaded(model, 0, IndexedSessionListModel::PageSize - 1));
        for (int row = 1; row < IndexedSessionListModel::PageSize; ++row)
            QVERIFY(model.index(row - 1, SessionListModel::EventsColumn).data().toInt() <=
                    model.index(row, SessionListModel::EventsColumn).data().toInt());
        // A column the database cannot order by keeps the order there is.
        model.sort(SessionListModel::DelegationsColumn, Qt::AscendingOrder);
        QCOMPARE(model.sortColumn(), int(SessionListModel::EventsColumn));

        model.setQuery(QStringLiteral("project:api"));
        QVERIFY(waitLoaded(model, 0, 0));
        QCOMPARE(model.rowCount(), kSessions / 5);
        QCOMPARE(model.index(0, SessionListModel::ProjectColumn).data().toString(),
                 QStringLiteral("api"));

        // Free text, ranked: each row carries the text around its match.
        model.setQuery(QStringLiteral("project:web \"bug number 1\""), true);
        QVERIFY(model.isRanked());
        QVERIFY(waitLoaded(model, 0, 0));
        QVERIFY(model.rowCount() > 0);
        QVERIFY(model.rowCount() < kSessions / 5);
        QVERIFY(model.index(0, 0)
                    .data(IndexedSessionListModel::SnippetRole)
                    .toString()
                    .contains(QStringLiteral("number 1")));
        // A header click sorts by that column instead.
        model.sort(SessionListModel::StartColumn, Qt::DescendingOrder);
        QVERIFY(!model.isRanked());

        model.setQuery(QStringLiteral("no-such-word-anywhere"));
        QTRY_VERIFY(!model.isCounting());
        QCOMPARE(model.rowCount(), 0);
    }

    void liveSessionsStayOnTop()
    {
        Browser browser(m_dir.path());
        IndexedSessionListModel& model = browser.model;
        QVERIFY(waitLoaded(model, 0, 0));
        LiveSessionSnapshot live;
        live.summary.sessionId = QStringLiteral("live-1");
        live.summary.workingDirectory = QStringLiteral("/home/dev/web");
        live.summary.startTime = QDateTime::currentDateTimeUtc();
        live.tools = {QStringLiteral("Bash")};
        model.applyLive({live});
        QCOMPARE(model.rowCount(), kSessions + 1);
        QVERIFY(model.isLive(0));
        QCOMPARE(model.sessionIdAt(0), QStringLiteral("live-1"));
        QCOMPARE(model.sessionIdAt(1), idOf(kSessions - 1));
        QCOMPARE(model.rowOf(idOf(kSessions - 1)), 1);

        // The query decides for live rows too (judged in memory).
        const auto filterBy = [&model](const QString& query) {
            model.setLiveFilter([m = LiveSessionMatcher(query)](const LiveSessionSnapshot& s) {
                return m.matches(s);
            });
            model.setQuery(query);
        };
        filterBy(QStringLiteral("project:api"));
        QVERIFY(waitLoaded(model, 0, 0));
        QCOMPARE(model.liveCount(), 0);
        filterBy(QStringLiteral("tool:Bash"));
        QVERIFY(waitLoaded(model, 0, 1));
        QCOMPARE(model.liveCount(), 1);

        // Completed: its row stays until the database has been read again.
        live.live = false;
        live.summary.status = QStringLiteral("completed");
        model.applyLive({live});
        QCOMPARE(model.liveCount(), 1);
        QVERIFY(!model.isLive(0));
        QSignalSpy counted(&model, &IndexedSessionListModel::counted);
        model.refresh();
        QVERIFY(counted.wait(5000));
        QCOMPARE(model.liveCount(), 0);
    }

    // "Needs attention": only the sessions the state monitor says need the user, as they change.
    void needsAttentionShowsOnlyThoseWaitingForYou()
    {
        Browser browser(m_dir.path());
        IndexedSessionListModel& model = browser.model;
        QHash<QString, LiveState> states{
            {QStringLiteral("ask"),
             {LiveState::Kind::NeedsPermission, QStringLiteral("needs your permission to use Bash"),
              QDateTime::currentDateTimeUtc(), QStringLiteral("Bash")}},
            {QStringLiteral("busy"),
             {LiveState::Kind::Working,
              QStringLiteral("working"),
              QDateTime::currentDateTimeUtc(),
              {}}}};
        model.setStateLookup([&](const QString& id) -> std::optional<LiveState> {
            const auto it = states.constFind(id);
            return it == states.cend() ? std::nullopt : std::optional(*it);
        });
        QList<LiveSessionSnapshot> live;
        for (const char* id : {"ask", "busy"}) {
            LiveSessionSnapshot s;
            s.summary.sessionId = QString::fromLatin1(id);
            s.summary.startTime = QDateTime::currentDateTimeUtc();
            live.append(s);
        }
        model.applyLive(live);
        QVERIFY(waitLoaded(model, 0, 2));
        QCOMPARE(model.index(model.rowOf(QStringLiteral("ask")), SessionListModel::StateColumn)
                     .data()
                     .toString(),
                 QStringLiteral("Needs permission"));
        model.setNeedsAttentionOnly(true);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.sessionIdAt(0), QStringLiteral("ask"));
        // The permission is answered: the row leaves the list.
        states[QStringLiteral("ask")].kind = LiveState::Kind::Working;
        model.stateChanged(QStringLiteral("ask"));
        QCOMPARE(model.rowCount(), 0);
        model.setNeedsAttentionOnly(false);
        QVERIFY(waitLoaded(model, 0, 0));
        QCOMPARE(model.rowCount(), kSessions + 2);
    }

    // A session resumed after a saved turn is live again: shown once, from memory, and from its
    // file again once it completes.
    void aResumedSessionShowsOnce()
    {
        Browser browser(m_dir.path());
        IndexedSessionListModel& model = browser.model;
        QVERIFY(waitLoaded(model, 0, 0));
        QCOMPARE(model.rowCount(), kSessions);
        const QString id = idOf(kSessions - 1); // the newest: on the first page
        const auto occurrences = [&] {
            int n = 0;
            for (int row = 0; row < 5; ++row)
                n += model.sessionIdAt(row) == id ? 1 : 0;
            return n;
        };
        QCOMPARE(occurrences(), 1);
        LiveSessionSnapshot resumed;
        resumed.summary.sessionId = id;
        resumed.summary.startTime = QDateTime::currentDateTimeUtc();
        model.applyLive({resumed});
        QTRY_COMPARE(model.rowCount(), kSessions); // the live row, and one saved row fewer
        QVERIFY(waitLoaded(model, 0, 4));
        QVERIFY(model.isLive(0));
        QCOMPARE(model.sessionIdAt(0), id);
        QCOMPARE(occurrences(), 1);
        // Completed: its file is read again and the snapshot goes.
        resumed.live = false;
        model.applyLive({resumed});
        model.refresh();
        QTRY_VERIFY(!model.isLive(0));
        QVERIFY(waitLoaded(model, 0, 4));
        QCOMPARE(model.rowCount(), kSessions);
        QCOMPARE(occurrences(), 1);
    }
};

QTEST_MAIN(TestIndexedSessionListModel)
#include "tst_indexedsessionlistmodel.moc"
