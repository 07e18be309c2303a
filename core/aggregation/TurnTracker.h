// The turns of one session: a prompt (or the first activity after a Stop) opens one, a Stop ends
// it.
#pragma once

#include "aggregation/EventOrder.h"
#include "model/Delegation.h"
#include "model/TokenUsage.h"
#include "model/ToolOperation.h"
#include "model/Turn.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace ea {

class TurnTracker
{
public:
    // A token count reported by a Stop or a token_usage_updated event.
    struct UsageSample
    {
        EventOrder key;
        TokenUsage usage;
        bool fromStop = false;
    };

    void open(const QDateTime& at, const QString& prompt);
    // Ends the open turn at `at` (`fallback` when invalid); nullopt when none was open,
    // else the time it ended at.
    std::optional<QDateTime> end(const QDateTime& at, const QDateTime& fallback,
                                 const QString& endedBy);
    bool isOpen() const { return m_open >= 0; }
    int openIndex() const { return m_open; } // -1: none open
    // Where a late result belongs: the open turn, else the last one (-1 before any).
    int currentOrLast() const { return m_open >= 0 ? m_open : int(m_turns.size()) - 1; }
    bool isEmpty() const { return m_turns.isEmpty(); }
    const QList<Turn>& list() const { return m_turns; }
    QString openPrompt() const { return m_open >= 0 ? m_turns.at(m_open).prompt : QString(); }
    void setOpenPrompt(const QString& prompt);

    void addUsage(const UsageSample& sample) { m_usage.append(sample); }
    // Forgets the turns and what Stops reported; token_usage_updated samples are facts that
    // do not depend on the order of events and stay.
    void reset();

    // The turns with their tool counts, delegations and token usage filled in. A session that
    // is over closes its open turn at sessionEnd, ended by endedBy.
    QList<Turn> summarize(const QList<ToolOperation>& operations,
                          const QList<Delegation>& delegations, bool sessionActive,
                          const QDateTime& sessionEnd, const QString& endedBy) const;
    // The session's tokens: the sum of what its turns used; nullopt when no turn reported any.
    static std::optional<TokenUsage> tokenUsage(const QList<Turn>& turns);

private:
    QList<Turn> m_turns;
    int m_open = -1;
    QList<UsageSample> m_usage;
};

} // namespace ea
