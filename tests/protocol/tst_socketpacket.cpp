#include "protocol/BinaryPlaceholders.h"
#include "protocol/SocketPacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace ea;

// Socket.IO v5 packet codec, the array scanner and binary placeholders.
class TestSocketPacket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodesSpecExamples_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("nsp");
        QTest::addColumn<qint64>("ackId");
        QTest::addColumn<int>("attachments");
        QTest::addColumn<int>("elements");
        QTest::newRow("connect main") << QByteArray("0") << 0 << "/" << qint64(-1) << 0 << 0;
        QTest::newRow("connect admin")
            << QByteArray("0/admin,") << 0 << "/admin" << qint64(-1) << 0 << 0;
        QTest::newRow("connect auth")
            << QByteArray(R"(0/admin,{"token":"123"})") << 0 << "/admin" << qint64(-1) << 0 << 0;
        QTest::newRow("connect reply")
            << QByteArray(R"(0{"sid":"oSO0OpakMV_3jnilAAAA"})") << 0 << "/" << qint64(-1) << 0 << 0;
        QTest::newRow("disconnect")
            << QByteArray("1/admin,") << 1 << "/admin" << qint64(-1) << 0 << 0;
        QTest::newRow("event") << QByteArray(R"(2["foo"])") << 2 << "/" << qint64(-1) << 0 << 1;
        QTest::newRow("event nsp")
            << QByteArray(R"(2/admin,["bar"])") << 2 << "/admin" << qint64(-1) << 0 << 1;
        QTest::newRow("event ack")
            << QByteArray(R"(212["foo",1,{"a":[1,2]}])") << 2 << "/" << qint64(12) << 0 << 3;
        QTest::newRow("ack nsp") << QByteArray(R"(3/admin,12["bar"])") << 3 << "/admin"
                                 << qint64(12) << 0 << 1;
        QTest::newRow("ack empty") << QByteArray("313[]") << 3 << "/" << qint64(13) << 0 << 0;
        QTest::newRow("connect error")
            << QByteArray(R"(4{"message":"Not authorized"})") << 4 << "/" << qint64(-1) << 0 << 0;
        QTest::newRow("binary event") << QByteArray(R"(51-["baz",{"_placeholder":true,"num":0}])")
                                      << 5 << "/" << qint64(-1) << 1 << 2;
        QTest::newRow("binary ack") << QByteArray(R"(61-/admin,15[{"_placeholder":true,"num":0}])")
                                    << 6 << "/admin" << qint64(15) << 1 << 1;
    }
    void decodesSpecExamples()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, type);
        QFETCH(QString, nsp);
        QFETCH(qint64, ackId);
        QFETCH(int, attachments);
        QFETCH(int, elements);
        const auto r = SocketPacket::decode(text);
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(int(r.value.type), type);
        QCOMPARE(r.value.nsp, nsp);
        QCOMPARE(r.value.ackId, ackId);
        QCOMPARE(r.value.attachments, attachments);
        QCOMPARE(r.value.elements.size(), elements);
        // "0/admin," encodes back without the dangling comma only when there is no payload.
        const QByteArray again = r.value.encode();
        QCOMPARE(SocketPacket::decode(again).value.encode(), again);
        if (!text.endsWith(','))
            QCOMPARE(again, text);
    }

    void keepsEventArgumentsVerbatim()
    {
        const QByteArray arg = "{\"text\":\"h\\u00e9 \\\"q\\\" ] [ } {\",\"n\":[1,{\"x\":null}]}";
        const auto r = SocketPacket::decode("2[\"claude_event\", " + arg + " ]");
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.value.elements.size(), 2);
        QCOMPARE(r.value.elements.at(0), QByteArray("\"claude_event\""));
        QCOMPARE(r.value.elements.at(1), arg);
        QCOMPARE(r.value.name, QStringLiteral("claude_event"));
    }

    void rejectsMalformed_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("type 7") << QByteArray("7[]");
        QTest::newRow("event not array") << QByteArray(R"(2{"a":1})");
        QTest::newRow("event empty") << QByteArray("2[]");
        QTest::newRow("event name number") << QByteArray("2[1]");
        QTest::newRow("event truncated") << QByteArray(R"(2["foo",{"a":)");
        QTest::newRow("unterminated string") << QByteArray("2[\"foo");
        QTest::newRow("mismatched") << QByteArray(R"(2["foo",{]})");
        QTest::newRow("trailing") << QByteArray(R"(2["foo"]x)");
        QTest::newRow("empty element") << QByteArray(R"(2["foo",,1])");
        QTest::newRow("trailing comma") << QByteArray(R"(2["foo",])");
        QTest::newRow("ack without id") << QByteArray("3[]");
        QTest::newRow("binary without count") << QByteArray(R"(5["a"])");
        QTest::newRow("binary huge count") << QByteArray(R"(5999999-["a"])");
        QTest::newRow("connect not object") << QByteArray("0[1]");
        QTest::newRow("connect garbage") << QByteArray("0{nope");
        QTest::newRow("connect error empty") << QByteArray("4");
        QTest::newRow("disconnect payload") << QByteArray("1{}");
        QTest::newRow("ack id overflow") << QByteArray("29999999999999999999[\"a\"]");
        // Found by fuzz_socket: replaced bytes made a namespace that no longer round-tripped.
        QTest::newRow("namespace not UTF-8") << QByteArray("0/adm\xff\xfein,");
    }
    void rejectsMalformed()
    {
        QFETCH(QByteArray, text);
        const auto r = SocketPacket::decode(text);
        QVERIFY2(!r.ok(), r.value.encode().constData());
        QVERIFY(!r.error.isEmpty());
    }

    void connectErrorMayBeAString()
    {
        const auto r = SocketPacket::decode(R"(4"Not authorized")");
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.value.payload, QByteArray(R"("Not authorized")"));
    }

    // Every prefix of a valid packet and random bytes must decode or fail, never crash.
    void survivesTruncationAndNoise()
    {
        const QByteArray full =
            "61-/admin,15[{\"_placeholder\":true,\"num\":0},\"x\\\"y\",[1,[2,[3]]]]";
        for (qsizetype n = 0; n <= full.size(); ++n)
            (void)SocketPacket::decode(QByteArrayView(full).first(n));
        QRandomGenerator rng(42);
        const QByteArray alphabet = "0123456/,-[]{}\":\\ab";
        int ok = 0;
        for (int i = 0; i < 20000; ++i) {
            QByteArray s;
            const int len = rng.bounded(24);
            for (int k = 0; k < len; ++k)
                s.append(alphabet.at(rng.bounded(int(alphabet.size()))));
            ok += SocketPacket::decode(s).ok();
        }
        QVERIFY(ok > 0); // the generator reaches valid packets too, so both paths ran
    }

    void deepNestingIsBounded()
    {
        const QByteArray deep =
            "2[\"e\"," + QByteArray(100000, '[') + QByteArray(100000, ']') + "]";
        QVERIFY(SocketPacket::decode(deep).ok());
        QVERIFY(!SocketPacket::decode(deep.chopped(1)).ok());
    }

    void binaryRoundTrip()
    {
        QVariantMap inner;
        inner.insert(QStringLiteral("blob"), QByteArray("\x00\x01\x02", 3));
        inner.insert(QStringLiteral("name"), QStringLiteral("x"));
        const QVariantList value{QByteArray("first"), inner, 7};
        QList<QByteArray> attachments;
        const QJsonValue json = BinaryPlaceholders::deconstruct(value, &attachments);
        QCOMPARE(attachments.size(), 2);
        QCOMPARE(json.toArray().at(0).toObject().value(QLatin1String("num")).toInt(), 0);
        QVERIFY(BinaryPlaceholders::containsBinary(value));
        const auto back = BinaryPlaceholders::reconstruct(json, attachments);
        QVERIFY2(back.ok(), qPrintable(back.error));
        const QVariantList list = back.value.toList();
        QCOMPARE(list.at(0).toByteArray(), QByteArray("first"));
        QCOMPARE(list.at(1).toMap().value(QStringLiteral("blob")).toByteArray(),
                 QByteArray("\x00\x01\x02", 3));
        QCOMPARE(list.at(2).toInt(), 7);
    }

    void placeholderOutOfRangeIsAnError()
    {
        const QJsonValue v = QJsonDocument::fromJson(R"([{"_placeholder":true,"num":3}])").array();
        QVERIFY(!BinaryPlaceholders::reconstruct(v, {QByteArray("a")}).ok());
        const QJsonValue neg =
            QJsonDocument::fromJson(R"([{"_placeholder":true,"num":-1}])").array();
        QVERIFY(!BinaryPlaceholders::reconstruct(neg, {QByteArray("a")}).ok());
    }
};

QTEST_GUILESS_MAIN(TestSocketPacket)
#include "tst_socketpacket.moc"
