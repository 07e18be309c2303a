#include "CanonicalJson.h"

#include <QLocale>
#include <QVarLengthArray>

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace {
using Element = simdjson::dom::element;

struct Member
{
    std::string_view key;
    Element value;
};

void appendInteger(qint64 v, QByteArray* out)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr - buf);
}

// Qt's QJsonValue keeps a whole double that fits in a qint64 as that integer.
void appendDouble(double d, QByteArray* out)
{
    constexpr double lowest = double(std::numeric_limits<qint64>::min());
    if (d >= lowest && d < -lowest) {
        const qint64 whole = qint64(d);
        if (double(whole) == d) {
            appendInteger(whole, out);
            return;
        }
    }
    out->append(QByteArray::number(d, 'g', QLocale::FloatingPointShortest));
}

inline char hexDigit(unsigned u)
{
    return char(u < 10 ? '0' + u : 'a' + u - 10);
}

int writeValue(const Element& value, QByteArray* out)
{
    switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
        const simdjson::dom::object object = value.get_object().value_unsafe();
        QVarLengthArray<Member, 32> members;
        for (const auto field : object)
            members.append(Member{field.key, field.value});
        // Usually few members, often sorted already.
        std::stable_sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
            return CanonicalJson::keyLess(a.key, b.key);
        });
        int deepest = 0;
        out->append('{');
        bool first = true;
        for (qsizetype i = 0; i < members.size(); ++i) {
            // Of equal keys the last one written in the input wins, as in Qt.
            if (i + 1 < members.size() && members[i].key == members[i + 1].key)
                continue;
            if (!first)
                out->append(',');
            first = false;
            CanonicalJson::appendString(members[i].key, out);
            out->append(':');
            deepest = std::max(deepest, writeValue(members[i].value, out));
        }
        out->append('}');
        return deepest + 1;
    }
    case simdjson::dom::element_type::ARRAY: {
        int deepest = 0;
        out->append('[');
        bool first = true;
        const simdjson::dom::array array = value.get_array().value_unsafe();
        for (const Element e : array) {
            if (!first)
                out->append(',');
            first = false;
            deepest = std::max(deepest, writeValue(e, out));
        }
        out->append(']');
        return deepest + 1;
    }
    case simdjson::dom::element_type::STRING:
        CanonicalJson::appendString(value.get_string().value_unsafe(), out);
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
    out->reserve(out->size() + qsizetype(s.size()) + 2);
    out->append('"');
    const char* p = s.data();
    const char* const end = p + s.size();
    const char* run = p;
    for (; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out->append(run, p - run);
        run = p + 1;
        out->append('\\');
        switch (c) {
        case '"':
            out->append('"');
            break;
        case '\\':
            out->append('\\');
            break;
        case '\b':
            out->append('b');
            break;
        case '\f':
            out->append('f');
            break;
        case '\n':
            out->append('n');
            break;
        case '\r':
            out->append('r');
            break;
        case '\t':
            out->append('t');
            break;
        default: {
            const char esc[] = {'u', '0', '0', hexDigit(c >> 4), hexDigit(c & 0xf)};
            out->append(esc, sizeof esc);
        }
        }
    }
    out->append(run, p - run);
    out->append('"');
}

int CanonicalJson::write(const simdjson::dom::element& value, QByteArray* out)
{
    return writeValue(value, out);
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
