#include "json/JsonArraySpans.h"

#include <cstring>

namespace ea {

namespace {
bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Walks over validated text: every position it returns lies within [0, size].
class Cursor
{
public:
    explicit Cursor(QByteArrayView text) : m_text(text) {}

    qsizetype skipSpaceForward(qsizetype at) const
    {
        while (at < m_text.size() && isSpace(m_text[at]))
            ++at;
        return at;
    }
    qsizetype skipSpaceBackward(qsizetype end) const
    {
        while (end > 0 && isSpace(m_text[end - 1]))
            --end;
        return end;
    }

    // at: an opening quote; returns just past the closing one.
    qsizetype stringEnd(qsizetype at) const
    {
        qsizetype i = at + 1;
        while (i < m_text.size()) {
            const void* hit = std::memchr(m_text.data() + i, '"', size_t(m_text.size() - i));
            if (!hit)
                return m_text.size();
            const qsizetype q = static_cast<const char*>(hit) - m_text.data();
            if (!escaped(q))
                return q + 1;
            i = q + 1;
        }
        return m_text.size();
    }
    // end: just past a closing quote; returns the opening quote. In valid JSON every quote
    // inside a string is escaped, so the first unescaped one before it opens the string.
    qsizetype stringStart(qsizetype end) const
    {
        qsizetype i = end - 1; // the closing quote
        while (i > 0) {
            --i;
            if (m_text[i] == '"' && !escaped(i))
                return i;
        }
        return 0;
    }
    // A number or literal ends at a delimiter.
    qsizetype scalarEnd(qsizetype at) const
    {
        while (at < m_text.size() && m_text[at] != ',' && m_text[at] != ']' && m_text[at] != '}' &&
               !isSpace(m_text[at]))
            ++at;
        return at;
    }
    qsizetype scalarStart(qsizetype end) const
    {
        while (end > 0 && m_text[end - 1] != ',' && m_text[end - 1] != '[' &&
               !isSpace(m_text[end - 1]))
            --end;
        return end;
    }
    // at: '{' or '['; returns just past its matching bracket.
    qsizetype containerEnd(qsizetype at) const
    {
        int depth = 0;
        for (qsizetype i = at; i < m_text.size(); ++i) {
            const char c = m_text[i];
            if (c == '"') {
                i = stringEnd(i) - 1;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return m_text.size();
    }

private:
    // An odd number of backslashes before position q escapes it.
    bool escaped(qsizetype q) const
    {
        qsizetype n = 0;
        while (q - n > 0 && m_text[q - n - 1] == '\\')
            ++n;
        return n % 2 == 1;
    }

    QByteArrayView m_text;
};
} // namespace

QList<QByteArrayView> JsonArraySpans::split(QByteArrayView text, const QList<Kind>& kinds)
{
    const Cursor cursor(text);
    QList<QByteArrayView> spans(kinds.size());
    if (kinds.isEmpty())
        return spans;
    // Inside the brackets.
    qsizetype front = cursor.skipSpaceForward(0) + 1;
    qsizetype back = cursor.skipSpaceBackward(text.size()) - 1;
    if (front > back)
        return spans;
    qsizetype first = 0;
    qsizetype last = kinds.size() - 1;
    const auto take = [&](qsizetype index, qsizetype from, qsizetype to) {
        if (from >= 0 && from <= to && to <= text.size())
            spans[index] = text.sliced(from, to - from);
    };
    // Strings and scalars at the end, backwards.
    while (last > first && kinds[last] != Kind::Container) {
        const qsizetype end = cursor.skipSpaceBackward(back);
        const qsizetype start =
            kinds[last] == Kind::String ? cursor.stringStart(end) : cursor.scalarStart(end);
        take(last, start, end);
        back = cursor.skipSpaceBackward(start);
        if (back > 0 && text[back - 1] == ',')
            --back;
        --last;
    }
    // Everything else forwards; the last element left ends where the ones behind it start.
    for (; first <= last; ++first) {
        const qsizetype start = cursor.skipSpaceForward(front);
        qsizetype end = 0;
        if (first == last)
            end = cursor.skipSpaceBackward(back);
        else if (kinds[first] == Kind::String)
            end = cursor.stringEnd(start);
        else if (kinds[first] == Kind::Scalar)
            end = cursor.scalarEnd(start);
        else
            end = cursor.containerEnd(start);
        take(first, start, end);
        front = cursor.skipSpaceForward(end);
        if (front < text.size() && text[front] == ',')
            ++front;
    }
    return spans;
}

QByteArrayView JsonArraySpans::member(QByteArrayView text, QByteArrayView key)
{
    const Cursor cursor(text);
    const qsizetype size = text.size();
    qsizetype at = cursor.skipSpaceForward(0);
    if (at >= size || text[at] != '{')
        return {};
    ++at;
    QByteArrayView found;
    for (;;) {
        at = cursor.skipSpaceForward(at);
        if (at >= size || text[at] != '"')
            return found;
        const qsizetype keyEnd = cursor.stringEnd(at);
        if (keyEnd - at < 2)
            return found;
        const QByteArrayView name = text.sliced(at + 1, keyEnd - at - 2);
        at = cursor.skipSpaceForward(keyEnd);
        if (at >= size || text[at] != ':')
            return found;
        at = cursor.skipSpaceForward(at + 1);
        if (at >= size)
            return found;
        const char c = text[at];
        const qsizetype end = c == '"'               ? cursor.stringEnd(at)
                              : c == '{' || c == '[' ? cursor.containerEnd(at)
                                                     : cursor.scalarEnd(at);
        if (name == key)
            found = text.sliced(at, end - at);
        at = cursor.skipSpaceForward(end);
        if (at >= size || text[at] != ',')
            return found;
        ++at;
    }
}

} // namespace ea
