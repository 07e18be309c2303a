#pragma once

#include "aggregation/AgentSession.h"
#include "aggregation/RecordOrder.h"
#include "aggregation/SessionSpill.h"
#include "ingest/Deduplicator.h"
#include "model/CaptureFilter.h"
#include "model/CaptureSettings.h"
#include "model/ClaudeEvent.h"
#include "model/SessionSummary.h"
#include "util/Clock.h"
#include "util/StringKeyIndex.h"

#include <QHash>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ea {

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
        // command_acknowledged joins the session whose user_prompt with the same text is at
        // most this far apart (event times).
        qint64 attributionWindowMs = 5000;
        // A session whose turn ended is saved once no event came for this long: the Stop's
        // companion events (token counts, hook timings) arrive milliseconds later and join
        // the same save.
        qint64 settleMs = 1000;
        CaptureFilter filter;
        CaptureLimits limits;
    };

    // Memory bounds (see CaptureLimits); reported through limitHit().
    enum class Limit
    {
        LiveSessions,
        LiveBytes,
        SessionEvents,
        SessionBytes,
        PendingToolCalls,
        ParkedSessions
    };
    static QString limitName(Limit limit);

    // What the session being completed was, readable while sessionCompleted() is emitted.
    struct Completion
    {
        QString routingId;     // the session id events name (a part's id adds "#part<N>")
        int part = 1;          // 1: the session's first (or only) record
        QString continuedIn;   // set when the session goes on in a new part
        bool released = false; // saved and released by a memory limit, still going on
        qint64 idleMs = 0;     // inactivity (monotonic) when it was completed
    };

    struct Stats
    {
        quint64 aggregated = 0;
        quint64 duplicates = 0;
        quint64 filtered = 0;
        quint64 attributed = 0;   // no session id, joined a session (prompt text, project, cwd)
        quint64 unattributed = 0; // no session id and no session to join (duplicates excluded)
        quint64 reopened = 0;
        quint64 completed = 0;
        quint64 timedOut = 0;
        quint64 released = 0;        // saved and released from memory by a limit
        quint64 split = 0;           // continued in a new part by a per-session limit
        quint64 parkedExpired = 0;   // released sessions that then timed out
        quint64 parkedForgotten = 0; // released sessions dropped from the timeout list
        quint64 spilled = 0;         // live sessions whose events a limit moved to the spill file
        quint64 unspilled = 0;       // spilled sessions read back (once each, to be saved or split)
    };

    // Finds a saved session so a later event reopens it instead of starting a second record.
    using SessionLoader = std::function<std::optional<AgentSession>(const QString& sessionId)>;

    static inline const QString UnattributedId = QStringLiteral("unattributed");

    // clock: what timeouts, settling and deadlines are measured on (a SystemClock when null);
    // it must outlive the aggregator.
    explicit Aggregator(Settings settings, const Clock* clock = nullptr, QObject* parent = nullptr);
    ~Aggregator() override;

    // The loader may return a later part of the session ("<id>#part<N>"), which then takes
    // the events.
    void setSessionLoader(SessionLoader loader) { m_loader = std::move(loader); }
    // Whether a session id is already used by a saved file, so a new part never reuses one.
    void setIdTaken(std::function<bool(const QString& sessionId)> taken)
    {
        m_idTaken = std::move(taken);
    }
    static QString partId(const QString& sessionId, int part);
    // Where a memory limit moves the events of the least recently active sessions (they stay
    // live: their next events are appended there too, and everything is read back once, when
    // the session is saved). Without one (or while it cannot be written) a limit saves the
    // session as interrupted and releases it instead, to reopen from its file.
    void setSpill(SessionSpill* spill) { m_spill = spill; }
    // Live sessions whose events are in the spill file rather than in memory.
    int spilledCount() const { return m_spilledCount; }
    // Records a stretch of possibly lost events in every live session, spilled ones too.
    void addPossibleGapToLive(const QDateTime& from, const QDateTime& to, const QString& reason);
    // Live capture arms one timer for the earliest deadline; a replay drives expire() itself
    // with the events' own times instead.
    void setTimerDriven(bool on);

    // nowMs is the clock inactivity is measured on: monotonic in live capture, the event's
    // timestamp in a replay. journalSeq (or -1) is released once the session is saved.
    // Returns false when the event was a duplicate, so nothing holds journalSeq.
    bool addEvent(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs);
    // Puts a saved session (e.g. one interrupted by the last shutdown) back into the live set;
    // idleMs is how long it has already been inactive.
    // routingId: the id events name, when the session is a later part ("<id>#part<N>").
    void resume(AgentSession session, qint64 nowMs, qint64 idleMs, const QString& routingId = {});
    // Remembers a saved, still going (interrupted) session without loading it, so it times out
    // (parkedExpired()) unless an event reopens it first.
    void park(const QString& sessionId, qint64 nowMs, qint64 idleMs);
    int parkedCount() const { return int(m_parked.size()); }
    // Forgets the parked sessions and returns their ids (e.g. to finish them at the end of a
    // replay).
    QStringList takeParked();
    // Completes every session idle for longer than the timeout.
    void expire(qint64 nowMs);
    bool stopSession(const QString& sessionId, AgentSession::Status status, const QString& reason);
    void stopAll(AgentSession::Status status, const QString& reason);

    // nullptr for sessions that are not live or whose events are spilled.
    const AgentSession* liveSession(const QString& sessionId) const;
    // Live sessions held in memory (liveSession() is not null), least recently active first.
    // Spilled ones are live too (liveCount(), isLive()) but their details are on disk.
    QStringList liveSessionIds() const;
    bool isLive(const QString& sessionId) const { return m_live.count(sessionId) > 0; }
    // Every live session, spilled or not, least recently active first.
    QStringList allLiveSessionIds() const;
    // What a listing shows of a spilled session without reading it back: its summary as it
    // stood when it was spilled, with the events and the last event time kept current since.
    struct SpilledView
    {
        QDateTime lastEventTime; // first: with the count below, what each spilled event updates
        SessionSummary summary;
        QString initialPrompt;
    };
    // nullptr unless the session is live and spilled.
    const SpilledView* spilledView(const QString& sessionId) const;
    // A copy of a live session as it stands, read from the spill file if need be (the
    // session itself stays as it is); nullopt when it is not live.
    std::optional<AgentSession> copyOfLive(const QString& sessionId);
    int liveCount() const { return int(m_live.size()); }
    const Stats& stats() const { return m_stats; }
    // Approximate bytes of events held by live sessions.
    qint64 liveBytes() const { return m_liveBytes; }
    // Finished sessions kept warm for their next turn (maxFinishedBytes), until the timeout.
    int finishedCount() const { return int(m_finished.size()); }
    qint64 finishedBytes() const { return m_finishedBytes; }
    const Completion& completing() const { return m_completing; }
    const Settings& settings() const { return m_settings; }
    // Monotonic milliseconds of its clock, used when the aggregator runs its own timer.
    qint64 nowMs() const { return m_clock->monotonicMs(); }
    const Clock& clock() const { return *m_clock; }

