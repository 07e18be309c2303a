#include "json/JsonArraySpans.h"

#include <QtTest>

using namespace ea;

using Kind = JsonArraySpans::Kind;

class tst_JsonArraySpans : public QObject
{
    Q_OBJECT

private:
    static QList<QByteArray> split(const QByteArray& text, const QList<Kind>& kinds)
    {
        QList<QByteArray> out;
        for (const QByteArrayView v : JsonArraySpans::split(text, kinds))
            out.append(v.toByteArray());
        return out;
    }

private slots:
    void usualEvent();
    void recoveryOffsetAtTheEnd();
    void scalarsAndSeveralContainers();
    void brokenPromiseStaysInBounds();
    void memberOfAnObject();
};

void tst_JsonArraySpans::usualEvent()
{
    const QByteArray payload = R"({"text":"] [ } { \" , \\","n":[1,{"x":null}]})";
    QCOMPARE(split(R"(["claude_event",)" + payload + "]", {Kind::String, Kind::Container}),
             QList<QByteArray>({R"("claude_event")", payload}));
    // Whitespace anywhere between elements.
    QCOMPARE(split(" [ \"e\" ,\n" + payload + " \t]\n", {Kind::String, Kind::Container}),
             QList<QByteArray>({R"("e")", payload}));
}

// Node's connection-state recovery appends its offset: found from the end.
void tst_JsonArraySpans::recoveryOffsetAtTheEnd()
{
    const QByteArray payload = R"({"a":"x\",\"y"})";
    QCOMPARE(split(R"(["e",)" + payload + R"(,"off\"set\\"])",
                   {Kind::String, Kind::Container, Kind::String}),
             QList<QByteArray>({R"("e")", payload, R"("off\"set\\")"}));
}

void tst_JsonArraySpans::scalarsAndSeveralContainers()
{
    QCOMPARE(split(R"(["foo",1,{"a":[1,2]}])", {Kind::String, Kind::Scalar, Kind::Container}),
             QList<QByteArray>({R"("foo")", "1", R"({"a":[1,2]})"}));
    QCOMPARE(split(R"([{"a":"}"},[[]],-1.5e3, true ,null])",
                   {Kind::Container, Kind::Container, Kind::Scalar, Kind::Scalar, Kind::Scalar}),
             QList<QByteArray>({R"({"a":"}"})", "[[]]", "-1.5e3", "true", "null"}));
    QCOMPARE(split(R"(["only"])", {Kind::String}), QList<QByteArray>({R"("only")"}));
    QCOMPARE(split("[]", {}), QList<QByteArray>());
}

// A broken promise (text that is not what the kinds say) gives wrong spans at worst, never
// a read outside the text.
void tst_JsonArraySpans::brokenPromiseStaysInBounds()
{
    const QList<QList<Kind>> kinds = {{Kind::String, Kind::Container, Kind::String},
                                      {Kind::Container, Kind::Container},
                                      {Kind::Scalar, Kind::Scalar, Kind::Scalar}};
    for (const QByteArray& text : {QByteArray("["), QByteArray("]"), QByteArray("\""),
                                   QByteArray("[\"\\"), QByteArray("[{,]"), QByteArray()}) {
        for (const auto& k : kinds) {
            for (const QByteArrayView v : JsonArraySpans::split(text, k)) {
                if (!v.isEmpty())
                    QVERIFY(v.data() >= text.data() &&
                            v.data() + v.size() <= text.data() + text.size());
            }
        }
    }
}

// A recording line: the payload's text found under "args" whatever the key order.
void tst_JsonArraySpans::memberOfAnObject()
{
    const QByteArray line = R"({"t":1e999, "args" : [{"a":"}"},2] ,"name":"x\"args\"","n":null})";
    QCOMPARE(JsonArraySpans::member(line, "args").toByteArray(), QByteArray(R"([{"a":"}"},2])"));
    QCOMPARE(JsonArraySpans::member(line, "t").toByteArray(), QByteArray("1e999"));
    QCOMPARE(JsonArraySpans::member(line, "name").toByteArray(), QByteArray(R"("x\"args\"")"));
    QCOMPARE(JsonArraySpans::member(line, "n").toByteArray(), QByteArray("null"));
    QVERIFY(JsonArraySpans::member(line, "missing").isEmpty());
    QCOMPARE(JsonArraySpans::member(R"({"a":1,"a":2})", "a").toByteArray(), QByteArray("2"));
    QVERIFY(JsonArraySpans::member("[1]", "a").isEmpty());
    QVERIFY(JsonArraySpans::member("{\"a", "a").isEmpty());
}

QTEST_GUILESS_MAIN(tst_JsonArraySpans)
#include "tst_jsonarrayspans.moc"
