#include "json/JsonParser.h"

#include "json/UnreadableNumbers.h"

#include <simdjson.h>

#include <cstring>

namespace ea {

namespace {
// Buffers kept between documents: a typical event needs a few kB; after a big one the parser
// goes back to this, so what one large payload made it allocate is returned.
constexpr size_t kKeptCapacity = 1024 * 1024;

bool isBlank(QByteArrayView text)
{
    for (const char c : text) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return false;
    }
    return true;
}
} // namespace

JsonParser::JsonParser(qsizetype maxBytes)
    : m_parser(std::make_unique<simdjson::dom::parser>(size_t(maxBytes))),
      m_root(std::make_unique<simdjson::dom::element>()), m_maxBytes(maxBytes)
{}

JsonParser::~JsonParser() = default;

JsonParser& JsonParser::forThisThread()
{
    thread_local JsonParser parser;
    return parser;
}

const simdjson::dom::element& JsonParser::root() const
{
    return *m_root;
}

JsonParser::Status JsonParser::parseOnce(QByteArrayView text, int* errorCode)
{
    const size_t n = size_t(text.size());
    if (m_padded.capacity() > kKeptCapacity && n < kKeptCapacity)
        std::vector<char>().swap(m_padded);
    if (m_parser->capacity() > kKeptCapacity && n < kKeptCapacity) {
        // Failing to shrink is harmless: parse() allocates what it needs.
        const simdjson::error_code shrunk = m_parser->allocate(kKeptCapacity);
        Q_UNUSED(shrunk);
    }
    m_padded.resize(n + simdjson::SIMDJSON_PADDING);
    if (n)
        std::memcpy(m_padded.data(), text.data(), n);
    std::memset(m_padded.data() + n, 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    const auto error = m_parser->parse(m_padded.data(), n, false).get(root);
    *errorCode = int(error);
    switch (error) {
    case simdjson::SUCCESS:
        *m_root = root;
        return Status::Ok;
    case simdjson::CAPACITY:
        return Status::TooBig;
    case simdjson::DEPTH_ERROR:
        return Status::TooDeep;
    case simdjson::EMPTY:
        return Status::Empty;
    default:
        return Status::Invalid;
    }
}

JsonParser::Status JsonParser::parse(QByteArrayView text)
{
    ++m_generation;
    m_numbersAsText = 0;
    m_quoted.clear();
    m_text = text;
    m_error.clear();
    if (text.size() > m_maxBytes) {
        m_error = QStringLiteral("%1 bytes of JSON exceed the parser's limit of %2 bytes")
                      .arg(text.size())
                      .arg(m_maxBytes);
        return Status::TooBig;
    }
    if (isBlank(text)) {
        m_error = QStringLiteral("no JSON value");
        return Status::Empty;
    }
    int code = 0;
    Status status = parseOnce(text, &code);
    if (status == Status::Invalid && code == simdjson::NUMBER_ERROR) {
        // Kept as the string of their text rather than losing the whole document for them.
        int quoted = 0;
        QByteArray readable = UnreadableNumbers::quote(text, &quoted);
        if (quoted > 0 && readable.size() <= m_maxBytes) {
            m_quoted = std::move(readable);
            status = parseOnce(m_quoted, &code);
            if (status == Status::Ok) {
                m_numbersAsText = quoted;
                m_text = m_quoted;
            }
        }
    }
    if (status != Status::Ok) {
        m_error = QStringLiteral("invalid JSON: %1")
                      .arg(QLatin1String(simdjson::error_message(simdjson::error_code(code))));
    }
    return status;
}

bool ParsedJson::get(simdjson::dom::element* out) const
{
    if (!isCurrent())
        return false;
    const simdjson::dom::element& root = m_parser->root();
    if (m_index < 0) {
        *out = root;
        return true;
    }
    simdjson::dom::array array;
    if (root.get_array().get(array) != simdjson::SUCCESS)
        return false;
    return array.at(size_t(m_index)).get(*out) == simdjson::SUCCESS;
}

} // namespace ea
