#include "json/CanonicalJson.h"
#include "json/JsonParser.h"

#include <QJsonDocument>
#include <QtTest>

#include <functional>
#include <string>

#include <simdjson.h>

using namespace ea;

class tst_CanonicalJson : public QObject
{
    Q_OBJECT

private:
    static QByteArray canonical(const QByteArray& json, int* depth = nullptr)
    {
        JsonParser parser;
        if (parser.parse(json) != JsonParser::Status::Ok)
            return "<invalid>";
        QByteArray out;
        const int d = CanonicalJson::write(parser.root(), &out);
        if (depth)
            *depth = d;
        return out;
    }

private slots:
    void matchesQtsCompactForm_data();
    void matchesQtsCompactForm();
    void depthCountsContainers();
    void keyOrderIsByCodePoint();
    void stringsAreEscapedOnlyWhereNeeded();
    void escapesAtEveryPositionAndLength();
    void generatedDocumentsMatchQt();
};

// The same bytes as Qt's compact writer, so identities hashed from them stay what they were
// and ClaudeEvent::payload() reads back what was written.
void tst_CanonicalJson::matchesQtsCompactForm_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("order and spaces")
        << QByteArray(R"( { "b" : 1 , "a" : [ true, false, null ] } )");
    QTest::newRow("nested") << QByteArray(R"({"z":{"y":{"x":[{"b":2,"a":1}]}},"a":""})");
    QTest::newRow("escapes") << QByteArray(R"({"s":"q\" b\\ \/ \b\f\n\r\t \u0001 \u001f \u007f"})");
    QTest::newRow("unicode") << QByteArray(R"({"s":"h\u00e9 ✓ 😀 \ud83d\ude00","é":1,"z":2})");
    QTest::newRow("astral vs BMP keys") << QByteArray(R"({"\uffff":1,"😀":2,"\ue000":3,"a":4})");
    QTest::newRow("integers") << QByteArray(
        R"([0,-0,1,-1,9007199254740993,-9223372036854775808,9223372036854775807])");
    QTest::newRow("doubles") << QByteArray(
        R"([1.0,-0.0,1.5,0.1,1e300,-2.5e-8,1e21,123456.789,12345678901234567890])");
    QTest::newRow("duplicate keys keep the last") << QByteArray(R"({"a":1,"b":2,"a":3})");
    QTest::newRow("empty containers") << QByteArray(R"({"o":{},"a":[]})");
}

void tst_CanonicalJson::matchesQtsCompactForm()
{
    QFETCH(QByteArray, json);
    const QByteArray qt = QJsonDocument::fromJson("[" + json + "]").toJson(QJsonDocument::Compact);
    QCOMPARE(canonical("[" + json + "]"), qt);
}

