#include "protocol/EnginePacket.h"

#include <QTest>

using namespace ea;

// Engine.IO v4 packet codec, checked with the wire strings of the protocol spec.
class TestEnginePacket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodesEveryType_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("data");
        QTest::newRow("open") << QByteArray(R"(0{"sid":"x"})") << 0 << QByteArray(R"({"sid":"x"})");
        QTest::newRow("close") << QByteArray("1") << 1 << QByteArray();
        QTest::newRow("ping") << QByteArray("2") << 2 << QByteArray();
        QTest::newRow("ping probe") << QByteArray("2probe") << 2 << QByteArray("probe");
        QTest::newRow("pong") << QByteArray("3") << 3 << QByteArray();
        QTest::newRow("message") << QByteArray("4hello") << 4 << QByteArray("hello");
        QTest::newRow("utf8 message") << QByteArray("4h\xC3\xA9") << 4 << QByteArray("h\xC3\xA9");
        QTest::newRow("upgrade") << QByteArray("5") << 5 << QByteArray();
        QTest::newRow("noop") << QByteArray("6") << 6 << QByteArray();
    }
    void decodesEveryType()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, type);
        QFETCH(QByteArray, data);
        const auto r = EnginePacket::decode(frame);
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(int(r.value.type), type);
        QCOMPARE(r.value.data, data);
        QCOMPARE(EnginePacket::encode(r.value.type, r.value.data), frame);
    }

    void rejectsMalformed_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("type 7") << QByteArray("7");
        QTest::newRow("letter") << QByteArray("x42");
        QTest::newRow("nul") << QByteArray("\0", 1);
        QTest::newRow("high byte") << QByteArray("\xff");
    }
    void rejectsMalformed()
    {
        QFETCH(QByteArray, frame);
        const auto r = EnginePacket::decode(frame);
        QVERIFY(!r.ok());
        QVERIFY(!r.error.isEmpty());
    }

    void parsesHandshake()
    {
        const QByteArray json =
            R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000})";
        const auto h = EngineHandshake::parse(json);
        QVERIFY2(h.ok(), qPrintable(h.error));
        QCOMPARE(h.value.sid, QStringLiteral("lv_VI97HAXpY6yYWAAAC"));
        QCOMPARE(h.value.upgrades, QStringList{QStringLiteral("websocket")});
        QCOMPARE(h.value.pingIntervalMs, 25000);
        QCOMPARE(h.value.pingTimeoutMs, 5000);
        QCOMPARE(h.value.maxPayload, qint64(1000000));
    }

    void handshakeDefaultsOutOfRangeTimings()
    {
        const auto h = EngineHandshake::parse(R"({"sid":"a","pingInterval":-1,"pingTimeout":"x"})");
        QVERIFY(h.ok());
        QCOMPARE(h.value.pingIntervalMs, 25000);
        QCOMPARE(h.value.pingTimeoutMs, 20000);
    }

    void rejectsBadHandshake_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("no sid") << QByteArray(R"({"pingInterval":1})");
        QTest::newRow("truncated") << QByteArray("{\"sid\":\"ab");
    }
    void rejectsBadHandshake()
    {
        QFETCH(QByteArray, json);
        QVERIFY(!EngineHandshake::parse(json).ok());
    }
};

QTEST_GUILESS_MAIN(TestEnginePacket)
#include "tst_enginepacket.moc"
