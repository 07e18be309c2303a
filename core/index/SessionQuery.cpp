#include "index/SessionQuery.h"

#include "index/SessionIndexSchema.h"

#include <QRegularExpression>

#include <optional>

namespace ea {

namespace {

bool isSpace(QChar c)
{
    return c.isSpace();
}

// A LIKE pattern matching `value` literally, with * standing for anything.
QString likePattern(QStringView value)
{
    QString out;
    out.reserve(value.size() + 4);
    for (const QChar c : value) {
        if (c == QLatin1Char('*'))
            out += QLatin1Char('%');
        else if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\') + c;
        else
            out += c;
    }
    return out;
}

// An FTS5 string: the text in double quotes, its own double quotes doubled. FTS5 reads it as a
// phrase, never as its query syntax (AND, NEAR, column filters, ...).
QString ftsString(QStringView text)
{
    QString out = QStringLiteral("\"");
    for (const QChar c : text) {
        if (c == QLatin1Char('"'))
            out += QLatin1Char('"');
        out += c;
    }
    out += QLatin1Char('"');
    return out;
}

bool hasWordCharacter(QStringView text)
{
    for (const QChar c : text) {
        if (c.isLetterOrNumber())
            return true;
    }
    return false;
}

// 7d, 24h, 30m, 2w before now, or a date (its start, UTC) or an ISO date-time. endOfDay: a bare
// date means the end of that day (until:2026-11-01 includes the 1st).
std::optional<qint64> parseTime(const QString& value, const QDateTime& now, bool endOfDay)
{
    static const QRegularExpression relative(QStringLiteral("^(\\d{1,6})([mhdw])$"));
    const QRegularExpressionMatch m = relative.match(value);
    if (m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QChar unit = m.captured(2).at(0);
        const qint64 minute = 60 * 1000;
        const qint64 ms = unit == QLatin1Char('m')   ? n * minute
                          : unit == QLatin1Char('h') ? n * 60 * minute
                          : unit == QLatin1Char('d') ? n * 24 * 60 * minute
                                                     : n * 7 * 24 * 60 * minute;
        return now.toMSecsSinceEpoch() - ms;
    }
    const QDate date = QDate::fromString(value, Qt::ISODate);
    if (date.isValid() && value.size() == 10) {
        const QDate day = endOfDay ? date.addDays(1) : date;
        return QDateTime(day, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    }
    QDateTime t = QDateTime::fromString(value, Qt::ISODateWithMs);
    if (t.isValid()) {
        if (t.timeSpec() == Qt::LocalTime)
            t.setTimeSpec(Qt::UTC);
        return t.toMSecsSinceEpoch();
    }
    return std::nullopt;
}

struct Parser
{
    QStringView text;
    QDateTime now;
    QueryError* error;
    qsizetype pos = 0;
    QStringList conditions;
    QVariantList bindings;
    QStringList fts;
    QStringList terms;
    bool failed = false;

    void fail(qsizetype at, const QString& message)
    {
        if (failed)
            return;
        failed = true;
        if (error) {
            error->position = int(at);
            error->message = message;
        }
    }

    // A value after "field:" — quoted ("...") or up to the next space. nullopt after fail().
    std::optional<QString> value(const QString& field)
    {
        const qsizetype start = pos;
        if (pos < text.size() && text.at(pos) == QLatin1Char('"')) {
            const qsizetype close = text.indexOf(QLatin1Char('"'), pos + 1);
            if (close < 0) {
                fail(start, QStringLiteral("unterminated quote"));
                return std::nullopt;
            }
            QString v = text.mid(pos + 1, close - pos - 1).toString();
            pos = close + 1;
            if (v.isEmpty()) {
                fail(start, QStringLiteral("%1: needs a value").arg(field));
                return std::nullopt;
            }
            return v;
        }
        while (pos < text.size() && !isSpace(text.at(pos)))
            ++pos;
        QString v = text.mid(start, pos - start).toString();
        if (v.isEmpty()) {
            fail(start, QStringLiteral("%1: needs a value").arg(field));
            return std::nullopt;
        }
        return v;
    }

    // column = value (case-insensitive), or LIKE when the value has a *.
    QString match(const QString& column, const QString& v)
    {
        if (v.contains(QLatin1Char('*'))) {
            bindings.append(likePattern(v));
            return column + QStringLiteral(" LIKE ? ESCAPE '\\'");
        }
        bindings.append(v);
        return column + QStringLiteral(" = ? COLLATE NOCASE");
    }

    // A name in the session's own list (sessions.tools / .agents, read from the scan index: no
    // join). With wildcards, a LIKE on the list: exact while at most one part between the *s
    // has text (a part holds no separator, so it lies within one name); otherwise the list
    // only narrows the sessions, and their per-name totals decide.
    QString inList(const QString& list, const QString& totals, const QString& column,
                   const QString& v)
    {
        const QString entry = SessionIndexSchema::listEntry(v);
        if (!v.contains(QLatin1Char('*'))) {
            bindings.append(entry);
            return QStringLiteral("instr(s.%1, ?) > 0").arg(list);
        }
        bindings.append(QLatin1Char('%') + likePattern(entry) + QLatin1Char('%'));
        QString condition = QStringLiteral("s.%1 LIKE ? ESCAPE '\\'").arg(list);
        if (v.split(QLatin1Char('*'), Qt::SkipEmptyParts).size() > 1) {
            bindings.append(likePattern(v));
            condition += QStringLiteral(" AND EXISTS (SELECT 1 FROM %1 t WHERE t.session = s.id "
                                        "AND t.%2 LIKE ? ESCAPE '\\')")
                             .arg(totals, column);
        }
        return condition;
    }

    void field(const QString& name, qsizetype at)
    {
        const std::optional<QString> v = value(name);
        if (!v)
            return;
        if (name == QLatin1String("project")) {
            // A name (the last component of the project root), or a whole path when it has a
            // slash (a name alone keeps to the project index).
            if (v->contains(QLatin1Char('/'))) {
                conditions.append(match(QStringLiteral("s.working_directory"), *v));
            } else {
                conditions.append(match(QStringLiteral("s.project"), *v));
            }
        } else if (name == QLatin1String("branch")) {
            conditions.append(match(QStringLiteral("s.branch"), *v));
        } else if (name == QLatin1String("status")) {
            conditions.append(match(QStringLiteral("s.status"), *v));
        } else if (name == QLatin1String("agent")) {
            conditions.append(inList(QStringLiteral("agents"), QStringLiteral("session_agents"),
                                     QStringLiteral("agent"), *v));
        } else if (name == QLatin1String("tool")) {
            conditions.append(inList(QStringLiteral("tools"), QStringLiteral("session_tools"),
                                     QStringLiteral("tool"), *v));
        } else if (name == QLatin1String("file")) {
            // The whole path, or its end after a /: file:src/auth.py finds
            // /home/me/api/src/auth.py. Case-insensitive.
            if (v->contains(QLatin1Char('*'))) {
                bindings.append(likePattern(*v));
                bindings.append(QStringLiteral("%/") + likePattern(*v));
                conditions.append(QStringLiteral("s.id IN (SELECT session FROM files WHERE path "
                                                 "LIKE ? ESCAPE '\\' OR path LIKE ? ESCAPE "
                                                 "'\\')"));
            } else {
                // On the reversed paths, an end of a path is a prefix: an index range. (Past
                // the last character no path holds: U+10FFFF.)
                const QString reversed = SessionIndexSchema::reversedPath(*v);
                const QString dir = reversed + QLatin1Char('/');
                bindings.append(reversed);
                bindings.append(dir);
                bindings.append(dir + QString::fromUcs4(U"\U0010FFFF"));
                conditions.append(QStringLiteral("s.id IN (SELECT session FROM files WHERE rpath = "
                                                 "? OR (rpath >= ? AND rpath < ?))"));
            }
        } else if (name == QLatin1String("id")) {
            // A range the session_id index answers: prefix <= id < prefix with its last
            // character raised by one.
            QString upper = *v;
            const char16_t last = upper.back().unicode();
            bindings.append(*v);
            bindings.append(*v);
            if (last == 0xffff) {
                conditions.append(QStringLiteral("substr(s.session_id, 1, length(?)) = ?"));
            } else {
                upper.back() = QChar(char16_t(last + 1));
                bindings.append(*v);
                bindings.append(upper);
                conditions.append(QStringLiteral("(substr(s.session_id, 1, length(?)) = ? AND "
                                                 "s.session_id >= ? AND s.session_id < ?)"));
            }
        } else if (name == QLatin1String("since") || name == QLatin1String("until")) {
            const bool since = name == QLatin1String("since");
            const std::optional<qint64> ms = parseTime(*v, now, !since);
            if (!ms) {
                fail(at + name.size() + 1,
                     QStringLiteral("%1: expects 30m, 24h, 7d, 2w, a date (2026-11-01) or an ISO "
                                    "date-time, got \"%2\"")
                         .arg(name, *v));
                return;
            }
            bindings.append(*ms);
            conditions.append(since ? QStringLiteral("s.start_ms >= ?")
                                    : QStringLiteral("s.start_ms < ?"));
        }
    }

    static QString numericColumn(const QString& name)
    {
        if (name == QLatin1String("tokens"))
            return QStringLiteral("s.tokens");
        if (name == QLatin1String("tools"))
            return QStringLiteral("s.tool_calls");
        if (name == QLatin1String("failures"))
            return QStringLiteral("s.failures");
        if (name == QLatin1String("turns"))
            return QStringLiteral("s.turns");
        if (name == QLatin1String("events"))
            return QStringLiteral("s.events");
        if (name == QLatin1String("duration"))
            return QStringLiteral("s.duration_ms");
        return {};
    }

    void comparison(const QString& name, qsizetype at)
    {
        QString op;
        for (const char* candidate : {">=", "<=", "!=", ">", "<", "="}) {
            if (text.mid(pos).startsWith(QLatin1String(candidate))) {
                op = QLatin1String(candidate);
                break;
            }
        }
        pos += op.size();
        const qsizetype start = pos;
        while (pos < text.size() && !isSpace(text.at(pos)))
            ++pos;
        bool ok = false;
        const qint64 n = text.mid(start, pos - start).toLongLong(&ok);
        if (!ok || n < 0 || n > (qint64(1) << 50)) {
            fail(start, QStringLiteral("%1%2 expects a whole number, got \"%3\"")
                            .arg(name, op, text.mid(start, pos - start).toString()));
            return;
        }
        Q_UNUSED(at)
        bindings.append(name == QLatin1String("duration") ? n * 1000 : n);
        conditions.append(QStringLiteral("%1 %2 ?").arg(numericColumn(name), op));
    }

    void freeText(QString word, bool phrase)
    {
        // FTS5 reads its query as C text: a NUL ended it inside our quotes ("unterminated
        // string", found by fuzz_query). It separates words like a space.
        word.replace(QChar(0), QLatin1Char(' '));
        if (!hasWordCharacter(word))
            return; // the full-text index holds no such token
        terms.append(word);
        bool prefix = false;
        if (!phrase && word.size() > 1 && word.endsWith(QLatin1Char('*'))) {
            word.chop(1);
            prefix = true;
        }
        fts.append(ftsString(word) + (prefix ? QStringLiteral("*") : QString()));
    }

    void run()
    {
        static const QStringList fields{
            QStringLiteral("project"), QStringLiteral("branch"), QStringLiteral("agent"),
            QStringLiteral("tool"),    QStringLiteral("file"),   QStringLiteral("status"),
            QStringLiteral("id"),      QStringLiteral("since"),  QStringLiteral("until")};
        while (!failed) {
            while (pos < text.size() && isSpace(text.at(pos)))
                ++pos;
            if (pos >= text.size())
                break;
            const qsizetype start = pos;
            if (text.at(pos) == QLatin1Char('"')) {
                const qsizetype close = text.indexOf(QLatin1Char('"'), pos + 1);
                if (close < 0) {
                    fail(start, QStringLiteral("unterminated quote"));
                    break;
                }
                freeText(text.mid(pos + 1, close - pos - 1).toString(), true);
                pos = close + 1;
                continue;
            }
            qsizetype p = pos;
            while (p < text.size() &&
                   ((text.at(p).isLetter() && text.at(p).unicode() < 128) || text.at(p) == '_'))
                ++p;
            const QString name = text.mid(pos, p - pos).toString().toLower();
            const QChar next = p < text.size() ? text.at(p) : QChar();
            if (!name.isEmpty() && next == QLatin1Char(':')) {
                if (!fields.contains(name)) {
                    fail(start,
                         QStringLiteral("unknown field \"%1:\" (fields: %2; put text in "
                                        "quotes to search for it)")
                             .arg(name, SessionQuery::fieldNames().join(QStringLiteral(", "))));
                    break;
                }
                pos = p + 1;
                field(name, start);
                continue;
            }
            if (!name.isEmpty() && !numericColumn(name).isEmpty() &&
                (next == QLatin1Char('>') || next == QLatin1Char('<') || next == QLatin1Char('=') ||
                 next == QLatin1Char('!'))) {
                pos = p;
                comparison(name, start);
                continue;
            }
            while (pos < text.size() && !isSpace(text.at(pos)))
                ++pos;
            const QString word = text.mid(start, pos - start).toString();
            if (word.compare(QLatin1String("failed"), Qt::CaseInsensitive) == 0)
                conditions.append(QStringLiteral("s.failures > 0"));
            else if (word.compare(QLatin1String("pinned"), Qt::CaseInsensitive) == 0)
                conditions.append(QStringLiteral("s.pinned = 1"));
            else
                freeText(word, false);
        }
    }
};

} // namespace

void SessionQuery::excludeSessions(const QStringList& sessionIds)
{
    if (sessionIds.isEmpty())
        return;
    QStringList marks;
    for (qsizetype i = 0; i < sessionIds.size(); ++i)
        marks.append(QStringLiteral("?"));
    const QString condition =
        QStringLiteral("s.session_id NOT IN (%1)").arg(marks.join(QLatin1Char(',')));
    // Last in both forms: the bindings keep their order.
    m_where = m_where.isEmpty() ? condition : m_where + QStringLiteral(" AND ") + condition;
    m_filterWhere =
        m_filterWhere.isEmpty() ? condition : m_filterWhere + QStringLiteral(" AND ") + condition;
    for (const QString& id : sessionIds) {
        m_bindings.append(id);
        m_filterBindings.append(id);
    }
}

QStringList SessionQuery::fieldNames()
{
    return {QStringLiteral("project"), QStringLiteral("branch"), QStringLiteral("agent"),
            QStringLiteral("tool"),    QStringLiteral("file"),   QStringLiteral("status"),
            QStringLiteral("id"),      QStringLiteral("since"),  QStringLiteral("until"),
            QStringLiteral("tokens"),  QStringLiteral("tools"),  QStringLiteral("failures"),
            QStringLiteral("turns"),   QStringLiteral("events"), QStringLiteral("duration"),
            QStringLiteral("failed"),  QStringLiteral("pinned")};
}

SessionQuery SessionQuery::parse(QStringView text, QueryError* error, const QDateTime& now)
{
    if (error)
        *error = QueryError();
    Parser p{text, now, error, 0, {}, {}, {}, {}, false};
    p.run();
    SessionQuery q;
    if (p.failed)
        return q;
    q.m_filterWhere = p.conditions.join(QStringLiteral(" AND "));
    q.m_filterBindings = p.bindings;
    if (!p.fts.isEmpty()) {
        q.m_textMatch = p.fts.join(QLatin1Char(' '));
        p.conditions.append(
            QStringLiteral("s.id IN (SELECT rowid FROM session_text WHERE session_text MATCH ?)"));
        p.bindings.append(q.m_textMatch);
    }
    q.m_where = p.conditions.join(QStringLiteral(" AND "));
    q.m_bindings = p.bindings;
    q.m_terms = p.terms;
    return q;
}

} // namespace ea
