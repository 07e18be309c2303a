// Whether a live session matches a search query: live sessions are not in the database yet.
#pragma once

#include "presentation/LiveSessionSnapshot.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace ea {

// Reads the same words as the database's query parser, over what a live snapshot knows
// (project, branch, agents, tools, files, prompt and response, counts). Words it cannot
// judge on a live session (a full-text match in a tool's output) leave it shown, so a
// search never hides the session being worked on for want of data.
class LiveSessionMatcher
{
public:
    explicit LiveSessionMatcher(const QString& query,
                                const QDateTime& now = QDateTime::currentDateTimeUtc());
    bool matches(const LiveSessionSnapshot& session) const;
    bool isEmpty() const { return m_terms.isEmpty(); }

private:
    struct Term
    {
        QString field; // empty: free text
        QString op;    // ":", ">", "<", ">=", "<="
        QString value; // lower-cased
        bool negated = false;
    };
    bool matchesTerm(const Term& term, const LiveSessionSnapshot& s, const QString& text) const;

    QList<Term> m_terms;
    QDateTime m_now;
};

} // namespace ea
