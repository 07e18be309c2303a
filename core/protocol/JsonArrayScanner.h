#pragma once

#include "protocol/DecodeResult.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace ea {

// Splits a JSON array into the raw text of its top-level elements without building a tree,
// so an event payload can be journaled and parsed once, downstream, instead of twice.
class JsonArrayScanner
{
public:
    // Elements keep their exact bytes (surrounding whitespace trimmed). Structural errors
    // (unbalanced brackets, unterminated strings, empty elements) are reported; the grammar
    // inside each element is left to the consumer's parser.
    static DecodeResult<QList<QByteArray>> split(QByteArrayView json);

    // Decodes a JSON string literal (quotes included); fails on anything else.
    static DecodeResult<QString> decodeString(QByteArrayView literal);
};

} // namespace ea
