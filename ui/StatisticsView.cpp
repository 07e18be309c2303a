#include "ui/StatisticsView.h"

#include "presentation/SessionListModel.h"
#include "presentation/TextFormat.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDate>
#include <QGridLayout>
#include <QHash>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QScrollArea>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ea {

namespace {
QString compact(double v)
{
    if (v >= 1e6)
        return QStringLiteral("%1M").arg(v / 1e6, 0, 'f', 1);
    if (v >= 1e4)
        return QStringLiteral("%1k").arg(v / 1e3, 0, 'f', 1);
    return QLocale().toString(qint64(v));
}

SessionStatistics::Grouping groupingOf(StatisticsView::Chart chart)
{
    switch (chart) {
    case StatisticsView::SessionsPerDay:
    case StatisticsView::TokensPerDay:
        return SessionStatistics::Grouping::Day;
    case StatisticsView::ToolFailureRate:
    case StatisticsView::SlowestTools:
        return SessionStatistics::Grouping::Tool;
    case StatisticsView::AgentFailureRate:
        return SessionStatistics::Grouping::Agent;
    case StatisticsView::TouchedFiles:
    case StatisticsView::ChartCount:
        break;
    }
    return SessionStatistics::Grouping::File;
}
} // namespace

StatisticsView::StatisticsView(QWidget* parent) : QWidget(parent)
{
    const QStringList titles{tr("Sessions per day"),      tr("Tokens per day"),
                             tr("Failure rate per tool"), tr("Failure rate per agent"),
                             tr("Slowest tools (p95)"),   tr("Most-touched files")};
    auto* content = new QWidget(this);
    auto* grid = new QGridLayout(content);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    for (int c = 0; c < ChartCount; ++c) {
        auto* chart = new QChart();
        chart->setTitle(titles.at(c));
        chart->legend()->hide();
        // Charts are redrawn on every query: animating each would only delay the answer.
        chart->setAnimationOptions(QChart::NoAnimation);
        chart->setMargins(QMargins(4, 4, 4, 4));
        auto* view = new QChartView(chart, content);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(270); // room for eight labelled bars
        view->setObjectName(QStringLiteral("chart%1").arg(c));
        view->setToolTip(tr("Click a bar to list its sessions"));
        m_views[c] = view;
        // Clicks anywhere in a bar's band count, so a group at 0 % is as easy to open as
        // the rest.
        view->viewport()->installEventFilter(this);
        grid->addWidget(view, c / 2, c % 2);
    }
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setContentsMargins(6, 4, 6, 4);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(scroll, 1);
    showMessage(tr("Computing statistics…"));
}

void StatisticsView::showMessage(const QString& text)
{
    m_summary->setText(text);
}

QString StatisticsView::summaryText() const
{
    return m_summary->text();
}

void StatisticsView::setStatistics(const SessionStatistics& stats)
{
    qint64 sessions = 0, calls = 0, failures = 0, tokens = 0;
    for (const SessionStatistics::Group& d : stats.days) {
        sessions += d.sessions;
        calls += d.toolCalls;
        failures += d.failures;
        tokens += d.tokens;
    }
    QString summary = TextFormat::count(sessions, tr("session"), tr("sessions"));
    summary += QStringLiteral(" · ") + TextFormat::count(calls, tr("tool call"), tr("tool calls"));
    if (calls > 0)
        summary += tr(" · %1% failed").arg(100.0 * double(failures) / double(calls), 0, 'f', 1);
    summary += tr(" · %1 tokens").arg(compact(double(tokens)));
    if (!stats.where.isEmpty())
        summary += tr(" — for %1").arg(stats.where);
    m_summary->setText(summary);

    fillDays(stats.days);
    // Failure rates of the most used tools and agents (a rare tool at 100 % says little),
    // the worst first.
    const auto worstFirst = [](QList<SessionStatistics::Group> g) {
        g = g.mid(0, GroupsShown);
        std::stable_sort(g.begin(), g.end(), [](const auto& a, const auto& b) {
            return a.failureRate() > b.failureRate();
        });
        return g;
    };
    fillBars(
        ToolFailureRate, worstFirst(stats.tools), tr("failed"),
        [](const SessionStatistics::Group& g) { return 100.0 * g.failureRate(); },
        QStringLiteral("%"));
    fillBars(
        AgentFailureRate, worstFirst(stats.agents), tr("failed"),
        [](const SessionStatistics::Group& g) { return 100.0 * g.failureRate(); },
        QStringLiteral("%"));
    QList<SessionStatistics::Group> slow;
    std::copy_if(stats.tools.cbegin(), stats.tools.cend(), std::back_inserter(slow),
                 [](const SessionStatistics::Group& g) { return g.p95Ms >= 0; });
    std::stable_sort(slow.begin(), slow.end(),
                     [](const auto& a, const auto& b) { return a.p95Ms > b.p95Ms; });
    fillBars(
        SlowestTools, slow, tr("p95"),
        [](const SessionStatistics::Group& g) { return double(g.p95Ms) / 1000.0; },
        QStringLiteral(" s"));
    fillBars(
        TouchedFiles, stats.files, tr("touches"),
        [](const SessionStatistics::Group& g) { return double(g.toolCalls); }, QString());
}

