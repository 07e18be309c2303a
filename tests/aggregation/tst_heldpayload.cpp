#include "aggregation/HeldPayload.h"

#include <QtTest>

using namespace ea;

namespace {
QByteArray text(std::string_view s)
{
    return QByteArray(s.data(), qsizetype(s.size()));
}
} // namespace

class tst_HeldPayload : public QObject
{
    Q_OBJECT

private slots:
    // The data object is a slice of the bytes: numbers keep the digits they arrived with.
    void dataIsASliceOfTheBytes()
    {
        HeldPayload p;
        const QByteArray raw =
            R"({"type":"hook","data":{"big":12345678901234567891,"x":1.50e300,"s":"a\u0022b"},"z":1})";
        QVERIFY(p.read(raw));
        QCOMPARE(text(p.data()),
                 QByteArray(R"({"big":12345678901234567891,"x":1.50e300,"s":"a\u0022b"})"));
        QVERIFY(p.correlationId().isEmpty());
        QVERIFY(p.toolInput().empty());
    }

    // A raw hook has no wrapper: its own fields are the data.
    void rawHookIsItsOwnData()
    {
        HeldPayload p;
        const QByteArray raw =
            R"({"hook_event_name":"PreToolUse","tool_use_id":"t1","tool_input":{"command":"ls"}})";
        QVERIFY(p.read(raw));
        QCOMPARE(text(p.data()), raw);
        QCOMPARE(p.correlationId(), QStringLiteral("t1"));
        QCOMPARE(text(p.toolInput()), QByteArray(R"({"command":"ls"})"));
    }

    // correlation_id beats tool_use_id, the payload's beats the data's; empty objects are no input.
    void firstSourceWins()
    {
        HeldPayload p;
        QVERIFY(p.read(
            R"({"tool_use_id":"top","data":{"correlation_id":"inner","tool_parameters":{},"tool_input":{"a":[1]},"tool_response":{"ok":true}},"tool_response":{"no":1}})"));
        QCOMPARE(p.correlationId(), QStringLiteral("inner"));
        QCOMPARE(text(p.toolInput()), QByteArray(R"({"a":[1]})"));
        QCOMPARE(text(p.toolOutput()), QByteArray(R"({"ok":true})"));
        QVERIFY(p.read(
            R"({"correlation_id":"top","data":{"tool_use_id":"inner"},"tool_response":{"no":1}})"));
        QCOMPARE(p.correlationId(), QStringLiteral("top"));
        QCOMPARE(text(p.toolOutput()), QByteArray(R"({"no":1})"));
        QCOMPARE(text(p.data()), QByteArray(R"({"tool_use_id":"inner"})"));
    }

    // The wrapper and its data object are read in one pass: the data's text ends at its own
    // brace wherever it stands, whatever follows it, and of two data members the last counts.
    void dataIsReadInTheSamePass_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("correlation");
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("last member, spaces")
            << QByteArray(
                   "{ \"a\" : 1 , \"data\" : {\"tool_input\": {\"x\": {\"y\": [1, {}]}}}  \n }")
            << QByteArray(R"({"tool_input": {"x": {"y": [1, {}]}}})") << QString()
            << QByteArray(R"({"x": {"y": [1, {}]}})");
        QTest::newRow("members after it") << QByteArray("{\"data\":{\"correlation_id\":\"c\",\"s\":"
                                                        "\"\x7d\"},\"tool_use_id\":\"t\",\"z\":[]}")
                                          << QByteArray("{\"correlation_id\":\"c\",\"s\":\"\x7d\"}")
                                          << QStringLiteral("c") << QByteArray();
        QTest::newRow("two data members")
            << QByteArray(R"({"data":{"tool_use_id":"first"},"data":{"tool_use_id":"second"}})")
            << QByteArray(R"({"tool_use_id":"second"})") << QStringLiteral("second")
            << QByteArray();
        QTest::newRow("empty data") << QByteArray(R"({"data":{},"tool_input":{"k":1}})")
                                    << QByteArray("{}") << QString() << QByteArray(R"({"k":1})");
    }
    void dataIsReadInTheSamePass()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QByteArray, data);
        QFETCH(QString, correlation);
        QFETCH(QByteArray, input);
        HeldPayload p;
        QVERIFY(p.read(R"({"data":{"tool_input":{"before":true}}})"));
        QVERIFY(p.read(payload));
        QCOMPARE(text(p.data()), data);
        QCOMPARE(p.correlationId(), correlation);
        QCOMPARE(text(p.toolInput()), input);
        QVERIFY(!p.read("\x7b\"data\":\x7b\"a\":1")); // braces escaped: moc counts them
    }

    void notAnObjectIsRefused()
    {
        HeldPayload p;
        QVERIFY(!p.read("[1,2]"));
        QVERIFY(!p.read("{\"a\":"));
        QVERIFY(!p.read(""));
        QVERIFY(p.read("{}")); // still usable afterwards
        QCOMPARE(text(p.data()), QByteArray("{}"));
    }
};

QTEST_GUILESS_MAIN(tst_HeldPayload)
#include "tst_heldpayload.moc"
