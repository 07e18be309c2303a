// The one JSON parse path: simdjson's DOM parser, reused across documents, its buffers capped.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>
#include <vector>

namespace simdjson::dom {
class element;
class parser;
} // namespace simdjson::dom

namespace ea {

class JsonParser
{
public:
    // The largest event payload accepted (EventNormalizer::Limits): the parser never grows its
    // buffers past what a document of this size needs, so one hostile frame cannot leave a
    // peak behind.
    static constexpr qsizetype DefaultMaxBytes = 8 * 1024 * 1024;

    enum class Status
    {
        Ok,
        Empty,   // nothing but whitespace
        TooBig,  // over maxBytes(): not parsed at all
        TooDeep, // nesting beyond simdjson's limit (1024)
        Invalid, // not JSON
    };

    explicit JsonParser(qsizetype maxBytes = DefaultMaxBytes);
    ~JsonParser();
    JsonParser(const JsonParser&) = delete;
    JsonParser& operator=(const JsonParser&) = delete;

    // Parses one JSON value. A number no double can hold (1e999, or an integer beyond 64 bits)
    // does not cost the document: the text is parsed again with each such number written as a
    // string of its text, and numbersAsText() says how many. On Ok, root() and text() stay
    // valid until the next parse().
    Status parse(QByteArrayView text);

    const simdjson::dom::element& root() const;
    // The text root() was parsed from: the input, or the copy with numbers quoted.
    QByteArrayView text() const { return m_text; }
    int numbersAsText() const { return m_numbersAsText; }
    // Why the last parse failed, in words ("invalid JSON: Problem while parsing a string").
    QString errorMessage() const { return m_error; }
    qsizetype maxBytes() const { return m_maxBytes; }
    // Bumped by every parse(): a ParsedJson taken earlier knows it went stale.
    quint64 generation() const { return m_generation; }

    // One parser per thread for callers that parse now and then (replays, tests); the live
    // path owns its own.
    static JsonParser& forThisThread();

private:
    Status parseOnce(QByteArrayView text, int* errorCode);

    std::unique_ptr<simdjson::dom::parser> m_parser;
    std::unique_ptr<simdjson::dom::element> m_root;
    std::vector<char> m_padded; // the input plus simdjson's padding, when the input lacks it
    QByteArray m_quoted;
    QByteArrayView m_text;
    QString m_error;
    qsizetype m_maxBytes;
    quint64 m_generation = 0;
    int m_numbersAsText = 0;
};

// A value a JsonParser parsed, found again only while that parser has not parsed since: a
// cheap handle that travels with an event so nothing downstream parses the same bytes twice.
// It points at its parser: use it while the parser lives (events are handled as they are
// delivered; a copy kept longer must not be read).
class ParsedJson
{
public:
    ParsedJson() = default;
    // index: the element of the root array, or -1 for the root itself.
    ParsedJson(const JsonParser* parser, int index)
        : m_parser(parser), m_generation(parser ? parser->generation() : 0), m_index(index)
    {}

    // The same parse's element `index` of the root array.
    ParsedJson element(int index) const
    {
        ParsedJson e = *this;
        e.m_index = index;
        return e;
    }

    // False when empty or stale; else *out is the value.
    bool get(simdjson::dom::element* out) const;
    int numbersAsText() const { return m_parser ? m_parser->numbersAsText() : 0; }
    bool isCurrent() const { return m_parser && m_parser->generation() == m_generation; }

private:
    const JsonParser* m_parser = nullptr;
    quint64 m_generation = 0;
    int m_index = -1;
};

} // namespace ea