bool StatisticsView::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() != QEvent::MouseButtonRelease)
        return QWidget::eventFilter(watched, event);
    const auto* mouse = static_cast<QMouseEvent*>(event);
    for (int c = 0; c < ChartCount; ++c) {
        if (watched != m_views.at(c)->viewport() || mouse->button() != Qt::LeftButton)
            continue;
        const int index = barAt(Chart(c), mouse->position().toPoint());
        if (index >= 0)
            Q_EMIT groupChosen(groupingOf(Chart(c)), keyAt(Chart(c), index));
    }
    return QWidget::eventFilter(watched, event);
}

int StatisticsView::barAt(Chart chart, const QPoint& viewportPos) const
{
    QChartView* view = m_views.at(chart);
    QChart* c = view->chart();
    auto* series = qobject_cast<QAbstractBarSeries*>(c->series().value(0));
    if (!series)
        return -1;
    const QPointF inChart = c->mapFromScene(view->mapToScene(viewportPos));
    if (!c->plotArea().contains(inChart))
        return -1;
    const QPointF value = c->mapToValue(inChart, series);
    const bool horizontal = qobject_cast<QHorizontalBarSeries*>(series) != nullptr;
    const int index = int(std::lround(horizontal ? value.y() : value.x()));
    return index >= 0 && index < m_keys.at(chart).size() ? index : -1;
}

QWidget* StatisticsView::chartViewport(Chart chart) const
{
    return m_views.at(chart)->viewport();
}

QPoint StatisticsView::barCenter(Chart chart, int index) const
{
    QChartView* view = m_views.at(chart);
    QChart* c = view->chart();
    auto* series = qobject_cast<QAbstractBarSeries*>(c->series().value(0));
    if (!series || series->barSets().isEmpty() || index < 0 ||
        index >= series->barSets().first()->count())
        return {};
    // A bar at 0 has no width: its band is hit just off the axis.
    const QList<double> all = [series] {
        QList<double> v;
        for (int i = 0; i < series->barSets().first()->count(); ++i)
            v.append(series->barSets().first()->at(i));
        return v;
    }();
    const double max = *std::max_element(all.cbegin(), all.cend());
    const double value = std::max(series->barSets().first()->at(index), max * 0.04);
    const bool horizontal = qobject_cast<QHorizontalBarSeries*>(series) != nullptr;
    const QPointF inChart = horizontal ? c->mapToPosition(QPointF(value / 2, index), series)
                                       : c->mapToPosition(QPointF(index, value / 2), series);
    return view->mapFromScene(c->mapToScene(inChart));
}

void StatisticsView::fillDays(const QList<SessionStatistics::Group>& days)
{
    // A continuous run of days, so a quiet day shows as a gap and not as nothing.
    QHash<QDate, const SessionStatistics::Group*> byDay;
    QDate last;
    for (const SessionStatistics::Group& g : days) {
        const QDate d = QDate::fromString(g.key, Qt::ISODate);
        if (!d.isValid())
            continue;
        byDay.insert(d, &g);
        if (!last.isValid() || d > last)
            last = d;
    }
    QStringList categories, keys, sessionTips, tokenTips;
    QList<double> sessions, tokens;
    if (last.isValid()) {
        const QDate first = last.addDays(1 - DaysShown);
        for (QDate d = first; d <= last; d = d.addDays(1)) {
            const SessionStatistics::Group* g = byDay.value(d);
            keys.append(d.toString(Qt::ISODate));
            // Every fifth day of the month is labelled (all would not fit); the title gives
            // the range.
            categories.append(d.day() % 5 == 0 || d == first ? QString::number(d.day())
                                                             : QString());
            sessions.append(g ? double(g->sessions) : 0.0);
            tokens.append(g ? double(g->tokens) / 1000.0 : 0.0);
            sessionTips.append(
                tr("%1: %2").arg(keys.last(), TextFormat::count(g ? g->sessions : 0, tr("session"),
                                                                tr("sessions"))));
            tokenTips.append(
                tr("%1: %2 tokens").arg(keys.last(), compact(g ? double(g->tokens) : 0.0)));
        }
        const QString range = QStringLiteral(" (%1 – %2)")
                                  .arg(first.toString(Qt::ISODate), last.toString(Qt::ISODate));
        m_views.at(SessionsPerDay)->chart()->setTitle(tr("Sessions per day") + range);
        m_views.at(TokensPerDay)->chart()->setTitle(tr("Tokens per day, thousands") + range);
    }
    m_keys[SessionsPerDay] = keys;
    m_keys[TokensPerDay] = keys;
    setBars(SessionsPerDay, false, categories, sessions, sessionTips);
    setBars(TokensPerDay, false, categories, tokens, tokenTips);
}

