// Rewrites JSON numbers the parser cannot hold (1e999, integers beyond 64 bits) as strings of
// the text received.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <utility>

namespace ea {

class UnreadableNumbers
{
public:
    // `json` with every number that overflows a double or, written as an integer, 64 bits
    // (simdjson rejects the whole document for one such number) replaced by a JSON string of
    // its exact text: "1e999". *count is how many were replaced; when none, the result is
    // `json` unchanged. 64-bit integers, above 2^53 too, stay numbers with all their digits.
    static QByteArray quote(QByteArrayView json, int* count);
    // `json` with every such number replaced by a zero of the same length ("0e000"), so a
    // reader can find the structure and the offsets of the original text still hold.
    static QByteArray zeroed(QByteArrayView json, int* count);

private:
    // Offset and length of each number out of range, outside strings.
    static QList<std::pair<qsizetype, qsizetype>> find(QByteArrayView json);
};

} // namespace ea
