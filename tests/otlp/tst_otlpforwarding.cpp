#include "AppProcess.h"
#include "MissingPrerequisite.h"
#include "OtlpReceiver.h"
#include "TraceCheck.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;
using namespace ea::test;

// Live forwarding through a collector that is down, slow, busy (429/503 with Retry-After),
// partly refusing or refusing: the outbox on disk keeps what was not acknowledged, across an
// app restart, and nothing acknowledged is sent again. The real binary with default settings;
// the receiver's Retry-After keeps the waits short.
class TestOtlpForwarding : public QObject
{
    Q_OBJECT

    // The claude-mpm recording holds 5 settled turns (A: 2, B: 1, C: 2).
    static constexpr int kTurns = 5;

    struct Setup
    {
        QTemporaryDir tmp;
        QString act;
        QString config;
        quint16 port = 0;
    };

    static QString recording()
    {
        return QStringLiteral(EA_FIXTURES_DIR "/claude-mpm/current-server.jsonl");
    }

    static int outboxFiles(const QString& act)
    {
        return int(QDir(act + QStringLiteral("/.otlp/outbox"))
                       .entryList({QStringLiteral("*.json")}, QDir::Files)
                       .size());
    }

    // A free port for the collector (one a receiver just left), a configuration forwarding to
    // it, and the recording's turns replayed into the outbox while nothing listens there.
    static void prepare(Setup& s, const QString& extra = {})
    {
        {
            OtlpReceiver probe;
            QVERIFY(probe.start());
            s.port = probe.port();
        }
        s.act = s.tmp.filePath(QStringLiteral("act"));
        QDir().mkpath(s.tmp.filePath(QStringLiteral(".claude-mpm")));
        s.config = s.tmp.filePath(QStringLiteral(".claude-mpm/configuration.yaml"));
        QFile f(s.config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("event_aggregator:\n"
                               "  otlp:\n"
                               "    endpoint: http://127.0.0.1:%1/v1/traces\n%2")
                    .arg(s.port)
                    .arg(extra)
                    .toUtf8());
        f.close();
        int code = -1;
        QByteArray err;
        runApp(s.tmp.path(),
               {QStringLiteral("--headless"), QStringLiteral("--replay"), recording(),
                QStringLiteral("--activity-dir"), s.act, QStringLiteral("--config"), s.config},
               &code, &err);
        QCOMPARE(code, 0);
        QCOMPARE(outboxFiles(s.act), kTurns);
    }

    static bool startApp(AppProcess& app, const Setup& s)
    {
        // No dashboard (port 1): this instance only forwards what the outbox holds.
        return app.start({QStringLiteral("--headless"), QStringLiteral("--port"),
                          QStringLiteral("1"), QStringLiteral("--activity-dir"), s.act,
                          QStringLiteral("--config"), s.config});
    }

    static QJsonObject otlp(const QJsonObject& status)
    {
        return status.value(QLatin1String("otlp")).toObject();
    }

    static bool delivered(AppProcess& app, int acknowledged, int timeoutMs = 15000)
    {
        return app.waitForStatus(
            [acknowledged](const QJsonObject& st) {
                const QJsonObject o = otlp(st);
                return o.value(QLatin1String("acknowledged")).toInt() >= acknowledged &&
                       o.value(QLatin1String("outbox_turns")).toInt() == 0 &&
                       !o.value(QLatin1String("sending")).toBool();
            },
            timeoutMs);
    }

    static QSet<QString> traces(const QList<QJsonObject>& requests)
    {
        QSet<QString> ids;
        for (const QJsonObject& s : spansOf(requests))
            ids.insert(s.value(QLatin1String("traceId")).toString());
        return ids;
    }

    static QString firstTrace(const QJsonObject& request)
    {
        return request.value(QLatin1String("spans"))
            .toArray()
            .first()
            .toObject()
            .value(QLatin1String("traceId"))
            .toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString why;
        if (!OtlpReceiver::available(&why))
            EA_SKIP_OR_FAIL(qPrintable(why));
    }

