#pragma once

#include "aggregation/Aggregator.h"
#include "attention/SessionStateMonitor.h"
#include "ingest/NormalizeResult.h"
#include "model/CaptureSettings.h"
#include "model/SessionSummary.h"
#include "protocol/Backoff.h"
#include "protocol/SocketIoClient.h"
#include "redaction/Redactor.h"
#include "storage/Journal.h"
#include "util/Clock.h"
#include "util/RateLimitedLog.h"

#include <QFileSystemWatcher>
#include <QHash>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <memory>

namespace ea {

class ActivityLock;
class EventRecorder;
class SessionIndexWriter;
class SessionSaver;
class SessionSpill;
class SessionStore;

Q_DECLARE_LOGGING_CATEGORY(lcCapture)

// The capture pipeline: socket or recording -> journal -> normalizer -> aggregator -> store.
class CaptureService : public QObject
{
    Q_OBJECT
public:
    struct Counters
    {
        quint64 eventsReceived = 0; // payloads of aggregated event names, live or replayed
        quint64 chatter = 0;        // server chatter, counted not stored
        quint64 ignored = 0;        // event names we do not aggregate
        quint64 malformed = 0;      // payloads the normalizer rejected
        quint64 numbersAsText = 0;  // numbers out of a double's range, saved as strings
        quint64 sessionsSaved = 0;
        quint64 saveFailures = 0;
        quint64 journalFailures = 0;      // events that could not be journaled
        quint64 journalWriteFailures = 0; // failed journal writes (events and releases)
        quint64 journalReplayed = 0;
        quint64 journalBatches = 0; // appends to the journal: one write() per event-loop turn
        quint64 resumed = 0;
        quint64 cleanedUp = 0;
        quint64 unsavedDropped = 0; // documents dropped from memory over maxUnsavedBytes
        quint64 parkedFinished = 0; // released sessions marked timed out / stopped on disk
        quint64 parkedFinishFailures = 0;
        quint64 secretsRedacted = 0; // redact_at_capture: replacements made before journaling
    };

    // clock: what timeouts, backoffs and receive stamps read (a SystemClock when null); it
    // must outlive the service.
    explicit CaptureService(CaptureSettings settings, QObject* parent = nullptr,
                            const Clock* clock = nullptr);
    ~CaptureService() override;

    // Locks the activity directory, opens the store and journal, restores what the last run
    // left (journal, interrupted sessions) and removes expired files. False with lastError()
    // when storage is unusable or another process writes to the activity directory.
    bool initialize();
    // Takes the activity directory's lock if this service does not hold it yet (it is taken by
    // initialize(), or later once the directory becomes writable). False with *error naming
    // the holder when another process has it: nothing may then be written or deleted there.
    bool ensureActivityLock(QString* error);
    // Live capture from the dashboard; false when the host is refused.
    bool startCapture();
    // Disconnects and completes live sessions as stopped; the service can start again.
    void stopCapture();
    bool isCapturing() const { return m_client != nullptr; }
    // Takes a new dashboard endpoint and event list in place: live sessions, counters and the
    // journal stay; a capturing service reconnects to the new endpoint. False (the old client
    // is gone, nothing captures) when the new host is refused; lastError() says why.
    bool changeConnection(const QString& host, quint16 port, bool allowRemote,
                          const QStringList& events);
    // Takes new "probably blocked" and "idle" times in place: every live session's state and
    // deadlines are re-evaluated with them.
    void setAttentionTimes(qint64 blockedAfterMs, qint64 idleAfterMs);
    // Feeds a JSON Lines recording through the same pipeline, judging timeouts on the events'
    // own times, then saves every session (still open ones as stopped, "end of replay"). The
    // event loop runs now and then meanwhile, so requestReplayStop() (a signal) ends it early:
    // what was read is saved ("replay interrupted"). False with *error when the file cannot be
    // read (*started stays false if it could not even be opened), the replay was interrupted
    // or sessions could not be saved (each is reported).
    bool replay(const QString& path, QString* error, bool* started = nullptr);
    void requestReplayStop();
    // On quit: live sessions are saved as interrupted (resumed next start), whatever still
    // waits for the disk is tried once more, and the journal synced. False when something could
    // not be written: each such session is logged with its path, the reason and whether the
    // journal still holds its events.
    bool shutdown(const QString& reason = QStringLiteral("application quit"));

