#include "capture/CaptureService.h"
#include "index/SessionIndexWriter.h"
#include "presentation/CaptureController.h"
#include "presentation/EventTimelineModel.h"
#include "presentation/IndexedSessionListModel.h"
#include "presentation/LiveSessionFeed.h"
#include "presentation/SessionListModel.h"
#include "presentation/ToolOperationModel.h"
#include "storage/SessionStore.h"
#include "ui/DelegationTreeView.h"
#include "ui/SessionBrowserWindow.h"
#include "ui/SessionDetailView.h"
#include "ui/SessionExportJob.h"
#include "ui/StatisticsView.h"

#include <QAbstractItemModelTester>
#include <QAbstractItemView>
#include <QCompleter>
#include <QDialog>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

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
        // The capture keeps the session database in step, on its own thread.
        QVERIFY(m_capture->service().index());
        QVERIFY(m_capture->service().index()->waitForIdle());
        m_feed = std::make_unique<LiveSessionFeed>();
        m_feed->setAggregator(&m_capture->service().aggregator());
    }

    int savedTotal() const
    {
        int n = 0;
        for (const SessionSummary& s : m_capture->service().store().list())
            n += s.damaged ? 0 : 1;
        return n;
    }

    // Shown, with the database counted and its first rows read.
    static void showAndWait(SessionBrowserWindow& window)
    {
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(!window.model()->isCounting() && window.model()->rowCount() > 0 &&
                    window.model()->isLoaded(window.model()->rowCount() - 1));
    }

    void listsSearchesShowsDetailsAndExports()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        QAbstractItemModelTester tester(window.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester timelineTester(
            window.detailView()->timelineModel(),
            QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester toolTester(window.detailView()->toolModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        showAndWait(window);
        const int total = savedTotal();
        QCOMPARE(window.model()->savedCount(), total);
        const int rows = window.model()->rowCount();
        // Newest first.
        const auto start = [&](int row) { return window.model()->summaryAt(row).startTime; };
        QVERIFY(start(0) >= start(rows - 1));

        // Details of the first row load in the background.
        window.table()->setCurrentIndex(window.model()->index(0, 0));
        QTRY_VERIFY(window.detailView()->timelineModel()->rowCount() > 0);
        QCOMPARE(window.detailView()->sessionId(), window.model()->sessionIdAt(0));
        QVERIFY(window.detailView()->toolModel()->rowCount() > 0);
        window.detailView()->timelineView()->setCurrentIndex(
            window.detailView()->timelineModel()->index(0, 0));
        QVERIFY(window.detailView()->rawJson().contains(QStringLiteral("\"event_type\"")));

        // Search, in the CLI's syntax, filtered in SQL.
        const auto search = [&](const QString& text) {
            window.searchField()->setText(text);
            window.applySearchNow();
            QTRY_VERIFY(!window.model()->isCounting());
        };
        search(QStringLiteral("no-such-text-anywhere"));
        QCOMPARE(window.model()->savedCount(), 0);
        // The empty list says why: the query, not a lack of sessions.
        QVERIFY(window.emptyNote()->isVisible());
        QVERIFY2(window.emptyNote()->text().startsWith(QStringLiteral("No session matches")),
                 qPrintable(window.emptyNote()->text()));
        search(QStringLiteral("tool:Bash"));
        QVERIFY(window.model()->savedCount() > 0);
        QVERIFY(window.searchError()->isHidden());
        search(QStringLiteral("tool:NoSuchTool"));
        QCOMPARE(window.model()->savedCount(), 0);
        search(QStringLiteral("tool:Bash"));
        // Bad syntax is said next to the box, with where; the rows stay those of the last query.
        const qint64 before = window.model()->savedCount();
        window.searchField()->setText(QStringLiteral("tool:Bash tokens>lots"));
        window.applySearchNow();
        QVERIFY(window.searchError()->isVisible());
        QVERIFY2(window.searchError()->text().startsWith(QStringLiteral("At 18:")),
                 qPrintable(window.searchError()->text()));
        QCOMPARE(window.model()->savedCount(), before);
        QCOMPARE(window.model()->query(), QStringLiteral("tool:Bash"));
        search(QString());
        QVERIFY(window.searchError()->isHidden());
        QCOMPARE(window.model()->savedCount(), total);

        // Export two selected sessions as JSON.
        QTRY_VERIFY(window.model()->isLoaded(1));
        window.table()->selectionModel()->select(
            QItemSelection(window.model()->index(0, 0),
                           window.model()->index(1, SessionListModel::ColumnCount - 1)),
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

        // A session deleted from the store leaves the table once the database has it.
        const QString victim = window.selectedSessionIds().first();
        QVERIFY(m_capture->service().store().remove(victim));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->savedCount(), total - 1, 10000);
        QTRY_VERIFY(window.model()->isLoaded(window.model()->rowCount() - 1));
        QCOMPARE(window.model()->rowOf(victim), -1);
    }

    // The search box completes field names and known values; a free-text search ranks its
    // hits and the details mark what matched.
    void completesAndHighlights()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        showAndWait(window);
        window.activateWindow();
        window.searchField()->setFocus();
        QTest::keyClicks(window.searchField(), QStringLiteral("pro"));
        QCompleter* completer = window.completer();
        QTRY_VERIFY(completer->popup()->isVisible());
        QCOMPARE(completer->completionModel()->index(0, 0).data().toString(),
                 QStringLiteral("project:"));
        // Chosen from the list: the field, then its known values are offered.
        completer->popup()->setCurrentIndex(completer->completionModel()->index(0, 0));
        QTest::keyClick(completer->popup(), Qt::Key_Return);
        QCOMPARE(window.searchField()->text(), QStringLiteral("project:"));
        QTRY_VERIFY(completer->popup()->isVisible());
        QVERIFY(completer->completionModel()->rowCount() > 0);
        QVERIFY(completer->completionModel()->index(0, 0).data().toString().startsWith(
            QStringLiteral("project:")));
        QTest::keyClick(completer->popup(), Qt::Key_Escape);

        window.searchField()->setText(QStringLiteral("auth"));
        window.applySearchNow();
        QVERIFY(window.model()->isRanked());
        QTRY_VERIFY(!window.model()->isCounting() && window.model()->rowCount() > 0 &&
                    window.model()->isLoaded(0));
        QVERIFY(!window.model()
                     ->index(0, 0)
                     .data(IndexedSessionListModel::SnippetRole)
                     .toString()
                     .isEmpty());
        QCOMPARE(window.detailView()->highlight(), QStringList{QStringLiteral("auth")});
        window.table()->setCurrentIndex(window.model()->index(0, 0));
        QTRY_VERIFY(window.detailView()->timelineModel()->rowCount() > 0);
        QVERIFY(window.detailView()->timelineModel()->firstHighlightedRow() >= 0);
    }

    // A bar of the Statistics view opens the sessions of its group: the query narrowed to it.
    void statisticsBarSetsTheQuery()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        window.resize(1100, 900);
        showAndWait(window);
        window.showStatistics();
        StatisticsView* stats = window.statisticsView();
        QTRY_VERIFY(stats->barCount(StatisticsView::ToolFailureRate) > 0);
        QVERIFY(stats->summaryText().contains(QStringLiteral("session")));
        const int bar = stats->barCount(StatisticsView::ToolFailureRate) - 1;
        const QString tool = stats->keyAt(StatisticsView::ToolFailureRate, bar);
        QTest::mouseClick(stats->chartViewport(StatisticsView::ToolFailureRate), Qt::LeftButton, {},
                          stats->barCenter(StatisticsView::ToolFailureRate, bar));
        QCOMPARE(window.searchField()->text(), QStringLiteral("tool:") + tool);
        QCOMPARE(window.model()->query(), QStringLiteral("tool:") + tool);
        QCOMPARE(window.tabs()->currentIndex(), 0);
        QTRY_VERIFY(!window.model()->isCounting());
        QVERIFY(window.model()->savedCount() > 0);
    }

    // Pinned from the context menu's action; the cleanup preview says what would go and why.
    void pinsAndPreviewsCleanup()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        showAndWait(window);
        int row = 0;
        while (row < window.model()->rowCount() && window.model()->isLive(row))
            ++row;
        QVERIFY(row < window.model()->rowCount());
        const QString id = window.model()->sessionIdAt(row);
        window.table()->selectionModel()->select(window.model()->index(row, 0),
                                                 QItemSelectionModel::ClearAndSelect |
                                                     QItemSelectionModel::Rows);
        QVERIFY(window.pinAction()->isEnabled());
        QVERIFY(!window.unpinAction()->isEnabled());
        window.pinAction()->trigger();
        QVERIFY(m_capture->service().store().pinnedIds().contains(id));
        QVERIFY(window.model()->isPinned(window.model()->rowOf(id)));
        // The database has it too: read again, the row is still pinned, with its icon.
        QTRY_VERIFY_WITH_TIMEOUT(!window.model()->isCounting() && window.model()->rowOf(id) >= 0 &&
                                     window.model()
                                         ->index(window.model()->rowOf(id), 0)
                                         .data(Qt::DecorationRole)
                                         .isValid(),
                                 10000);
        // Found by `pinned` once the capture's writer has taken the pin.
        QVERIFY(m_capture->service().index()->waitForIdle());
        window.searchField()->setText(QStringLiteral("pinned"));
        window.applySearchNow();
        QTRY_VERIFY(!window.model()->isCounting());
        QCOMPARE(window.model()->savedCount(), 1);

        window.cleanupAction()->trigger();
        auto* dialog = window.findChild<QDialog*>(QStringLiteral("cleanupPreview"));
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        const QList<QLabel*> labels = dialog->findChildren<QLabel*>();
        QVERIFY(std::any_of(labels.cbegin(), labels.cend(), [](QLabel* l) {
            return l->text().contains(QStringLiteral("auto_cleanup_days"));
        }));
        dialog->close();

        window.table()->selectionModel()->select(window.model()->index(0, 0),
                                                 QItemSelectionModel::ClearAndSelect |
                                                     QItemSelectionModel::Rows);
        QTRY_VERIFY(window.unpinAction()->isEnabled()); // once its row is read
        window.unpinAction()->trigger();
        QVERIFY(!m_capture->service().store().pinnedIds().contains(id));
    }

    // Enter in the search field selects the first match (so Export and Delete work and Down
    // goes to the second); Tab leaves the table.
    void keyboardSearchEnterSelectsAndTabLeavesTheTable()
    {
        SessionBrowserWindow window(m_capture.get(), m_feed.get());
        showAndWait(window);
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
        QTRY_VERIFY(!window.model()->isCounting());
        QCOMPARE(window.model()->rowCount(), 1);

        // The file Claude is editing right now finds the session editing it.
        const QByteArray edit =
            "{\"type\":\"tool_event\",\"subtype\":\"pre_tool\",\"timestamp\":"
            "\"2026-07-28T10:00:01Z\",\"session_id\":\"live-0001\",\"data\":{\"tool_name\":"
            "\"Edit\",\"tool_parameters\":{\"file_path\":\"/home/dev/live/src/Being_Edited.py\"},"
            "\"session_id\":\"live-0001\",\"working_directory\":\"/home/dev/live\"}}";
        m_capture->service().ingest(QStringLiteral("tool_event"), edit,
                                    QDateTime::currentDateTimeUtc());
        window.searchField()->setText(QStringLiteral("being_edited.py"));
        QTRY_VERIFY_WITH_TIMEOUT((window.applySearchNow(),
                                  !window.model()->isCounting() && window.model()->rowCount() == 1),
                                 5000);
        QCOMPARE(window.model()->index(0, 0).data(SessionListModel::SessionIdRole).toString(),
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
        showAndWait(window);
        QVERIFY(!window.detailView()->isVisible());
        int row = 0; // a saved session, with tool calls
        while (window.model()->isLive(row))
            ++row;
        window.table()->setCurrentIndex(window.model()->index(row, 0));
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
};

QTEST_MAIN(TestSessionBrowserWindow)
#include "tst_sessionbrowserwindow.moc"
