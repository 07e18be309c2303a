#include "presentation/DashboardProblem.h"

#include <QTest>

using namespace ea;

// The words for an unreachable dashboard, from the protocol client's reasons.
class TestDashboardProblem : public QObject
{
    Q_OBJECT

    const QString server = QStringLiteral("127.0.0.1:8765");

private Q_SLOTS:
    void connectionRefused()
    {
        const QString reason =
            QStringLiteral("transport error: Connection refused; retrying in 3500 ms (attempt 2)");
        QCOMPARE(DashboardProblem::retryDelayMs(reason), 3500);
        QCOMPARE(DashboardProblem::describe(server, reason, 3500),
                 QStringLiteral("Dashboard not reachable at 127.0.0.1:8765: connection refused — "
                                "is claude-mpm's monitor running? Retrying in 4 s"));
    }

    void wrongServiceOnThePort()
    {
        const QString reason = QStringLiteral(
            "transport error: QWebSocketPrivate::processHandshake: Unhandled http status code: "
            "404 (Not Found).; retrying in 900 ms (attempt 1)");
        QCOMPARE(DashboardProblem::describe(server, reason, 900),
                 QStringLiteral("127.0.0.1:8765 answered HTTP 404: not a Socket.IO dashboard. "
                                "Retrying in 1 s"));
    }

    void otherCausesAndCountdown()
    {
        QVERIFY(DashboardProblem::describe(server,
                                           QStringLiteral("handshake timeout: no open "
                                                          "packet from the server"),
                                           -1)
                    .startsWith(QStringLiteral("The dashboard at 127.0.0.1:8765 does not answer")));
        QVERIFY(DashboardProblem::describe(server,
                                           QStringLiteral("transport error: Host not "
                                                          "found; retrying in 10 ms "
                                                          "(attempt 1)"),
                                           0)
                    .endsWith(QStringLiteral("not found. Retrying now…")));
        QVERIFY(DashboardProblem::describe(server, QString(), 5).isEmpty());
        QCOMPARE(DashboardProblem::retryDelayMs(QStringLiteral("connecting to x:1")), std::nullopt);
    }
};

QTEST_GUILESS_MAIN(TestDashboardProblem)
#include "tst_dashboardproblem.moc"
