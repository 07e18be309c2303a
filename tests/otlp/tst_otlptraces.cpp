#include "AppProcess.h"
#include "MissingPrerequisite.h"
#include "OtlpReceiver.h"
#include "PeerServer.h"
#include "TraceCheck.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace ea;
using namespace ea::test;

// Sessions as OpenTelemetry traces, read back by a real OTLP decoder (the official protobuf
// definitions, tests/peers/otlp-receiver.js): `export --format otlp`, and a live capture from
// a real dashboard forwarded turn by turn to the receiver. Every span is checked against the
// session file it came from.
class TestOtlpTraces : public QObject
{
    Q_OBJECT

    QString recording(const QString& name) const
    {
        return QStringLiteral(EA_FIXTURES_DIR "/claude-mpm/") + name;
    }

    static QString writeConfig(const QString& dir, const QString& body)
    {
        QDir().mkpath(dir + QStringLiteral("/.claude-mpm"));
        const QString path = dir + QStringLiteral("/.claude-mpm/configuration.yaml");
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(body.toUtf8());
        return path;
    }

    static int settledTurns(const QList<QJsonObject>& sessions)
    {
        int n = 0;
        for (const QJsonObject& s : sessions)
            for (const QJsonValue& t : s.value(QLatin1String("turns")).toArray())
                n += t.toObject().value(QLatin1String("end_time")).isString() ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString why;
        if (!OtlpReceiver::available(&why))
            EA_SKIP_OR_FAIL(qPrintable(why));
    }

