// Derives one session's live state from its events, whatever order they arrive in.
#pragma once

#include "attention/LiveState.h"
#include "model/ClaudeEvent.h"
#include "util/Clock.h"

#include <QString>

#include <vector>

namespace ea {

struct AttentionSettings
{
    // A tool call without result and no other activity for this long reads "probably blocked".
    qint64 blockedAfterMs = 20 * 1000;
    // No activity for this long after a turn ended reads "idle".
    qint64 idleAfterMs = 10 * 60 * 1000;
    // No activity for this long at all: the session ended (the capture's session timeout).
    qint64 endAfterMs = 60 * 60 * 1000;

    bool operator==(const AttentionSettings&) const = default;
};

// Plain value, no timers: onEvent() and onTime() say whether the state changed, and
// nextDeadlineMs() when onTime() may change it next. Decisions about order use the events'
// own timestamps (claude-mpm posts a hook's two or three events from two threads, so they
// arrive in any order within ~20 ms); inactivity is measured on the monotonic clock.
class SessionStateMachine
{
public:
    explicit SessionStateMachine(AttentionSettings settings = {});

    // nowMs: the clock's monotonic time (the caller has it already); the wall clock is read
    // only when the state changes, to stamp since.
    bool onEvent(const ClaudeEvent& event, qint64 nowMs, const Clock& clock);
    bool onTime(qint64 nowMs, const Clock& clock);
    // Takes up a state saved by the last run (a session file's live_state) for a session seen
    // no event of yet: its later events and deadlines go on from there. lastActivityMs: the
    // monotonic time of its last activity (before nowMs when it was quiet for a while). The
    // state may move on at once (a session waiting for longer than idle after is idle).
    void restore(const LiveState& state, qint64 lastActivityMs, qint64 nowMs, const Clock& clock);
    // The session is over (timed out, stopped, session end); returns whether that is news.
    bool end(const QString& reason, const Clock& clock);
    // Monotonic ms at which the state may change without an event; -1: none.
    qint64 nextDeadlineMs() const;

    const LiveState& state() const { return m_state; }
    // Whether the event says anything about a session on its own (companions do not).
    static bool startsTracking(const ClaudeEvent& event);
    void setSettings(const AttentionSettings& settings);

    // The latest turn, for "finished its turn in 2 m 14 s — 12 tools".
    struct TurnFacts
    {
        QDateTime start; // event time of its first event
        QDateTime end;   // event time of its Stop; invalid while open
        int tools = 0;   // tool calls started in it
    };
    TurnFacts turn() const { return {m_turn.start, m_turn.end, m_turnTools}; }
    // Counts turns begun; a new number means a new turn (notifications: one per turn).
    int turnNumber() const { return m_turnNumber; }

private:
    struct Pending
    {
        QString correlationId;
        QString tool;
        qint64 atMs = 0; // event time
        // Compared before the id: the lists are scanned per tool call and result, and ids of
        // one length differ only after a memcmp.
        size_t correlationHash = 0;
        bool sameCall(const QString& id, size_t hash) const
        {
            return correlationHash == hash && correlationId == id;
        }
    };
    enum class Kind
    {
        Companion, // hook_execution, command_acknowledged, ...: no activity of their own
        Activity,
        TurnStart,
        TurnEnd,
        Permission,
        IdlePrompt,
        SessionStart,
        SessionEnd
    };
    static Kind classify(const ClaudeEvent& event, QString* message);

    void openTurn(qint64 atMs, const QDateTime& at);
    void closeTurn(qint64 atMs, const QDateTime& at, const QString& reason);
    void noteToolCall(const ClaudeEvent& event, qint64 atMs);
    void noteToolResult(const ClaudeEvent& event, qint64 atMs);
    // What a permission prompt asks to use: "Bash".
    QString permissionTool(const ClaudeEvent& event, const QString& message) const;
    // *sinceQuiet: the state began with the last activity (blocked, idle), not now.
    const Pending* stuckCall() const;
    LiveState evaluate(qint64 nowMs, bool* sinceQuiet) const;
    bool update(qint64 nowMs, const Clock& clock);

    // What every event reads or writes comes first, together: with thousands of sessions
    // taking turns the machine is cold, and each cache line it spans is a miss.
    qint64 m_lastActivityMono = 0; // monotonic ms of the last activity received
    qint64 m_lastActivityAtMs = 0; // its event time
    qint64 m_turnStartMs = 0;      // event times, ms since the epoch
    qint64 m_turnEndMs = -1;
    qint64 m_lastResultMs = -1;
    bool m_started = false; // any event seen
    bool m_ended = false;
    bool m_turnOpen = false;
    bool m_permission = false;
    bool m_delaysPositive = true; // no setting makes a session quiet right after activity
    int m_turnTools = 0;          // tool calls started in the latest turn
    LiveState m_state;
    // std::vector, not QList: no shared header to check (another cold line) on each tool call.
    std::vector<Pending> m_pending;      // tool calls of the current batch without result
    std::vector<Pending> m_earlyResults; // results that came before their call
    AttentionSettings m_settings;
    // Read when the state changes.
    qint64 m_permissionAtMs = 0;
    QString m_endReason;
    QString m_waitReason;
    QString m_permissionReason;
    QString m_permissionTool;
    TurnFacts m_turn; // its tools are counted in m_turnTools (hot)
    int m_turnNumber = 0;
};

} // namespace ea
