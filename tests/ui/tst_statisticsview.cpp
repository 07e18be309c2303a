#include "ui/StatisticsView.h"

#include <QSignalSpy>
#include <QTest>

using namespace ea;

// The Statistics view's charts over made-up rows: what is drawn, and that a click on a bar
// asks for that bar's sessions.
class TestStatisticsView : public QObject
{
    Q_OBJECT

    static SessionStatistics sample()
    {
        SessionStatistics s;
        const QDate first(2026, 11, 1);
        for (int d = 0; d < 40; d += 3) {
            SessionStatistics::Group g;
            g.key = first.addDays(d).toString(Qt::ISODate);
            g.sessions = 1 + d;
            g.tokens = 1000 * (d + 1);
            g.toolCalls = 10;
            g.failures = d % 2;
            s.days.append(g);
        }
        const auto group = [](const QString& key, qint64 calls, qint64 failures, qint64 p95) {
            SessionStatistics::Group g;
            g.key = key;
            g.toolCalls = calls;
            g.failures = failures;
            g.p50Ms = p95 / 2;
            g.p95Ms = p95;
            return g;
        };
        s.tools = {group("Bash", 100, 20, 4000), group("Read", 80, 0, 50),
                   group("Edit", 40, 4, 300)};
        s.agents = {group("qa", 12, 6, 90000), group("engineer", 9, 0, 30000)};
        s.files = {group("src/auth.py", 14, 0, -1), group("README.md", 3, 0, -1)};
        return s;
    }

    // Clicks the middle of bar `index` of `chart`, as a user does.
    static void clickBar(StatisticsView& view, StatisticsView::Chart chart, int index)
    {
        const QPoint at = view.barCenter(chart, index);
        QVERIFY(!at.isNull());
        QTest::mouseClick(view.chartViewport(chart), Qt::LeftButton, {}, at);
    }

private Q_SLOTS:
    void drawsEveryChart()
    {
        StatisticsView view;
        view.resize(1000, 900);
        view.setStatistics(sample());
        // A continuous run of days up to the last one with sessions, gaps as zeros.
        QCOMPARE(view.barCount(StatisticsView::SessionsPerDay), StatisticsView::DaysShown);
        QCOMPARE(view.keyAt(StatisticsView::SessionsPerDay, StatisticsView::DaysShown - 1),
                 QStringLiteral("2026-12-10"));
        // The worst first, read top-down: the horizontal chart draws them bottom-up.
        QCOMPARE(view.barCount(StatisticsView::ToolFailureRate), 3);
        QCOMPARE(view.keyAt(StatisticsView::ToolFailureRate, 2), QStringLiteral("Bash"));
        QCOMPARE(view.keyAt(StatisticsView::ToolFailureRate, 1), QStringLiteral("Edit"));
        QCOMPARE(view.keyAt(StatisticsView::ToolFailureRate, 0), QStringLiteral("Read"));
        // Slowest by p95.
        QCOMPARE(view.keyAt(StatisticsView::SlowestTools, 2), QStringLiteral("Bash"));
        QCOMPARE(view.keyAt(StatisticsView::SlowestTools, 0), QStringLiteral("Read"));
        QCOMPARE(view.barCount(StatisticsView::TouchedFiles), 2);
        QVERIFY(view.summaryText().contains(QStringLiteral("sessions")));
        // An empty selection draws no bars and no stale ones.
        view.setStatistics({});
        QCOMPARE(view.barCount(StatisticsView::SlowestTools), 0);
        QVERIFY(view.barCenter(StatisticsView::SlowestTools, 0).isNull());
    }

    void clickingABarChoosesItsGroup()
    {
        StatisticsView view;
        view.resize(1000, 900);
        view.setStatistics(sample());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy chosen(&view, &StatisticsView::groupChosen);

        clickBar(view, StatisticsView::ToolFailureRate, 2);
        QCOMPARE(chosen.size(), 1);
        QCOMPARE(chosen.at(0).at(0).value<SessionStatistics::Grouping>(),
                 SessionStatistics::Grouping::Tool);
        QCOMPARE(chosen.at(0).at(1).toString(), QStringLiteral("Bash"));

        clickBar(view, StatisticsView::AgentFailureRate, 1);
        QCOMPARE(chosen.size(), 2);
        QCOMPARE(chosen.at(1).at(1).toString(), QStringLiteral("qa"));

        clickBar(view, StatisticsView::SessionsPerDay, StatisticsView::DaysShown - 1);
        QCOMPARE(chosen.size(), 3);
        QCOMPARE(chosen.at(2).at(0).value<SessionStatistics::Grouping>(),
                 SessionStatistics::Grouping::Day);
        QCOMPARE(chosen.at(2).at(1).toString(), QStringLiteral("2026-12-10"));

        clickBar(view, StatisticsView::TouchedFiles, 1);
        QCOMPARE(chosen.at(3).at(1).toString(), QStringLiteral("src/auth.py"));

        // A tool that never failed has no bar to hit, yet its band opens it.
        QCOMPARE(view.keyAt(StatisticsView::ToolFailureRate, 0), QStringLiteral("Read"));
        clickBar(view, StatisticsView::ToolFailureRate, 0);
        QCOMPARE(chosen.size(), 5);
        QCOMPARE(chosen.at(4).at(1).toString(), QStringLiteral("Read"));
        // Outside the plot: nothing.
        QTest::mouseClick(view.chartViewport(StatisticsView::ToolFailureRate), Qt::LeftButton, {},
                          QPoint(2, 2));
        QCOMPARE(chosen.size(), 5);
    }
};

QTEST_MAIN(TestStatisticsView)
#include "tst_statisticsview.moc"
