// Typed reads of a parsed document's fields: absent and mistyped read alike, as nothing.
#pragma once

#include <QString>

#include <simdjson.h>

#include <limits>
#include <optional>
#include <string_view>

namespace ea::json {

inline QString utf8(std::string_view text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

// The member under key of an object element; false when v is no object or has no such key.
inline bool memberAt(const simdjson::dom::element& v, std::string_view key,
                     simdjson::dom::element* out)
{
    simdjson::dom::object o;
    return !v.get_object().get(o) && !o.at_key(key).get(*out);
}

inline bool objectAt(const simdjson::dom::element& v, std::string_view key,
                     simdjson::dom::object* out)
{
    simdjson::dom::element e;
    return memberAt(v, key, &e) && !e.get_object().get(*out);
}

inline bool arrayAt(const simdjson::dom::element& v, std::string_view key,
                    simdjson::dom::array* out)
{
    simdjson::dom::element e;
    return memberAt(v, key, &e) && !e.get_array().get(*out);
}

inline std::string_view viewAt(const simdjson::dom::element& v, std::string_view key)
{
    simdjson::dom::element e;
    std::string_view s;
    return memberAt(v, key, &e) && !e.get_string().get(s) ? s : std::string_view();
}

// Empty when absent or not a string.
inline QString stringAt(const simdjson::dom::element& v, std::string_view key)
{
    return utf8(viewAt(v, key));
}

// Any JSON number (integer or not) as a double, as QJsonValue::toDouble() reads it.
inline std::optional<double> numberAt(const simdjson::dom::element& v, std::string_view key)
{
    simdjson::dom::element e;
    double d = 0;
    if (!memberAt(v, key, &e) || !e.is_number() || e.get_double().get(d))
        return std::nullopt;
    return d;
}

// As QJsonValue::toInt(fallback) reads a member: an integral number within int's range.
inline int intAt(const simdjson::dom::element& v, std::string_view key, int fallback = 0)
{
    const std::optional<double> d = numberAt(v, key);
    // The range first: casting a double out of int's range is undefined.
    if (!d || !(*d >= double(std::numeric_limits<int>::min())) ||
        !(*d <= double(std::numeric_limits<int>::max())) || *d != double(int(*d)))
        return fallback;
    return int(*d);
}

// A number as a whole count (its fraction dropped); empty when absent, not a number, or beyond
// qint64, where a cast would be undefined (a hostile file may say 1e300).
inline std::optional<qint64> int64At(const simdjson::dom::element& v, std::string_view key)
{
    const std::optional<double> d = numberAt(v, key);
    if (!d || !(*d >= -9223372036854775808.0) || !(*d < 9223372036854775808.0))
        return std::nullopt;
    return qint64(*d);
}

inline std::optional<bool> boolAt(const simdjson::dom::element& v, std::string_view key)
{
    simdjson::dom::element e;
    bool b = false;
    if (!memberAt(v, key, &e) || e.get_bool().get(b))
        return std::nullopt;
    return b;
}

// The size of the array under key; 0 when there is none.
inline qsizetype arraySizeAt(const simdjson::dom::element& v, std::string_view key)
{
    simdjson::dom::array a;
    return arrayAt(v, key, &a) ? qsizetype(a.size()) : 0;
}

} // namespace ea::json