Q_SIGNALS:
    void sessionStarted(const QString& sessionId);
    void sessionChanged(const QString& sessionId);
    // An event joined a live session (duplicates never do); nowMs as given to addEvent().
    void eventAdded(const QString& sessionId, const ea::ClaudeEvent& event, qint64 nowMs);
    // The session is no longer live: save it, then release journalSeqs.
    // completing() tells whether it finished, was released by a limit or split into parts.
    void sessionCompleted(const AgentSession& session, const QList<qint64>& journalSeqs);
    // A released session was idle for the timeout: its saved file should now read timed_out.
    void parkedExpired(const QString& sessionId, const QString& reason);
    // An event held back (an acknowledgement waiting for its prompt) turned out to be a
    // duplicate: nothing holds its journal record any more.
    void journalSeqUnheld(qint64 journalSeq);
    // Warm copies of finished sessions were dropped, a timeout after they finished (their
    // files answer from then on): about this many bytes are free now.
    void finishedReleased(qint64 bytes);
    // A memory limit was reached; detail says which session and how.
    void limitHit(Aggregator::Limit limit, const QString& detail);

private:
    struct Live;
    using LiveEntry = std::pair<const QString, Live>;
    struct Live
    {
        // The fields each event touches come first, next to the map node's key: with
        // thousands of sessions the record is cold, and every cache line it spans is a miss.
        std::unique_ptr<AgentSession> session; // null while its events are spilled
        Deduplicator::Hold dedup;              // its identities, without a lookup per event
        qint64 lastActivityMs = 0;
        OrderLinks<LiveEntry> byActivity; // its place in m_byActivity
        OrderLinks<LiveEntry> inMemory;   // its place in m_inMemory, while held
        LiveEntry* self = nullptr;        // the map entry holding it (it never moves while live)
        qint64 bytes = 0;                 // approximate: event bytes plus per-event overhead
        qint64 settleAtMs = -1; // its turn ended: saved at this time unless a new one starts
        int pending = 0;        // pre_tool events without their post_tool (approximate)
        int part = 1;
        std::vector<qint64> journalSeqs; // not QList: no shared header to check per event
        // Spilled: the session's events are in the spill file, in arrival order.
        SessionSpill::Chunks spilled;
        qint64 spilledEvents = 0;
        SpilledView view;
        QString recordId; // the spilled session's own id (a part's id, for a later part)
        AgentSession::UnstoredState unstored;
        bool isSpilled() const { return !session; }
    };
    struct ByActivity
    {
        OrderLinks<LiveEntry>& operator()(LiveEntry& e) const { return e.second.byActivity; }
    };
    struct InMemory
    {
        OrderLinks<LiveEntry>& operator()(LiveEntry& e) const { return e.second.inMemory; }
    };
    // A session completed for good (not released, not split), kept warm for its next turn.
    struct Finished
    {
        Live live;
        qint64 completedAtMs = 0;
        std::list<QString>::iterator order; // position in m_finishedOrder
    };
    struct Parked
    {
        QString sessionId;
        qint64 lastActivityMs = 0;
    };

    enum class Route
    {
        Own,
        Attributed,
        Unattributed
    };
    // remembered: the de-duplicator already took the event. known: the session's live record,
    // already looked up.
    bool deliver(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs,
                 const QString& sessionId, Route route, bool remembered = false,
                 Live* known = nullptr);
    // The record for id, new and empty unless there is one: every record enters m_live here.
    Live& addLive(const QString& id);
    void holdInMemory(Live& live);
    bool spillOut(Live& live, const QString& id, Limit why);
    bool spillEvent(Live& live, const ClaudeEvent& event);
    void releaseOldestSpilled();
    // Rewrites the spill file without the events no longer needed, when they are most of it.
    void compactSpill();
    // The spilled session whole again, in memory (read back once); false when it is not
    // live.
    bool unspill(const QString& id);
    void unspill(Live& live, const QString& id);
    std::unique_ptr<AgentSession> readBack(const Live& live, const QString& id, qint64* bytes);
    bool addUnattached(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs);
    QString fallbackRoute(const ClaudeEvent& event, const QString& project, qint64 nowMs,
                          Route* route);
    std::optional<QString> promptMatch(const QString& text, qint64 atMs) const;
    void notePrompt(const QString& sessionId, const ClaudeEvent& event, qint64 nowMs);
    void resolveAcks(qint64 nowMs, bool all);
    void settleDue(qint64 nowMs);
    void armSettleTimer();
    Live* ensureLive(const QString& sessionId, qint64 nowMs, const ClaudeEvent& event);
    void touch(Live& live, const QString& id, qint64 nowMs, const ClaudeEvent& event);
    void complete(const QString& sessionId, AgentSession::Status status, const QString& reason,
                  const QDateTime& endTime = {});
    void completeAs(const QString& sessionId, AgentSession::Status status, const QString& reason,
                    const QDateTime& endTime, const Completion& how);
    void enforceSessionLimits(Live& live, const QString& routingId, qint64 nowMs);
    void enforceLiveLimits(const QString& keep, qint64 nowMs);
    void release(const QString& routingId, qint64 nowMs, Limit why);
    void keepFinished(const QString& routingId, Live live);
    std::optional<Live> takeFinished(const QString& routingId, qint64 nowMs);
    void dropFinished(std::unordered_map<QString, Finished>::iterator it);
    void unpark(const QString& sessionId);
    void pruneRecentDirectories(qint64 nowMs);
    void armTimer();
    void onTimer();
    void onSettleTimer();

    Settings m_settings;
    std::unique_ptr<Clock> m_ownClock; // when none was given
    const Clock* m_clock;
    SessionLoader m_loader;
    std::function<bool(const QString&)> m_idTaken;
    Deduplicator m_dedup;
    std::unordered_map<QString, Live> m_live;
    // The same records, for the lookup every event makes (StringKeyIndex says why).
    StringKeyIndex<LiveEntry> m_liveIndex;
    // Least recently active first: with one timeout for all, the front always expires first,
    // so one timer suffices whatever the number of sessions.
    RecordOrder<LiveEntry, ByActivity> m_byActivity;
    // Sessions held in memory, least recently active first: the memory limits' victims.
    RecordOrder<LiveEntry, InMemory> m_inMemory;
    SessionSpill* m_spill = nullptr;
    int m_spilledCount = 0;
    qint64 m_spillFailedAtMs = -1; // the spill file could not be written then
    // When the timeout timer fires (monotonic ms on m_clock), or -1 when it is not armed.
    qint64 m_timerDeadlineMs = -1;
    struct Recent
    {
        QString sessionId;
        qint64 atMs = 0;
    };
    QHash<QString, Recent> m_recentByDirectory;
    qsizetype m_recentPruneAt = 4096;
    // Released sessions by inactivity, oldest first, for their timeouts.
    std::list<Parked> m_parked;
    QHash<QString, std::list<Parked>::iterator> m_parkedById;
    qint64 m_liveBytes = 0;
    std::unordered_map<QString, Finished> m_finished;
    std::list<QString> m_finishedOrder; // oldest first
    qint64 m_finishedBytes = 0;
    bool m_stoppingAll = false; // stopAll() is completing everything
    // Events without a session id that name a prompt, waiting for that prompt's user_prompt.
    struct PendingAck
    {
        ClaudeEvent event;
        qint64 journalSeq = -1;
        qint64 deadlineMs = 0;
        QString text;
        QString project;
    };
    QList<PendingAck> m_pendingAcks;
    struct RecentPrompt
    {
        QString sessionId;
        QString text;    // the whole prompt
        QString preview; // as claude-mpm shortens it
        qint64 atMs = 0; // event time
    };
    QList<RecentPrompt> m_recentPrompts; // newest last, bounded
    std::multimap<qint64, QString> m_settleQueue;
    QTimer m_settleTimer;
    Completion m_completing;
    QTimer m_timer;
    bool m_timerDriven = true;
    Stats m_stats;
};

} // namespace ea