    // One received event: journaled, normalized, aggregated before this returns (with whatever
    // the socket delivered this turn and is not aggregated yet). receivedAt is the wall clock.
    // parsed: the payload as the client already parsed it, if it did (read, not parsed again).
    void ingest(const QString& name, const QByteArray& payload, const QDateTime& receivedAt,
                ParsedJson parsed = ParsedJson());
    struct Incoming
    {
        QString name;
        QByteArray payload;
        QDateTime receivedAt;
    };
    // What one event-loop turn received, in order: journaled with one write(), then
    // aggregated, as the live socket's events are.
    void ingest(const QList<Incoming>& turn);

    QJsonObject countersJson() const;
    const Counters& counters() const { return m_counters; }
    Aggregator& aggregator() { return m_aggregator; }
    // The live state of each session (working, needs permission, waiting, ...).
    SessionStateMonitor& stateMonitor() { return *m_states; }
    SessionStore& store() { return *m_store; }
    // The session database's writer; null until the activity directory is locked.
    SessionIndexWriter* index() const { return m_index.get(); }
    SocketIoClient* client() const { return m_client; }
    QString lastError() const { return m_lastError; }
    const CaptureSettings& settings() const { return m_settings; }

Q_SIGNALS:
    void connectionStateChanged(SocketIoClient::State state, const QString& reason);
    void sessionSaved(const QString& sessionId, const QString& path);
    void storageError(const QString& path, const QString& reason);
    void capturingChanged(bool capturing);

private:
    enum class TimeBase // what an event's inactivity is measured on
    {
        Live,
        EventTime,
        Journal
    };
    // The payload with its secrets replaced when redact_at_capture is on (else as it is);
    // *changed says whether anything was.
    QByteArray redacted(const QByteArray& payload, bool* changed = nullptr);
    void process(const QString& name, const QByteArray& payload, const QDateTime& receivedAt,
                 qint64 seq, TimeBase clock);
    // liveNowMs: the monotonic time of a TimeBase::Live event (read once per turn).
    void aggregate(const QString& name, const NormalizeResult& result, const QDateTime& receivedAt,
                   qint64 seq, TimeBase clock, qint64 liveNowMs);
    void onSessionCompleted(const AgentSession& session, const QList<qint64>& seqs);
    void wireStateMonitor();
    void releaseSeqs(const QList<qint64>& seqs);
    void onSocketEvent(const SocketEvent& event);
    // Normalizes one event now (its frame's parse is only valid now) and holds it for the end
    // of the event-loop turn.
    void receive(const QString& name, const QByteArray& payload, const QDateTime& receivedAt,
                 ParsedJson parsed);
    // Journals what this turn received with one write(), then aggregates it.
    void ingestReceived();
    void onNamespaceConnected(const QString& nsp, bool recovered, bool missedPossible);
    bool openJournal(qint64 minimumSeq = 1);
    // The activity directory (or its journal) deleted or moved while capturing: recreated,
    // relocked, a new journal, and every live session saved there as "interrupted", so what
    // memory holds survives a crash again.
    void watchActivityDirectory();
    void checkActivityDirectory();
    void recoverActivityDirectory();
    bool takeActivityLock(bool* heldElsewhere);
    // Failed saves, an unopened journal or an untaken lock are tried again with a backoff
    // from 1 s to 30 s, and at once (at most once a second) when a write works again.
    void scheduleRetry();
    void startRetryTimer(qint64 ms);
    void startCleanupTimer();
    // A test clock jumped: the retry and cleanup deadlines it passed are due now.
    void onClockJumped();
    void onWriteWorked();
    void retryStorage();
    bool needsRetry() const;
    // recording: the replayed file, which still holds what could not be saved.
    void reportUnsaved(const QString& recording = {});
    // After a big payload (and the save of its session) freed memory is handed back to the
    // system, so a single event does not leave the process hundreds of MB larger.
    void noteBigPayload();
    void returnFreedMemory();
    static constexpr qsizetype kBigPayloadBytes = qsizetype(1) << 20;
    // Sessions that held this much between them have been saved: their memory is free.
    static constexpr qsizetype kTrimAfterCompletedBytes = qsizetype(16) << 20;
    void restoreFromJournal();
    void resumeInterrupted();
    void restoreWaiting(QList<SessionSummary> finishedTurns, const QDateTime& now);
    void runCleanup();
    void startIndex();
    void closeClient();
    void onLimitHit(Aggregator::Limit limit, const QString& detail);
    // The saved document a session id continues in (its newest part), or nullopt.
    std::optional<QJsonObject> loadLatest(const QString& sessionId, QString* error);
    bool idTaken(const QString& sessionId) const;
    void queueParkedFinish(const QString& sessionId, AgentSession::Status status,
                           const QString& reason);
    void finishParkedBatch();

