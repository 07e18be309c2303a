// Forwarding benchmark: a session of N turns saved once, every turn built into a trace, queued
// in the outbox on disk and sent to a collector one request at a time until each is
// acknowledged. Prints one JSON line: turns/s end to end, build-only turns/s, bytes per turn.
//   ea-bench-otlp [--turns N] [--tools K] [--gzip] [--endpoint URL]
// Without --endpoint the collector is an in-process HTTP sink that answers 200 at once, so the
// figure is this app's side (build, outbox writes, HTTP); with it, e.g. the node receiver.

#include "otlp/OtlpForwarder.h"
#include "otlp/OtlpTraceBuilder.h"
#include "storage/GzipCodec.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace ea;

namespace {

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// A session document shaped like the saved ones: per turn a prompt, `tools` tool calls (one in
// five inside a delegation), token usage.
QByteArray sessionDocument(int turns, int tools)
{
    QJsonArray turnList, ops, delegations, events;
    const qint64 t0 = 1796067896907;
    for (int t = 0; t < turns; ++t) {
        const qint64 start = t0 + qint64(t) * 60000;
        const qint64 end = start + 30000;
        turnList.append(QJsonObject{
            {"index", t},
            {"start_time", iso(start)},
            {"end_time", iso(end)},
            {"ended_by", "stop"},
            {"prompt", QStringLiteral("Fix the failing test number %1 in parser.py").arg(t)},
            {"tool_calls", tools},
            {"token_usage", QJsonObject{{"input_tokens", 2000},
                                        {"output_tokens", 550},
                                        {"cache_creation_input_tokens", 5000},
                                        {"cache_read_input_tokens", 5000}}}});
        events.append(QJsonObject{{"timestamp", iso(start)},
                                  {"event_type", "user_prompt"},
                                  {"category", "prompt"},
                                  {"data", QJsonObject{{"prompt", "Fix the failing test"}}}});
        const int delegation = int(delegations.size());
        delegations.append(QJsonObject{{"agent_type", "research"},
                                       {"start_time", iso(start + 1000)},
                                       {"end_time", iso(start + 20000)},
                                       {"result", "success"},
                                       {"turn", t}});
        for (int k = 0; k < tools; ++k) {
            const qint64 s = start + 1000 + k * 3000;
            QJsonObject op{{"tool_name", k % 2 ? "Read" : "Bash"},
                           {"start_time", iso(s)},
                           {"end_time", iso(s + 2000)},
                           {"duration_ms", 2000},
                           {"success", true},
                           {"result", "success"},
                           {"exit_code", 0},
                           {"turn", t},
                           {"correlation_id", QStringLiteral("call-%1-%2").arg(t).arg(k)},
                           {"input_data", QJsonObject{{"command", "pytest -q tests/"}}}};
            if (k % 5 == 4)
                op.insert("delegation", delegation);
            ops.append(op);
        }
    }
    return QJsonDocument(
               QJsonObject{{"session_id", "bench-session"},
                           {"start_time", iso(t0)},
                           {"working_directory", "/home/dev/project"},
                           {"metadata", QJsonObject{{"git_branch", "main"},
                                                    {"project_root", "/home/dev/project"}}},
                           {"turns", turnList},
                           {"tool_operations", ops},
                           {"delegations", delegations},
                           {"events", events}})
        .toJson(QJsonDocument::Compact);
}

// The smallest HTTP/1.1 server that takes a POST and answers 200 {} on a kept-alive connection.
class Sink : public QTcpServer
{
public:
    Sink()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = nextPendingConnection()) {
                auto* buffer = new QByteArray;
                connect(s, &QTcpSocket::disconnected, s, [s, buffer] {
                    delete buffer;
                    s->deleteLater();
                });
                connect(s, &QTcpSocket::readyRead, s, [s, buffer] {
                    buffer->append(s->readAll());
                    for (;;) {
                        const qsizetype head = buffer->indexOf("\r\n\r\n");
                        if (head < 0)
                            return;
                        qsizetype length = 0;
                        for (const QByteArray& line : buffer->left(head).split('\n'))
                            if (line.toLower().startsWith("content-length:"))
                                length = line.mid(15).trimmed().toLongLong();
                        if (buffer->size() < head + 4 + length)
                            return;
                        buffer->remove(0, head + 4 + length);
                        s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 2\r\n\r\n{}");
                    }
                });
            }
        });
    }
};

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption turnsOpt(QStringLiteral("turns"), QString(), QStringLiteral("n"),
                                      QStringLiteral("2000"));
    const QCommandLineOption toolsOpt(QStringLiteral("tools"), QString(), QStringLiteral("k"),
                                      QStringLiteral("5"));
    const QCommandLineOption gzipOpt(QStringLiteral("gzip"));
    const QCommandLineOption endpointOpt(QStringLiteral("endpoint"), QString(),
                                         QStringLiteral("url"));
    p.addOptions({turnsOpt, toolsOpt, gzipOpt, endpointOpt});
    p.process(app);
    const int turns = p.value(turnsOpt).toInt();
    const int tools = p.value(toolsOpt).toInt();

    QTemporaryDir tmp;
    const QByteArray doc = sessionDocument(turns, tools);
    const QString path = tmp.filePath(QStringLiteral("session_bench.json"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(doc) != doc.size())
        return 1;
    f.close();

    // Building alone.
    const OtlpTraceBuilder builder;
    QElapsedTimer t;
    t.start();
    QList<OtlpTraceBuilder::Trace> traces;
    QJsonObject resource;
    builder.build(doc, &traces, &resource);
    qint64 bytes = 0;
    qint64 gzipBytes = 0;
    for (const OtlpTraceBuilder::Trace& trace : std::as_const(traces)) {
        const QByteArray body =
            OtlpTraceBuilder::request(QJsonArray{builder.resourceSpans(resource, trace.spans)});
        bytes += body.size();
        gzipBytes += GzipCodec::compress(body).value_or(QByteArray()).size();
    }
    const double buildMs = double(t.nsecsElapsed()) / 1e6;

    Sink sink;
    OtlpForwarder::Settings settings;
    if (p.isSet(endpointOpt)) {
        settings.endpoint = QUrl(p.value(endpointOpt));
    } else {
        sink.listen(QHostAddress::LocalHost);
        settings.endpoint =
            QUrl(QStringLiteral("http://127.0.0.1:%1/v1/traces").arg(sink.serverPort()));
    }
    settings.gzip = p.isSet(gzipOpt);
    settings.outboxMaxBytes = qint64(1) << 30;
    OtlpForwarder forwarder(settings, tmp.filePath(QStringLiteral(".otlp")));
    QString error;
    if (!forwarder.start(&error)) {
        std::fprintf(stderr, "ea-bench-otlp: %s\n", qPrintable(error));
        return 1;
    }
    t.restart();
    forwarder.onSessionSaved(QStringLiteral("bench-session"), path);
    const double queuedMs = double(t.nsecsElapsed()) / 1e6;
    QObject::connect(&forwarder, &OtlpForwarder::changed, &app, [&] {
        if (forwarder.counters().acknowledged >= quint64(turns))
            app.quit();
    });
    QTimer::singleShot(600000, &app, [&] { app.exit(1); });
    if (forwarder.counters().acknowledged < quint64(turns))
        app.exec();
    const double totalMs = double(t.nsecsElapsed()) / 1e6;
    const QJsonObject result{
        {"turns", turns},
        {"tool_calls_per_turn", tools},
        {"gzip", settings.gzip},
        {"acknowledged", double(forwarder.counters().acknowledged)},
        {"build_turns_per_s", turns / (buildMs / 1000)},
        {"queue_turns_per_s", turns / (queuedMs / 1000)},
        {"forward_turns_per_s", turns / (totalMs / 1000)},
        {"bytes_per_turn", double(bytes) / turns},
        {"gzip_bytes_per_turn", double(gzipBytes) / turns},
    };
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return forwarder.counters().acknowledged >= quint64(turns) ? 0 : 1;
}
