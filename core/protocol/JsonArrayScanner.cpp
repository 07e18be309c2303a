#include "protocol/JsonArrayScanner.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ea {

namespace {
bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

using SplitResult = DecodeResult<QList<QByteArray>>;
} // namespace

SplitResult JsonArrayScanner::split(QByteArrayView json)
{
    const qsizetype n = json.size();
    qsizetype i = 0;
    while (i < n && isSpace(json[i]))
        ++i;
    if (i >= n || json[i] != '[')
        return SplitResult::failure(QStringLiteral("payload is not a JSON array"));
    ++i;

    QList<QByteArray> elements;
    std::vector<char> closers; // expected closing brackets of nested containers
    qsizetype start = i;
    bool inString = false;
    bool sawElementEnd = false;

    const auto emitElement = [&](qsizetype end) -> bool {
        qsizetype a = start, b = end;
        while (a < b && isSpace(json[a]))
            ++a;
        while (b > a && isSpace(json[b - 1]))
            --b;
        if (a == b)
            return false;
        elements.append(json.sliced(a, b - a).toByteArray());
        return true;
    };

    for (; i < n; ++i) {
        if (inString) {
#if defined(__SSE2__)
            // Most of an event is string contents: skip sixteen bytes at a time to the next
            // quote or backslash.
            while (n - i >= 16) {
                const __m128i v =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(json.data() + i));
                const int mask = _mm_movemask_epi8(_mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
                if (mask != 0) {
                    i += __builtin_ctz(unsigned(mask));
                    break;
                }
                i += 16;
            }
            if (i >= n)
                break;
#endif
            const char c = json[i];
            if (c == '\\')
                ++i; // the escaped character can never end the string
            else if (c == '"')
                inString = false;
            continue;
        }
        const char c = json[i];
        switch (c) {
        case '"':
            inString = true;
            break;
        case '{':
            closers.push_back('}');
            break;
        case '[':
            closers.push_back(']');
            break;
        case '}':
        case ']':
            if (!closers.empty()) {
                if (closers.back() != c)
                    return SplitResult::failure(QStringLiteral("mismatched '%1' at offset %2")
                                                    .arg(QChar::fromLatin1(c))
                                                    .arg(i));
                closers.pop_back();
                break;
            }
            if (c == '}')
                return SplitResult::failure(QStringLiteral("unexpected '}' at offset %1").arg(i));
            // The closing bracket of the top-level array.
            if (!emitElement(i) && (!elements.isEmpty() || sawElementEnd))
                return SplitResult::failure(
                    QStringLiteral("empty array element at offset %1").arg(i));
            for (++i; i < n; ++i) {
                if (!isSpace(json[i]))
                    return SplitResult::failure(
                        QStringLiteral("trailing data after the array at offset %1").arg(i));
            }
            return SplitResult::success(std::move(elements));
        case ',':
            if (closers.empty()) {
                if (!emitElement(i))
                    return SplitResult::failure(
                        QStringLiteral("empty array element at offset %1").arg(i));
                start = i + 1;
                sawElementEnd = true;
            }
            break;
        default:
            break;
        }
    }
    return SplitResult::failure(inString ? QStringLiteral("unterminated string")
                                         : QStringLiteral("truncated JSON array"));
}

DecodeResult<QString> JsonArrayScanner::decodeString(QByteArrayView literal)
{
    if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"')
        return DecodeResult<QString>::failure(QStringLiteral("not a JSON string"));
    const QByteArrayView inner = literal.sliced(1, literal.size() - 2);
    if (!inner.contains('\\') && !inner.contains('"'))
        return DecodeResult<QString>::success(QString::fromUtf8(inner));
    // Escapes are rare in event names; let the real parser handle them.
    QByteArray wrapped;
    wrapped.reserve(literal.size() + 2);
    wrapped.append('[').append(literal).append(']');
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped);
    if (!doc.isArray() || doc.array().size() != 1 || !doc.array().at(0).isString())
        return DecodeResult<QString>::failure(QStringLiteral("invalid JSON string"));
    return DecodeResult<QString>::success(doc.array().at(0).toString());
}

} // namespace ea
