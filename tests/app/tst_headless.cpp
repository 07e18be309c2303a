#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

#include <csignal>

using namespace ea;

// The event-aggregator binary in --headless mode, end to end against a real server.
class TestHeadless : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    int receivedSoFar()
    {
        QProcess status;
        isolate(status);
        status.start(QStringLiteral(EA_APP_BINARY), {QStringLiteral("status")});
        status.waitForFinished(10000);
        return QJsonDocument::fromJson(status.readAllStandardOutput())
            .object()
            .value(QLatin1String("events_received"))
            .toInt();
    }

    // Each run gets its own control socket and activity directory, away from the user's.
    void isolate(QProcess& app)
    {
        app.setProcessEnvironment(ea::test::appEnvironment(m_tmp.path(), m_tmp.path()));
        app.setWorkingDirectory(m_tmp.path());
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(QFile::exists(QStringLiteral(EA_APP_BINARY))); }

    void countsEventsAndPrintsCountersOnSignal_data()
    {
        QTest::addColumn<PeerServer::Kind>("kind");
        QTest::addColumn<int>("signalNumber");
        QTest::newRow("python SIGINT") << PeerServer::Python << int(SIGINT);
        QTest::newRow("node SIGTERM") << PeerServer::Node << int(SIGTERM);
    }
    void countsEventsAndPrintsCountersOnSignal()
    {
        QFETCH(PeerServer::Kind, kind);
        QFETCH(int, signalNumber);
        QString why;
        if (!PeerServer::available(kind, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(kind));
        QProcess app;
        isolate(app);
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--host"),
                   QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                   QString::number(peer.port())});
        QVERIFY(app.waitForStarted());
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        for (const char* name : {"claude_event", "claude_event", "mpm_event", "unrelated"}) {
            QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                                   {QStringLiteral("event"), QString::fromLatin1(name)},
                                   {QStringLiteral("args"),
                                    QJsonArray{QJsonObject{{QStringLiteral("x"), 1}}}}})
                         .isEmpty());
        }
        // Ask the instance until it has seen all three, so the signal never races the socket.
        QTRY_VERIFY_WITH_TIMEOUT(receivedSoFar() >= 3, 30000);
        ::kill(app.processId(), signalNumber);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
        const QByteArray err = app.readAllStandardError();
        QVERIFY2(err.contains("Connected"), err.constData()); // each state change is logged
        const QJsonObject counters = ea::test::lastJsonLine(app.readAllStandardOutput());
        QCOMPARE(counters.value(QLatin1String("events_received")).toInt(), 3);
        QCOMPARE(counters.value(QLatin1String("connects")).toInt(), 1);
        QCOMPARE(counters.value(QLatin1String("reconnects")).toInt(), 0);
        QCOMPARE(counters.value(QLatin1String("malformed")).toInt(), 0);
        QVERIFY(counters.contains(QLatin1String("missed_possible")));
    }

    void refusesRemoteHostWithUsageError()
    {
        QProcess app;
        isolate(app);
        app.start(
            QStringLiteral(EA_APP_BINARY),
            {QStringLiteral("--headless"), QStringLiteral("--host"), QStringLiteral("192.0.2.1")});
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 2);
        QVERIFY(app.readAllStandardError().contains("--allow-remote"));
    }

    void rejectsBadPort()
    {
        QProcess app;
        isolate(app);
        app.start(
            QStringLiteral(EA_APP_BINARY),
            {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("70000")});
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 2);
        QVERIFY(app.readAllStandardError().contains("--port"));
    }
};

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
