#include "json/JsonParser.h"

#include <QtTest>

#include <simdjson.h>

using namespace ea;

class tst_JsonParser : public QObject
{
    Q_OBJECT

private slots:
    void parsesAnyJsonValue();
    void reportsWhatIsWrong();
    void refusesDocumentsOverItsLimit();
    void numbersOutOfRangeBecomeText();
    void parsedJsonGoesStale();
    void survivesBigThenSmall();
};

void tst_JsonParser::parsesAnyJsonValue()
{
    JsonParser parser;
    QCOMPARE(parser.parse(R"({"a":[1,"x",null]})"), JsonParser::Status::Ok);
    QVERIFY(parser.root().is_object());
    QCOMPARE(parser.parse(R"("text")"), JsonParser::Status::Ok);
    QCOMPARE(std::string(parser.root().get_string().value()), std::string("text"));
    QCOMPARE(parser.parse("42"), JsonParser::Status::Ok);
    QCOMPARE(parser.root().get_int64().value(), qint64(42));
}

void tst_JsonParser::reportsWhatIsWrong()
{
    JsonParser parser;
    QCOMPARE(parser.parse(""), JsonParser::Status::Empty);
    QCOMPARE(parser.parse(" \n\t"), JsonParser::Status::Empty);
    QCOMPARE(parser.parse(R"({"a":)"), JsonParser::Status::Invalid);
    QVERIFY(parser.errorMessage().contains(QLatin1String("invalid JSON")));
    QCOMPARE(parser.parse(R"({"a":1}{"b":2})"), JsonParser::Status::Invalid);
    QCOMPARE(parser.parse("\xff\xfe{]"), JsonParser::Status::Invalid);
    QCOMPARE(parser.parse(QByteArray(2000, '[') + QByteArray(2000, ']')),
             JsonParser::Status::TooDeep);
}

// The payload limit caps the parser: a bigger document is refused before any allocation.
void tst_JsonParser::refusesDocumentsOverItsLimit()
{
    JsonParser parser(1024);
    QCOMPARE(parser.maxBytes(), qsizetype(1024));
    const QByteArray big = R"({"blob":")" + QByteArray(2000, 'x') + R"("})";
    QCOMPARE(parser.parse(big), JsonParser::Status::TooBig);
    QVERIFY(parser.errorMessage().contains(QString::number(big.size())));
    QCOMPARE(parser.parse(R"({"small":1})"), JsonParser::Status::Ok);
    QCOMPARE(JsonParser().maxBytes(), JsonParser::DefaultMaxBytes);
}

// 1e999 (and integers beyond 64 bits) would cost the whole document: they become strings
// of their text, counted; 64-bit integers stay numbers with every digit.
void tst_JsonParser::numbersOutOfRangeBecomeText()
{
    JsonParser parser;
    const QByteArray in =
        R"({"huge":1e999,"big":123456789012345678901234,"exact":9007199254740993,"s":"1e999"})";
    QCOMPARE(parser.parse(in), JsonParser::Status::Ok);
    QCOMPARE(parser.numbersAsText(), 2);
    const simdjson::dom::element root = parser.root();
    QCOMPARE(std::string(root["huge"].get_string().value()), std::string("1e999"));
    QCOMPARE(std::string(root["big"].get_string().value()),
             std::string("123456789012345678901234"));
    QCOMPARE(root["exact"].get_int64().value(), qint64(9007199254740993));
    QVERIFY(parser.text().toByteArray().contains(R"("huge":"1e999")"));

    QCOMPARE(parser.parse(R"({"ok":1})"), JsonParser::Status::Ok);
    QCOMPARE(parser.numbersAsText(), 0);
    QCOMPARE(parser.parse(R"({"a":1e999x})"), JsonParser::Status::Invalid);
}

// A handle reads the parse only while it is current: a later parse makes it stale.
void tst_JsonParser::parsedJsonGoesStale()
{
    JsonParser parser;
    QCOMPARE(parser.parse(R"(["name",{"k":"v"},3])"), JsonParser::Status::Ok);
    const ParsedJson whole(&parser, -1);
    const ParsedJson second = whole.element(1);
    simdjson::dom::element e;
    QVERIFY(second.isCurrent());
    QVERIFY(second.get(&e));
    QCOMPARE(std::string(e["k"].get_string().value()), std::string("v"));
    QVERIFY(whole.element(2).get(&e));
    QCOMPARE(e.get_int64().value(), qint64(3));
    QVERIFY(!whole.element(3).get(&e)); // past the end

    QCOMPARE(parser.parse("[]"), JsonParser::Status::Ok);
    QVERIFY(!second.isCurrent());
    QVERIFY(!second.get(&e));
    QVERIFY(!ParsedJson().get(&e));
}

// After a big document the parser gives its buffers back.
void tst_JsonParser::survivesBigThenSmall()
{
    JsonParser parser;
    const QByteArray big = R"({"blob":")" + QByteArray(3 * 1024 * 1024, 'x') + R"("})";
    QCOMPARE(parser.parse(big), JsonParser::Status::Ok);
    QCOMPARE(parser.parse(R"({"a":1})"), JsonParser::Status::Ok);
    QCOMPARE(parser.root()["a"].get_int64().value(), qint64(1));
}

QTEST_GUILESS_MAIN(tst_JsonParser)
#include "tst_jsonparser.moc"
