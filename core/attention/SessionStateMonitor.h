// Keeps the live state of every session current and says when one changes.
#pragma once

#include "attention/LiveState.h"
#include "attention/SessionStateMachine.h"
#include "model/ClaudeEvent.h"
#include "util/Clock.h"
#include "util/StringKeyIndex.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <optional>
#include <unordered_map>

namespace ea {

// Fed each session's events as they are aggregated (and its end by the capture), it
// re-evaluates a session on its events and every session on one timer, armed for the earliest
// deadline (probably blocked, idle, ended): no polling, nothing per event beyond the session's
// own state machine. Ended sessions are announced once and forgotten.
class SessionStateMonitor : public QObject
{
    Q_OBJECT
public:
    // clock: must outlive the monitor.
    explicit SessionStateMonitor(AttentionSettings settings, const Clock* clock,
                                 QObject* parent = nullptr);

    void setSettings(const AttentionSettings& settings);
    const AttentionSettings& settings() const { return m_settings; }

    // nowMs: the clock's monotonic time when the event was taken.
    void onEvent(const QString& sessionId, const ClaudeEvent& event, qint64 nowMs);
    // A session the last run left going (resumed from its file, whose live_state says what it
    // was doing): known at once, in that state, not only at its next event. lastActivityMs:
    // monotonic time of its last activity. A session already known or an ended state is
    // ignored.
    void restore(const QString& sessionId, const LiveState& state, qint64 lastActivityMs,
                 const QString& workingDirectory, const QString& gitBranch);
    void endSession(const QString& sessionId, const QString& reason);
    void endAll(const QString& reason);
    // Re-evaluates every session now (the timer does this at each deadline).
    void check();

    struct Entry
    {
        // Compared on each event: next to the map node's key, before the machine's own fields.
        QString workingDirectory;
        QString gitBranch;
        SessionStateMachine machine;
    };
    const Entry* entry(const QString& sessionId) const;
    std::optional<LiveState> state(const QString& sessionId) const;
    QStringList sessionIds() const;
    int count() const { return int(m_sessions.size()); }
    // How many sessions are in each state: {"working": 2, "needs_permission": 1, ...}.
    QJsonObject countsJson() const;
    // One object per session, those needing attention first:
    // {session, project, branch, working_directory, state, reason, since}.
    QJsonArray sessionsJson() const;
    // What `watch` prints for one change.
    QJsonObject changeJson(const QString& sessionId, const LiveState& state) const;
    // The monotonic time the timer is armed for; -1 when it is not.
    qint64 armedForMs() const { return m_armedMs; }

Q_SIGNALS:
    void stateChanged(const QString& sessionId, const ea::LiveState& state);

private:
    void arm(qint64 deadlineMs);
    void emitChange(const QString& sessionId, const Entry& entry);
    using Sessions = std::unordered_map<QString, Entry>;
    Sessions::iterator add(const QString& sessionId, Entry entry);
    Sessions::iterator forget(Sessions::iterator it);
    static constexpr qsizetype kRememberEnded = 4096;
    // The earliest any session's next deadline can be after its activity.
    static qint64 shortestDelay(const AttentionSettings& settings);

    AttentionSettings m_settings;
    qint64 m_shortestDelayMs;
    const Clock* m_clock;
    Sessions m_sessions;
    // The same entries, for the lookup each event makes (StringKeyIndex says why).
    StringKeyIndex<Sessions::value_type> m_index;
    QSet<QString> m_ended;
    QTimer m_timer;
    qint64 m_armedMs = -1;
};

} // namespace ea