void tst_CanonicalJson::depthCountsContainers()
{
    int depth = -1;
    canonical("1", &depth);
    QCOMPARE(depth, 0);
    canonical("{}", &depth);
    QCOMPARE(depth, 1);
    canonical(R"({"deep":)" + QByteArray(32, '[') + "1" + QByteArray(32, ']') + "}", &depth);
    QCOMPARE(depth, 33);
    canonical(R"({"a":"[[[{{{"})", &depth);
    QCOMPARE(depth, 1);

    JsonParser parser;
    QCOMPARE(parser.parse(QByteArray(40, '[') + QByteArray(40, ']')), JsonParser::Status::Ok);
    QCOMPARE(CanonicalJson::depth(parser.root(), 100), 40);
    QVERIFY(CanonicalJson::depth(parser.root(), 32) > 32);
    QCOMPARE(CanonicalJson::depth(parser.root(), 40), 40);
}

void tst_CanonicalJson::keyOrderIsByCodePoint()
{
    QVERIFY(CanonicalJson::keyLess("a", "b"));
    QVERIFY(CanonicalJson::keyLess("a", "ab"));
    QVERIFY(!CanonicalJson::keyLess("b", "a"));
    // By code point, as Qt orders them: U+FFFF before U+1F600 (in UTF-16 it would be after).
    QVERIFY(CanonicalJson::keyLess("\xEF\xBF\xBF", "\xF0\x9F\x98\x80"));
    QVERIFY(!CanonicalJson::keyLess("\xF0\x9F\x98\x80", "\xEF\xBF\xBF"));
    QVERIFY(CanonicalJson::keyLess("\xC3\xA9", "\xEE\x80\x80"));
}

void tst_CanonicalJson::stringsAreEscapedOnlyWhereNeeded()
{
    QByteArray out;
    CanonicalJson::appendString(std::string_view("a\"b\\c\n\x01/\xC3\xA9", 10), &out);
    QCOMPARE(out, QByteArray("\"a\\\"b\\\\c\\n\\u0001/\xC3\xA9\""));
    out.clear();
    CanonicalJson::appendString(std::string_view("nul\0x", 5), &out);
    QCOMPARE(out, QByteArray("\"nul\\u0000x\""));
}

// The scan reads sixteen bytes at a time and pads what is left: a byte to escape in every place,
// in strings shorter, as long as and longer than one or two such blocks.
void tst_CanonicalJson::escapesAtEveryPositionAndLength()
{
    const auto expected = [](const std::string& s) {
        QByteArray out("\"");
        for (const char ch : s) {
            const auto c = static_cast<unsigned char>(ch);
            if (c == '"' || c == '\\')
                out += '\\' + QByteArray(1, ch);
            else if (c == '\n')
                out += "\\n";
            else if (c < 0x20)
                out += QByteArray("\\u00") + QByteArray::number(c, 16).rightJustified(2, '0');
            else
                out += ch;
        }
        return out + '"';
    };
    for (int n = 0; n <= 40; ++n) {
        for (int at = -1; at < n; ++at) {
            for (const char special : {'"', '\\', '\n', '\x1f', '\0'}) {
                std::string s(size_t(n), 'x');
                if (at >= 0)
                    s[size_t(at)] = special;
                if (n > 1 && at != n - 1)
                    s[size_t(n - 1)] = '\x01'; // and one at the very end
                QByteArray out;
                CanonicalJson::appendString(s, &out);
                QCOMPARE(out, expected(s));
            }
        }
    }
}

// Documents of every size the writer's buffer goes through (it starts small, grows, and lets go
// of more than a mebibyte): nested members with strings of every length, escapes and
// multi-byte characters, written after one another through the same buffer.
void tst_CanonicalJson::generatedDocumentsMatchQt()
{
    QRandomGenerator random(20261203);
    const QList<QByteArray> pieces = {"a",
                                      "Z",
                                      " ",
                                      "\\\"",
                                      "\\\\",
                                      "\\n",
                                      "\\u0001",
                                      "\\t",
                                      "\xC3\xA9",
                                      "\xE2\x9C\x93",
                                      "\xF0\x9F\x98\x80",
                                      "/"};
    const auto text = [&](int length) {
        QByteArray s;
        while (s.size() < length)
            s += pieces.at(random.bounded(int(pieces.size())));
        return s;
    };
    std::function<QByteArray(int)> value = [&](int depth) -> QByteArray {
        switch (depth > 3 ? random.bounded(3) : random.bounded(5)) {
        case 0:
            return '"' + text(random.bounded(40)) + '"';
        case 1:
            return QByteArray::number(random.bounded(-100000, 100000));
        case 2:
            return '"' + text(random.bounded(400)) + '"';
        case 3: {
            QByteArray o = "{";
            const int n = random.bounded(12);
            for (int i = 0; i < n; ++i)
                o += (i ? "," : "") + ('"' + text(random.bounded(20)) + "\":") + value(depth + 1);
            return o + '}';
        }
        default: {
            QByteArray a = "[";
            const int n = random.bounded(6);
            for (int i = 0; i < n; ++i)
                a += (i ? "," : "") + value(depth + 1);
            return a + ']';
        }
        }
    };
    for (int round = 0; round < 300; ++round) {
        QByteArray json = "{\"k\":" + value(0) + ",\"v\":" + value(0) + '}';
        if (round % 100 == 50) // past the size the writer keeps between documents
            json = "{\"big\":\"" + text(3 * 1024 * 1024) + "\",\"after\":" + value(0) + '}';
        const QByteArray qt = QJsonDocument::fromJson(json).toJson(QJsonDocument::Compact);
        QVERIFY2(!qt.isEmpty(), json.left(200).constData());
        QCOMPARE(canonical(json), qt);
    }
}

QTEST_GUILESS_MAIN(tst_CanonicalJson)
#include "tst_canonicaljson.moc"
