#include "json/JsonView.h"

#include <QLocale>
#include <QVarLengthArray>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <limits>

// Mirrors Qt 6's qjsonparser.cpp and qjsonwriter.cpp where it accepts input: the same number
// grammar and conversions (QByteArray::toLongLong / toDouble), the same strict UTF-8 rules,
// the same key order (bytewise, which is Qt's order for ASCII keys) and the same escaping on
// output. Where Qt is lenient in ways payloads never need (unknown escapes such as "\q", keys
// with escapes or non-ASCII characters, duplicate keys) it declines instead of imitating.

namespace ea {

namespace {

inline bool isWs(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

inline int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// One multi-byte UTF-8 sequence as Qt's decoder takes it (no overlongs, no surrogates, nothing
// above U+10FFFF, non-characters allowed). Returns its length, or 0 if invalid or truncated.
inline int utf8Sequence(const uchar* p, const uchar* end, char32_t* out)
{
    const uchar b = p[0];
    int need = 0;
    char32_t min = 0;
    char32_t uc = 0;
    if (b <= 0xC1) {
        return 0; // a continuation byte, or the lead byte of an overlong form
    } else if (b < 0xE0) {
        need = 2;
        min = 0x80;
        uc = b & 0x1f;
    } else if (b < 0xF0) {
        need = 3;
        min = 0x800;
        uc = b & 0x0f;
    } else if (b < 0xF5) {
        need = 4;
        min = 0x10000;
        uc = b & 0x07;
    } else {
        return 0;
    }
    if (end - p < need)
        return 0;
    for (int i = 1; i < need; ++i) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        uc = (uc << 6) | (p[i] & 0x3f);
    }
    if (uc < min || (uc >= 0xD800 && uc <= 0xDFFF) || uc > 0x10FFFF)
        return 0;
    *out = uc;
    return need;
}

// Qt's convertDoubleTo(): true when v is a whole number that T represents exactly.
template <typename T> bool convertDoubleTo(double v, T* value)
{
    const double supremum = -1.0 * double(std::numeric_limits<T>::min());
    if (!(v >= double(std::numeric_limits<T>::min())) || v >= supremum)
        return false;
    *value = T(v);
    return double(*value) == v;
}

inline char hexDigit(uint u)
{
    return char(u < 0xa ? '0' + u : 'a' + u - 0xa);
}

// qjsonwriter.cpp's escapedString(), appending to out.
void appendEscaped(QStringView s, QByteArray* out)
{
    const char16_t* src = s.utf16();
    const char16_t* const end = src + s.size();
    while (src != end) {
        const char16_t u = *src++;
        if (u < 0x80) {
            if (u < 0x20 || u == 0x22 || u == 0x5c) {
                out->append('\\');
                switch (u) {
                case 0x22:
                    out->append('"');
                    break;
                case 0x5c:
                    out->append('\\');
                    break;
                case 0x8:
                    out->append('b');
                    break;
                case 0xc:
                    out->append('f');
                    break;
                case 0xa:
                    out->append('n');
                    break;
                case 0xd:
                    out->append('r');
                    break;
                case 0x9:
                    out->append('t');
                    break;
                default: {
                    const char esc[] = {'u', '0', '0', hexDigit(u >> 4), hexDigit(u & 0xf)};
                    out->append(esc, sizeof esc);
                }
                }
            } else {
                out->append(char(u));
            }
            continue;
        }
        char buf[4];
        int n = 0;
        if (u < 0x800) {
            buf[n++] = char(0xc0 | (u >> 6));
            buf[n++] = char(0x80 | (u & 0x3f));
        } else if (u < 0xD800 || u > 0xDFFF) {
            buf[n++] = char(0xe0 | (u >> 12));
            buf[n++] = char(0x80 | ((u >> 6) & 0x3f));
            buf[n++] = char(0x80 | (u & 0x3f));
        } else if (u <= 0xDBFF && src != end && *src >= 0xDC00 && *src <= 0xDFFF) {
            const char32_t ucs4 = 0x10000 + ((char32_t(u) - 0xD800) << 10) + (*src++ - 0xDC00);
            buf[n++] = char(0xf0 | ((ucs4 >> 18) & 0x07));
            buf[n++] = char(0x80 | ((ucs4 >> 12) & 0x3f));
            buf[n++] = char(0x80 | ((ucs4 >> 6) & 0x3f));
            buf[n++] = char(0x80 | (ucs4 & 0x3f));
        } else {
            // A lone surrogate cannot be UTF-8: Qt writes the escape sequence.
            const char esc[] = {'\\',
                                'u',
                                hexDigit(u >> 12 & 0xf),
                                hexDigit(u >> 8 & 0xf),
                                hexDigit(u >> 4 & 0xf),
                                hexDigit(u & 0xf)};
            out->append(esc, sizeof esc);
            continue;
        }
        out->append(buf, n);
    }
}

} // namespace

class JsonView::Parser
{
public:
    Parser(const char* begin, const char* end, JsonView* view)
        : m_base(begin), m_p(begin), m_end(end), m_view(view)
    {}