    // Collector down: the turns stay in the outbox, through a restart of the app; once the
    // collector is back each is delivered once, and a third start sends nothing again.
    void collectorOutageAcrossRestart()
    {
        Setup s;
        prepare(s);
        {
            AppProcess app(s.tmp.filePath(QStringLiteral("run")));
            QVERIFY(startApp(app, s));
            QVERIFY(app.waitForStatus(
                [](const QJsonObject& st) {
                    return otlp(st).value(QLatin1String("retries")).toInt() >= 1 &&
                           otlp(st).value(QLatin1String("outbox_turns")).toInt() == kTurns;
                },
                10000));
            QVERIFY(!otlp(app.status()).value(QLatin1String("last_error")).toString().isEmpty());
            QVERIFY(!app.stop().isEmpty());
        }
        QCOMPARE(outboxFiles(s.act), kTurns);

        OtlpReceiver receiver;
        QVERIFY(receiver.start(s.port));
        {
            AppProcess app(s.tmp.filePath(QStringLiteral("run")));
            QVERIFY(startApp(app, s));
            QVERIFY2(delivered(app, kTurns), qPrintable(QJsonDocument(app.status()).toJson()));
            QVERIFY(!app.stop().isEmpty());
        }
        QCOMPARE(outboxFiles(s.act), 0);
        QCOMPARE(receiver.requests().size(), kTurns);
        QCOMPARE(traces(receiver.accepted()).size(), kTurns);
        const QStringList problems =
            compareSpans(sessionDocuments(s.act), spansOf(receiver.accepted()));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));

        AppProcess again(s.tmp.filePath(QStringLiteral("run")));
        QVERIFY(startApp(again, s));
        QVERIFY(again.waitForStatus(
            [](const QJsonObject& st) { return st.contains(QLatin1String("otlp")); }, 10000));
        const QJsonObject o = otlp(again.status());
        QCOMPARE(o.value(QLatin1String("outbox_turns")).toInt(), 0);
        QCOMPARE(o.value(QLatin1String("queued")).toInt(), 0);
        QVERIFY(!again.stop().isEmpty());
        QCOMPARE(receiver.requests().size(), kTurns);
    }

    // 503 and 429 with Retry-After: the same (oldest) turn is tried again no sooner than asked.
    void busyCollectorRetryAfter()
    {
        Setup s;
        prepare(s);
        OtlpReceiver receiver;
        QVERIFY(receiver.start(s.port));
        QVERIFY(receiver.plan(503, 1, 2));
        QVERIFY(receiver.plan(429, 1, 1));
        AppProcess app(s.tmp.filePath(QStringLiteral("run")));
        QVERIFY(startApp(app, s));
        QVERIFY2(delivered(app, kTurns), qPrintable(QJsonDocument(app.status()).toJson()));
        const QJsonObject o = otlp(app.status());
        QCOMPARE(o.value(QLatin1String("retries")).toInt(), 2);
        QVERIFY(!app.stop().isEmpty());

        const QList<QJsonObject> r = receiver.requests();
        QCOMPARE(r.size(), kTurns + 2);
        QCOMPARE(r.at(0).value(QLatin1String("status")).toInt(), 503);
        QCOMPARE(r.at(1).value(QLatin1String("status")).toInt(), 429);
        QCOMPARE(firstTrace(r.at(1)), firstTrace(r.at(0)));
        QCOMPARE(firstTrace(r.at(2)), firstTrace(r.at(0)));
        const auto at = [&r](int i) {
            return r.at(i).value(QLatin1String("received_at")).toDouble();
        };
        QVERIFY2(at(1) - at(0) >= 1950, qPrintable(QString::number(at(1) - at(0))));
        QVERIFY2(at(2) - at(1) >= 950, qPrintable(QString::number(at(2) - at(1))));
        QCOMPARE(traces(receiver.accepted()).size(), kTurns);
    }

    // Partial success: the collector took the request; the rejected spans are counted, the
    // turn is not sent again.
    void partialSuccessIsNotSentAgain()
    {
        Setup s;
        prepare(s);
        OtlpReceiver receiver;
        QVERIFY(receiver.start(s.port));
        QVERIFY(receiver.plan(200, 1, -1, 1));
        AppProcess app(s.tmp.filePath(QStringLiteral("run")));
        QVERIFY(startApp(app, s));
        QVERIFY2(delivered(app, kTurns), qPrintable(QJsonDocument(app.status()).toJson()));
        const QJsonObject o = otlp(app.status());
        QCOMPARE(o.value(QLatin1String("spans_rejected")).toInt(), 1);
        QCOMPARE(o.value(QLatin1String("retries")).toInt(), 0);
        QVERIFY(!app.stop().isEmpty());
        QVERIFY(app.stderrText().contains("rejected 1 spans"));
        QCOMPARE(receiver.requests().size(), kTurns);
    }

    // 400: the collector will never take it; dropped, counted and logged, the rest delivered.
    void badRequestIsDropped()
    {
        Setup s;
        prepare(s);
        OtlpReceiver receiver;
        QVERIFY(receiver.start(s.port));
        QVERIFY(receiver.plan(400));
        AppProcess app(s.tmp.filePath(QStringLiteral("run")));
        QVERIFY(startApp(app, s));
        QVERIFY2(delivered(app, kTurns - 1), qPrintable(QJsonDocument(app.status()).toJson()));
        const QJsonObject o = otlp(app.status());
        QCOMPARE(o.value(QLatin1String("refused")).toInt(), 1);
        QCOMPARE(o.value(QLatin1String("acknowledged")).toInt(), kTurns - 1);
        QVERIFY(!app.stop().isEmpty());
        QVERIFY(app.stderrText().contains("refused trace"));
        QVERIFY(app.stderrText().contains("HTTP 400"));
        QCOMPARE(receiver.requests().size(), kTurns);
        QCOMPARE(outboxFiles(s.act), 0);
    }

    // A collector slower than `timeout`: the request is abandoned and tried again; every turn
    // arrives (the late one twice, with the same ids).
    void slowCollectorTimesOut()
    {
        Setup s;
        prepare(s, QStringLiteral("    timeout: 1\n"));
        OtlpReceiver receiver;
        QVERIFY(receiver.start(s.port));
        QVERIFY(receiver.plan(200, 1, -1, 0, 2500));
        AppProcess app(s.tmp.filePath(QStringLiteral("run")));
        QVERIFY(startApp(app, s));
        QVERIFY2(delivered(app, kTurns), qPrintable(QJsonDocument(app.status()).toJson()));
        const QJsonObject o = otlp(app.status());
        QVERIFY(o.value(QLatin1String("retries")).toInt() >= 1);
        QVERIFY(!app.stop().isEmpty());
        QVERIFY(receiver.waitForRequests(kTurns + 1, 5000));
        QCOMPARE(traces(receiver.accepted()).size(), kTurns);
    }
};

QTEST_GUILESS_MAIN(TestOtlpForwarding)
#include "tst_otlpforwarding.moc"
