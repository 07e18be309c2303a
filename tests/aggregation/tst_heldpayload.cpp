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
