// Finds the text of each element of a JSON array (or a member of an object) the parser has
// already validated.
#pragma once

#include <QByteArrayView>
#include <QList>

namespace ea {

class JsonArraySpans
{
public:
    // What an element is, as the parse found it; it tells where the element's text ends.
    enum class Kind : char
    {
        String,
        Container, // object or array
        Scalar     // number, true, false, null
    };

    // `validArray` must be JSON the parser accepted, an array whose elements have these kinds
    // in order; the result is the exact text of each element (no surrounding whitespace).
    // Strings and scalars are found from whichever end of the array is nearer, so the usual
    // event ["name", {payload}] or ["name", {payload}, "offset"] costs a look at the name and
    // the offset, never a walk through the payload. Text that breaks the promise gives empty
    // views, never a read out of bounds.
    static QList<QByteArrayView> split(QByteArrayView validArray, const QList<Kind>& kinds);

    // The exact text of the value of the top-level member `key` (the last one so named) in a
    // validated JSON object; empty when there is none. Keys are compared as written, so a key
    // spelled with escapes is not found.
    static QByteArrayView member(QByteArrayView validObject, QByteArrayView key);
};

} // namespace ea
