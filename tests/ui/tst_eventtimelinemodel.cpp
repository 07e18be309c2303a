#include "presentation/EventTimelineModel.h"
#include "ui/SessionDetailView.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QJsonArray>
#include <QJsonObject>
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
};

QTEST_MAIN(TestEventTimelineModel)
#include "tst_eventtimelinemodel.moc"
