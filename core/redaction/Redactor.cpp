#include "redaction/Redactor.h"

#include <QLatin1StringView>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ea {

Q_LOGGING_CATEGORY(lcRedaction, "ea.redaction")

namespace {

struct CompiledRule
{
    QString name;
    QString label;
    QRegularExpression re;
    QList<int> secretGroups; // "secret", "secret2", "secret3" when the pattern has them
    quint64 anchors = 0;     // bits of Compiled::words, one of which must occur; 0: always tried
};

QRegularExpression keyExpression(const QStringList& globs)
{
    QStringList parts;
    for (const QString& g : globs) {
        QString p;
        for (const QChar c : g.trimmed()) {
            if (c == u'*')
                p += QStringLiteral(".*");
            else if (c == u'?')
                p += QLatin1Char('.');
            else
                p += QRegularExpression::escape(QString(c));
        }
        parts.append(p);
    }
    return QRegularExpression(QStringLiteral("^(?:%1)$").arg(parts.join(QLatin1Char('|'))),
                              QRegularExpression::CaseInsensitiveOption |
                                  QRegularExpression::DotMatchesEverythingOption);
}

// Text folded for the anchor search: ASCII lowered, every other unit a byte no anchor holds.
// Anchors are ASCII words, so a search in this is a case-insensitive search in the text.
std::string_view folded(QByteArrayView raw)
{
    thread_local std::string buf;
    buf.resize(size_t(raw.size()));
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(raw[i]);
        buf[size_t(i)] = char(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return buf;
}

std::string_view folded(QStringView text)
{
    thread_local std::string buf;
    buf.resize(size_t(text.size()));
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        buf[size_t(i)] = char(c >= 'A' && c <= 'Z' ? c + 32 : c < 0x80 ? c : 0x80);
    }
    return buf;
}

QString withoutLoneSurrogates(const QString& text)
{
    QString out;
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < n &&
            QChar::isLowSurrogate(text[i + 1].unicode())) {
            ++i;
            continue;
        }
        if (QChar::isSurrogate(c)) {
            if (out.isNull())
                out = text;
            out[i] = QChar(QChar::ReplacementCharacter);
        }
    }
    return out.isNull() ? text : out;
}

struct Span
{
    qsizetype start;
    qsizetype end;
    int rule;
};

// JSON string body (between the quotes) to text.
QString unescape(QByteArrayView raw)
{
    if (!raw.contains('\\'))
        return QString::fromUtf8(raw);
    QString out;
    out.reserve(raw.size());
    qsizetype i = 0;
    const qsizetype n = raw.size();
    while (i < n) {
        qsizetype j = i;
        while (j < n && raw[j] != '\\')
            ++j;
        out += QString::fromUtf8(raw.sliced(i, j - i));
        if (j >= n)
            break;
        if (j + 1 >= n) { // a lone backslash at the end: kept as it is
            out += QLatin1Char('\\');
            break;
        }
        const char e = raw[j + 1];
        i = j + 2;
        switch (e) {
        case 'n':
            out += QLatin1Char('\n');
            break;
        case 't':
            out += QLatin1Char('\t');
            break;
        case 'r':
            out += QLatin1Char('\r');
            break;
        case 'b':
            out += QLatin1Char('\b');
            break;
        case 'f':
            out += QLatin1Char('\f');
            break;
        case 'u': {
            bool ok = false;
            const ushort u =
                j + 6 <= n ? QByteArray(raw.sliced(j + 2, 4).data(), 4).toUShort(&ok, 16) : 0;
            if (ok) {
                out += QChar(u);
                i = j + 6;
            } else {
                out += QLatin1String("\\u");
            }
            break;
        }
        default: // \" \\ \/ and anything invalid: the character itself
            out += QLatin1Char(e);
            break;
        }
    }
    return out;
}

// Text as the body of a JSON string; unpaired surrogates stay escaped, as they came.
void appendEscaped(QByteArray* out, QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const auto escapeUnit = [out](char16_t u) {
        out->append("\\u");
        out->append(hex[(u >> 12) & 0xf]);
        out->append(hex[(u >> 8) & 0xf]);
        out->append(hex[(u >> 4) & 0xf]);
        out->append(hex[u & 0xf]);
    };
    qsizetype plain = 0; // start of the run not yet written
    const auto flush = [&](qsizetype upTo) {
        if (upTo > plain)
            out->append(text.mid(plain, upTo - plain).toUtf8());
    };
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text[i].unicode();
        const char* esc = nullptr;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            break;
        }
        if (esc) {
            flush(i);
            out->append(esc);
            plain = i + 1;
        } else if (c < 0x20) {
            flush(i);
            escapeUnit(c);
            plain = i + 1;
        } else if (QChar::isHighSurrogate(c)) {
            if (i + 1 < n && QChar::isLowSurrogate(text[i + 1].unicode())) {
                ++i;
                continue;
            }
            flush(i);
            escapeUnit(c);
            plain = i + 1;
        } else if (QChar::isLowSurrogate(c)) {
            flush(i);
            escapeUnit(c);
            plain = i + 1;
        }
    }
    flush(n);
}

} // namespace