    void exportDecodesAsTheSessionsSay_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("claude-mpm current") << QStringLiteral("current-server.jsonl");
        QTest::newRow("claude-mpm legacy") << QStringLiteral("legacy-server.jsonl");
    }

    // export --format otlp: one ExportTraceServiceRequest a collector decodes, each settled
    // turn a trace nested and attributed as the session file says, the same bytes every time.
    void exportDecodesAsTheSessionsSay()
    {
        QFETCH(QString, file);
        QTemporaryDir tmp;
        const QString act = tmp.filePath(QStringLiteral("act"));
        int code = -1;
        QByteArray err;
        runApp(tmp.path(),
               {QStringLiteral("--headless"), QStringLiteral("--replay"), recording(file),
                QStringLiteral("--activity-dir"), act},
               &code, &err);
        QCOMPARE(code, 0);
        const QString out = tmp.filePath(QStringLiteral("traces.json"));
        runApp(tmp.path(),
               {QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
                QStringLiteral("otlp"), QStringLiteral("-o"), out, QStringLiteral("--activity-dir"),
                act},
               &code, &err);
        QCOMPARE(code, 0);
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray body = f.readAll();
        // Ids and everything else derive from the sessions alone: a second export is the same.
        const QByteArray again =
            runApp(tmp.path(),
                   {QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
                    QStringLiteral("otlp"), QStringLiteral("--activity-dir"), act},
                   &code, &err);
        QCOMPARE(code, 0);
        QCOMPARE(again, body);

        OtlpReceiver receiver;
        QVERIFY(receiver.start());
        QNetworkAccessManager network;
        QNetworkRequest request{QUrl(receiver.endpoint())};
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        QNetworkReply* reply = network.post(request, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(10000));
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        delete reply;
        QVERIFY(receiver.waitForRequests(1, 5000));
        const QJsonObject got = receiver.requests().first();
        QVERIFY2(got.value(QLatin1String("valid")).toBool(),
                 qPrintable(got.value(QLatin1String("error")).toString()));
        QCOMPARE(status, 200);

        const QList<QJsonObject> sessions = sessionDocuments(act);
        QVERIFY(settledTurns(sessions) >= 3);
        const QStringList problems = compareSpans(sessions, spansOf({got}));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    // The end: a session captured from a real dashboard shows up in a collector fed by
    // this app, each turn as it settles, nested and attributed as its session file says; the
    // headers' tokens come from the environment, the body gzip-compressed.
    void liveCaptureForwardsEveryTurn()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        QTemporaryDir tmp;
        OtlpReceiver receiver;
        QVERIFY(receiver.start());
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = tmp.filePath(QStringLiteral("act"));
        const QString config = writeConfig(
            tmp.path(), QStringLiteral("event_aggregator:\n"
                                       "  otlp:\n"
                                       "    endpoint: %1\n"
                                       "    compression: gzip\n"
                                       "    service_name: team-agents\n"
                                       "    headers:\n"
                                       "      Authorization: Bearer ${OTLP_TEST_TOKEN}\n")
                            .arg(receiver.endpoint()));
        AppProcess app(tmp.filePath(QStringLiteral("run")));
        app.setEnv(QStringLiteral("OTLP_TEST_TOKEN"), QStringLiteral("s3cret-token"));
        QVERIFY(app.start({QStringLiteral("--headless"), QStringLiteral("--port"),
                           QString::number(peer.port()), QStringLiteral("--activity-dir"), act,
                           QStringLiteral("--config"), config}));
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("replay")},
                               {QStringLiteral("file"),
                                recording(QStringLiteral("current-server.jsonl"))}},
                              30000)
                     .isEmpty());
        // A: 2 turns, B: 1, C: 2 (tests/fixtures/claude-mpm/README.md).
        QVERIFY2(app.waitForStatus(
                     [](const QJsonObject& st) {
                         const QJsonObject o = st.value(QLatin1String("otlp")).toObject();
                         return o.value(QLatin1String("acknowledged")).toInt() >= 5 &&
                                o.value(QLatin1String("outbox_turns")).toInt() == 0;
                     },
                     15000),
                 qPrintable(QJsonDocument(app.status()).toJson()));
        const QJsonObject counters = app.stop();
        QVERIFY(!counters.isEmpty());

        const QList<QJsonObject> sessions = sessionDocuments(act);
        QCOMPARE(settledTurns(sessions), 5);
        for (const QJsonObject& r : receiver.requests()) {
            QVERIFY2(r.value(QLatin1String("valid")).toBool(),
                     qPrintable(r.value(QLatin1String("error")).toString()));
            QCOMPARE(r.value(QLatin1String("encoding")).toString(), QStringLiteral("gzip"));
            QCOMPARE(r.value(QLatin1String("content_type")).toString(),
                     QStringLiteral("application/json"));
            QCOMPARE(r.value(QLatin1String("authorization")).toString(),
                     QStringLiteral("Bearer s3cret-token"));
        }
        const QList<QJsonObject> spans = spansOf(receiver.accepted());
        for (const QJsonObject& s : spans)
            QCOMPARE(s.value(QLatin1String("resource"))
                         .toObject()
                         .value(QLatin1String("service.name"))
                         .toString(),
                     QStringLiteral("team-agents"));
        const QStringList problems = compareSpans(sessions, spans);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        // One request per turn: nothing was sent twice.
        QCOMPARE(receiver.requests().size(), 5);
    }

    // Nothing leaves unredacted: a secret in a prompt reaches neither the export nor the
    // collector, while the span that carried it still arrives.
    void secretsNeverLeave()
    {
        QTemporaryDir tmp;
        const QByteArray secret = "sk-ant-api03-" + QByteArray(40, 'Q') + "x9";
        QFile in(recording(QStringLiteral("current-server.jsonl")));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray text = in.readAll();
        text.replace("Fix the failing test in parser.py",
                     "Fix the failing test in parser.py with key " + secret);
        const QString rec = tmp.filePath(QStringLiteral("secret.jsonl"));
        QFile out(rec);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text);
        out.close();
        OtlpReceiver receiver;
        QVERIFY(receiver.start());
        const QString act = tmp.filePath(QStringLiteral("act"));
        const QString config =
            writeConfig(tmp.path(), QStringLiteral("event_aggregator:\n  otlp:\n    endpoint: %1\n")
                                        .arg(receiver.endpoint()));
        int code = -1;
        QByteArray err;
        runApp(tmp.path(),
               {QStringLiteral("--headless"), QStringLiteral("--replay"), rec,
                QStringLiteral("--activity-dir"), act, QStringLiteral("--config"), config},
               &code, &err);
        QCOMPARE(code, 0);
        const QByteArray exported =
            runApp(tmp.path(),
                   {QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
                    QStringLiteral("otlp"), QStringLiteral("--activity-dir"), act},
                   &code, &err);
        QCOMPARE(code, 0);
        QVERIFY(exported.contains("Fix the failing test in parser.py with key "));
        QVERIFY(!exported.contains(secret.left(20)));
        QVERIFY2(err.contains("redacted"), err.constData());
        // The replay queued the turns; a capture with no dashboard sends them.
        AppProcess app(tmp.filePath(QStringLiteral("run")));
        QVERIFY(
            app.start({QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                       QStringLiteral("--activity-dir"), act, QStringLiteral("--config"), config}));
        QVERIFY(app.waitForStatus(
            [](const QJsonObject& st) {
                const QJsonObject o = st.value(QLatin1String("otlp")).toObject();
                return o.value(QLatin1String("outbox_turns")).toInt() == 0 &&
                       !o.value(QLatin1String("sending")).toBool();
            },
            15000));
        QVERIFY(!app.stop().isEmpty());
        QVERIFY(receiver.accepted().size() >= 5);
        bool sawPrompt = false;
        for (const QJsonObject& r : receiver.requests()) {
            const QByteArray raw = QJsonDocument(r).toJson(QJsonDocument::Compact);
            QVERIFY(!raw.contains(secret.left(20)));
            sawPrompt = sawPrompt || raw.contains("Fix the failing test in parser.py with key ");
        }
        QVERIFY(sawPrompt);
    }

    // The secrets corpus (tests/fixtures/secrets) forwarded to a collector: not one of them in
    // any request, in any of its forms.
    void secretsCorpusNeverForwarded()
    {
        QFile needlesFile(QStringLiteral(EA_FIXTURES_DIR "/secrets/needles.txt"));
        QVERIFY(needlesFile.open(QIODevice::ReadOnly));
        const QList<QByteArray> needles = needlesFile.readAll().trimmed().split('\n');
        QVERIFY(needles.size() > 20);
        QTemporaryDir tmp;
        OtlpReceiver receiver;
        QVERIFY(receiver.start());
        const QString act = tmp.filePath(QStringLiteral("act"));
        const QString config =
            writeConfig(tmp.path(), QStringLiteral("event_aggregator:\n  otlp:\n    endpoint: %1\n")
                                        .arg(receiver.endpoint()));
        int code = -1;
        QByteArray err;
        runApp(tmp.path(),
               {QStringLiteral("--headless"), QStringLiteral("--replay"),
                QStringLiteral(EA_FIXTURES_DIR "/secrets/recording.jsonl"),
                QStringLiteral("--activity-dir"), act, QStringLiteral("--config"), config},
               &code, &err);
        QCOMPARE(code, 0);
        AppProcess app(tmp.filePath(QStringLiteral("run")));
        QVERIFY(
            app.start({QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                       QStringLiteral("--activity-dir"), act, QStringLiteral("--config"), config}));
        QVERIFY(app.waitForStatus(
            [](const QJsonObject& st) {
                const QJsonObject o = st.value(QLatin1String("otlp")).toObject();
                return o.value(QLatin1String("queued")).toInt() +
                               o.value(QLatin1String("acknowledged")).toInt() >
                           0 &&
                       o.value(QLatin1String("outbox_turns")).toInt() == 0 &&
                       !o.value(QLatin1String("sending")).toBool();
            },
            15000));
        QVERIFY(!app.stop().isEmpty());
        QVERIFY(!receiver.accepted().isEmpty());
        for (const QJsonObject& r : receiver.requests()) {
            QVERIFY(r.value(QLatin1String("valid")).toBool());
            const QByteArray raw = QJsonDocument(r).toJson(QJsonDocument::Compact);
            for (const QByteArray& n : needles)
                QVERIFY2(!raw.contains(n.trimmed()), n.constData());
        }
    }

    // A header naming an unset environment variable, or plain http to another machine without
    // --allow-remote: refused at start with the reason, exit code 2.
    void badForwardingSettingsAreRefused()
    {
        QTemporaryDir tmp;
        const QString unset =
            writeConfig(tmp.path(), QStringLiteral("event_aggregator:\n"
                                                   "  otlp:\n"
                                                   "    endpoint: http://127.0.0.1:4318/v1/traces\n"
                                                   "    headers:\n"
                                                   "      x-token: ${EA_TEST_UNSET_VARIABLE}\n"));
        int code = -1;
        QByteArray err;
        runApp(tmp.path(),
               {QStringLiteral("--headless"), QStringLiteral("--config"), unset,
                QStringLiteral("--port"), QStringLiteral("1")},
               &code, &err);
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("EA_TEST_UNSET_VARIABLE"), err.constData());
        const QString remote = writeConfig(
            tmp.path(), QStringLiteral("event_aggregator:\n"
                                       "  otlp:\n"
                                       "    endpoint: http://collector.example:4318/v1/traces\n"));
        runApp(tmp.path(),
               {QStringLiteral("--headless"), QStringLiteral("--config"), remote,
                QStringLiteral("--port"), QStringLiteral("1")},
               &code, &err);
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("--allow-remote"), err.constData());
    }
};

QTEST_GUILESS_MAIN(TestOtlpTraces)
#include "tst_otlptraces.moc"
