// The desktop's handle on the capture core: start, stop, state, and swapping in new settings.
#pragma once

#include "CaptureSettings.h"
#include "CaptureState.h"
#include "SocketIoClient.h"

#include <QObject>
#include <QString>

#include <QElapsedTimer>

#include <functional>
#include <memory>

class CaptureService;

// The one object the UI asks "are we capturing, and how is it going?". It owns the
// CaptureService and replaces it when settings change, so views connect here (or to
// serviceReplaced()) rather than to a service that may go away.
class CaptureController : public QObject
{
    Q_OBJECT
public:
    explicit CaptureController(CaptureSettings settings, QObject* parent = nullptr);
    ~CaptureController() override;

    // Opens storage (resuming what the last run left). False with errorText() when unusable;
    // the controller is then in the Error state but still usable for browsing.
    bool initialize();

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
    // The dashboard connection went down while capturing (for "lost for more than 30 s").
    void connectionLost();
    void connectionRestored();
    // connectionProblem() may say something new (an attempt failed, or it connected). Not
    // sent for every retry: views that show it also refresh it every second.
    void connectionProblemChanged();

private:
    void createService();
    void updateState();
    void setStorageError(const QString& text);
    void setStartError(const QString& text);

    CaptureSettings m_settings;
    std::unique_ptr<CaptureService> m_service;
    CaptureState m_state = CaptureState::Stopped;
    SocketIoClient::State m_connection = SocketIoClient::State::Disconnected;
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
