// The desktop's handle on the capture core: start, stop, state, and swapping in new settings.
#pragma once

#include "attention/LiveState.h"
#include "model/CaptureSettings.h"
#include "model/SessionSummary.h"
#include "presentation/AttentionNotifier.h"
#include "presentation/CaptureState.h"
#include "presentation/LiveSessionSnapshot.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

#include <QElapsedTimer>

#include <functional>
#include <memory>
#include <optional>

namespace ea {

class CaptureService;

// The facade the UI sees instead of the capture core: "are we capturing, and how is it
// going?", the live sessions as snapshots, saved sessions listed off the UI thread. It owns
// the CaptureService and replaces it when settings change, so views connect here rather than
// to a service that may go away. ui/ does not link the capture, aggregation or storage
// layers (tests/architecture/check_layers.py), so this is the only way in.
class CaptureController : public QObject
{
    Q_OBJECT
public:
    explicit CaptureController(CaptureSettings settings, QObject* parent = nullptr);
    ~CaptureController() override;

    // Opens storage (resuming what the last run left). False with errorText() when unusable;
    // the controller is then in the Error state but still usable for browsing.
    bool initialize();

    // For app/ (wiring the control socket and the live feed) and tests; widgets cannot include
    // CaptureService.
    CaptureService& service() { return *m_service; }
    const CaptureSettings& settings() const { return m_settings; }
    CaptureState state() const { return m_state; }
    bool isCapturing() const;
    // Why the state is Error (or the last connection problem), for tooltips and status bars.
    QString errorText() const { return m_storageError.isEmpty() ? m_startError : m_storageError; }
    QString serverText() const;
    // Why the dashboard is not connected, with the retry countdown ("Dashboard not reachable
    // at 127.0.0.1:8765: connection refused — ... Retrying in 4 s"); empty when connected,
    // stopped, or before a first attempt failed.
    QString connectionProblem() const;
    // Milliseconds on a monotonic clock, for the countdown; tests pass their own.
    void setClock(std::function<qint64()> msecsNow) { m_clock = std::move(msecsNow); }
    quint64 eventsCaptured() const;
    int liveSessionCount() const;
    // The live sessions, most recent activity first, at most `limit` of them (all for -1).
    QList<LiveSessionSnapshot> liveSessions(int limit = -1) const;
    // What a live session is doing (working, needs permission, ...); nullopt when unknown.
    std::optional<LiveState> liveState(const QString& sessionId) const;
    // The sessions that need the user now (needs permission, probably blocked), longest first.
    struct NeedsYou
    {
        QString sessionId;
        QString workingDirectory;
        QString gitBranch;
        LiveState state;
    };
    QList<NeedsYou> needingAttention() const;
    // {"working": n, "needs_permission": n, ...}
    QJsonObject liveStateCounts() const;
    // What a notification says about a session: where, and its last turn's figures.
    AttentionNotifier::Session describeForNotification(const QString& sessionId) const;
    // A live session's document as it would be saved; empty when the session is not live.
    QJsonObject liveDocument(const QString& sessionId) const;
    // Events a live session holds so far; -1 when it is not live.
    qsizetype liveEventCount(const QString& sessionId) const;
    // Moves saved sessions to the user's trash, so a delete can be undone. Takes the activity
    // lock first (another writer may hold the directory). Returns one message per failure.
    QStringList trashSessions(const QStringList& sessionIds);
    // Pins (keeps from every cleanup) or unpins saved sessions. False with *error when the
    // session database cannot take it.
    bool setPinned(const QStringList& sessionIds, bool pinned, QString* error);
    // What a cleanup removes, in words ("Completed sessions older than 30 days are removed.").
    QString cleanupPolicyText() const;
    // What a cleanup would remove now (the settings' age and size budget), and why; pinned,
    // active and damaged sessions never. Empty with *error when it cannot be worked out.
    struct CleanupItem
    {
        SessionSummary session;
        QString reason;
    };
    QList<CleanupItem> planCleanup(QString* error) const;

    // Saves live sessions as interrupted, then runs with the new settings (capturing again
    // if it was); the interrupted sessions are resumed by the new service. Settings that
    // change nothing for the service change nothing at all.
    void applySettings(const CaptureSettings& settings);

public Q_SLOTS:
    void start();
    // Disconnects and completes the live sessions as stopped.
    void stop();
    void toggle();
    // On quit: live sessions are saved as interrupted, to be resumed next time.
    void shutdown();

Q_SIGNALS:
    // The state changed, or capture started or stopped while in the error state.
    void stateChanged(CaptureState state);
    void serviceReplaced(CaptureService* service);
    void sessionSaved(const QString& sessionId, const QString& path);
    // A saved session's file went away (deleted here, or by cleanup).
    void sessionRemoved(const QString& sessionId);
    // The session database has new rows (a save, a delete, a pin): readers see them now.
    void sessionIndexed();
    // The session database is being built from the files (done of total), or is ready.
    void indexProgress(int done, int total);
    // New settings brought a new store (perhaps another directory): listings are stale.
    void savedSessionsChanged();
    // The dashboard connection went down while capturing (for "lost for more than 30 s").
    void connectionLost();
    void connectionRestored();
    // connectionProblem() may say something new (an attempt failed, or it connected). Not
    // sent for every retry: views that show it also refresh it every second.
    void connectionProblemChanged();
    // A live session's state changed (as it happens, not batched).
    void liveStateChanged(const QString& sessionId, const ea::LiveState& state);

private:
    void createService();
    void updateState();
    void setStorageError(const QString& text);
    void setStartError(const QString& text);

    CaptureSettings m_settings;
    std::unique_ptr<CaptureService> m_service;
    CaptureState m_state = CaptureState::Stopped;
    bool m_connected = false;
    bool m_everConnected = false;
    bool m_wasCapturing = false;
    QString m_storageError; // lasts until a save works again
    QString m_startError;   // lasts until the next start
    bool m_shutDown = false;
    // The client's reason last seen by connectionProblem(), and when it retries (m_clock).
    mutable QString m_problemReason;
    mutable qint64 m_retryAtMs = -1;
    std::function<qint64()> m_clock;
    QElapsedTimer m_monotonic;
};

} // namespace ea
