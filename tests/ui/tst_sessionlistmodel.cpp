#include "UiTestEvents.h"
#include "aggregation/Aggregator.h"
#include "presentation/LiveSessionFeed.h"
#include "presentation/ReadableLabel.h"
#include "presentation/SessionListModel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace ea;

// SessionListModel and the coalescing LiveSessionFeed, over a real Aggregator.
class TestSessionListModel : public QObject
{
    Q_OBJECT

    static SessionSummary saved(const QString& id, int minute, const QString& status,
                                int failures = 0)
    {
        SessionSummary s;
        s.sessionId = id;
        s.filePath = QStringLiteral("/act/session_%1.json").arg(id);
        s.startTime = QDateTime(QDate(2026, 7, 1), QTime(10, minute), Qt::UTC);
        s.endTime = s.startTime.addSecs(90);
        s.status = status;
        s.totalEvents = 10 + minute;
        s.failures = failures;
        s.workingDirectory = QStringLiteral("/home/dev/proj%1").arg(minute);
        s.modified = s.endTime;
        s.fileSize = 100;
        return s;
    }

private Q_SLOTS:
    void rawIdsReadAsWords()
    {
        QCOMPARE(ReadableLabel::status(QStringLiteral("timed_out")), QStringLiteral("Timed out"));
        QCOMPARE(ReadableLabel::eventType(QStringLiteral("pre_tool")),
                 QStringLiteral("Tool started"));
        QCOMPARE(ReadableLabel::eventType(QStringLiteral("subagent_start")),
                 QStringLiteral("Subagent started"));
        QCOMPARE(ReadableLabel::eventType(QStringLiteral("memory_loaded")),
                 QStringLiteral("Memory loaded"));

        SessionListModel model;
        SessionSummary timedOut = saved("t", 1, "timed_out");
        SessionSummary unattributed = saved("unattributed", 2, "completed");
        unattributed.workingDirectory.clear();
        model.setSavedSessions({timedOut, unattributed});
        const int t = model.rowOf(QStringLiteral("t"));
        QCOMPARE(model.index(t, SessionListModel::StatusColumn).data().toString(),
                 QStringLiteral("Timed out"));
        QVERIFY(model.index(t, SessionListModel::StatusColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("timed_out")));
        QCOMPARE(
            model
                .index(model.rowOf(QStringLiteral("unattributed")), SessionListModel::ProjectColumn)
                .data()
                .toString(),
            QStringLiteral("Events without a session"));
    }

    void durationsReadTheSameAtAnyLength()
    {
        QCOMPARE(SessionListModel::formatDuration(42000), QStringLiteral("42 s"));
        QCOMPARE(SessionListModel::formatDuration(65000), QStringLiteral("1:05"));
        QCOMPARE(SessionListModel::formatDuration(3723000), QStringLiteral("1:02:03"));
        // A replayed old session: days past 24 h, not "3024:32:30".
        QCOMPARE(SessionListModel::formatDuration(qint64(3024) * 3600000 + 32 * 60000),
                 QStringLiteral("126 d 0 h"));
        QCOMPARE(SessionListModel::formatDuration(-1), QStringLiteral("–"));
    }

    void savedListingIsDiffedInPlace()
    {
        SessionListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSavedSessions(
            {saved("a", 1, "completed"), saved("b", 2, "completed"), saved("c", 3, "stopped")});
        QCOMPARE(model.rowCount(), 3);

        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        SessionSummary b = saved("b", 2, "completed");
        b.fileSize = 200; // rewritten
        b.totalEvents = 99;
        model.setSavedSessions({saved("a", 1, "completed"), b, saved("d", 4, "completed")});
        QCOMPARE(reset.count(), 0);
        QCOMPARE(removed.count(), 1);  // c
        QCOMPARE(inserted.count(), 1); // d
        QCOMPARE(changed.count(), 1);  // b only; a is unchanged
        QCOMPARE(model.rowCount(), 3);
        const int rowB = model.rowOf(QStringLiteral("b"));
        QCOMPARE(model.index(rowB, SessionListModel::EventsColumn).data().toInt(), 99);
        QCOMPARE(model.rowOf(QStringLiteral("c")), -1);
        // The index stays right after a removal in the middle.
        QCOMPARE(model.sessionIdAt(model.rowOf(QStringLiteral("d"))), QStringLiteral("d"));
    }

