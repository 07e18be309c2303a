#include "presentation/EventTimelineModel.h"
#include "ui/SessionDetailView.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QTableView>
#include <QTest>

using namespace ea;

namespace {
QJsonObject hookEvent(const char* type, const char* time)
{
    return QJsonObject{{QStringLiteral("event_type"), QString::fromLatin1(type)},
                       {QStringLiteral("timestamp"), QString::fromLatin1(time)},
                       {QStringLiteral("category"), QStringLiteral("meta")}};
}

// A claude-mpm turn as stored: every hook followed by its hook_execution.
QJsonArray turn()
{
    return QJsonArray{hookEvent("user_prompt", "2026-11-30T10:00:00.000+00:00"),
                      hookEvent("hook_execution", "2026-11-30T10:00:00.010+00:00"),
                      hookEvent("pre_tool", "2026-11-30T10:00:01.000+00:00"),
                      hookEvent("hook_execution", "2026-11-30T10:00:01.010+00:00"),
                      hookEvent("stop", "2026-11-30T10:00:02.000+00:00")};
}
} // namespace

class TestEventTimelineModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hookExecutionsAreHiddenUntilAskedFor()
    {
        EventTimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEvents(turn());
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.hookExecutionCount(), 2);
        QCOMPARE(model.eventAt(1).value(QLatin1String("event_type")).toString(),
                 QStringLiteral("pre_tool"));
        QCOMPARE(
            model.data(model.index(2, EventTimelineModel::TypeColumn), Qt::ToolTipRole).toString(),
            QStringLiteral("stop"));

        model.setShowHookExecutions(true);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.eventAt(1).value(QLatin1String("event_type")).toString(),
                 QStringLiteral("hook_execution"));
        QVERIFY(model.eventAt(5).isEmpty());
    }

    void detailViewOffersTheToggleWithItsCount()
    {
        SessionDetailView view;
        view.setDocument(QJsonObject{{QStringLiteral("session_id"), QStringLiteral("s1")},
                                     {QStringLiteral("events"), turn()}});
        QCheckBox* toggle = view.hookExecutionsToggle();
        QVERIFY(toggle);
        QVERIFY(!toggle->isChecked());
        QVERIFY(toggle->text().contains(QStringLiteral("(2)")));
        QCOMPARE(view.timelineModel()->rowCount(), 3);
        toggle->setChecked(true);
        QCOMPARE(view.timelineModel()->rowCount(), 5);

        // A session without them (any other dashboard) does not show the switch at all.
        view.setDocument(
            QJsonObject{{QStringLiteral("session_id"), QStringLiteral("s2")},
                        {QStringLiteral("events"),
                         QJsonArray{hookEvent("user_prompt", "2026-11-30T10:00:00.000+00:00")}}});
        QVERIFY(toggle->isHidden());
    }

    // What a search matched is marked: in the prompt, the matching events (values, not keys),
    // and the JSON; a session opens at its first matching event.
    void searchMatchesAreMarked()
    {
        QJsonArray events = turn();
        QJsonObject tool = events.at(2).toObject();
        tool.insert(QStringLiteral("data"),
                    QJsonObject{{QStringLiteral("tool_name"), QStringLiteral("Bash")},
                                {QStringLiteral("command"), QStringLiteral("pytest auth_tests")}});
        events.replace(2, tool);
        SessionDetailView view;
        view.setHighlight({QStringLiteral("AUTH")});
        view.setDocument(
            QJsonObject{{QStringLiteral("session_id"), QStringLiteral("s1")},
                        {QStringLiteral("initial_prompt"), QStringLiteral("fix the auth <tests>")},
                        {QStringLiteral("events"), events}});
        EventTimelineModel* model = view.timelineModel();
        QVERIFY(!model->isHighlighted(0));
        QVERIFY(model->isHighlighted(1)); // the pre_tool, by its command
        QCOMPARE(model->firstHighlightedRow(), 1);
        QCOMPARE(view.timelineView()->currentIndex().row(), 1);
        QVERIFY(model->data(model->index(1, 0), Qt::BackgroundRole) !=
                model->data(model->index(2, 0), Qt::BackgroundRole));
        QVERIFY(view.promptLabel()->text().contains(QStringLiteral(">auth</span>")));
        QVERIFY(view.promptLabel()->text().contains(QStringLiteral("&lt;tests&gt;")));
        // Keys do not match: "category" is in every event.
        view.setHighlight({QStringLiteral("category")});
        QCOMPARE(model->firstHighlightedRow(), -1);
        view.setHighlight({});
        QVERIFY(!model->isHighlighted(1));
        QVERIFY(!view.promptLabel()->text().contains(QStringLiteral("<span")));
    }
};

QTEST_MAIN(TestEventTimelineModel)
#include "tst_eventtimelinemodel.moc"
