#include "aggregation/TurnTracker.h"

#include <algorithm>

namespace ea {

void TurnTracker::open(const QDateTime& at, const QString& prompt)
{
    Turn t;
    t.index = int(m_turns.size());
    t.start = at;
    t.prompt = prompt;
    m_turns.append(std::move(t));
    m_open = int(m_turns.size() - 1);
}

std::optional<QDateTime> TurnTracker::end(const QDateTime& at, const QDateTime& fallback,
                                          const QString& endedBy)
{
    if (m_open < 0)
        return std::nullopt;
    Turn& t = m_turns[m_open];
    t.end = at.isValid() ? at : fallback;
    t.endedBy = endedBy;
    m_open = -1;
    return t.end;
}

void TurnTracker::setOpenPrompt(const QString& prompt)
{
    if (m_open >= 0)
        m_turns[m_open].prompt = prompt;
}

void TurnTracker::reset()
{
    m_turns.clear();
    m_open = -1;
    m_usage.removeIf([](const UsageSample& u) { return u.fromStop; });
}

QList<Turn> TurnTracker::summarize(const QList<ToolOperation>& operations,
                                   const QList<Delegation>& delegations, bool sessionActive,
                                   const QDateTime& sessionEnd, const QString& endedBy) const
{
    QList<Turn> list = m_turns;
    if (!sessionActive && !list.isEmpty() && list.last().isOpen()) {
        list.last().end = sessionEnd;
        list.last().endedBy = endedBy;
    }
    for (const ToolOperation& op : operations) {
        if (op.turn < 0 || op.turn >= list.size())
            continue;
        Turn& t = list[op.turn];
        ++t.toolCalls;
        const ToolOperation::Outcome outcome = op.outcome();
        if (outcome == ToolOperation::Outcome::Failure)
            ++t.toolFailures;
        else if (outcome == ToolOperation::Outcome::Unknown ||
                 (outcome == ToolOperation::Outcome::Pending && !sessionActive && !op.orphan))
            ++t.toolUnknown;
    }
    for (const Delegation& d : delegations) {
        if (d.turn >= 0 && d.turn < list.size())
            ++list[d.turn].delegations;
    }
    // Token counts: a turn's Stop usage, else its token_usage_updated (the same numbers).
    QList<UsageSample> samples = m_usage;
    std::sort(samples.begin(), samples.end(),
              [](const UsageSample& a, const UsageSample& b) { return a.key < b.key; });
    QList<std::optional<UsageSample>> chosen(list.size());
    for (const UsageSample& sample : samples) {
        int turn = -1;
        for (qsizetype i = list.size() - 1; i >= 0; --i) {
            if (list.at(i).start.isValid() &&
                list.at(i).start.toMSecsSinceEpoch() <= sample.key.ms) {
                turn = int(i);
                break;
            }
        }
        if (turn < 0)
            continue;
        std::optional<UsageSample>& slot = chosen[turn];
        // Running sums: a later report is as good or better; a Stop's beats an update's.
        if (!slot || sample.fromStop || !slot->fromStop)
            slot = sample;
    }
    std::optional<TokenUsage> previous;
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (!chosen.at(i))
            continue;
        list[i].cumulative = chosen.at(i)->usage;
        list[i].tokens = previous ? chosen.at(i)->usage.since(*previous) : chosen.at(i)->usage;
        previous = chosen.at(i)->usage;
    }
    return list;
}

std::optional<TokenUsage> TurnTracker::tokenUsage(const QList<Turn>& turns)
{
    std::optional<TokenUsage> total;
    for (const Turn& t : turns) {
        if (!t.tokens)
            continue;
        if (!total)
            total = TokenUsage();
        *total += *t.tokens;
    }
    return total;
}

} // namespace ea
