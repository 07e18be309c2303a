#include "otlp/OtlpForwarder.h"

#include "TestClock.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// OtlpForwarder's backoff on a test clock: a Retry-After of 30 s (or an HTTP date) holds the
// retry exactly that long, measured on the injected clock.
class TestOtlpForwarder : public QObject
{
    Q_OBJECT

    // Answers each POST with the next planned head (then 200).
    struct Collector : QTcpServer
    {
        QList<QByteArray> answers;
        int requests = 0;
        Collector()
        {
            connect(this, &QTcpServer::newConnection, this, [this] {
                while (QTcpSocket* s = nextPendingConnection()) {
                    connect(s, &QTcpSocket::readyRead, s, [this, s] {
                        QByteArray& buffer = m_buffers[s];
                        buffer += s->readAll();
                        const qsizetype head = buffer.indexOf("\r\n\r\n");
                        if (head < 0)
                            return;
                        qsizetype length = 0;
                        for (const QByteArray& line : buffer.left(head).split('\n'))
                            if (line.toLower().startsWith("content-length:"))
                                length = line.mid(15).trimmed().toLongLong();
                        if (buffer.size() < head + 4 + length)
                            return;
                        buffer.remove(0, head + 4 + length);
                        ++requests;
                        const QByteArray status =
                            answers.isEmpty() ? QByteArray("200 OK") : answers.takeFirst();
                        s->write(
                            "HTTP/1.1 " + status +
                            "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
                    });
                    connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                }
            });
        }
        QHash<QTcpSocket*, QByteArray> m_buffers;
    };

    static QString sessionFile(const QString& dir)
    {
        const QJsonObject doc{
            {"session_id", "s-1"},
            {"turns", QJsonArray{QJsonObject{{"index", 0},
                                             {"start_time", "2026-01-01T10:00:00.000Z"},
                                             {"end_time", "2026-01-01T10:00:05.000Z"},
                                             {"prompt", "hello"}}}}};
        const QString path = dir + QStringLiteral("/session_s-1.json");
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(QJsonDocument(doc).toJson());
        return path;
    }

private Q_SLOTS:
    void retryAfterIsMeasuredOnTheClock_data()
    {
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::newRow("seconds") << QByteArray("30");
        // TestClock's wall clock starts at 2026-01-01 10:00:00 UTC.
        QTest::newRow("http date") << QByteArray("Thu, 01 Jan 2026 10:00:30 GMT");
    }

    void retryAfterIsMeasuredOnTheClock()
    {
        QFETCH(QByteArray, retryAfter);
        QTemporaryDir tmp;
        Collector collector;
        QVERIFY(collector.listen(QHostAddress::LocalHost));
        collector.answers << "503 Service Unavailable\r\nRetry-After: " + retryAfter;
        TestClock clock;
        OtlpForwarder::Settings settings;
        settings.endpoint =
            QUrl(QStringLiteral("http://127.0.0.1:%1/v1/traces").arg(collector.serverPort()));
        OtlpForwarder forwarder(settings, tmp.filePath(QStringLiteral(".otlp")), &clock);
        QString error;
        QVERIFY(forwarder.start(&error));
        forwarder.onSessionSaved(QStringLiteral("s-1"), sessionFile(tmp.path()));
        QTRY_COMPARE(forwarder.counters().retries, quint64(1));
        QCOMPARE(collector.requests, 1);
        QVERIFY(forwarder.statusJson().value(QLatin1String("retry_in_ms")).toDouble() >= 29000);
        // The tray tooltip's line.
        QVERIFY2(forwarder.summary().startsWith(
                     QStringLiteral("OTLP: 1 turn waiting (retry in 30 s: HTTP 503")),
                 qPrintable(forwarder.summary()));
        clock.advance(29000);
        QTest::qWait(50);
        QCOMPARE(collector.requests, 1); // not before it was asked to
        clock.advance(1000);
        QTRY_COMPARE(forwarder.counters().acknowledged, quint64(1));
        QCOMPARE(collector.requests, 2);
        QCOMPARE(forwarder.outbox().count(), 0);
        QCOMPARE(forwarder.summary(), QStringLiteral("OTLP: all turns delivered"));
        // Saved again: the turn is known and not queued a second time.
        forwarder.onSessionSaved(QStringLiteral("s-1"), sessionFile(tmp.path()));
        QCOMPARE(forwarder.counters().queued, quint64(1));
    }
};

QTEST_GUILESS_MAIN(TestOtlpForwarder)
#include "tst_otlpforwarder.moc"