    void skipWs()
    {
        while (m_p < m_end && isWs(*m_p))
            ++m_p;
    }
    bool atEnd() const { return m_p >= m_end; }
    char peek() const { return *m_p; }
    void advance() { ++m_p; }

    // m_p at a value's first byte. depth counts the containers around it.
    bool value(int depth, qint32* out)
    {
        if (m_p >= m_end)
            return false;
        switch (*m_p) {
        case '{':
            return object(depth + 1, out);
        case '[':
            return array(depth + 1, out);
        case '"': {
            Node n;
            n.kind = Kind::String;
            bool plain = false;
            bool ascii = false;
            if (!string(&n.begin, &n.end, &plain, &ascii))
                return false;
            n.plain = plain;
            if (!plain && m_view)
                m_view->m_allPlain = false;
            *out = push(n);
            return true;
        }
        case 'n':
            return literal("null", Kind::Null, out);
        case 't':
            return literal("true", Kind::True, out);
        case 'f':
            return literal("false", Kind::False, out);
        case ',':
        case ']':
        case '}':
            return false;
        default:
            return number(out);
        }
    }

private:
    qint32 push(const Node& n)
    {
        if (!m_view)
            return 0;
        m_view->m_nodes.push_back(n);
        return qint32(m_view->m_nodes.size() - 1);
    }

    bool literal(const char* word, Kind kind, qint32* out)
    {
        const size_t len = std::strlen(word);
        if (size_t(m_end - m_p) < len || std::memcmp(m_p, word, len) != 0)
            return false;
        Node n;
        n.kind = kind;
        n.begin = qint32(m_p - m_base);
        m_p += len;
        n.end = qint32(m_p - m_base);
        *out = push(n);
        return true;
    }

    // m_p at the opening quote; on success just past the closing one. plain: no escapes and no
    // control characters, so the bytes are what Qt's writer puts out.
    bool string(qint32* begin, qint32* end, bool* plain, bool* ascii)
    {
        ++m_p;
        const char* start = m_p;
        bool isPlain = true;
        bool isAscii = true;
        for (;;) {
#if defined(__SSE2__)
            // Sixteen bytes at a time past ordinary ASCII: stop at a quote, a backslash, a
            // control character or a non-ASCII byte (the last two are negative or below 0x20
            // as signed bytes).
            while (m_end - m_p >= 16) {
                const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(m_p));
                const __m128i special =
                    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                 _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
                const int mask = _mm_movemask_epi8(special);
                if (mask != 0) {
                    m_p += __builtin_ctz(unsigned(mask));
                    break;
                }
                m_p += 16;
            }
#endif
            if (m_p >= m_end)
                return false;
            const uchar c = uchar(*m_p);
            if (c == '"')
                break;
            if (c == '\\') {
                isPlain = false;
                isAscii = false;
                if (++m_p >= m_end)
                    return false;
                switch (*m_p++) {
                case '"':
                case '\\':
                case '/':
                case 'b':
                case 'f':
                case 'n':
                case 'r':
                case 't':
                    break;
                case 'u':
                    if (m_end - m_p < 4)
                        return false;
                    for (int i = 0; i < 4; ++i) {
                        if (hexValue(m_p[i]) < 0)
                            return false;
                    }
                    m_p += 4;
                    break;
                default:
                    return false; // Qt takes "\q" as "q"; no payload needs that
                }
                continue;
            }
            if (c < 0x20) {
                isPlain = false; // Qt accepts raw control characters and writes them escaped
                ++m_p;
                continue;
            }
            if (c < 0x80) {
                ++m_p;
                continue;
            }
            char32_t uc = 0;
            const int n = utf8Sequence(reinterpret_cast<const uchar*>(m_p),
                                       reinterpret_cast<const uchar*>(m_end), &uc);
            if (n == 0)
                return false;
            isAscii = false;
            m_p += n;
        }
        *begin = qint32(start - m_base);
        *end = qint32(m_p - m_base);
        ++m_p;
        *plain = isPlain;
        *ascii = isAscii;
        return true;
    }

