// Proves the test peers and PeerServer against a hand-driven QWebSocket, so later protocol tests
// can trust that a failure is the client's and not the harness's.
#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <QtTest>

#include <optional>

using namespace ea;

struct Frame
{
    bool binary = false;
    QByteArray data;
};

// Speaks Engine.IO by hand: answers pings, queues every other frame in arrival order.
class RawClient
{
public:
    RawClient()
    {
        QObject::connect(&m_ws, &QWebSocket::textMessageReceived, &m_ws, [this](const QString& t) {
            if (t == QStringLiteral("2")) {
                ++pings;
                m_ws.sendTextMessage(QStringLiteral("3"));
                return;
            }
            frames.append({false, t.toUtf8()});
        });
        QObject::connect(&m_ws, &QWebSocket::binaryMessageReceived, &m_ws,
                         [this](const QByteArray& b) {
                             frames.append({true, b});
                         });
        QObject::connect(&m_ws, &QWebSocket::disconnected, &m_ws, [this] { closed = true; });
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool open(const QUrl& url, int timeoutMs = 5000)
    {
        m_ws.open(url);
        return QTest::qWaitFor(
                   [this] { return m_ws.state() == QAbstractSocket::ConnectedState || closed; },
                   timeoutMs) &&
               m_ws.state() == QAbstractSocket::ConnectedState;
    }
    std::optional<Frame> next(int timeoutMs = 5000)
    {
        if (!QTest::qWaitFor([this] { return !frames.isEmpty(); }, timeoutMs))
            return std::nullopt;
        return frames.takeFirst();
    }
    // The next frame as text; a marker string for a binary frame or for silence, so a QCOMPARE
    // against the expected frame prints what actually came.
    QString nextText(int timeoutMs = 5000)
    {
        const auto f = next(timeoutMs);
        if (!f)
            return QStringLiteral("<no frame within %1 ms>").arg(timeoutMs);
        if (f->binary)
            return QStringLiteral("<binary frame of %1 bytes>").arg(f->data.size());
        return QString::fromUtf8(f->data);
    }
    void send(const QString& text) { m_ws.sendTextMessage(text); }
    void sendBinary(const QByteArray& data) { m_ws.sendBinaryMessage(data); }
    bool waitClosed(int timeoutMs)
    {
        return QTest::qWaitFor([this] { return closed; }, timeoutMs);
    }
    void close() { m_ws.close(); }

    QList<Frame> frames;
    int pings = 0;
    bool closed = false;

private:
    QWebSocket m_ws;
};

// Parses what follows a packet prefix ("42", "40/admin,", "4313", ...) as JSON.
static QJsonValue payloadAfter(const QString& frame, const QString& prefix)
{
    if (!frame.startsWith(prefix))
        return QJsonValue(QJsonValue::Undefined);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(frame.mid(prefix.size()).toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return QJsonValue(QJsonValue::Undefined);
    if (doc.isArray())
        return doc.array();
    return doc.object();
}

static QJsonObject claudeEvent()
{
    // Non-ASCII in every UTF-8 length class plus an astral-plane emoji (a surrogate pair in JSON
    // escapes), so a peer that mangles encoding cannot pass.
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("hook")},
        {QStringLiteral("subtype"), QStringLiteral("pre_tool")},
        {QStringLiteral("data"),
         QJsonObject{{QStringLiteral("text"), QStringLiteral("héllo — 日本語 🚀 \"quoted\"\n")},
                     {QStringLiteral("n"), 42},
                     {QStringLiteral("pi"), 3.25},
                     {QStringLiteral("nested"),
                      QJsonArray{1, true, QJsonValue(), QJsonObject{{"a", "b"}}}}}},
    };
}

static QJsonObject cmd(const QString& name, QJsonObject fields = {})
{
    fields.insert(QStringLiteral("cmd"), name);
    return fields;
}

#define REQUIRE_PEER(kind)                                                                         \
    do {                                                                                           \
        QString why_;                                                                              \
        if (!PeerServer::available(kind, &why_))                                                   \
            EA_SKIP_OR_FAIL(qPrintable(why_));                                                     \
    } while (false)

