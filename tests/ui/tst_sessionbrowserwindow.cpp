#include "capture/CaptureService.h"
#include "presentation/CaptureController.h"
#include "presentation/EventTimelineModel.h"
#include "presentation/LiveSessionFeed.h"
#include "presentation/SessionFilterProxy.h"
#include "presentation/SessionListModel.h"
#include "presentation/SessionSearchIndex.h"
#include "presentation/ToolOperationModel.h"
#include "storage/SessionStore.h"
#include "ui/DelegationTreeView.h"
#include "ui/SessionBrowserWindow.h"
#include "ui/SessionDetailView.h"
#include "ui/SessionExportJob.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

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

    // Enter in the search field selects the first match (so Export and Delete work and Down
    // goes to the second); Tab leaves the table.
    void keyboardSearchEnterSelectsAndTabLeavesTheTable()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        window.searchField()->setFocus();
        QTest::keyClick(window.searchField(), Qt::Key_Return);
        QVERIFY(window.table()->hasFocus());
        QCOMPARE(window.selectedSessionIds().size(), 1);
        QCOMPARE(window.table()->currentIndex().row(), 0);
        QTest::keyClick(window.table(), Qt::Key_Down);
        QCOMPARE(window.table()->currentIndex().row(), 1);
        QCOMPARE(window.selectedSessionIds().size(), 1);
        QTest::keyClick(window.table(), Qt::Key_Tab);
        QVERIFY(!window.table()->hasFocus());
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

        // The file Claude is editing right now finds the session editing it.
        const QByteArray edit =
            "{\"type\":\"tool_event\",\"subtype\":\"pre_tool\",\"timestamp\":"
            "\"2026-07-28T10:00:01Z\",\"session_id\":\"live-0001\",\"data\":{\"tool_name\":"
            "\"Edit\",\"tool_parameters\":{\"file_path\":\"/home/dev/live/src/Being_Edited.py\"},"
            "\"session_id\":\"live-0001\",\"working_directory\":\"/home/dev/live\"}}";
        m_capture->service().ingest(QStringLiteral("tool_event"), edit,
                                    QDateTime::currentDateTimeUtc());
        window.searchField()->setText(QStringLiteral("being_edited.py"));
        QTRY_VERIFY_WITH_TIMEOUT((window.applySearchNow(), window.proxy()->rowCount() == 1), 5000);
        QCOMPARE(window.proxy()->index(0, 0).data(SessionListModel::SessionIdRole).toString(),
                 QStringLiteral("live-0001"));
    }

    // Restored (here: the default size, larger than the offscreen 800x600 screen), the
    // window fits the screen.
    void windowFitsTheScreen()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QRect available = window.screen()->availableGeometry();
        QVERIFY2(available.contains(window.geometry()), qPrintable(QStringLiteral("%1x%2 on %3x%4")
                                                                       .arg(window.width())
                                                                       .arg(window.height())
                                                                       .arg(available.width())
                                                                       .arg(available.height())));
    }

    // The list has the window's height until a session is chosen.
    void detailsAppearWhenASessionIsChosen()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!window.detailView()->isVisible());
        window.table()->setCurrentIndex(window.proxy()->index(0, 0));
        QVERIFY(window.detailView()->isVisible());
        QTRY_VERIFY(window.detailView()->height() > 0);

        // Enter on a tool call opens its JSON, on the Tools tab as on the Timeline.
        SessionDetailView* detail = window.detailView();
        QTRY_VERIFY(detail->toolModel()->rowCount() > 0);
        detail->tabs()->setCurrentIndex(1);
        window.activateWindow();
        detail->toolView()->setFocus();
        detail->toolView()->setCurrentIndex(detail->toolView()->model()->index(0, 0));
        QVERIFY(detail->rawView()->isVisible());
        QTest::keyClick(detail->toolView(), Qt::Key_Return);
        QTRY_VERIFY(detail->rawView()->hasFocus());
        QVERIFY(detail->rawJson().contains(QStringLiteral("tool_name")));
    }

    // "With failures" narrows the list; the query still searches prompts, files and the rest.
    void failuresFilterSearchesEverything()
    {
        QCOMPARE(SessionFilterProxy::fieldsFor(SessionFilterProxy::Category::Failures),
                 SessionSearchIndex::AllFields);
    }
};

QTEST_MAIN(TestSessionBrowserWindow)
#include "tst_sessionbrowserwindow.moc"
