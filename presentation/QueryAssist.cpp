#include "presentation/QueryAssist.h"

#include <algorithm>

namespace ea {

namespace {
// Where each whitespace-separated word of `text` starts and ends; a quoted part ("two words")
// stays inside its word.
struct Span
{
    int start;
    int end;
};

QList<Span> words(const QString& text)
{
    QList<Span> out;
    int i = 0;
    const int n = int(text.size());
    while (i < n) {
        while (i < n && text.at(i).isSpace())
            ++i;
        if (i >= n)
            break;
        const int start = i;
        bool quoted = false;
        while (i < n && (quoted || !text.at(i).isSpace())) {
            if (text.at(i) == QLatin1Char('"'))
                quoted = !quoted;
            ++i;
        }
        out.append({start, i});
    }
    return out;
}

QString unquote(QString s)
{
    if (s.size() >= 2 && s.startsWith(QLatin1Char('"')) && s.endsWith(QLatin1Char('"')))
        s = s.mid(1, s.size() - 2);
    else if (s.startsWith(QLatin1Char('"')))
        s = s.mid(1);
    return s.replace(QStringLiteral("\\\""), QStringLiteral("\""));
}

bool isComparison(const QString& word)
{
    return word.contains(QLatin1Char('>')) || word.contains(QLatin1Char('<')) ||
           word.contains(QLatin1Char('='));
}
} // namespace

QueryAssist::QueryAssist()
{
    m_values.insert(QStringLiteral("status"),
                    {QStringLiteral("completed"), QStringLiteral("active"),
                     QStringLiteral("interrupted"), QStringLiteral("stopped"),
                     QStringLiteral("timed_out")});
    m_values.insert(QStringLiteral("since"), {QStringLiteral("1d"), QStringLiteral("7d"),
                                              QStringLiteral("30d"), QStringLiteral("365d")});
}

QStringList QueryAssist::fields()
{
    return {QStringLiteral("project"), QStringLiteral("branch"), QStringLiteral("agent"),
            QStringLiteral("tool"),    QStringLiteral("file"),   QStringLiteral("status"),
            QStringLiteral("since"),   QStringLiteral("until")};
}

QStringList QueryAssist::keywords()
{
    return {QStringLiteral("failed"), QStringLiteral("pinned"), QStringLiteral("tokens>")};
}

QueryAssist::Word QueryAssist::wordAt(const QString& text, int cursor)
{
    Word w;
    w.start = cursor;
    for (const Span& s : words(text)) {
        if (cursor >= s.start && cursor <= s.end) {
            w.start = s.start;
            w.length = s.end - s.start;
            break;
        }
    }
    const QString word = text.mid(w.start, w.length);
    const int colon = int(word.indexOf(QLatin1Char(':')));
    if (colon > 0 && !word.startsWith(QLatin1Char('"'))) {
        w.field = word.left(colon).toLower();
        w.prefix = unquote(word.mid(colon + 1));
    } else {
        w.prefix = word;
    }
    return w;
}

QStringList QueryAssist::candidates(const QString& text, int cursor) const
{
    const Word w = wordAt(text, cursor);
    QStringList out;
    if (!w.field.isEmpty()) {
        // Values that start with what is typed first, then those that contain it.
        const QStringList known = m_values.value(w.field);
        QStringList contains;
        for (const QString& v : known) {
            if (v.startsWith(w.prefix, Qt::CaseInsensitive))
                out.append(term(w.field, v));
            else if (v.contains(w.prefix, Qt::CaseInsensitive))
                contains.append(term(w.field, v));
        }
        out += contains;
        out.removeAll(text.mid(w.start, w.length)); // already complete
        return out;
    }
    if (w.prefix.isEmpty() || w.prefix.startsWith(QLatin1Char('"')) || isComparison(w.prefix))
        return out;
    for (const QString& f : fields()) {
        if (f.startsWith(w.prefix, Qt::CaseInsensitive))
            out.append(f + QLatin1Char(':'));
    }
    for (const QString& k : keywords()) {
        if (k.startsWith(w.prefix, Qt::CaseInsensitive) && k != w.prefix)
            out.append(k);
    }
    return out;
}

QString QueryAssist::apply(const QString& text, int cursor, const QString& completion,
                           int* cursorOut)
{
    const Word w = wordAt(text, cursor);
    QString replacement = completion;
    // A finished term takes a space, so the next one can be typed at once.
    const bool open = completion.endsWith(QLatin1Char(':')) ||
                      completion.endsWith(QLatin1Char('>')) ||
                      completion.endsWith(QLatin1Char('<'));
    const int after = w.start + w.length;
    if (!open && (after >= text.size() || !text.at(after).isSpace()))
        replacement += QLatin1Char(' ');
    QString out = text;
    out.replace(w.start, w.length, replacement);
    if (cursorOut) {
        *cursorOut = w.start + int(replacement.size());
        if (!open && !replacement.endsWith(QLatin1Char(' ')))
            ++*cursorOut; // over the space that was there
    }
    return out;
}

void QueryAssist::setValues(const QString& field, const QStringList& values)
{
    m_values.insert(field, values);
}

QString QueryAssist::term(const QString& field, const QString& value)
{
    const bool quote = value.isEmpty() || std::any_of(value.cbegin(), value.cend(), [](QChar c) {
                           return c.isSpace() || c == QLatin1Char('"');
                       });
    if (!quote)
        return field + QLatin1Char(':') + value;
    QString escaped = value;
    escaped.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return field + QStringLiteral(":\"") + escaped + QLatin1Char('"');
}

QStringList QueryAssist::split(const QString& query)
{
    QStringList out;
    for (const Span& s : words(query))
        out.append(query.mid(s.start, s.end - s.start));
    return out;
}

QString QueryAssist::unquoted(const QString& value)
{
    return unquote(value);
}

QStringList QueryAssist::freeText(const QString& query)
{
    QStringList out;
    const QStringList keys = keywords();
    for (const Span& s : words(query)) {
        const QString word = query.mid(s.start, s.end - s.start);
        const int colon = int(word.indexOf(QLatin1Char(':')));
        if ((colon > 0 && !word.startsWith(QLatin1Char('"'))) || isComparison(word))
            continue;
        if (keys.contains(word.toLower()))
            continue;
        QString text = unquote(word);
        if (text.startsWith(QLatin1Char('-')))
            continue; // an excluded word is not in what matched
        if (!text.trimmed().isEmpty())
            out.append(text);
    }
    return out;
}

} // namespace ea
