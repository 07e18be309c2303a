// The search box's help with the query syntax: completing `field:` names and known values, terms.
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

namespace ea {

// Works on the text as typed, so it helps with a query that does not parse yet (the parser
// itself is the session database's SessionQuery; this only needs to know where words are).
class QueryAssist
{
public:
    // The word the cursor is in (or right after): what a completion replaces.
    struct Word
    {
        int start = 0;
        int length = 0;
        QString field;  // "project" when the cursor is in the value of `project:`; empty else
        QString prefix; // what is typed of the field name, or of the value after "field:"
    };

    QueryAssist();

    static Word wordAt(const QString& text, int cursor);
    // Whole words that may replace the word at the cursor, best first: field names
    // ("project:", "failed") or, after a field, its known values ("project:api").
    QStringList candidates(const QString& text, int cursor) const;
    // `text` with the word at `cursor` replaced by `completion` (a space follows a finished
    // term, none after "field:" so a value can follow); the new cursor goes to *cursorOut.
    static QString apply(const QString& text, int cursor, const QString& completion,
                         int* cursorOut = nullptr);

    // Values offered after `field:` (projects, agents, tools from the database).
    void setValues(const QString& field, const QStringList& values);
    QStringList values(const QString& field) const { return m_values.value(field); }

    // One term of the syntax: `field:value`, quoted when the value has spaces or quotes.
    static QString term(const QString& field, const QString& value);
    // The words of a query as typed (a quoted part stays inside its word).
    static QStringList split(const QString& query);
    // A value as written after "field:", without its quotes.
    static QString unquoted(const QString& value);
    // The free-text words of a query (no `field:` terms, no keywords), for highlighting.
    static QStringList freeText(const QString& query);
    // Field names with a value ("project"), then the words that stand alone ("failed").
    static QStringList fields();
    static QStringList keywords();

private:
    QHash<QString, QStringList> m_values;
};

} // namespace ea
