#include "PeerServer.h"
#include "protocol/SocketIoClient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace ea;

// SocketIoClient against real servers: Node socket.io 4.x and python-socketio 5.x.
class TestSocketIoClient : public QObject
{
    Q_OBJECT

    static QJsonValue parse(const QByteArray& json)
    {
        return QJsonDocument::fromJson("[" + json + "]").array().at(0);
    }

    static SocketIoOptions fastOptions(quint16 port)
    {
        SocketIoOptions o;
        o.port = port;
        o.backoff = BackoffSettings{100, 400, 2.0, 0.5};
        return o;
    }

    // Starts the peer of this data row, or skips the row with the reason.
    bool startPeer(PeerServer& peer, QStringList args = {})
    {
        QFETCH(PeerServer::Kind, kind);
        QString why;
        if (!PeerServer::available(kind, &why)) {
            qWarning("%s", qPrintable(why));
            return false;
        }
        return peer.start(kind, args);
    }

    static void addKinds()
    {
        QTest::addColumn<PeerServer::Kind>("kind");
        QTest::newRow("node") << PeerServer::Node;
        QTest::newRow("python") << PeerServer::Python;
    }

    static QList<int> seqs(const QList<SocketEvent>& events)
    {
        QList<int> out;
        for (const SocketEvent& e : events) {
            const QJsonObject o = parse(e.args.value(0)).toObject();
            out.append(o.value(QLatin1String("batch")).toInt(-100) * 5 +
                       o.value(QLatin1String("seq")).toInt(-100));
        }
        return out;
    }

private Q_SLOTS:
    void receivesEventsIntact_data() { addKinds(); }
    void receivesEventsIntact()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer));
        SocketIoClient client(fastOptions(peer.port()));
        QList<SocketEvent> got;
        client.on(QStringLiteral("claude_event"), [&](const SocketEvent& e) { got.append(e); });
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);

        QJsonObject payload;
        payload.insert(QStringLiteral("type"), QStringLiteral("claude_event"));
        payload.insert(QStringLiteral("text"),
                       QStringLiteral("h\u00e9 \u4e2d\u6587 \U0001F600 \"quoted\" \\ back"));
        payload.insert(
            QStringLiteral("nested"),
            QJsonObject{{QStringLiteral("a"),
                         QJsonArray{1, 2.5, true, QJsonValue::Null,
                                    QJsonObject{{QStringLiteral("b"), QStringLiteral("c")}}}}});
        const QJsonObject big{{QStringLiteral("blob"), QString(400000, QLatin1Char('x'))}};
        QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                               {QStringLiteral("event"), QStringLiteral("claude_event")},
                               {QStringLiteral("args"), QJsonArray{payload, 7}}})
                     .isEmpty());
        QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                               {QStringLiteral("event"), QStringLiteral("claude_event")},
                               {QStringLiteral("args"), QJsonArray{big}}})
                     .isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), 2, 5000);
        QCOMPARE(got[0].args.size(), 2);
        QCOMPARE(parse(got[0].args[0]).toObject(), payload);
        QCOMPARE(parse(got[0].args[1]).toInt(), 7);
        QCOMPARE(parse(got[1].args[0]).toObject(), big);
        QCOMPARE(client.stats().eventsReceived, quint64(2));
        QCOMPARE(client.stats().malformed, quint64(0));
    }

    void customNamespaceWithAuth_data() { addKinds(); }
    void customNamespaceWithAuth()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer, {QStringLiteral("--auth-namespace"), QStringLiteral("/admin"),
                                 QStringLiteral("--auth-token"), QStringLiteral("s3cret")}));
        SocketIoClient client(fastOptions(peer.port()));
        client.addNamespace(QStringLiteral("/"));
        client.addNamespace(QStringLiteral("/admin"),
                            {{QStringLiteral("token"), QStringLiteral("s3cret")}});
        QList<SocketEvent> got;
        connect(&client, &SocketIoClient::eventReceived, this,
                [&](const SocketEvent& e) { got.append(e); });
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        QVERIFY(client.isNamespaceConnected(QStringLiteral("/admin")));
        QVERIFY(peer.waitForReport(
            PeerServer::reportIs(QStringLiteral("connect"), QStringLiteral("/admin"))));
        peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                      {QStringLiteral("nsp"), QStringLiteral("/admin")},
                      {QStringLiteral("event"), QStringLiteral("claude_event")},
                      {QStringLiteral("args"), QJsonArray{QStringLiteral("for admins")}}});
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), 1, 5000);
        QCOMPARE(got[0].nsp, QStringLiteral("/admin"));
        QCOMPARE(parse(got[0].args[0]).toString(), QStringLiteral("for admins"));

        // A wrong token is refused with the server's own message; the other namespace stays up.
        SocketIoClient refused(fastOptions(peer.port()));
        refused.addNamespace(QStringLiteral("/"));
        refused.addNamespace(QStringLiteral("/admin"),
                             {{QStringLiteral("token"), QStringLiteral("wrong")}});
        QSignalSpy errors(&refused, &SocketIoClient::connectError);
        QVERIFY(refused.open());
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 5000);
        QCOMPARE(errors[0][0].toString(), QStringLiteral("/admin"));
        QCOMPARE(errors[0][1].toString(), QStringLiteral("Not authorized"));
        QTRY_COMPARE_WITH_TIMEOUT(refused.state(), SocketIoClient::State::Connected, 5000);
        QVERIFY(!refused.isNamespaceConnected(QStringLiteral("/admin")));
    }

    void acksBothWays_data() { addKinds(); }
    void acksBothWays()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer));
        SocketIoClient client(fastOptions(peer.port()));
        client.on(QStringLiteral("ask"), [&](const SocketEvent& e) {
            QVERIFY(e.ackId >= 0);
            client.acknowledge(e, {QStringLiteral("answer"), 42});
        });
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);

        QString ackError = QStringLiteral("pending");
        QVariantList ackArgs;
        client.sendWithAck(QStringLiteral("echo"), {QStringLiteral("ping"), 3},
                           [&](const QString& err, const QVariantList& args) {
                               ackError = err;
                               ackArgs = args;
                           });
        QTRY_VERIFY_WITH_TIMEOUT(ackError != QStringLiteral("pending"), 5000);
        QCOMPARE(ackError, QString());
        QCOMPARE(ackArgs, (QVariantList{QStringLiteral("ping"), 3}));

        const QJsonObject done =
            peer.command({{QStringLiteral("cmd"), QStringLiteral("emit_with_ack")},
                          {QStringLiteral("event"), QStringLiteral("ask")},
                          {QStringLiteral("args"), QJsonArray{1}},
                          {QStringLiteral("timeout_ms"), 5000}});
        QCOMPARE(done.value(QLatin1String("ack")).toArray(),
                 (QJsonArray{QStringLiteral("answer"), 42}));

        // A server that does not answer in time gives a clear timeout error, once.
        peer.stop();
        QStringList errors;
        client.sendWithAck(
            QStringLiteral("echo"), {},
            [&](const QString& err, const QVariantList&) { errors.append(err); }, 200);
        QTRY_COMPARE_WITH_TIMEOUT(errors, QStringList{QStringLiteral("timeout")}, 2000);
        peer.resume();
        QTest::qWait(300);
        QCOMPARE(errors.size(), 1); // the late ack is ignored
    }

    void binaryBothWays_data() { addKinds(); }
    void binaryBothWays()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer));
        SocketIoClient client(fastOptions(peer.port()));
        QList<SocketEvent> got;
        client.on(QStringLiteral("blob"), [&](const SocketEvent& e) { got.append(e); });
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);

        QByteArray bytes;
        for (int i = 0; i < 1000; ++i)
            bytes.append(char(i % 256));
        peer.command(
            {{QStringLiteral("cmd"), QStringLiteral("emit_binary")},
             {QStringLiteral("event"), QStringLiteral("blob")},
             {QStringLiteral("base64"), QString::fromLatin1(bytes.toBase64())},
             {QStringLiteral("extra"), QJsonObject{{QStringLiteral("k"), QStringLiteral("v")}}}});
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), 1, 5000);
        const auto values = got[0].values();
        QVERIFY2(values.ok(), qPrintable(values.error));
        QCOMPARE(values.value.value(0).toByteArray(), bytes);
        QCOMPARE(values.value.value(1).toMap().value(QStringLiteral("k")).toString(),
                 QStringLiteral("v"));

        const qsizetype from = peer.reportCount();
        client.send(QStringLiteral("upload"),
                    {QByteArray("\x00\xffraw", 5), QStringLiteral("name")});
        QJsonObject report;
        QVERIFY(peer.waitForReport(
            [](const QJsonObject& r) {
                return r.value(QLatin1String("name")).toString() == QLatin1String("upload");
            },
            5000, from, &report));
        const QJsonArray args = report.value(QLatin1String("args")).toArray();
        QCOMPARE(
            QByteArray::fromBase64(
                args.at(0).toObject().value(QLatin1String("_binary_base64")).toString().toLatin1()),
            QByteArray("\x00\xffraw", 5));
        QCOMPARE(args.at(1).toString(), QStringLiteral("name"));
    }

    void serverDisconnectReconnects_data() { addKinds(); }
    void serverDisconnectReconnects()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer));
        SocketIoClient client(fastOptions(peer.port()));
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        QSignalSpy states(&client, &SocketIoClient::stateChanged);
        peer.command({{QStringLiteral("cmd"), QStringLiteral("disconnect_all")}});
        QTRY_VERIFY_WITH_TIMEOUT(!states.isEmpty(), 5000);
        QVERIFY2(states[0][1].toString().contains(QLatin1String("io server disconnect")),
                 qPrintable(states[0][1].toString()));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        QCOMPARE(client.stats().reconnects, quint64(1));
    }

    void restartedServerIsRejoined_data() { addKinds(); }
    void restartedServerIsRejoined()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer));
        SocketIoOptions o = fastOptions(peer.port());
        o.backoff = BackoffSettings{200, 1000, 2.0, 0.5};
        SocketIoClient client(o);
        QList<SocketEvent> got;
        client.on(QStringLiteral("claude_event"), [&](const SocketEvent& e) { got.append(e); });
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);

        peer.kill();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Reconnecting, 5000);
        QElapsedTimer down;
        down.start();
        // Emitted while the server is down: buffered and sent after the reconnect.
        client.send(QStringLiteral("while_down"), {1});
        client.send(QStringLiteral("while_down"), {2});
        QVERIFY(peer.restart());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        // Retries are at most maxMs apart, so the rejoin comes within one max delay of the restart.
        QVERIFY2(down.elapsed() < 5000, qPrintable(QString::number(down.elapsed())));
        QVERIFY(client.stats().reconnects >= 1);
        QVERIFY(peer.waitForReport([](const QJsonObject& r) {
            return r.value(QLatin1String("name")).toString() == QLatin1String("while_down") &&
                   r.value(QLatin1String("args")).toArray().at(0).toInt() == 2;
        }));
        QList<int> order;
        for (const QJsonObject& r : peer.reports())
            if (r.value(QLatin1String("name")).toString() == QLatin1String("while_down"))
                order.append(r.value(QLatin1String("args")).toArray().at(0).toInt());
        QCOMPARE(order, (QList<int>{1, 2}));

        peer.command({{QStringLiteral("cmd"), QStringLiteral("emit")},
                      {QStringLiteral("event"), QStringLiteral("claude_event")},
                      {QStringLiteral("args"), QJsonArray{QStringLiteral("after restart")}}});
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), 1, 5000);
    }

    void frozenServerIsDetected_data() { addKinds(); }
    void frozenServerIsDetected()
    {
        PeerServer peer;
        QVERIFY(startPeer(peer, {QStringLiteral("--ping-interval"), QStringLiteral("500"),
                                 QStringLiteral("--ping-timeout"), QStringLiteral("500")}));
        SocketIoClient client(fastOptions(peer.port()));
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        QTest::qWait(1200); // pings keep the connection alive across several intervals
        QCOMPARE(client.state(), SocketIoClient::State::Connected);

        peer.stop();
        QElapsedTimer t;
        t.start();
        QSignalSpy states(&client, &SocketIoClient::stateChanged);
        QTRY_VERIFY_WITH_TIMEOUT(client.state() != SocketIoClient::State::Connected, 4000);
        // Detected within pingInterval + pingTimeout after the last ping (plus scheduling slack).
        QVERIFY2(t.elapsed() <= 1000 + 500, qPrintable(QString::number(t.elapsed())));
        QVERIFY2(states[0][1].toString().contains(QLatin1String("ping timeout")),
                 qPrintable(states[0][1].toString()));
        peer.resume();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 8000);
    }

    void recoveryDeliversMissedEvents_data() { addKinds(); }
    void recoveryDeliversMissedEvents()
    {
        QFETCH(PeerServer::Kind, kind);
        PeerServer peer;
        QVERIFY(startPeer(peer, {QStringLiteral("--recovery")}));
        SocketIoClient client(fastOptions(peer.port()));
        QList<SocketEvent> got;
        client.on(QStringLiteral("claude_event"), [&](const SocketEvent& e) { got.append(e); });
        QSignalSpy joins(&client, &SocketIoClient::namespaceConnected);
        QVERIFY(client.open());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        QCOMPARE(!client.recoveryPid().isEmpty(), kind == PeerServer::Node);

        // Two batches of five; ordinal = batch * 5 + seq.
        const auto emitMany = [&](int count, int batch) {
            return peer.command(
                {{QStringLiteral("cmd"), QStringLiteral("emit_many")},
                 {QStringLiteral("event"), QStringLiteral("claude_event")},
                 {QStringLiteral("count"), count},
                 {QStringLiteral("template"), QJsonObject{{QStringLiteral("batch"), batch}}}});
        };
        QVERIFY(!emitMany(5, 0).isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), 5, 5000);
        QVERIFY(
            !peer.command({{QStringLiteral("cmd"), QStringLiteral("drop_transports")}}).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(client.state() != SocketIoClient::State::Connected, 5000);
        // Emitted while the client is cut off.
        QVERIFY(!emitMany(5, 1).isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), SocketIoClient::State::Connected, 5000);
        QCOMPARE(joins.size(), 2);
        if (kind == PeerServer::Node) {
            QCOMPARE(joins[1][1].toBool(), true);  // recovered
            QCOMPARE(joins[1][2].toBool(), false); // nothing missed
            QTRY_COMPARE_WITH_TIMEOUT(got.size(), 10, 5000);
            QCOMPARE(seqs(got), (QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
            for (const SocketEvent& e : got)
                QCOMPARE(e.args.size(), 1); // the offset argument never reaches the app
            QTest::qWait(200);
            QCOMPARE(got.size(), 10); // none twice
            QCOMPARE(client.stats().missedPossible, quint64(0));
        } else {
            QCOMPARE(joins[1][1].toBool(), false);
            QCOMPARE(joins[1][2].toBool(), true); // reported as a possible gap
            QCOMPARE(client.stats().missedPossible, quint64(1));
        }
    }

    void refusesRemoteHostsByDefault()
    {
        SocketIoOptions o;
        o.host = QStringLiteral("192.0.2.1");
        SocketIoClient client(o);
        QVERIFY(!client.open());
        QVERIFY(client.lastError().contains(QLatin1String("--allow-remote")));
        QCOMPARE(client.state(), SocketIoClient::State::Disconnected);
        QVERIFY(SocketIoClient::isLoopbackHost(QStringLiteral("localhost")));
        QVERIFY(SocketIoClient::isLoopbackHost(QStringLiteral("127.0.0.2")));
        QVERIFY(SocketIoClient::isLoopbackHost(QStringLiteral("[::1]")));
        QVERIFY(!SocketIoClient::isLoopbackHost(QStringLiteral("example.com")));
    }

    void keepsRetryingWithoutServer()
    {
        // A port nothing listens on: take an ephemeral one from a peer, then stop the peer.
        SocketIoOptions o;
        o.port = 1;
        o.backoff = BackoffSettings{50, 100, 2.0, 0.0};
        SocketIoClient client(o);
        QSignalSpy states(&client, &SocketIoClient::stateChanged);
        QVERIFY(client.open());
        QTRY_VERIFY_WITH_TIMEOUT(client.stateReason().contains(QLatin1String("attempt 3")), 3000);
        QCOMPARE(client.state(), SocketIoClient::State::Connecting);
        client.close();
        QCOMPARE(client.state(), SocketIoClient::State::Disconnected);
    }
};

QTEST_GUILESS_MAIN(TestSocketIoClient)
#include "tst_socketioclient.moc"