    // Qt's parseNumber(): its lenient scan, then its conversions decide.
    bool number(qint32* out)
    {
        const char* start = m_p;
        bool isInt = true;
        if (m_p < m_end && *m_p == '-')
            ++m_p;
        if (m_p < m_end && *m_p == '0') {
            ++m_p;
        } else {
            while (m_p < m_end && isDigit(*m_p))
                ++m_p;
        }
        if (m_p < m_end && *m_p == '.') {
            ++m_p;
            while (m_p < m_end && isDigit(*m_p)) {
                isInt = isInt && *m_p == '0';
                ++m_p;
            }
        }
        if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
            isInt = false;
            ++m_p;
            if (m_p < m_end && (*m_p == '-' || *m_p == '+'))
                ++m_p;
            while (m_p < m_end && isDigit(*m_p))
                ++m_p;
        }
        if (m_p >= m_end)
            return false;
        const qsizetype len = m_p - start;
        Node n;
        n.kind = Kind::Number;
        n.begin = qint32(start - m_base);
        n.end = qint32(m_p - m_base);

        // The common case: a plain integer of at most 18 digits, written back as it came.
        const bool negative = len > 0 && start[0] == '-';
        const qsizetype digits = len - (negative ? 1 : 0);
        if (digits >= 1 && digits <= 18) {
            const char* d = start + (negative ? 1 : 0);
            bool allDigits = true;
            qint64 v = 0;
            for (qsizetype i = 0; i < digits; ++i) {
                if (!isDigit(d[i])) {
                    allDigits = false;
                    break;
                }
                v = v * 10 + (d[i] - '0');
            }
            if (allDigits && (digits == 1 || d[0] != '0')) {
                n.integer = true;
                n.intValue = negative ? -v : v;
                n.plain = !(negative && v == 0); // "-0" is written "0"
                if (!n.plain && m_view)
                    m_view->m_allPlain = false;
                *out = push(n);
                return true;
            }
        }
        if (m_view)
            m_view->m_allPlain = false;
        const QByteArray text = QByteArray::fromRawData(start, len);
        if (isInt) {
            bool ok = false;
            const qlonglong v = text.toLongLong(&ok);
            if (ok) {
                n.integer = true;
                n.intValue = v;
                *out = push(n);
                return true;
            }
        }
        bool ok = false;
        const double d = text.toDouble(&ok);
        if (!ok)
            return false;
        qint64 asInt = 0;
        if (convertDoubleTo(d, &asInt)) {
            n.integer = true;
            n.intValue = asInt;
        } else {
            n.doubleValue = d;
        }
        *out = push(n);
        return true;
    }

    bool object(int depth, qint32* out)
    {
        if (depth > MaxDepth)
            return false;
        if (m_view && depth > m_view->m_depth)
            m_view->m_depth = depth;
        Node self;
        self.kind = Kind::Object;
        self.begin = qint32(m_p - m_base);
        const qint32 index = push(self);
        ++m_p;
        QVarLengthArray<qint32, 24> members;
        skipWs();
        if (m_p < m_end && *m_p == '}') {
            ++m_p;
        } else {
            for (;;) {
                if (m_p >= m_end || *m_p != '"')
                    return false;
                qint32 keyBegin = 0;
                qint32 keyEnd = 0;
                bool plain = false;
                bool ascii = false;
                if (!string(&keyBegin, &keyEnd, &plain, &ascii) || !plain || !ascii)
                    return false;
                skipWs();
                if (m_p >= m_end || *m_p != ':')
                    return false;
                ++m_p;
                skipWs();
                qint32 child = 0;
                if (!value(depth, &child))
                    return false;
                if (m_view) {
                    Node& c = m_view->m_nodes[size_t(child)];
                    c.keyBegin = keyBegin;
                    c.keyEnd = keyEnd;
                    members.append(child);
                }
                skipWs();
                if (m_p >= m_end)
                    return false;
                if (*m_p == ',') {
                    ++m_p;
                    skipWs();
                    continue;
                }
                if (*m_p == '}') {
                    ++m_p;
                    break;
                }
                return false;
            }
        }
        if (m_view) {
            const auto keyOf = [this](qint32 node) {
                const Node& n = m_view->m_nodes[size_t(node)];
                return QByteArrayView(m_base + n.keyBegin, n.keyEnd - n.keyBegin);
            };
            // Insertion sort: objects are small, and often sorted already.
            for (qsizetype i = 1; i < members.size(); ++i) {
                const qint32 m = members[i];
                const QByteArrayView k = keyOf(m);
                qsizetype j = i;
                while (j > 0) {
                    const int cmp = keyOf(members[j - 1]).compare(k);
                    if (cmp == 0)
                        return false; // Qt keeps the last of duplicate keys; leave that to Qt
                    if (cmp < 0)
                        break;
                    members[j] = members[j - 1];
                    --j;
                }
                members[j] = m;
            }
            Node& me = m_view->m_nodes[size_t(index)];
            me.children = qint32(m_view->m_children.size());
            me.count = qint32(members.size());
            me.end = qint32(m_p - m_base);
            m_view->m_children.insert(m_view->m_children.end(), members.begin(), members.end());
        }
        *out = index;
        return true;
    }

    bool array(int depth, qint32* out)
    {
        if (depth > MaxDepth)
            return false;
        if (m_view && depth > m_view->m_depth)
            m_view->m_depth = depth;
        Node self;
        self.kind = Kind::Array;
        self.begin = qint32(m_p - m_base);
        const qint32 index = push(self);
        ++m_p;
        QVarLengthArray<qint32, 24> elements;
        skipWs();
        if (m_p < m_end && *m_p == ']') {
            ++m_p;
        } else {
            for (;;) {
                qint32 child = 0;
                if (!value(depth, &child))
                    return false;
                if (m_view)
                    elements.append(child);
                skipWs();
                if (m_p >= m_end)
                    return false;
                if (*m_p == ',') {
                    ++m_p;
                    skipWs();
                    continue;
                }
                if (*m_p == ']') {
                    ++m_p;
                    break;
                }
                return false;
            }
        }
        if (m_view) {
            Node& me = m_view->m_nodes[size_t(index)];
            me.children = qint32(m_view->m_children.size());
            me.count = qint32(elements.size());
            me.end = qint32(m_p - m_base);
            m_view->m_children.insert(m_view->m_children.end(), elements.begin(), elements.end());
        }
        *out = index;
        return true;
    }

    const char* m_base;
    const char* m_p;
    const char* m_end;
    JsonView* m_view; // null: validate only
};