struct Redactor::Compiled
{
    RedactionRules rules;
    QList<CompiledRule> text; // pattern rules, in order
    QList<CompiledRule> keys; // key-name rules (re: the names)
    // The rules' anchor words, lowered; a rule's bits say which are its own.
    std::vector<std::string> words;
    quint64 textAnchors = 0; // union of the text rules' bits
    bool anyUnanchoredText = false;
    quint64 keyAnchors = 0; // of the key rules; 0 when one of them has none
    QSet<QString> labels;

    // Word indices by their first byte: the search reads the text once.
    std::array<std::vector<quint8>, 256> byFirstByte;

    // The bits of the words that occur in the folded text.
    quint64 present(std::string_view text) const
    {
        quint64 bits = 0;
        const size_t n = text.size();
        for (size_t i = 0; i < n; ++i) {
            const std::vector<quint8>& candidates =
                byFirstByte[static_cast<unsigned char>(text[i])];
            for (const quint8 w : candidates) {
                const std::string& word = words[w];
                if ((bits & (quint64(1) << w)) == 0 && n - i >= word.size() &&
                    text.compare(i, word.size(), word) == 0)
                    bits |= quint64(1) << w;
            }
        }
        return bits;
    }

    static bool tried(const CompiledRule& rule, quint64 present)
    {
        return rule.anchors == 0 || (rule.anchors & present) != 0;
    }

    quint64 anchorBits(const QStringList& anchors)
    {
        quint64 bits = 0;
        for (const QString& a : anchors) {
            const std::string word = a.toLower().toStdString();
            if (word.empty())
                continue;
            auto it = std::find(words.begin(), words.end(), word);
            if (it == words.end()) {
                if (words.size() >= 64)
                    return 0; // more words than bits: tried always
                it = words.insert(words.end(), word);
                byFirstByte[static_cast<unsigned char>(word.front())].push_back(
                    quint8(words.size() - 1));
            }
            bits |= quint64(1) << (it - words.begin());
        }
        return bits;
    }

    // Finds what the text rules claim in `text`; merges overlaps into the first claim.
    std::vector<Span> find(const QString& text) const
    {
        // PCRE2 refuses to match in invalid UTF-16: one unpaired surrogate (JSON allows
        // "\ud800") would hide every secret beside it. Matched in a copy where each is U+FFFD,
        // the same length, so the spans fit the original.
        const QString s = withoutLoneSurrogates(text);
        const quint64 found = present(folded(QStringView(s)));
        std::vector<Span> spans;
        for (int r = 0; r < this->text.size(); ++r) {
            const CompiledRule& rule = this->text.at(r);
            if (!tried(rule, found))
                continue;
            QRegularExpressionMatchIterator it = rule.re.globalMatch(s);
            while (it.hasNext()) {
                const QRegularExpressionMatch m = it.next();
                qsizetype start = m.capturedStart(0), end = m.capturedEnd(0);
                for (const int g : rule.secretGroups) {
                    if (m.capturedStart(g) >= 0) {
                        start = m.capturedStart(g);
                        end = m.capturedEnd(g);
                        break;
                    }
                }
                if (end <= start || labels.contains(s.mid(start, end - start)))
                    continue;
                claim(&spans, Span{start, end, r});
            }
        }
        return spans;
    }

    static void claim(std::vector<Span>* spans, Span add)
    {
        auto first = std::lower_bound(spans->begin(), spans->end(), add.start,
                                      [](const Span& s, qsizetype pos) { return s.end <= pos; });
        if (first == spans->end() || first->start >= add.end) {
            spans->insert(first, add); // overlaps nothing
            return;
        }
        // Overlaps [first, last): one span covering all of them, named by the first claim.
        auto last = first;
        Span merged = *first;
        int earliest = first->rule;
        while (last != spans->end() && last->start < add.end) {
            merged.start = std::min(merged.start, last->start);
            merged.end = std::max(merged.end, last->end);
            earliest = std::min(earliest, last->rule);
            ++last;
        }
        merged.start = std::min(merged.start, add.start);
        merged.end = std::max(merged.end, add.end);
        merged.rule = earliest;
        first = spans->erase(first, last);
        spans->insert(first, merged);
    }