class tst_PeerServer : public QObject
{
    Q_OBJECT

private:
    // Opens the Engine.IO session and CONNECTs "/", checking both replies, which are handed back.
    // Callers check QTest::currentTestFailed() afterwards.
    void handshake(RawClient& client, PeerServer& peer, QJsonObject* open, QJsonObject* connected)
    {
        QVERIFY2(client.open(peer.webSocketUrl()), qPrintable(peer.webSocketUrl().toString()));
        const QString first = client.nextText();
        QVERIFY2(first.startsWith(QStringLiteral("0{")), qPrintable(first));
        const QJsonObject o = payloadAfter(first, QStringLiteral("0")).toObject();
        QVERIFY2(!o.value(QStringLiteral("sid")).toString().isEmpty(), qPrintable(first));
        if (open)
            *open = o;

        client.send(QStringLiteral("40"));
        const QString reply = client.nextText();
        QVERIFY2(reply.startsWith(QStringLiteral("40{")), qPrintable(reply));
        const QJsonObject c = payloadAfter(reply, QStringLiteral("40")).toObject();
        QVERIFY2(!c.value(QStringLiteral("sid")).toString().isEmpty(), qPrintable(reply));
        // The Socket.IO sid is deliberately not the Engine.IO one (both libraries).
        QVERIFY(c.value(QStringLiteral("sid")) != o.value(QStringLiteral("sid")));
        if (connected)
            *connected = c;
    }

    static void addKinds()
    {
        QTest::addColumn<PeerServer::Kind>("kind");
        QTest::newRow("node") << PeerServer::Node;
        QTest::newRow("python") << PeerServer::Python;
    }

private slots:
    void handshakeAndEmit_data()
    {
        QTest::addColumn<PeerServer::Kind>("kind");
        QTest::addColumn<bool>("recovery");
        QTest::newRow("node") << PeerServer::Node << false;
        QTest::newRow("python") << PeerServer::Python << false;
        QTest::newRow("node-recovery") << PeerServer::Node << true;
        QTest::newRow("python-recovery-ignored") << PeerServer::Python << true;
    }

