#include "json/CanonicalJson.h"

#include <QLocale>
#include <QVarLengthArray>

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>

namespace ea {

namespace {
using Element = simdjson::dom::element;

struct Member
{
    std::string_view key;
    Element value;
};

// The output through a cursor into a reused buffer: a token checks for room once and is then
// stored with plain writes (std::string's appends re-check, re-terminate and call memcpy for
// every piece, which for a payload of short keys and values was most of the writer's time).
class Writer
{
public:
    explicit Writer(std::string* buffer) : m_buffer(buffer)
    {
        if (m_buffer->size() < 256)
            m_buffer->resize(256);
        m_at = m_buffer->data();
        m_end = m_at + m_buffer->size();
    }
    // Room for n more bytes after the cursor.
    Q_ALWAYS_INLINE char* room(size_t n)
    {
        if (Q_UNLIKELY(size_t(m_end - m_at) < n))
            grow(n);
        return m_at;
    }
    // Moves the cursor past bytes stored at room().
    void wrote(size_t n) { m_at += n; }
    void moveTo(char* at) { m_at = at; }
    void put(char c)
    {
        *room(1) = c;
        ++m_at;
    }
    void put(const char* p, size_t n)
    {
        std::memcpy(room(n), p, n);
        m_at += n;
    }
    std::string_view text() const { return {m_buffer->data(), size_t(m_at - m_buffer->data())}; }

private:
    Q_NEVER_INLINE void grow(size_t n)
    {
        const size_t used = size_t(m_at - m_buffer->data());
        m_buffer->resize(std::max(m_buffer->size() * 2, used + n));
        m_at = m_buffer->data() + used;
        m_end = m_buffer->data() + m_buffer->size();
    }

    std::string* m_buffer;
    char* m_at = nullptr;
    char* m_end = nullptr;
};

void appendInteger(qint64 v, Writer* out)
{
    char* at = out->room(24);
    out->wrote(size_t(std::to_chars(at, at + 24, v).ptr - at));
}

// Qt's QJsonValue keeps a whole double that fits in a qint64 as that integer.
void appendDouble(double d, Writer* out)
{
    constexpr double lowest = double(std::numeric_limits<qint64>::min());
    if (d >= lowest && d < -lowest) {
        const qint64 whole = qint64(d);
        if (double(whole) == d) {
            appendInteger(whole, out);
            return;
        }
    }
    const QByteArray text = QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
    out->put(text.constData(), size_t(text.size()));
}

inline char hexDigit(unsigned u)
{
    return char(u < 10 ? '0' + u : 'a' + u - 10);
}

inline bool needsEscape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

#if defined(__SSE2__)
int specialMask(const char* sixteen)
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sixteen));
    const __m128i control =
        _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
    const __m128i special =
        _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(special);
}
#endif

// Where the first byte that needs an escape is; n when none does (most strings).
size_t firstSpecial(const char* p, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        for (; i + 16 <= n; i += 16) {
            if (const int mask = specialMask(p + i))
                return i + size_t(__builtin_ctz(unsigned(mask)));
        }
        if (i == n)
            return n;
        // The last few bytes: the last sixteen again, without the ones already looked at.
        const unsigned seen = unsigned(16 - (n - i));
        const unsigned mask = unsigned(specialMask(p + n - 16)) >> seen;
        return mask ? i + size_t(__builtin_ctz(mask)) : n;
    }
#endif
    // Short strings, or no SSE2: byte by byte.
    while (i < n && !needsEscape(static_cast<unsigned char>(p[i])))
        ++i;
    return i;
}

char* putEscape(unsigned char c, char* at)
{
    *at++ = '\\';
    switch (c) {
    case '"':
    case '\\':
        *at++ = char(c);
        break;
    case '\b':
        *at++ = 'b';
        break;
    case '\f':
        *at++ = 'f';
        break;
    case '\n':
        *at++ = 'n';
        break;
    case '\r':
        *at++ = 'r';
        break;
    case '\t':
        *at++ = 't';
        break;
    default:
        *at++ = 'u';
        *at++ = '0';
        *at++ = '0';
        *at++ = hexDigit(c >> 4);
        *at++ = hexDigit(c & 0xf);
    }
    return at;
}

#if defined(__SSE2__)
// Copies fewer than sixteen bytes without a call: two overlapping moves cover any length.
Q_ALWAYS_INLINE void copyShort(char* to, const char* from, size_t n)
{
    if (n >= 8) {
        quint64 head, tail;
        std::memcpy(&head, from, 8);
        std::memcpy(&tail, from + n - 8, 8);
        std::memcpy(to, &head, 8);
        std::memcpy(to + n - 8, &tail, 8);
    } else if (n >= 4) {
        quint32 head, tail;
        std::memcpy(&head, from, 4);
        std::memcpy(&tail, from + n - 4, 4);
        std::memcpy(to, &head, 4);
        std::memcpy(to + n - 4, &tail, 4);
    } else {
        for (size_t i = 0; i < n; ++i)
            to[i] = from[i];
    }
}
#endif

