#pragma once

#include "AgentSession.h"
#include "CaptureFilter.h"
#include "ClaudeEvent.h"
#include "Deduplicator.h"

#include <QHash>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>

Q_DECLARE_LOGGING_CATEGORY(lcAggregator)

// Routes normalized events to live sessions and decides when each session is complete.
class Aggregator : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        qint64 sessionTimeoutMs = 60 * 60 * 1000;
        qint64 proximityWindowMs =
            5000; // events without a session id join a recent one of the same cwd
        CaptureFilter filter;
    };

    struct Stats
    {
        quint64 aggregated = 0;
        quint64 duplicates = 0;
        quint64 filtered = 0;
        quint64 attributed = 0;   // no session id, joined a session by working directory
        quint64 unattributed = 0; // no session id and no session to join
        quint64 reopened = 0;
        quint64 completed = 0;
        quint64 timedOut = 0;
    };

    // Finds a saved session so a later event reopens it instead of starting a second record.
    using SessionLoader = std::function<std::optional<AgentSession>(const QString& sessionId)>;

    static inline const QString UnattributedId = QStringLiteral("unattributed");

    explicit Aggregator(Settings settings, QObject* parent = nullptr);
    ~Aggregator() override;

    void setSessionLoader(SessionLoader loader) { m_loader = std::move(loader); }
    // Live capture arms one timer for the earliest deadline; a replay drives expire() itself
    // with the events' own times instead.
    void setTimerDriven(bool on);

    // nowMs is the clock inactivity is measured on: monotonic in live capture, the event's
    // timestamp in a replay. journalSeq (or -1) is released once the session is saved.
    // Returns false when the event was a duplicate, so nothing holds journalSeq.
    bool addEvent(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs);
    // Puts a saved session (e.g. one interrupted by the last shutdown) back into the live set;
    // idleMs is how long it has already been inactive.
    void resume(AgentSession session, qint64 nowMs, qint64 idleMs);
    // Completes every session idle for longer than the timeout.
    void expire(qint64 nowMs);
    bool stopSession(const QString& sessionId, AgentSession::Status status, const QString& reason);
    void stopAll(AgentSession::Status status, const QString& reason);

    const AgentSession* liveSession(const QString& sessionId) const;
    QStringList liveSessionIds() const;
    int liveCount() const { return int(m_live.size()); }
    const Stats& stats() const { return m_stats; }
    const Settings& settings() const { return m_settings; }
    // Monotonic milliseconds used when the aggregator runs its own timer.
    static qint64 monotonicNowMs();

Q_SIGNALS:
    void sessionStarted(const QString& sessionId);
    void sessionChanged(const QString& sessionId);
    // The session is no longer live: save it, then release journalSeqs.
    void sessionCompleted(const AgentSession& session, const QList<qint64>& journalSeqs);

private:
    struct Live
    {
        std::unique_ptr<AgentSession> session;
        QList<qint64> journalSeqs;
        qint64 lastActivityMs = 0;
        std::list<QString>::iterator lru; // position in m_byActivity
    };

    Live* routeTarget(const ClaudeEvent& event, qint64 nowMs, QString* sessionId);
    Live* ensureLive(const QString& sessionId, qint64 nowMs, const ClaudeEvent& event);
    void touch(Live& live, const QString& id, qint64 nowMs);
    void complete(const QString& sessionId, AgentSession::Status status, const QString& reason,
                  const QDateTime& endTime = {});
    void armTimer();
    void onTimer();

    Settings m_settings;
    SessionLoader m_loader;
    Deduplicator m_dedup;
    std::unordered_map<QString, Live> m_live;
    // Least recently active first: with one timeout for all, the front always expires first,
    // so one timer suffices whatever the number of sessions.
    std::list<QString> m_byActivity;
    struct Recent
    {
        QString sessionId;
        qint64 atMs = 0;
    };
    QHash<QString, Recent> m_recentByDirectory;
    QTimer m_timer;
    bool m_timerDriven = true;
    Stats m_stats;
};