bool JsonView::parse(QByteArrayView text)
{
    m_nodes.clear();
    m_children.clear();
    m_depth = 0;
    m_allPlain = true;
    m_text = text.data();
    if (text.size() >= std::numeric_limits<qint32>::max())
        return false;
    m_nodes.reserve(64);
    m_children.reserve(64);
    Parser p(text.data(), text.data() + text.size(), this);
    p.skipWs();
    if (p.atEnd() || (p.peek() != '{' && p.peek() != '['))
        return false;
    qint32 root = 0;
    if (!p.value(0, &root))
        return false;
    p.skipWs();
    return p.atEnd();
}

bool JsonView::isValidArrayContent(QByteArrayView text)
{
    Parser p(text.data(), text.data() + text.size(), nullptr);
    p.skipWs();
    if (p.atEnd())
        return false;
    for (;;) {
        qint32 ignored = 0;
        if (!p.value(1, &ignored)) // inside the wrapping array
            return false;
        p.skipWs();
        if (p.atEnd())
            return true;
        if (p.peek() != ',')
            return false;
        p.advance();
        p.skipWs();
    }
}

int JsonView::member(int object, QLatin1String key) const
{
    if (object < 0 || kind(object) != Kind::Object)
        return -1;
    const Node& o = m_nodes[size_t(object)];
    const QByteArrayView wanted(key.data(), key.size());
    if (o.count <= 16) {
        // Length and first byte first: most keys differ there, and most lookups miss.
        const qint32 len = qint32(wanted.size());
        const char first = len > 0 ? wanted.front() : 0;
        for (qint32 i = 0; i < o.count; ++i) {
            const qint32 c = m_children[size_t(o.children + i)];
            const Node& n = m_nodes[size_t(c)];
            if (n.keyEnd - n.keyBegin != len || (len > 0 && m_text[n.keyBegin] != first))
                continue;
            if (std::memcmp(m_text + n.keyBegin, wanted.data(), size_t(len)) == 0)
                return c;
        }
        return -1;
    }
    qint32 lo = 0;
    qint32 hi = o.count;
    while (lo < hi) {
        const qint32 mid = (lo + hi) / 2;
        const Node& c = m_nodes[size_t(m_children[size_t(o.children + mid)])];
        const QByteArrayView k(m_text + c.keyBegin, c.keyEnd - c.keyBegin);
        const int cmp = k.compare(wanted);
        if (cmp == 0)
            return m_children[size_t(o.children + mid)];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int JsonView::childCount(int node) const
{
    const Kind k = kind(node);
    return k == Kind::Object || k == Kind::Array ? m_nodes[size_t(node)].count : 0;
}

int JsonView::child(int node, int i) const
{
    return m_children[size_t(m_nodes[size_t(node)].children + i)];
}

QByteArrayView JsonView::key(int member) const
{
    const Node& n = m_nodes[size_t(member)];
    return QByteArrayView(m_text + n.keyBegin, n.keyEnd - n.keyBegin);
}

QByteArrayView JsonView::text(int node) const
{
    const Node& n = m_nodes[size_t(node)];
    if (n.kind == Kind::String)
        return QByteArrayView(m_text + n.begin - 1, n.end - n.begin + 2);
    return QByteArrayView(m_text + n.begin, n.end - n.begin);
}

bool JsonView::isEmptyString(int node) const
{
    const Node& n = m_nodes[size_t(node)];
    return n.kind == Kind::String && n.begin == n.end;
}

QString JsonView::string(int node) const
{
    if (node < 0 || kind(node) != Kind::String)
        return QString();
    const Node& n = m_nodes[size_t(node)];
    const char* p = m_text + n.begin;
    const char* const end = m_text + n.end;
    if (n.plain)
        return QString::fromUtf8(p, end - p);
    // qjsonparser.cpp's second pass: escapes become UTF-16 units as they are (lone surrogates
    // included), everything else is decoded from UTF-8.
    QString out;
    out.reserve(end - p);
    while (p < end) {
        const uchar c = uchar(*p);
        if (c == '\\') {
            const char e = p[1];
            p += 2;
            switch (e) {
            case 'b':
                out.append(QChar(0x8));
                break;
            case 'f':
                out.append(QChar(0xc));
                break;
            case 'n':
                out.append(QChar(0xa));
                break;
            case 'r':
                out.append(QChar(0xd));
                break;
            case 't':
                out.append(QChar(0x9));
                break;
            case 'u': {
                char16_t u = 0;
                for (int i = 0; i < 4; ++i)
                    u = char16_t((u << 4) | hexValue(p[i]));
                p += 4;
                out.append(QChar(u));
                break;
            }
            default: // '"', '\\', '/'
                out.append(QLatin1Char(e));
                break;
            }
        } else if (c < 0x80) {
            out.append(QLatin1Char(char(c)));
            ++p;
        } else {
            char32_t uc = 0;
            const int len = utf8Sequence(reinterpret_cast<const uchar*>(p),
                                         reinterpret_cast<const uchar*>(end), &uc);
            p += len; // validated by parse()
            if (uc < 0x10000) {
                out.append(QChar(char16_t(uc)));
            } else {
                out.append(QChar(char16_t(0xD800 + ((uc - 0x10000) >> 10))));
                out.append(QChar(char16_t(0xDC00 + ((uc - 0x10000) & 0x3ff))));
            }
        }
    }
    return out;
}

double JsonView::toDouble(int node, double defaultValue) const
{
    if (node < 0 || kind(node) != Kind::Number)
        return defaultValue;
    const Node& n = m_nodes[size_t(node)];
    return n.integer ? double(n.intValue) : n.doubleValue;
}

int JsonView::toInt(int node, int defaultValue) const
{
    if (node < 0 || kind(node) != Kind::Number)
        return defaultValue;
    const Node& n = m_nodes[size_t(node)];
    if (n.integer)
        return qint64(int(n.intValue)) == n.intValue ? int(n.intValue) : defaultValue;
    int v = 0;
    return convertDoubleTo(n.doubleValue, &v) ? v : defaultValue;
}

bool JsonView::toBool(int node, bool defaultValue) const
{
    if (node < 0)
        return defaultValue;
    const Kind k = kind(node);
    return k == Kind::True ? true : k == Kind::False ? false : defaultValue;
}

void JsonView::appendString(QStringView s, QByteArray* out)
{
    out->append('"');
    appendEscaped(s, out);
    out->append('"');
}

QByteArray JsonView::canonical() const
{
    QByteArray out;
    writeCanonical(&out);
    return out;
}

void JsonView::writeCanonical(QByteArray* out) const
{
    if (m_nodes.empty())
        return;
    if (!m_allPlain) {
        write(root(), out);
        return;
    }
    // Every string and number is written as it came: the output is the input without its
    // whitespace and with members in key order, so it fits in the input's length.
    const qsizetype before = out->size();
    out->resize(before + (m_nodes.front().end - m_nodes.front().begin));
    char* const start = out->data() + before;
    char* const end = writePlain(root(), start);
    out->truncate(before + (end - start));
}

char* JsonView::writePlain(int index, char* p) const
{
    const Node& n = m_nodes[size_t(index)];
    switch (n.kind) {
    case Kind::Null:
        std::memcpy(p, "null", 4);
        return p + 4;
    case Kind::True:
        std::memcpy(p, "true", 4);
        return p + 4;
    case Kind::False:
        std::memcpy(p, "false", 5);
        return p + 5;
    case Kind::Number:
        std::memcpy(p, m_text + n.begin, size_t(n.end - n.begin));
        return p + (n.end - n.begin);
    case Kind::String:
        *p++ = '"';
        std::memcpy(p, m_text + n.begin, size_t(n.end - n.begin));
        p += n.end - n.begin;
        *p++ = '"';
        return p;
    case Kind::Array:
        *p++ = '[';
        for (qint32 i = 0; i < n.count; ++i) {
            if (i)
                *p++ = ',';
            p = writePlain(m_children[size_t(n.children + i)], p);
        }
        *p++ = ']';
        return p;
    case Kind::Object:
        *p++ = '{';
        for (qint32 i = 0; i < n.count; ++i) {
            const qint32 c = m_children[size_t(n.children + i)];
            const Node& m = m_nodes[size_t(c)];
            if (i)
                *p++ = ',';
            *p++ = '"';
            std::memcpy(p, m_text + m.keyBegin, size_t(m.keyEnd - m.keyBegin));
            p += m.keyEnd - m.keyBegin;
            *p++ = '"';
            *p++ = ':';
            p = writePlain(c, p);
        }
        *p++ = '}';
        return p;
    }
    return p;
}

void JsonView::write(int index, QByteArray* out) const
{
    const Node& n = m_nodes[size_t(index)];
    switch (n.kind) {
    case Kind::Null:
        out->append("null", 4);
        return;
    case Kind::True:
        out->append("true", 4);
        return;
    case Kind::False:
        out->append("false", 5);
        return;
    case Kind::Number:
        if (n.plain)
            out->append(m_text + n.begin, n.end - n.begin);
        else if (n.integer)
            out->append(QByteArray::number(n.intValue));
        else
            out->append(QByteArray::number(n.doubleValue, 'g', QLocale::FloatingPointShortest));
        return;
    case Kind::String:
        out->append('"');
        if (n.plain)
            out->append(m_text + n.begin, n.end - n.begin);
        else
            appendEscaped(string(index), out);
        out->append('"');
        return;
    case Kind::Array:
        out->append('[');
        for (qint32 i = 0; i < n.count; ++i) {
            if (i)
                out->append(',');
            write(m_children[size_t(n.children + i)], out);
        }
        out->append(']');
        return;
    case Kind::Object:
        out->append('{');
        for (qint32 i = 0; i < n.count; ++i) {
            const qint32 c = m_children[size_t(n.children + i)];
            const Node& m = m_nodes[size_t(c)];
            if (i)
                out->append(',');
            out->append('"');
            out->append(m_text + m.keyBegin, m.keyEnd - m.keyBegin);
            out->append("\":", 2);
            write(c, out);
        }
        out->append('}');
        return;
    }
}

} // namespace ea