void appendEscaped(std::string_view s, Writer* out)
{
    const char* p = s.data();
    size_t left = s.size();
#if defined(__SSE2__)
    if (left < 16) {
        // Short strings (most keys, many values): copied as they are, then checked where they
        // landed, in the writer's own buffer, so the block read never passes the source's end.
        char* at = out->room(16 + 1);
        *at++ = '"';
        copyShort(at, p, left);
        const unsigned mask = unsigned(specialMask(at)) & ((1u << left) - 1);
        if (mask == 0) {
            at[left] = '"';
            out->moveTo(at + left + 1);
            return;
        }
        // Keep the plain start, escape the rest below.
        const size_t plain = size_t(__builtin_ctz(mask));
        out->moveTo(at + plain);
        p += plain;
        left -= plain;
    } else {
        out->put('"');
    }
#else
    out->put('"');
#endif
    for (;;) {
        const size_t plain = firstSpecial(p, left);
        // The run, the escape after it (at most six bytes) and a closing quote: one check.
        char* at = out->room(plain + 7);
        std::memcpy(at, p, plain);
        at += plain;
        if (plain == left) {
            *at++ = '"';
            out->moveTo(at);
            return;
        }
        at = putEscape(static_cast<unsigned char>(p[plain]), at);
        p += plain + 1;
        left -= plain + 1;
        out->moveTo(at);
    }
}

int writeValue(const Element& value, Writer* out)
{
    switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
        const simdjson::dom::object object = value.get_object().value_unsafe();
        QVarLengthArray<Member, 32> members;
        for (const auto field : object)
            members.append(Member{field.key, field.value});
        // Usually few members, often sorted already: an insertion sort (stable, no buffer).
        const auto less = [](const Member& a, const Member& b) {
            return CanonicalJson::keyLess(a.key, b.key);
        };
        if (members.size() > 32) {
            std::stable_sort(members.begin(), members.end(), less);
        } else {
            for (qsizetype i = 1; i < members.size(); ++i) {
                const Member m = members[i];
                qsizetype j = i;
                for (; j > 0 && less(m, members[j - 1]); --j)
                    members[j] = members[j - 1];
                members[j] = m;
            }
        }
        int deepest = 0;
        out->put('{');
        bool first = true;
        for (qsizetype i = 0; i < members.size(); ++i) {
            // Of equal keys the last one written in the input wins, as in Qt.
            if (i + 1 < members.size() && members[i].key == members[i + 1].key)
                continue;
            if (!first)
                out->put(',');
            first = false;
            appendEscaped(members[i].key, out);
            out->put(':');
            deepest = std::max(deepest, writeValue(members[i].value, out));
        }
        out->put('}');
        return deepest + 1;
    }
    case simdjson::dom::element_type::ARRAY: {
        int deepest = 0;
        out->put('[');
        bool first = true;
        const simdjson::dom::array array = value.get_array().value_unsafe();
        for (const Element e : array) {
            if (!first)
                out->put(',');
            first = false;
            deepest = std::max(deepest, writeValue(e, out));
        }
        out->put(']');
        return deepest + 1;
    }
    case simdjson::dom::element_type::STRING:
        appendEscaped(value.get_string().value_unsafe(), out);
        return 0;
    case simdjson::dom::element_type::INT64:
        appendInteger(value.get_int64().value_unsafe(), out);
        return 0;
    case simdjson::dom::element_type::UINT64:
        // Above qint64: Qt holds it as a double.
        appendDouble(double(value.get_uint64().value_unsafe()), out);
        return 0;
    case simdjson::dom::element_type::DOUBLE:
        appendDouble(value.get_double().value_unsafe(), out);
        return 0;
    case simdjson::dom::element_type::BOOL:
        if (value.get_bool().value_unsafe())
            out->put("true", 4);
        else
            out->put("false", 5);
        return 0;
    case simdjson::dom::element_type::NULL_VALUE:
        out->put("null", 4);
        return 0;
    }
    return 0;
}
} // namespace

bool CanonicalJson::keyLess(std::string_view a, std::string_view b)
{
    // std::string_view compares chars as unsigned (char_traits<char>): UTF-8 byte order. Keys
    // mostly differ in their first byte: decided there without a memcmp call.
    if (!a.empty() && !b.empty() && a[0] != b[0])
        return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
    return a < b;
}

void CanonicalJson::appendString(std::string_view s, QByteArray* out)
{
    std::string buffer;
    Writer writer(&buffer);
    appendEscaped(s, &writer);
    const std::string_view text = writer.text();
    out->append(text.data(), qsizetype(text.size()));
}

namespace {
// Written into a buffer each thread keeps, then copied out at its exact length.
template <typename Take> int writeThen(const simdjson::dom::element& value, Take&& take)
{
    thread_local std::string buffer;
    Writer writer(&buffer);
    const int depth = writeValue(value, &writer);
    take(writer.text());
    if (buffer.size() > 1024 * 1024)
        std::string().swap(buffer); // one big payload must not stay allocated
    return depth;
}
} // namespace

int CanonicalJson::write(const simdjson::dom::element& value, QByteArray* out)
{
    return writeThen(
        value, [out](std::string_view text) { out->append(text.data(), qsizetype(text.size())); });
}

QByteArray CanonicalJson::bytes(const simdjson::dom::element& value, int* depth)
{
    QByteArray out;
    *depth = writeThen(value, [&out](std::string_view text) {
        out = QByteArray(text.data(), qsizetype(text.size()));
    });
    return out;
}

int CanonicalJson::depth(const simdjson::dom::element& value, int stopAbove)
{
    const bool object = value.is_object();
    if (!object && !value.is_array())
        return 0;
    if (stopAbove <= 0)
        return 1; // already past the limit: no need to look inside
    int deepest = 0;
    if (object) {
        const simdjson::dom::object members = value.get_object().value_unsafe();
        for (const auto field : members)
            deepest = std::max(deepest, depth(field.value, stopAbove - 1));
    } else {
        const simdjson::dom::array elements = value.get_array().value_unsafe();
        for (const Element e : elements)
            deepest = std::max(deepest, depth(e, stopAbove - 1));
    }
    return deepest + 1;
}

} // namespace ea
