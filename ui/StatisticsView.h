// The Statistics view: charts over the sessions the browser's query selects; a bar opens its
// sessions.
#pragma once

#include "presentation/SessionStatistics.h"

#include <QStringList>
#include <QWidget>

#include <array>

class QChart;
class QChartView;
class QLabel;

namespace ea {

class StatisticsView : public QWidget
{
    Q_OBJECT
public:
    enum Chart
    {
        SessionsPerDay,
        TokensPerDay,
        ToolFailureRate,
        AgentFailureRate,
        SlowestTools,
        TouchedFiles,
        ChartCount
    };
    // Day charts show this many days, up to the last day with sessions; the rest keep the top
    // groups, so a year of history stays readable.
    static constexpr int DaysShown = 30;
    static constexpr int GroupsShown = 8; // more crowd the labels into "…"

    explicit StatisticsView(QWidget* parent = nullptr);

    void setStatistics(const SessionStatistics& stats);
    // Instead of the charts' summary line: computing, or why there is nothing to show.
    void showMessage(const QString& text);

    QChartView* chartView(Chart chart) const { return m_views.at(chart); }
    // The group under bar `index` of `chart` (in the order the chart draws its categories).
    QString keyAt(Chart chart, int index) const { return m_keys.at(chart).value(index); }
    int barCount(Chart chart) const { return int(m_keys.at(chart).size()); }
    // The widget a chart's mouse clicks go to.
    QWidget* chartViewport(Chart chart) const;
    // Where the middle of bar `index` is in chartViewport(chart), for clicking it.
    QPoint barCenter(Chart chart, int index) const;
    QString summaryText() const;
    // The bar whose band holds this point of chartViewport(chart), -1 for none.
    int barAt(Chart chart, const QPoint& viewportPos) const;

Q_SIGNALS:
    // A bar was clicked: the sessions of that day, tool, agent or file are wanted.
    void groupChosen(ea::SessionStatistics::Grouping grouping, const QString& key);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void fillDays(const QList<SessionStatistics::Group>& days);
    void fillBars(Chart chart, const QList<SessionStatistics::Group>& groups, const QString& label,
                  double (*value)(const SessionStatistics::Group&), const QString& unit);
    void setBars(Chart chart, bool horizontal, const QStringList& categories,
                 const QList<double>& values, const QStringList& tips);

    std::array<QChartView*, ChartCount> m_views{};
    std::array<QStringList, ChartCount> m_keys;
    QLabel* m_summary = nullptr;
};

} // namespace ea