    void handshakeAndEmit()
    {
        QFETCH(PeerServer::Kind, kind);
        QFETCH(bool, recovery);
        REQUIRE_PEER(kind);

        PeerServer peer;
        QStringList args{"--ping-interval", "300",   "--ping-timeout", "4000",
                         "--max-payload",   "200000"};
        if (recovery)
            args << "--recovery";
        QVERIFY(peer.start(kind, args));
        QVERIFY(peer.port() != 0);
        QCOMPARE(peer.readyLine().value("server").toString(), PeerServer::kindName(kind));
        const bool recovering = recovery && kind == PeerServer::Node;
        QCOMPARE(peer.recoveryEnabled(), recovering);
        if (recovery && kind == PeerServer::Python)
            QVERIFY(peer.readyLine().value("note").toString().contains("recovery"));

        RawClient client;
        QJsonObject open, connected;
        handshake(client, peer, &open, &connected);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(open.value("pingInterval").toInt(), 300);
        QCOMPARE(open.value("pingTimeout").toInt(), 4000);
        QVERIFY(open.value("upgrades").isArray());
        // python-engineio 4.3 leaves maxPayload out of the open packet; Node always sends it.
        if (kind == PeerServer::Node || open.contains("maxPayload"))
            QCOMPARE(open.value("maxPayload").toInt(), 200000);

        const QString sid = connected.value("sid").toString();
        if (recovering)
            QVERIFY(!connected.value("pid").toString().isEmpty());
        else
            QVERIFY(!connected.contains("pid"));

        QJsonObject report;
        QVERIFY(peer.waitForReport(
            [&](const QJsonObject& r) {
                return r.value("report") == "connect" && r.value("sid").toString() == sid;
            },
            5000, 0, &report));
        QCOMPARE(report.value("nsp").toString(), QStringLiteral("/"));
        QCOMPARE(report.value("recovered").toBool(), false);

        const QJsonObject payload = claudeEvent();
        const QJsonObject done = peer.command(
            cmd("emit", {{"nsp", "/"}, {"event", "claude_event"}, {"args", QJsonArray{payload}}}));
        QVERIFY(!done.isEmpty());
        QVERIFY2(!done.contains("error"), qPrintable(done.value("error").toString()));

        const QString frame = client.nextText();
        QVERIFY2(frame.startsWith(QStringLiteral("42[\"claude_event\",")), qPrintable(frame));
        const QJsonArray event = payloadAfter(frame, "42").toArray();
        QCOMPARE(event.size(), recovering ? 3 : 2);
        QCOMPARE(event.at(0).toString(), QStringLiteral("claude_event"));
        QCOMPARE(event.at(1).toObject(), payload);
        if (recovering) {
            QVERIFY(event.at(2).isString());
            QVERIFY(!event.at(2).toString().isEmpty());
        }

        // The ping interval given on the command line must drive the server's pings.
        QTRY_VERIFY_WITH_TIMEOUT(client.pings >= 2, 3000);

        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 1);
        client.close();
        QVERIFY(peer.waitForReport(
            [&](const QJsonObject& r) {
                return r.value("report") == "disconnect" && r.value("sid").toString() == sid;
            },
            5000));
        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 0);
    }

    void clientEventsAndAcks_data() { addKinds(); }

    void clientEventsAndAcks()
    {
        QFETCH(PeerServer::Kind, kind);
        REQUIRE_PEER(kind);
        PeerServer peer;
        QVERIFY(peer.start(kind));
        RawClient client;
        handshake(client, peer, nullptr, nullptr);
        if (QTest::currentTestFailed())
            return;

        client.send(QStringLiteral("4213[\"echo\",{\"x\":\"ü\"},2]"));
        const QString echoAck = client.nextText();
        QVERIFY2(echoAck.startsWith("4313["), qPrintable(echoAck));
        QCOMPARE(payloadAfter(echoAck, "4313").toArray(), (QJsonArray{QJsonObject{{"x", "ü"}}, 2}));

        client.send(QStringLiteral("427[\"other\",\"a\"]"));
        QCOMPARE(client.nextText(), QStringLiteral("437[\"ok\"]"));

        client.send(QStringLiteral("42[\"note\",1]"));
        // A binary event from the client: placeholder frame, then the attachment.
        client.send(QStringLiteral("451-[\"upload\",{\"_placeholder\":true,\"num\":0},\"tail\"]"));
        client.sendBinary(QByteArray("\x00\x01\xfe\xff", 4));

        QJsonObject report;
        QVERIFY(peer.waitForReport(
            [](const QJsonObject& r) {
                return r.value("report") == "client_event" && r.value("name") == "upload";
            },
            5000, 0, &report));
        QCOMPARE(report.value("args").toArray(),
                 (QJsonArray{QJsonObject{{"_binary_base64", "AAH+/w=="}}, "tail"}));
        QCOMPARE(report.value("has_ack").toBool(), false);

        QList<QJsonObject> events;
        for (const QJsonObject& r : peer.reports())
            if (r.value("report") == "client_event")
                events.append(r);
        QCOMPARE(events.size(), 4);
        QCOMPARE(events.at(0).value("name").toString(), QStringLiteral("echo"));
        QCOMPARE(events.at(0).value("has_ack").toBool(), true);
        QCOMPARE(events.at(0).value("nsp").toString(), QStringLiteral("/"));
        QCOMPARE(events.at(1).value("name").toString(), QStringLiteral("other"));
        QCOMPARE(events.at(2).value("name").toString(), QStringLiteral("note"));
        QCOMPARE(events.at(2).value("args").toArray(), QJsonArray{1});
        QCOMPARE(events.at(2).value("has_ack").toBool(), false);

        // A client-side namespace disconnect, reported with node's reason name by both peers.
        client.send(QStringLiteral("41"));
        QVERIFY(peer.waitForReport(PeerServer::reportIs("disconnect"), 5000, 0, &report));
        QCOMPARE(report.value("reason").toString(), QStringLiteral("client namespace disconnect"));
        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 0);
    }

    void serverCommands_data() { addKinds(); }

    void serverCommands()
    {
        QFETCH(PeerServer::Kind, kind);
        REQUIRE_PEER(kind);
        PeerServer peer;
        QVERIFY(peer.start(kind));
        RawClient client;
        handshake(client, peer, nullptr, nullptr);
        if (QTest::currentTestFailed())
            return;

        // emit_binary: one placeholder frame, then exactly the bytes as a binary frame.
        const QByteArray blob("\x00\x10\x80\xffpayload", 11);
        QJsonObject done =
            peer.command(cmd("emit_binary", {{"event", "blob"},
                                             {"base64", QString::fromLatin1(blob.toBase64())},
                                             {"extra", QJsonObject{{"k", 1}}}}));
        QVERIFY(!done.isEmpty() && !done.contains("error"));
        const QString header = client.nextText();
        QVERIFY2(header.startsWith("451-["), qPrintable(header));
        QCOMPARE(payloadAfter(header, "451-").toArray(),
                 (QJsonArray{"blob", QJsonObject{{"_placeholder", true}, {"num", 0}},
                             QJsonObject{{"k", 1}}}));
        const auto attachment = client.next();
        QVERIFY(attachment && attachment->binary);
        QCOMPARE(attachment->data, blob);

        // emit_many: every event, in order, each with its seq.
        done = peer.command(cmd("emit_many", {{"event", "claude_event"},
                                              {"count", 25},
                                              {"template", QJsonObject{{"type", "bulk"}}}}));
        QCOMPARE(done.value("count").toInt(), 25);
        for (int i = 0; i < 25; ++i) {
            const QString frame = client.nextText();
            const QJsonArray event = payloadAfter(frame, "42").toArray();
            QVERIFY2(event.size() == 2, qPrintable(frame));
            QCOMPARE(event.at(1).toObject(), (QJsonObject{{"type", "bulk"}, {"seq", i}}));
        }

        // emit_with_ack: the peer waits for our ACK and reports its arguments.
        QJsonObject ackDone;
        bool answered = false;
        QTimer::singleShot(0, [&] {
            const QString ask = client.nextText();
            const qsizetype bracket = ask.indexOf('[');
            if (!ask.startsWith("42") || bracket < 3)
                return;
            const QString ackId = ask.mid(2, bracket - 2);
            if (payloadAfter(ask, ask.left(bracket)).toArray() != QJsonArray{"ask", 7})
                return;
            client.send(QStringLiteral("43%1[\"yes\",{\"n\":7}]").arg(ackId));
            answered = true;
        });
        ackDone = peer.command(cmd(
            "emit_with_ack", {{"event", "ask"}, {"args", QJsonArray{7}}, {"timeout_ms", 5000}}));
        QVERIFY(answered);
        QCOMPARE(ackDone.value("ack").toArray(), (QJsonArray{"yes", QJsonObject{{"n", 7}}}));

        done = peer.command(
            cmd("emit_with_ack", {{"event", "ask"}, {"args", QJsonArray{}}, {"timeout_ms", 300}}));
        QCOMPARE(done.value("error").toString(), QStringLiteral("timeout"));
        QVERIFY(client.nextText().startsWith("42"));

        // replay: each recorded line becomes one event, in file order.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath("recording.jsonl"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"name\":\"claude_event\",\"args\":[{\"n\":1}]}\n"
                   "\n"
                   "{\"name\":\"system_event\",\"args\":[\"x\",2]}\n"
                   "{\"name\":\"claude_event\",\"args\":[{\"n\":3,\"t\":\"\xc3\xa9\"}]}\n");
        file.close();
        done = peer.command(cmd("replay", {{"file", file.fileName()}}));
        QCOMPARE(done.value("count").toInt(), 3);
        QCOMPARE(payloadAfter(client.nextText(), "42").toArray(),
                 (QJsonArray{"claude_event", QJsonObject{{"n", 1}}}));
        QCOMPARE(payloadAfter(client.nextText(), "42").toArray(),
                 (QJsonArray{"system_event", "x", 2}));
        QCOMPARE(payloadAfter(client.nextText(), "42").toArray(),
                 (QJsonArray{"claude_event", QJsonObject{{"n", 3}, {"t", "é"}}}));

        // disconnect_all: a Socket.IO DISCONNECT for "/", the Engine.IO session stays up.
        done = peer.command(cmd("disconnect_all", {{"nsp", "/"}}));
        QCOMPARE(done.value("count").toInt(), 1);
        QCOMPARE(client.nextText(), QStringLiteral("41"));
        QJsonObject report;
        QVERIFY(peer.waitForReport(PeerServer::reportIs("disconnect"), 5000, 0, &report));
        QCOMPARE(report.value("reason").toString(), QStringLiteral("server namespace disconnect"));
        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 0);
        QVERIFY(!client.closed);

        QVERIFY(peer.command(cmd("no_such_command")).contains("error"));
    }

    void authNamespace_data() { addKinds(); }

    void authNamespace()
    {
        QFETCH(PeerServer::Kind, kind);
        REQUIRE_PEER(kind);
        PeerServer peer;
        QVERIFY(peer.start(kind, {"--auth-namespace", "/admin", "--auth-token", "s3cret"}));
        RawClient client;
        QVERIFY(client.open(peer.webSocketUrl()));
        QVERIFY(client.nextText().startsWith("0{"));

        client.send(QStringLiteral("40/admin,{\"token\":\"wrong\"}"));
        const QString refused = client.nextText();
        QVERIFY2(refused.startsWith("44/admin,"), qPrintable(refused));
        QCOMPARE(payloadAfter(refused, "44/admin,").toObject().value("message").toString(),
                 QStringLiteral("Not authorized"));

        client.send(QStringLiteral("40/admin,{\"token\":\"s3cret\"}"));
        const QString accepted = client.nextText();
        QVERIFY2(accepted.startsWith("40/admin,{"), qPrintable(accepted));
        const QString sid = payloadAfter(accepted, "40/admin,").toObject().value("sid").toString();
        QVERIFY(!sid.isEmpty());

        QJsonObject report;
        QVERIFY(peer.waitForReport(PeerServer::reportIs("connect", "/admin"), 5000, 0, &report));
        QCOMPARE(report.value("sid").toString(), sid);
        QCOMPARE(report.value("auth").toObject().value("token").toString(),
                 QStringLiteral("s3cret"));

        QVERIFY(!peer.command(cmd("emit", {{"nsp", "/admin"},
                                           {"event", "claude_event"},
                                           {"args", QJsonArray{1}}}))
                     .isEmpty());
        QCOMPARE(client.nextText(), QStringLiteral("42/admin,[\"claude_event\",1]"));
    }

    void dropTransports_data() { addKinds(); }

    void dropTransports()
    {
        QFETCH(PeerServer::Kind, kind);
        REQUIRE_PEER(kind);
        PeerServer peer;
        QVERIFY(peer.start(kind));
        RawClient client;
        QJsonObject connected;
        handshake(client, peer, nullptr, &connected);
        if (QTest::currentTestFailed())
            return;

        QCOMPARE(peer.command(cmd("drop_transports")).value("count").toInt(), 1);
        QVERIFY(client.waitClosed(5000));
        // No goodbye of any kind reached the client: no "41", no Engine.IO "1".
        for (const Frame& f : std::as_const(client.frames))
            QVERIFY2(f.binary || (f.data != "41" && f.data != "1"), f.data.constData());
        QJsonObject report;
        QVERIFY(peer.waitForReport(PeerServer::reportIs("disconnect"), 5000, 0, &report));
        QCOMPARE(report.value("sid"), connected.value("sid"));
        QCOMPARE(report.value("reason").toString(), QStringLiteral("transport close"));
    }

    void nodeRecovery()
    {
        REQUIRE_PEER(PeerServer::Node);
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node, {"--recovery"}));
        QVERIFY(peer.recoveryEnabled());
        QJsonObject connected;
        QString offset;
        {
            RawClient client;
            handshake(client, peer, nullptr, &connected);
            if (QTest::currentTestFailed())
                return;
            QVERIFY(!peer.command(cmd("emit",
                                      {{"event", "claude_event"}, {"args", QJsonArray{"before"}}}))
                         .isEmpty());
            const QJsonArray event = payloadAfter(client.nextText(), "42").toArray();
            QCOMPARE(event.size(), 3);
            offset = event.at(2).toString();
            QVERIFY(!offset.isEmpty());

            QCOMPARE(peer.command(cmd("drop_transports")).value("count").toInt(), 1);
            QVERIFY(client.waitClosed(5000));
            QVERIFY(peer.waitForReport(PeerServer::reportIs("disconnect"), 5000));
        }
        // Emitted while nobody is connected: only recovery can deliver it.
        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 0);
        QVERIFY(
            !peer.command(cmd("emit", {{"event", "claude_event"}, {"args", QJsonArray{"missed"}}}))
                 .isEmpty());

        RawClient again;
        QVERIFY(again.open(peer.webSocketUrl()));
        QVERIFY(again.nextText().startsWith("0{"));
        const qsizetype before = peer.reportCount();
        const QJsonObject auth{{"pid", connected.value("pid")}, {"offset", offset}};
        again.send("40" + QString::fromUtf8(QJsonDocument(auth).toJson(QJsonDocument::Compact)));
        // socket.io writes the missed packets while constructing the recovered socket, i.e. BEFORE
        // the CONNECT reply: a client must accept (buffer) events that precede its "40{...}".
        const QJsonArray missed = payloadAfter(again.nextText(), "42").toArray();
        QCOMPARE(missed.size(), 3);
        QCOMPARE(missed.at(1).toString(), QStringLiteral("missed"));
        QVERIFY(!missed.at(2).toString().isEmpty());
        QVERIFY(missed.at(2).toString() != offset);
        const QString reply = again.nextText();
        const QJsonObject reconnected = payloadAfter(reply, "40").toObject();
        QVERIFY2(!reconnected.isEmpty(), qPrintable(reply));
        QCOMPARE(reconnected.value("sid"), connected.value("sid"));
        QCOMPARE(reconnected.value("pid"), connected.value("pid"));

        QJsonObject report;
        QVERIFY(peer.waitForReport(PeerServer::reportIs("connect"), 5000, before, &report));
        QCOMPARE(report.value("recovered").toBool(), true);
        QCOMPARE(report.value("auth").toObject().value("offset").toString(), offset);
    }

    void killRestartStopResume_data() { addKinds(); }

    void killRestartStopResume()
    {
        QFETCH(PeerServer::Kind, kind);
        REQUIRE_PEER(kind);
        PeerServer peer;
        QVERIFY(peer.start(kind));
        const quint16 port = peer.port();
        {
            RawClient client;
            handshake(client, peer, nullptr, nullptr);
            if (QTest::currentTestFailed())
                return;
            peer.kill();
            QVERIFY(!peer.isRunning());
            QVERIFY(client.waitClosed(5000));
        }
        QVERIFY(peer.restart());
        QCOMPARE(peer.port(), port);
        RawClient client;
        handshake(client, peer, nullptr, nullptr);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 1);

        peer.stop();
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("no done report within 500 ms"));
        QVERIFY(peer.command(cmd("clients"), 500).isEmpty());
        peer.resume();
        QCOMPARE(peer.command(cmd("clients")).value("count").toInt(-1), 1);
    }

    void startFailures_data() { addKinds(); }

    void startFailures()
    {
        QFETCH(PeerServer::Kind, kind);
        REQUIRE_PEER(kind);

        // A peer that dies at once must fail start() at once, and its stderr must reach the log.
        PeerServer broken;
        QTest::ignoreMessage(
            QtDebugMsg,
            QRegularExpression(
                R"(^\[peer \w+\] .*(unknown|unrecognized) argument.*--no-such-option)"));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("gave no ready line before exiting"));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!broken.start(kind, {"--no-such-option"}, 0, 8000));
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));

        // A busy port: start() fails, restart() keeps trying until the holder goes away.
        PeerServer holder;
        QVERIFY(holder.start(kind));
        PeerServer second;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("gave no ready line before exiting"));
        QTest::ignoreMessage(QtDebugMsg, QRegularExpression("(?i)address already in use"));
        QVERIFY(!second.start(kind, {}, holder.port(), 8000));
        QVERIFY(!second.isRunning());
        // Freed only once a retry has failed, so exactly one attempt hits the busy port.
        connect(&second, &PeerServer::exited, &holder, [&holder] { holder.kill(); });
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("gave no ready line before exiting"));
        QTest::ignoreMessage(QtDebugMsg, QRegularExpression("(?i)address already in use"));
        QVERIFY(second.restart(10000));
        QVERIFY(!holder.isRunning());
        QCOMPARE(second.port(), holder.port());
        QCOMPARE(second.command(cmd("clients")).value("count").toInt(-1), 0);
    }
};

QTEST_GUILESS_MAIN(tst_PeerServer)
#include "tst_peerserver.moc"
