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

void appendInteger(qint64 v, std::string* out)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, size_t(r.ptr - buf));
}

// Qt's QJsonValue keeps a whole double that fits in a qint64 as that integer.
void appendDouble(double d, std::string* out)
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
    out->append(text.constData(), size_t(text.size()));
}

inline char hexDigit(unsigned u)
{
    return char(u < 10 ? '0' + u : 'a' + u - 10);
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

// Where the first byte that needs an escape is; n when none does (most strings, most keys).
size_t firstSpecial(const char* p, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        if (const int mask = specialMask(p + i))
            return i + size_t(__builtin_ctz(unsigned(mask)));
    }
    if (i == n)
        return n;
    // The last few bytes through one more comparison, padded with a byte that needs nothing.
    char tail[16];
    std::memset(tail, 'a', sizeof tail);
    std::memcpy(tail, p + i, n - i);
    const int mask = specialMask(tail);
    return mask ? i + size_t(__builtin_ctz(unsigned(mask))) : n;
#else
    for (; i < n; ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20 || c == '"' || c == '\\')
            break;
    }
    return i;
#endif
}

void appendEscaped(std::string_view s, std::string* out)
{
    out->push_back('"');
    const char* p = s.data();
    size_t left = s.size();
    for (;;) {
        const size_t plain = firstSpecial(p, left);
        out->append(p, plain);
        if (plain == left)
            break;
        const auto c = static_cast<unsigned char>(p[plain]);
        p += plain + 1;
        left -= plain + 1;
        switch (c) {
        case '"':
            out->append("\\\"", 2);
            break;
        case '\\':
            out->append("\\\\", 2);
            break;
        case '\b':
            out->append("\\b", 2);
            break;
        case '\f':
            out->append("\\f", 2);
            break;
        case '\n':
            out->append("\\n", 2);
            break;
        case '\r':
            out->append("\\r", 2);
            break;
        case '\t':
            out->append("\\t", 2);
            break;
        default: {
            const char esc[] = {'\\', 'u', '0', '0', hexDigit(c >> 4), hexDigit(c & 0xf)};
            out->append(esc, sizeof esc);
        }
        }
    }
    out->push_back('"');
}

int writeValue(const Element& value, std::string* out)
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
        out->push_back('{');
        bool first = true;
        for (qsizetype i = 0; i < members.size(); ++i) {
            // Of equal keys the last one written in the input wins, as in Qt.
            if (i + 1 < members.size() && members[i].key == members[i + 1].key)
                continue;
            if (!first)
                out->push_back(',');
            first = false;
            appendEscaped(members[i].key, out);
            out->push_back(':');
            deepest = std::max(deepest, writeValue(members[i].value, out));
        }
        out->push_back('}');
        return deepest + 1;
    }
    case simdjson::dom::element_type::ARRAY: {
        int deepest = 0;
        out->push_back('[');
        bool first = true;
        const simdjson::dom::array array = value.get_array().value_unsafe();
        for (const Element e : array) {
            if (!first)
                out->push_back(',');
            first = false;
            deepest = std::max(deepest, writeValue(e, out));
        }
        out->push_back(']');
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
        out->append(value.get_bool().value_unsafe() ? "true" : "false");
        return 0;
    case simdjson::dom::element_type::NULL_VALUE:
        out->append("null");
        return 0;
    }
    return 0;
}
} // namespace

bool CanonicalJson::keyLess(std::string_view a, std::string_view b)
{
    // std::string_view compares chars as unsigned (char_traits<char>): UTF-8 byte order.
    return a < b;
}

void CanonicalJson::appendString(std::string_view s, QByteArray* out)
{
    std::string text;
    appendEscaped(s, &text);
    out->append(text.data(), qsizetype(text.size()));
}

namespace {
// Built in a std::string: its appends are cheaper than QByteArray's.
template <typename Take> int writeThen(const simdjson::dom::element& value, Take&& take)
{
    thread_local std::string text;
    text.clear();
    const int depth = writeValue(value, &text);
    take(text);
    if (text.capacity() > 1024 * 1024)
        std::string().swap(text); // one big payload must not stay allocated
    return depth;
}
} // namespace

int CanonicalJson::write(const simdjson::dom::element& value, QByteArray* out)
{
    return writeThen(value, [out](const std::string& text) {
        out->append(text.data(), qsizetype(text.size()));
    });
}

QByteArray CanonicalJson::bytes(const simdjson::dom::element& value, int* depth)
{
    QByteArray out;
    *depth = writeThen(value, [&out](const std::string& text) {
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