void StatisticsView::fillBars(Chart chart, const QList<SessionStatistics::Group>& groups,
                              const QString& label,
                              double (*value)(const SessionStatistics::Group&), const QString& unit)
{
    // The groups come most significant first; a horizontal bar chart draws its first category
    // at the bottom, so they are added in reverse to read top-down.
    const int n = std::min<int>(GroupsShown, int(groups.size()));
    QStringList categories, keys, tips;
    QList<double> values;
    for (int i = n - 1; i >= 0; --i) {
        const SessionStatistics::Group& g = groups.at(i);
        keys.append(g.key);
        // A file by its name (the axis has room for little more); the tooltip has the path.
        QString shown = g.key;
        if (chart == TouchedFiles)
            shown = g.key.section(QLatin1Char('/'), -1);
        if (shown.size() > 20)
            shown = shown.left(19) + QChar(0x2026);
        // Category names must differ: a second file of the same name gets a number.
        for (int k = 2; categories.contains(shown); ++k)
            shown = shown.section(QStringLiteral(" ·"), 0, 0) + QStringLiteral(" ·%1").arg(k);
        categories.append(shown);
        values.append(value(g));
        QString tip =
            QStringLiteral("%1: %2%3 %4")
                .arg(g.key,
                     QLocale().toString(
                         values.last(), 'f',
                         unit == QLatin1String("%") || unit == QLatin1String(" s") ? 1 : 0),
                     unit, label);
        if (chart == AgentFailureRate)
            tip += tr(" (%1 failed delegations in %2)")
                       .arg(g.failures)
                       .arg(TextFormat::count(g.sessions, tr("session"), tr("sessions")));
        else if (chart == TouchedFiles)
            tip += tr(" in %1").arg(TextFormat::count(g.sessions, tr("session"), tr("sessions")));
        else if (g.toolCalls > 0)
            tip += tr(" (%1 of %2 calls)").arg(g.failures).arg(g.toolCalls);
        if (g.p50Ms >= 0 && chart == SlowestTools)
            tip += tr(", p50 %1").arg(SessionListModel::formatDuration(g.p50Ms));
        tips.append(tip);
    }
    m_keys[chart] = keys;
    setBars(chart, true, categories, values, tips);
}

void StatisticsView::setBars(Chart chart, bool horizontal, const QStringList& categories,
                             const QList<double>& values, const QStringList& tips)
{
    QChart* c = m_views.at(chart)->chart();
    c->removeAllSeries();
    // removeAllSeries() deletes the series, but removeAxis() only gives the axis back.
    for (QAbstractAxis* axis : c->axes()) {
        c->removeAxis(axis);
        delete axis;
    }
    if (categories.isEmpty())
        return;
    auto* set = new QBarSet(c->title());
    set->append(values);
    set->setColor(QColor(0x1e, 0x88, 0xe5));
    QAbstractBarSeries* series = horizontal
                                     ? static_cast<QAbstractBarSeries*>(new QHorizontalBarSeries())
                                     : new QBarSeries();
    series->append(set);
    series->setBarWidth(0.8);
    c->addSeries(series);
    auto* valueAxis = new QValueAxis();
    const double max = values.isEmpty() ? 0.0 : *std::max_element(values.cbegin(), values.cend());
    valueAxis->setRange(0, max > 0 ? max * 1.05 : 1.0);
    valueAxis->setLabelFormat(max >= 10 || max == 0 ? QStringLiteral("%.0f")
                                                    : QStringLiteral("%.1f"));
    QFont small = valueAxis->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    valueAxis->setLabelsFont(small);
    valueAxis->setTickCount(5);
    valueAxis->applyNiceNumbers();
    QAbstractAxis* categoryAxis = nullptr;
    if (horizontal) {
        auto* axis = new QBarCategoryAxis();
        axis->append(categories);
        categoryAxis = axis;
    } else {
        // Days: a label under some bars only (an empty category is a bar without one); a bar
        // category axis would elide crowded labels into "…".
        auto* axis = new QCategoryAxis();
        axis->setRange(-0.5, double(categories.size()) - 0.5);
        axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        axis->setGridLineVisible(false);
        for (int i = 0; i < categories.size(); ++i) {
            if (!categories.at(i).isEmpty() && !axis->categoriesLabels().contains(categories.at(i)))
                axis->append(categories.at(i), i);
        }
        categoryAxis = axis;
    }
    categoryAxis->setLabelsFont(small);
    if (horizontal) {
        c->addAxis(categoryAxis, Qt::AlignLeft);
        c->addAxis(valueAxis, Qt::AlignBottom);
    } else {
        c->addAxis(categoryAxis, Qt::AlignBottom);
        c->addAxis(valueAxis, Qt::AlignLeft);
    }
    series->attachAxis(categoryAxis);
    series->attachAxis(valueAxis);
    connect(set, &QBarSet::hovered, this, [tips](bool on, int index) {
        if (on)
            QToolTip::showText(QCursor::pos(), tips.value(index));
        else
            QToolTip::hideText();
    });
}

} // namespace ea

#include "moc_StatisticsView.cpp"