    CaptureSettings m_settings;
    std::unique_ptr<Clock> m_ownClock; // when none was given
    const Clock* m_clock;
    std::unique_ptr<SessionSpill> m_spill; // before m_aggregator, which writes to it
    Aggregator m_aggregator;
    std::unique_ptr<SessionStateMonitor> m_states;
    std::unique_ptr<ActivityLock> m_activityLock;
    // Before m_store: destroyed after it and the saver, whose last saves it still indexes.
    std::unique_ptr<SessionIndexWriter> m_index;
    // For status: "off" (not the directory's holder), "starting", "building", "ready", "failed".
    QString m_indexState = QStringLiteral("off");
    QString m_indexError;
    std::unique_ptr<SessionStore> m_store;
    std::unique_ptr<SessionSaver> m_saver; // after m_store: destroyed (and flushed) first
    std::unique_ptr<Journal> m_journal;
    std::unique_ptr<EventRecorder> m_recorder;
    struct Received
    {
        QString name;
        QByteArray payload;
        QDateTime receivedAt;
        bool journaled = false; // false: over the payload limit, refused without journaling
        Journal::PayloadCheck check = Journal::PayloadCheck::Parse;
        NormalizeResult result;
    };
    QList<Received> m_received; // this turn's events, journaled and aggregated at its end
    // The last turn's buffers, emptied but keeping their capacity for the next turn (taken
    // while in use, so a nested turn simply starts with new ones).
    QList<Received> m_spareTurn;
    QList<Journal::Record> m_spareRecords;
    QList<qsizetype> m_spareJournaled;
    QDateTime m_turnReceivedAt;
    // A turn holding more is journaled and aggregated in parts: bounds what waits in memory.
    static constexpr qsizetype kMaxTurnEvents = 512;
    SocketIoClient* m_client = nullptr;
    SocketIoClient::Stats m_pastClientStats; // of clients already closed, for the counters
    QSet<QString> m_eventNames;
    QHash<QString, QList<qint64>> m_unsavedSeqs; // completed sessions whose save has not succeeded
    QHash<qint64, int> m_sharedSeqs; // journal records holding events of several sessions
    QDateTime m_disconnectedAt;
    QTimer m_retryTimer;
    QFileSystemWatcher m_dirWatcher;
    QTimer m_dirCheckTimer;
    QTimer m_trimTimer;
    bool m_bigPayloadSeen = false;
    qsizetype m_completedBytesSinceTrim = 0;
    QPair<quint64, quint64> m_activityDirId; // device and inode when capture began
    QPair<quint64, quint64> m_journalDirId;
    bool m_recovering = false;
    Backoff m_retryBackoff{BackoffSettings{1000, 30000, 2.0, 0.0}};
    qint64 m_lastRetryMs = -1; // on m_clock
    qint64 m_retryDueMs = 0;
    qint64 m_cleanupDueMs = 0;
    bool m_writeFailing = false; // the last save or journal write failed
    QTimer m_cleanupTimer;
    struct ParkedFinish
    {
        QString sessionId;
        AgentSession::Status status;
        QString reason;
    };
    QList<ParkedFinish> m_parkedFinish; // released sessions whose files still say interrupted
    QTimer m_parkedFinishTimer;
    RateLimitedLog m_rateLimited;
    std::optional<Redactor> m_redactor; // only with redact_at_capture: no cost without it
    Counters m_counters;
    QString m_lastError;
    QString m_journalError;
    bool m_initialized = false;
    bool m_replayStopRequested = false;
    qint64 m_lastEventTimeMs = 0; // of the replay: the latest trusted event time
    static constexpr qint64 kTrustedFutureMs = qint64(24) * 60 * 60 * 1000;
};

} // namespace ea