    void liveSessionsUpdateInPlaceThenBecomeSaved()
    {
        Aggregator aggregator({});
        aggregator.setTimerDriven(false);
        LiveSessionFeed feed;
        feed.setAggregator(&aggregator);
        SessionListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(&feed, &LiveSessionFeed::sessionsUpdated, &model, &SessionListModel::applyLive);

        const auto e1 = UiTestEvents::make("s1", "user_prompt", 0, "{\"prompt_text\":\"fix it\"}");
        aggregator.addEvent(e1, -1, 0);
        feed.flush();
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(model.isLive(0));
        QCOMPARE(model.index(0, SessionListModel::StatusColumn).data().toString(),
                 QStringLiteral("Live"));
        QVERIFY(model.index(0, 0)
                    .data(SessionListModel::SearchTextRole)
                    .toString()
                    .contains(QStringLiteral("fix it")));

        aggregator.addEvent(UiTestEvents::make("s1", "stop", 500), -1, 500);
        feed.flush();
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(!model.isLive(0));
        QCOMPARE(model.index(0, SessionListModel::StatusColumn).data().toString(),
                 QStringLiteral("Completed"));
        QCOMPARE(model.index(0, SessionListModel::StatusColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("completed")); // the raw id, as in the file
        QCOMPARE(model.index(0, SessionListModel::EventsColumn).data().toInt(), 2);

        // The store's listing then has it: still one row, now with its file.
        SessionSummary s = saved("s1", 5, "completed");
        s.totalEvents = 2;
        model.setSavedSessions({s});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, 0).data(SessionListModel::FilePathRole).toString(), s.filePath);
    }

    void burstOfFiftyThousandEventsCausesBoundedSignals()
    {
        Aggregator aggregator({});
        aggregator.setTimerDriven(false);
        LiveSessionFeed feed; // the default 100 ms interval
        feed.setAggregator(&aggregator);
        SessionListModel model;
        connect(&feed, &LiveSessionFeed::sessionsUpdated, &model, &SessionListModel::applyLive);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy batches(&feed, &LiveSessionFeed::sessionsUpdated);

        constexpr int kSessions = 5;
        constexpr int kEvents = 50000;
        QList<ClaudeEvent> events;
        events.reserve(kEvents);
        for (int i = 0; i < kEvents; ++i) {
            const QString sid = QStringLiteral("burst-%1").arg(i % kSessions);
            const bool pre = (i / kSessions) % 2 == 0;
            events.append(UiTestEvents::make(sid, pre ? "pre_tool" : "post_tool", i,
                                             pre ? "{\"tool_name\":\"Bash\"}"
                                                 : "{\"tool_name\":\"Bash\",\"success\":true}"));
        }
        QElapsedTimer clock;
        clock.start();
        // Delivered as the socket would: in chunks, with the event loop running in between.
        for (int i = 0; i < kEvents; ++i) {
            aggregator.addEvent(events.at(i), -1, i);
            if (i % 1000 == 999)
                QCoreApplication::processEvents();
        }
        QTRY_COMPARE_WITH_TIMEOUT(
            model.index(model.rowOf(QStringLiteral("burst-0")), SessionListModel::EventsColumn)
                .data()
                .toInt(),
            kEvents / kSessions, 5000);
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(model.rowCount(), kSessions);
        QCOMPARE(inserted.count(), kSessions);
        QCOMPARE(reset.count(), 0);
        // At most one batch per interval, and per batch one dataChanged per changed row, plus
        // the once-a-second tick of each live row's elapsed time.
        const qint64 maxBatches = elapsed / LiveSessionFeed::DefaultIntervalMs + 2;
        QVERIFY2(
            batches.count() <= maxBatches,
            qPrintable(QStringLiteral("%1 batches in %2 ms").arg(batches.count()).arg(elapsed)));
        const qint64 ticks = (elapsed / 1000 + 1) * kSessions;
        QVERIFY2(changed.count() <= batches.count() * kSessions + ticks,
                 qPrintable(QStringLiteral("%1 dataChanged for %2 batches")
                                .arg(changed.count())
                                .arg(batches.count())));
        QVERIFY(changed.count() < 1000); // vs 50,000 if every event were signalled
        QCOMPARE(model.index(model.rowOf(QStringLiteral("burst-0")), SessionListModel::ToolsColumn)
                     .data()
                     .toInt(),
                 kEvents / kSessions / 2);
    }

    // The State column: a word and an icon per state, those needing you sorted first.
    void stateColumnAndNeedsAttentionFilter()
    {
        SessionListModel model;
        QAbstractItemModelTester tester(&model);
        QHash<QString, LiveState> states{
            {QStringLiteral("ask"),
             {LiveState::Kind::NeedsPermission, QStringLiteral("needs your permission to use Bash"),
              QDateTime::currentDateTimeUtc(), QStringLiteral("Bash")}},
            {QStringLiteral("done"),
             {LiveState::Kind::Waiting,
              QStringLiteral("finished its turn"),
              QDateTime::currentDateTimeUtc(),
              {}}}};
        model.setStateLookup([&](const QString& id) -> std::optional<LiveState> {
            const auto it = states.constFind(id);
            return it == states.cend() ? std::nullopt : std::optional(*it);
        });
        model.setSavedSessions({saved("ask", 1, "completed"), saved("done", 2, "completed"),
                                saved("old", 3, "completed")});
        const auto cell = [&](const char* id, int role) {
            return model.index(model.rowOf(QString::fromLatin1(id)), SessionListModel::StateColumn)
                .data(role);
        };
        QCOMPARE(model.headerData(SessionListModel::StateColumn, Qt::Horizontal).toString(),
                 QStringLiteral("State"));
        QCOMPARE(cell("ask", Qt::DisplayRole).toString(), QStringLiteral("Needs permission"));
        QCOMPARE(cell("done", Qt::DisplayRole).toString(), QStringLiteral("Waiting for you"));
        QVERIFY(cell("old", Qt::DisplayRole).isNull()); // over: no state
        QVERIFY(!cell("ask", Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(cell("ask", Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("needs your permission to use Bash since")));
        QVERIFY(cell("ask", SessionListModel::NeedsAttentionRole).toBool());
        QVERIFY(!cell("done", SessionListModel::NeedsAttentionRole).toBool());

        // The permission is answered: the row changes.
        states[QStringLiteral("ask")].kind = LiveState::Kind::Working;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.stateChanged(QStringLiteral("ask"));
        QCOMPARE(changed.size(), 1);
        QVERIFY(!cell("ask", SessionListModel::NeedsAttentionRole).toBool());
    }
};

QTEST_MAIN(TestSessionListModel)
#include "tst_sessionlistmodel.moc"
