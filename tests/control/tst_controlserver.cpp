#include "control/ControlClient.h"
#include "control/ControlServer.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sys/stat.h>

using namespace ea;

// The per-user control socket: one instance, status, stop, activate, and clear failures.
class TestControlServer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // The client blocks, so it runs on its own thread while this one serves.
    static std::optional<QJsonObject> ask(const QString& cmd, QString* error = nullptr)
    {
        std::optional<QJsonObject> reply;
        QString err;
        QThread* t = QThread::create([&] { reply = ControlClient::request(cmd, &err, 2000); });
        t->start();
        while (!t->wait(10))
            QCoreApplication::processEvents();
        delete t;
        if (error)
            *error = err;
        return reply;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("EA_RUNTIME_DIR", m_dir.path().toUtf8());
    }

    void noInstanceIsReported()
    {
        QString error;
        QVERIFY(!ask(QStringLiteral("status"), &error).has_value());
        QVERIFY(error.contains(QLatin1String("no running instance")));
    }

    void oneInstancePerUser()
    {
        ControlServer first;
        QVERIFY2(first.listen(), qPrintable(first.errorString()));
        ControlServer second;
        QVERIFY(!second.listen());
        QVERIFY(second.errorString().contains(QLatin1String("another instance")));
        // Only this user may connect.
        struct stat st = {};
        QCOMPARE(::stat(qPrintable(m_dir.path() + QStringLiteral("/event-aggregator.sock")), &st),
                 0);
        QCOMPARE(st.st_mode & 0077, 0u);
    }

    void answersStatusStopAndActivate()
    {
        ControlServer server;
        QVERIFY(server.listen());
        server.setStatusProvider([] {
            return QJsonObject{{QStringLiteral("events_received"), 12}};
        });
        const auto status = ask(QStringLiteral("status"));
        QVERIFY(status.has_value());
        QCOMPARE(status->value(QLatin1String("ok")).toBool(), true);
        QCOMPARE(status->value(QLatin1String("status"))
                     .toObject()
                     .value(QLatin1String("events_received"))
                     .toInt(),
                 12);

        QSignalSpy stop(&server, &ControlServer::stopRequested);
        QVERIFY(ask(QStringLiteral("stop")).has_value());
        QTRY_COMPARE(stop.size(), 1);
        QSignalSpy activate(&server, &ControlServer::activateRequested);
        QVERIFY(ask(QStringLiteral("activate")).has_value());
        QTRY_COMPARE(activate.size(), 1);

        const auto bad = ask(QStringLiteral("format-disk"));
        QVERIFY(bad.has_value());
        QCOMPARE(bad->value(QLatin1String("ok")).toBool(), false);
        QVERIFY(
            bad->value(QLatin1String("error")).toString().contains(QLatin1String("format-disk")));
    }

    // The socket is served on its own thread: with this (the main) thread busy, status still
    // answers, from the counters published last. It used to wait for this thread, and time out.
    void answersStatusWhileTheMainThreadIsBusy()
    {
        ControlServer server;
        QVERIFY(server.listen());
        int calls = 0;
        server.setStatusProvider([&calls] {
            ++calls;
            return QJsonObject{{QStringLiteral("events_received"), calls}};
        });
        const auto fresh = ask(QStringLiteral("status"));
        QVERIFY(fresh.has_value());
        QCOMPARE(fresh->value(QLatin1String("status"))
                     .toObject()
                     .value(QLatin1String("events_received"))
                     .toInt(),
                 1);

        // Busy: the client's thread is waited for without running this thread's event loop.
        std::optional<QJsonObject> reply;
        QString error;
        QThread* t = QThread::create(
            [&] { reply = ControlClient::request(QStringLiteral("status"), &error, 2000); });
        t->start();
        QVERIFY(t->wait(5000));
        delete t;
        QVERIFY2(reply.has_value(), qPrintable(error));
        QCOMPARE(reply->value(QLatin1String("status"))
                     .toObject()
                     .value(QLatin1String("events_received"))
                     .toInt(),
                 1);
        QCOMPARE(calls, 1);
    }

    void lockIsReleasedWithTheInstance()
    {
        {
            ControlServer a;
            QVERIFY(a.listen());
        }
        ControlServer b;
        QVERIFY2(b.listen(), qPrintable(b.errorString()));
    }
};

QTEST_GUILESS_MAIN(TestControlServer)
#include "tst_controlserver.moc"