    // `s` with every claimed span replaced; counts and, when kept, findings.
    QString apply(const QString& s, const std::vector<Span>& spans, RedactionManifest* manifest,
                  const std::function<QString(qsizetype)>& locate) const
    {
        QString out;
        out.reserve(s.size());
        qsizetype at = 0;
        struct Placed
        {
            qsizetype pos;
            qsizetype len;
            const Span* span;
        };
        QList<Placed> placed;
        for (const Span& sp : spans) {
            out += QStringView(s).mid(at, sp.start - at);
            const QString& label = text.at(sp.rule).label;
            placed.append({out.size(), label.size(), &sp});
            out += label;
            at = sp.end;
        }
        out += QStringView(s).mid(at);
        if (manifest) {
            for (const Span& sp : spans)
                manifest->count(text.at(sp.rule).name);
            if (manifest->keepsFindings()) {
                for (const Placed& p : placed) {
                    const qsizetype from = std::max<qsizetype>(0, p.pos - 30);
                    manifest->addFinding({text.at(p.span->rule).name, locate(p.span->start),
                                          out.mid(from, p.pos - from + p.len + 30),
                                          p.span->end - p.span->start});
                }
            }
        }
        return out;
    }

    // The first key rule naming `key`, or -1.
    int keyRuleFor(QByteArrayView rawKey) const
    {
        if (keys.isEmpty())
            return -1;
        const bool escaped = rawKey.contains('\\');
        if (!escaped && keyAnchors != 0 && (present(folded(rawKey)) & keyAnchors) == 0)
            return -1;
        const QString key = unescape(rawKey);
        const quint64 found = present(folded(QStringView(key)));
        for (int k = 0; k < keys.size(); ++k)
            if (tried(keys.at(k), found) && keys.at(k).re.match(key).hasMatch())
                return k;
        return -1;
    }
};

Redactor::Redactor(RedactionRules rules)
{
    auto c = std::make_shared<Compiled>();
    c->rules = std::move(rules);
    bool keyAnchored = true;
    for (const RedactionRule& r : c->rules.all()) {
        CompiledRule cr;
        cr.name = r.name;
        cr.label = r.label();
        cr.anchors = c->anchorBits(r.anchors);
        c->labels.insert(cr.label);
        if (!r.keys.isEmpty()) {
            cr.re = keyExpression(r.keys);
            cr.re.optimize();
            keyAnchored = keyAnchored && cr.anchors != 0;
            c->keyAnchors |= cr.anchors;
            c->keys.append(cr);
            continue;
        }
        cr.re = QRegularExpression(r.pattern);
        if (!cr.re.isValid()) {
            // Configurations are checked when read (RedactionRule::problem); a rule that still
            // does not compile is skipped, loudly.
            qCWarning(lcRedaction).noquote()
                << "redaction rule" << r.name << "skipped:" << cr.re.errorString();
            continue;
        }
        cr.re.optimize();
        const QStringList names = cr.re.namedCaptureGroups();
        for (const char* g : {"secret", "secret2", "secret3"}) {
            const int i = int(names.indexOf(QLatin1String(g)));
            if (i > 0)
                cr.secretGroups.append(i);
        }
        c->anyUnanchoredText = c->anyUnanchoredText || cr.anchors == 0;
        c->textAnchors |= cr.anchors;
        c->text.append(cr);
    }
    if (!keyAnchored)
        c->keyAnchors = 0;
    d = std::move(c);
}

Redactor::~Redactor() = default;
Redactor::Redactor(const Redactor&) = default;
Redactor& Redactor::operator=(const Redactor&) = default;

const RedactionRules& Redactor::rules() const
{
    return d->rules;
}

QString Redactor::redactText(QStringView text, RedactionManifest* manifest) const
{
    const QString s = text.toString();
    const std::vector<Span> spans = d->find(s);
    if (spans.empty())
        return s;
    return d->apply(s, spans, manifest, [&s](qsizetype pos) {
        return QStringLiteral("line %1").arg(QStringView(s).left(pos).count(u'\n') + 1);
    });
}

namespace {
// Where the scanner is: one entry per open object or array.
struct Level
{
    bool object = false;
    bool expectKey = false; // object: the next string is a member name
    QByteArrayView key;     // object: the current member's name, raw
    qsizetype index = 0;    // array: the current element
    int keyRule = -1;       // a key rule covers every string below this level
};

QString pathOf(const std::vector<Level>& stack)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    QString p = QStringLiteral("$");
    for (const Level& l : stack) {
        if (l.object) {
            const QString k = unescape(l.key);
            if (plain.match(k).hasMatch())
                p += QLatin1Char('.') + k;
            else
                p += QStringLiteral("[\"%1\"]").arg(k);
        } else {
            p += QStringLiteral("[%1]").arg(l.index);
        }
    }
    return p;
}

// Bytes between strings that valid JSON could hold there: structure, numbers and literals.
bool isJsonGap(QByteArrayView gap)
{
    for (const char c : gap)
        if (!QByteArrayView(" \t\r\n0123456789.eE+-truefalsn").contains(c))
            return false;
    return true;
}
} // namespace

