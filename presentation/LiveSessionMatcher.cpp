#include "presentation/LiveSessionMatcher.h"

#include "presentation/QueryAssist.h"
#include "presentation/SessionListModel.h"

#include <QRegularExpression>

#include <algorithm>

namespace ea {

namespace {
// "7d", "12h", "30m" before now, or a date (its start); invalid when neither.
QDateTime pointInTime(const QString& value, const QDateTime& now, bool endOfDay)
{
    static const QRegularExpression relative(QStringLiteral("^(\\d+)([smhdw])$"));
    const QRegularExpressionMatch m = relative.match(value);
    if (m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QChar unit = m.captured(2).at(0);
        const qint64 secs = unit == QLatin1Char('s')   ? n
                            : unit == QLatin1Char('m') ? n * 60
                            : unit == QLatin1Char('h') ? n * 3600
                            : unit == QLatin1Char('d') ? n * 86400
                                                       : n * 7 * 86400;
        return now.addSecs(-secs);
    }
    const QDate d = QDate::fromString(value, Qt::ISODate);
    if (d.isValid())
        return endOfDay ? d.addDays(1).startOfDay() : d.startOfDay();
    return QDateTime::fromString(value, Qt::ISODate);
}

bool anyContains(const QStringList& list, const QString& value)
{
    return std::any_of(list.cbegin(), list.cend(), [&value](const QString& s) {
        return s.contains(value, Qt::CaseInsensitive);
    });
}
} // namespace

LiveSessionMatcher::LiveSessionMatcher(const QString& query, const QDateTime& now) : m_now(now)
{
    static const QRegularExpression comparison(QStringLiteral("^([a-z_]+)(>=|<=|>|<|=)(.*)$"));
    for (QString word : QueryAssist::split(query)) {
        Term t;
        if (word.startsWith(QLatin1Char('-')) && word.size() > 1) {
            t.negated = true;
            word = word.mid(1);
        }
        const int colon = int(word.indexOf(QLatin1Char(':')));
        const QRegularExpressionMatch m = comparison.match(word.toLower());
        if (colon > 0 && !word.startsWith(QLatin1Char('"'))) {
            t.field = word.left(colon).toLower();
            t.op = QStringLiteral(":");
            t.value = QueryAssist::unquoted(word.mid(colon + 1)).toLower();
        } else if (m.hasMatch()) {
            t.field = m.captured(1);
            t.op = m.captured(2);
            t.value = m.captured(3);
        } else {
            t.value = QueryAssist::unquoted(word).toLower();
            if (t.value == QLatin1String("failed") || t.value == QLatin1String("pinned")) {
                t.field = t.value;
                t.value.clear();
            }
        }
        m_terms.append(t);
    }
}

bool LiveSessionMatcher::matches(const LiveSessionSnapshot& session) const
{
    if (m_terms.isEmpty())
        return true;
    const QString text = session.searchText();
    return std::all_of(m_terms.cbegin(), m_terms.cend(),
                       [&](const Term& t) { return matchesTerm(t, session, text) != t.negated; });
}

bool LiveSessionMatcher::matchesTerm(const Term& t, const LiveSessionSnapshot& s,
                                     const QString& text) const
{
    const SessionSummary& sum = s.summary;
    if (t.field.isEmpty()) {
        // Every word of a phrase, as the full-text search takes them.
        const QStringList words = t.value.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        return std::all_of(words.cbegin(), words.cend(),
                           [&text](const QString& w) { return text.contains(w); });
    }
    if (t.field == QLatin1String("failed"))
        return sum.failures > 0;
    if (t.field == QLatin1String("pinned"))
        return false; // only saved sessions are pinned
    if (t.op == QLatin1String(":")) {
        if (t.field == QLatin1String("project"))
            return SessionListModel::projectName(sum.workingDirectory)
                       .contains(t.value, Qt::CaseInsensitive) ||
                   sum.workingDirectory.compare(t.value, Qt::CaseInsensitive) == 0;
        if (t.field == QLatin1String("branch"))
            return sum.gitBranch.contains(t.value, Qt::CaseInsensitive);
        if (t.field == QLatin1String("agent"))
            return anyContains(s.agents, t.value);
        if (t.field == QLatin1String("tool"))
            return anyContains(s.tools, t.value);
        if (t.field == QLatin1String("file"))
            return anyContains(s.files, t.value);
        if (t.field == QLatin1String("status"))
            return (s.live ? QStringLiteral("active") : sum.status) == t.value;
        if (t.field == QLatin1String("id") || t.field == QLatin1String("session"))
            return sum.sessionId.startsWith(t.value, Qt::CaseInsensitive);
        if (t.field == QLatin1String("since") || t.field == QLatin1String("until")) {
            const bool until = t.field == QLatin1String("until");
            const QDateTime at = pointInTime(t.value, m_now, until);
            if (!at.isValid() || !sum.startTime.isValid())
                return true;
            return until ? sum.startTime < at : sum.startTime >= at;
        }
        return true;
    }
    bool ok = false;
    const double limit = t.value.toDouble(&ok);
    if (!ok)
        return true;
    double v = 0;
    if (t.field == QLatin1String("tokens"))
        v = double(sum.totalTokens);
    else if (t.field == QLatin1String("failures"))
        v = sum.failures;
    else if (t.field == QLatin1String("events"))
        v = sum.totalEvents;
    else if (t.field == QLatin1String("tools"))
        v = sum.toolCalls;
    else
        return true;
    if (t.op == QLatin1String(">"))
        return v > limit;
    if (t.op == QLatin1String(">="))
        return v >= limit;
    if (t.op == QLatin1String("<"))
        return v < limit;
    if (t.op == QLatin1String("<="))
        return v <= limit;
    return v == limit;
}

} // namespace ea
