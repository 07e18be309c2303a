#include "json/UnreadableNumbers.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace ea {

namespace {
bool isNumberChar(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool isJsonNumber(QByteArrayView t)
{
    qsizetype i = 0;
    const auto digits = [&] {
        const qsizetype from = i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
            ++i;
        return i > from;
    };
    if (i < t.size() && t[i] == '-')
        ++i;
    if (i < t.size() && t[i] == '0')
        ++i;
    else if (!digits())
        return false;
    if (i < t.size() && t[i] == '.' && (++i, !digits()))
        return false;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-'))
            ++i;
        if (!digits())
            return false;
    }
    return i == t.size();
}

// What simdjson reads: integers within 64 bits (signed, or unsigned when positive), and any
// other number whose value is a finite double (underflow reads as zero).
bool fitsParser(QByteArrayView token)
{
    const char* begin = token.data();
    const char* end = begin + token.size();
    const bool integer = !token.contains('.') && !token.contains('e') && !token.contains('E');
    if (integer) {
        if (token.startsWith('-')) {
            qint64 v = 0;
            return std::from_chars(begin, end, v).ec == std::errc();
        }
        quint64 v = 0;
        return std::from_chars(begin, end, v).ec == std::errc();
    }
    const std::string text(begin, end);
    return std::isfinite(std::strtod(text.c_str(), nullptr));
}
} // namespace

QList<std::pair<qsizetype, qsizetype>> UnreadableNumbers::find(QByteArrayView json)
{
    QList<std::pair<qsizetype, qsizetype>> spans;
    bool inString = false;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
            continue;
        }
        if (c != '-' && (c < '0' || c > '9'))
            continue;
        qsizetype end = i;
        while (end < json.size() && isNumberChar(json[end]))
            ++end;
        const QByteArrayView token = json.sliced(i, end - i);
        // A number by the grammar that a double cannot hold; anything that is not a number at
        // all stays as it is, for the parser to reject.
        const bool unreadable = isJsonNumber(token) && !fitsParser(token);
        if (unreadable)
            spans.append({i, end - i});
        i = end - 1;
    }
    return spans;
}

QByteArray UnreadableNumbers::quote(QByteArrayView json, int* count)
{
    const auto spans = find(json);
    *count = int(spans.size());
    QByteArray out;
    out.reserve(json.size() + 2 * spans.size());
    qsizetype at = 0;
    for (const auto& [offset, length] : spans) {
        out.append(json.sliced(at, offset - at)).append('"');
        out.append(json.sliced(offset, length)).append('"');
        at = offset + length;
    }
    out.append(json.sliced(at));
    return out;
}

QByteArray UnreadableNumbers::zeroed(QByteArrayView json, int* count)
{
    const auto spans = find(json);
    *count = int(spans.size());
    QByteArray out = json.toByteArray();
    // Out of range takes at least "1e309": there is always room for "0e" and a digit.
    for (const auto& [offset, length] : spans) {
        out[offset] = '0';
        out[offset + 1] = 'e';
        for (qsizetype k = 2; k < length; ++k)
            out[offset + k] = '0';
    }
    return out;
}

} // namespace ea
