// Parses the session query syntax (project:api tool:Bash since:7d tokens>10000 text) into bound
// SQL.
#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <QVariantList>

namespace ea {

struct QueryError
{
    int position = -1; // 0-based character offset into the query text
    QString message;
    bool isError() const { return position >= 0; }
};

// The query language (README "Session database"):
//   project:NAME  branch:NAME  agent:TYPE  tool:NAME  file:PATH  status:STATUS  id:PREFIX
//   failed  pinned  since:7d|24h|30m|2w|2026-11-01  until:...  tokens>N (also < >= <= =;
//   tools, failures, turns, events, duration in seconds), and free text (words or "quoted
//   phrases") matched against the full-text index. Every term must hold (AND). Values may be
//   quoted ("my project"); NAME values take * as a wildcard. The SQL it produces refers to the
//   sessions table as `s`; every value the user typed is a bound `?`, never SQL text.
class SessionQuery
{
public:
    SessionQuery() = default;

    // now: what since:/until: count back from (UTC). An empty or blank text matches everything.
    static SessionQuery parse(QStringView text, QueryError* error,
                              const QDateTime& now = QDateTime::currentDateTimeUtc());

    // A condition on `s` (the sessions table), "1" when there is none, with `?` for each value
    // of bindings(), in order. Free text becomes `s.id IN (SELECT rowid FROM session_text WHERE
    // session_text MATCH ?)`.
    QString where() const { return m_where.isEmpty() ? QStringLiteral("1") : m_where; }
    QVariantList bindings() const { return m_bindings; }
    // The same without the free-text condition (search() ranks the text itself).
    QString filterWhere() const
    {
        return m_filterWhere.isEmpty() ? QStringLiteral("1") : m_filterWhere;
    }
    QVariantList filterBindings() const { return m_filterBindings; }
    // The free text as an FTS5 expression (each word a quoted string), empty when none.
    QString textMatch() const { return m_textMatch; }
    bool hasText() const { return !m_textMatch.isEmpty(); }
    // The free-text words as typed, for highlighting.
    QStringList textTerms() const { return m_terms; }
    // Leaves these sessions out (by exact id): the browser shows a live session from memory,
    // not also its last saved turn.
    void excludeSessions(const QStringList& sessionIds);
    // The field names the syntax knows, for completion ("project", "branch", ...).
    static QStringList fieldNames();

private:
    QString m_where;
    QVariantList m_bindings;
    QString m_filterWhere;
    QVariantList m_filterBindings;
    QString m_textMatch;
    QStringList m_terms;
};

} // namespace ea
