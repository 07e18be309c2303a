#include "CaptureController.h"
#include "CaptureService.h"
#include "DelegationTreeView.h"
#include "EventTimelineModel.h"
#include "LiveSessionFeed.h"
#include "SessionBrowserWindow.h"
#include "SessionDetailView.h"
#include "SessionExportJob.h"
#include "SessionFilterProxy.h"
#include "SessionListModel.h"
#include "SessionSearchIndex.h"
#include "SessionStore.h"
#include "ToolOperationModel.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

// The browser window over a store filled by replaying a recorded dashboard stream.
class TestSessionBrowserWindow : public QObject
{
    Q_OBJECT

    // On tmpfs where there is one: every save syncs the directory, and a busy disk makes the
    // replay below take seconds for nothing this test looks at.
    QTemporaryDir m_tmp{QFileInfo(QStringLiteral("/dev/shm")).isWritable()
                            ? QStringLiteral("/dev/shm/ea-browser-XXXXXX")
                            : QDir::tempPath() + QStringLiteral("/ea-browser-XXXXXX")};
    std::unique_ptr<CaptureController> m_capture;
    std::unique_ptr<LiveSessionFeed> m_feed;

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("ea-test"));
        qputenv("XDG_CONFIG_HOME", (m_tmp.path() + QStringLiteral("/config")).toUtf8());
        CaptureSettings s;
        s.events = {QStringLiteral("claude_event"), QStringLiteral("tool_event"),
                    QStringLiteral("session_event"), QStringLiteral("hook_event")};
        s.activityDirectory = m_tmp.path() + QStringLiteral("/act");
        s.useJournal = false;
        s.autoCleanupDays = 0;
        s.port = 1;
        m_capture = std::make_unique<CaptureController>(s);
        QVERIFY(m_capture->initialize());
        QString error;
        QVERIFY2(m_capture->service().replay(
                     QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.jsonl"), &error),
                 qPrintable(error));
        QVERIFY(m_capture->service().store().list().size() >= 5);
        m_feed = std::make_unique<LiveSessionFeed>();
        m_feed->setAggregator(&m_capture->service().aggregator());
    }

    void listsSearchesShowsDetailsAndExports()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        QAbstractItemModelTester tester(window.proxy(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester timelineTester(
            window.detailView()->timelineModel(),
            QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester toolTester(window.detailView()->toolModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        window.setSearchCacheFile(m_tmp.path() + QStringLiteral("/search.bin"));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const int total = int(m_capture->service().store().list().size());
        QCOMPARE(window.model()->rowCount(), total);
        // Newest first.
        const auto start = [&](int row) {
            return window.proxy()
                ->index(row, SessionListModel::StartColumn)
                .data(SessionListModel::SortRole)
                .toLongLong();
        };
        QVERIFY(start(0) >= start(total - 1));

        // Details of the first row load in the background.
        window.table()->setCurrentIndex(window.proxy()->index(0, 0));
        QTRY_VERIFY(window.detailView()->timelineModel()->rowCount() > 0);
        const QString firstId = window.model()->sessionIdAt(
            window.proxy()->mapToSource(window.proxy()->index(0, 0)).row());
        QCOMPARE(window.detailView()->sessionId(), firstId);
        QVERIFY(window.detailView()->toolModel()->rowCount() > 0);
        window.detailView()->timelineView()->setCurrentIndex(
            window.detailView()->timelineModel()->index(0, 0));
        QVERIFY(window.detailView()->rawJson().contains(QStringLiteral("\"event_type\"")));

        // Search: the fixture's prompts mention auth.py in some sessions only.
        if (window.searchIndex()->isIndexing()) {
            QSignalSpy indexed(window.searchIndex(), &SessionSearchIndex::finished);
            QVERIFY(indexed.wait(20000));
        }
        QCOMPARE(window.searchIndex()->indexedCount(), total);
        window.searchField()->setText(QStringLiteral("no-such-text-anywhere"));
        window.applySearchNow();
        QCOMPARE(window.proxy()->rowCount(), 0);
        window.searchField()->setText(QStringLiteral("Bash"));
        window.categoryBox()->setCurrentIndex(
            window.categoryBox()->findData(int(SessionFilterProxy::Category::Tools)));
        window.applySearchNow();
        QVERIFY(window.proxy()->rowCount() > 0);
        window.categoryBox()->setCurrentIndex(
            window.categoryBox()->findData(int(SessionFilterProxy::Category::Prompts)));
        window.applySearchNow();
        QCOMPARE(window.proxy()->rowCount(), 0); // "Bash" is a tool, not in any prompt
        window.searchField()->clear();
        window.categoryBox()->setCurrentIndex(0);
        window.applySearchNow();
        QCOMPARE(window.proxy()->rowCount(), total);

        // Export two selected sessions as JSON.
        window.table()->selectionModel()->select(
            QItemSelection(window.proxy()->index(0, 0),
                           window.proxy()->index(1, SessionListModel::ColumnCount - 1)),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(window.selectedSessionIds().size(), 2);
        const QString target = m_tmp.path() + QStringLiteral("/two.json");
        SessionExportJob* job = window.exportSelected(target, QStringLiteral("json"));
        QVERIFY(job);
        QSignalSpy exported(job, &SessionExportJob::finished);
        QVERIFY(exported.wait(10000));
        QFile f(target);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(f.readAll()).array().size(), 2);

        // A session deleted from the store leaves the table.
        const QString victim = window.selectedSessionIds().first();
        QVERIFY(m_capture->service().store().remove(victim));
        QCOMPARE(window.model()->rowOf(victim), -1);
        QCOMPARE(window.model()->rowCount(), total - 1);
    }

    void liveSessionAppearsAndSelectSessionFindsIt()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        window.show();
        const QByteArray payload =
            "{\"type\":\"claude_event\",\"subtype\":\"user_prompt\",\"timestamp\":"
            "\"2026-07-28T10:00:00Z\",\"session_id\":\"live-0001\",\"cwd\":\"/home/dev/live\","
            "\"data\":{\"prompt_text\":\"watch me\"}}";
        m_capture->service().ingest(QStringLiteral("claude_event"), payload,
                                    QDateTime::currentDateTimeUtc());
        QTRY_VERIFY(window.model()->rowOf(QStringLiteral("live-0001")) >= 0);
        QVERIFY(window.model()->isLive(window.model()->rowOf(QStringLiteral("live-0001"))));
        QVERIFY(window.selectSession(QStringLiteral("live-0001")));
        QCOMPARE(window.detailView()->sessionId(), QStringLiteral("live-0001"));
        QCOMPARE(window.detailView()->timelineModel()->rowCount(), 1);
        window.searchField()->setText(QStringLiteral("watch me"));
        window.applySearchNow();
        QCOMPARE(window.proxy()->rowCount(), 1);
    }
};

QTEST_MAIN(TestSessionBrowserWindow)
#include "tst_sessionbrowserwindow.moc"