QByteArray Redactor::redactJson(QByteArrayView json, RedactionManifest* manifest) const
{
    const Compiled& c = *d;
    QByteArray out; // reserved at the first change: most documents have none
    std::vector<Level> stack;
    const qsizetype n = json.size();
    qsizetype copied = 0; // json[0, copied) is in out
    qsizetype gapStart = 0;
    const bool keepFindings = manifest && manifest->keepsFindings();

    // Text between tokens that is not JSON (only in invalid input) is scanned as text.
    const auto endGap = [&](qsizetype gapEnd) {
        // An unterminated string runs to the end: its gap starts past it.
        if (gapEnd <= gapStart)
            return;
        const QByteArrayView gap = json.sliced(gapStart, gapEnd - gapStart);
        if (gap.isEmpty() || isJsonGap(gap))
            return;
        const QString s = QString::fromUtf8(gap);
        const std::vector<Span> spans = c.find(s);
        if (spans.empty())
            return;
        if (out.isEmpty())
            out.reserve(json.size() + 64);
        out.append(json.sliced(copied, gapStart - copied));
        out.append(c.apply(s, spans, manifest, [&](qsizetype) { return pathOf(stack); }).toUtf8());
        copied = gapEnd;
    };
    // The value now starting: under which key rule (-1: none).
    const auto valueRule = [&]() -> int {
        if (stack.empty())
            return -1;
        const Level& top = stack.back();
        if (top.keyRule >= 0 && !top.object)
            return top.keyRule;
        if (top.object) {
            if (top.keyRule >= 0)
                return top.keyRule;
            return c.keyRuleFor(top.key);
        }
        return -1;
    };

    qsizetype i = 0;
    while (i < n) {
        const char ch = json[i];
        if (ch == '"') {
            endGap(i);
            qsizetype j = i + 1;
            bool escaped = false;
            while (j < n && json[j] != '"') {
                if (json[j] == '\\') {
                    escaped = true;
                    ++j;
                }
                ++j;
            }
            const qsizetype bodyEnd = std::min(j, n);
            const QByteArrayView raw = json.sliced(i + 1, bodyEnd - i - 1);
            const bool isKey = !stack.empty() && stack.back().object && stack.back().expectKey;
            const int keyRule = isKey ? -1 : valueRule();
            QString replaced;
            bool changed = false;
            if (keyRule >= 0) {
                const QString value = unescape(raw);
                if (!value.isEmpty() && !c.labels.contains(value)) {
                    const CompiledRule& k = c.keys.at(keyRule);
                    replaced = k.label;
                    changed = true;
                    if (manifest) {
                        manifest->count(k.name);
                        if (keepFindings)
                            manifest->addFinding({k.name, pathOf(stack), k.label, value.size()});
                    }
                }
            } else if (c.anyUnanchoredText || escaped ||
                       (c.present(folded(raw)) & c.textAnchors) != 0) {
                const QString value = unescape(raw);
                const std::vector<Span> spans = c.find(value);
                if (!spans.empty()) {
                    if (isKey)
                        stack.back().key = raw; // the path names the member as it was
                    replaced = c.apply(value, spans, manifest, [&](qsizetype) {
                        QString p = pathOf(stack);
                        if (isKey)
                            p += QStringLiteral(" (member name)");
                        return p;
                    });
                    changed = true;
                }
            }
            if (changed) {
                if (out.isEmpty())
                    out.reserve(json.size() + 64);
                out.append(json.sliced(copied, i - copied));
                out.append('"');
                appendEscaped(&out, replaced);
                if (j < n)
                    out.append('"');
                copied = std::min(j + 1, n);
            }
            if (isKey) {
                stack.back().key = raw;
                stack.back().expectKey = false;
            }
            i = j + 1;
            gapStart = i;
            continue;
        }
        if (ch == '{' || ch == '[' || ch == '}' || ch == ']' || ch == ':' || ch == ',') {
            endGap(i);
            gapStart = i + 1;
        }
        switch (ch) {
        case '{':
        case '[': {
            const int rule = valueRule();
            Level l;
            l.object = ch == '{';
            l.expectKey = l.object;
            l.keyRule = rule;
            stack.push_back(l);
            break;
        }
        case '}':
        case ']':
            if (!stack.empty())
                stack.pop_back();
            break;
        case ',':
            if (!stack.empty()) {
                if (stack.back().object)
                    stack.back().expectKey = true;
                else
                    ++stack.back().index;
            }
            break;
        default:
            break;
        }
        ++i;
    }
    endGap(n);
    if (copied == 0)
        return json.toByteArray();
    out.append(json.sliced(copied));
    return out;
}

} // namespace ea
