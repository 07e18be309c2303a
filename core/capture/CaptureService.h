#pragma once

#include "Aggregator.h"
#include "CaptureSettings.h"
#include "RateLimitedLog.h"
#include "SocketIoClient.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <memory>

class EventRecorder;
class Journal;
class SessionSaver;
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
        quint64 sessionsSaved = 0;
        quint64 saveFailures = 0;
        quint64 journalFailures = 0;      // events that could not be journaled
        quint64 journalWriteFailures = 0; // failed journal writes (events and releases)
        quint64 journalReplayed = 0;
        quint64 resumed = 0;
        quint64 cleanedUp = 0;
        quint64 unsavedDropped = 0; // documents dropped from memory over maxUnsavedBytes
        quint64 parkedFinished = 0; // released sessions marked timed out / stopped on disk
        quint64 parkedFinishFailures = 0;
    };

    explicit CaptureService(CaptureSettings settings, QObject* parent = nullptr);
    ~CaptureService() override;

    // Opens the store and journal, restores what the last run left (journal, interrupted
    // sessions) and removes expired files. False with lastError() when storage is unusable.
    bool initialize();
    // Live capture from the dashboard; false when the host is refused.
    bool startCapture();
    // Disconnects and completes live sessions as stopped; the service can start again.
    void stopCapture();
    bool isCapturing() const { return m_client != nullptr; }
    // Feeds a JSON Lines recording through the same pipeline, judging timeouts on the events'
    // own times, then saves every session (still open ones as stopped, "end of replay").
    bool replay(const QString& path, QString* error);
    // On quit: live sessions are saved as interrupted (resumed next start) and the journal synced.
    void shutdown();

    // One received event: journaled, normalized, aggregated. receivedAt is the wall clock.
    void ingest(const QString& name, const QByteArray& payload, const QDateTime& receivedAt);

    QJsonObject countersJson() const;
    const Counters& counters() const { return m_counters; }
    Aggregator& aggregator() { return m_aggregator; }
    SessionStore& store() { return *m_store; }
    SocketIoClient* client() const { return m_client; }
    QString lastError() const { return m_lastError; }
    const CaptureSettings& settings() const { return m_settings; }

Q_SIGNALS:
    void connectionStateChanged(SocketIoClient::State state, const QString& reason);
    void sessionSaved(const QString& sessionId, const QString& path);
    void storageError(const QString& path, const QString& reason);
    void capturingChanged(bool capturing);

private:
    enum class Clock
    {
        Live,
        EventTime,
        Journal
    };
    void process(const QString& name, const QByteArray& payload, const QDateTime& receivedAt,
                 qint64 seq, Clock clock);
    void onSessionCompleted(const AgentSession& session, const QList<qint64>& seqs);
    void releaseSeqs(const QList<qint64>& seqs);
    void onSocketEvent(const SocketEvent& event);
    void onNamespaceConnected(const QString& nsp, bool recovered, bool missedPossible);
    bool openJournal();
    void restoreFromJournal();
    void resumeInterrupted();
    void runCleanup();
    void closeClient();
    void onLimitHit(Aggregator::Limit limit, const QString& detail);
    // The saved document a session id continues in (its newest part), or nullopt.
    std::optional<QJsonObject> loadLatest(const QString& sessionId, QString* error);
    bool idTaken(const QString& sessionId) const;
    void queueParkedFinish(const QString& sessionId, AgentSession::Status status,
                           const QString& reason);
    void finishParkedBatch();

    CaptureSettings m_settings;
    Aggregator m_aggregator;
    std::unique_ptr<SessionStore> m_store;
    std::unique_ptr<SessionSaver> m_saver; // after m_store: destroyed (and flushed) first
    std::unique_ptr<Journal> m_journal;
    std::unique_ptr<EventRecorder> m_recorder;
    SocketIoClient* m_client = nullptr;
    SocketIoClient::Stats m_pastClientStats; // of clients already closed, for the counters
    QSet<QString> m_eventNames;
    QHash<QString, QList<qint64>> m_unsavedSeqs; // completed sessions whose save has not succeeded
    QHash<qint64, int> m_sharedSeqs; // journal records holding events of several sessions
    QDateTime m_disconnectedAt;
    QTimer m_retryTimer;
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
    Counters m_counters;
    QString m_lastError;
    QString m_journalError;
    bool m_initialized = false;
};
