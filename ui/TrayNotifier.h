// Decides which events deserve a tray message, and words them.
#pragma once

#include "presentation/LiveSessionSnapshot.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSystemTrayIcon>
#include <QTimer>

#include <functional>

namespace ea {

// Messages: a session completed (and stayed so for completedQuietMs: Claude Code completes a
// session at the end of every turn and reopens it with the next prompt); the dashboard
// connection lost for longer than lostThresholdMs, or no first connection within it; a tool
// failed; Claude waits for permission or input. Bursts are merged (each session once), failures
// are rate limited, and messages come at least messageGapMs apart, so one stays readable
// before the next replaces it.
class TrayNotifier : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultLostThresholdMs = 30000;
    static constexpr int FailureQuietMs = 10000;
    static constexpr int DefaultCompletedQuietMs = 20000;
    static constexpr int DefaultMessageGapMs = 6000;

    explicit TrayNotifier(QObject* parent = nullptr);

    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }
    void setServer(const QString& server) { m_server = server; }
    void setLostThresholdMs(int ms) { m_lostTimer.setInterval(ms); }
    void setCompletedQuietMs(int ms) { m_completedQuietMs = ms; }
    void setMessageGapMs(int ms) { m_gapTimer.setInterval(ms); }

    void onLiveBatch(const QList<LiveSessionSnapshot>& snapshots);
    // Capture started connecting: if no first connection comes within the threshold, one
    // message says so (with problem(), the reason), once per start.
    void onConnecting();
    void setProblemSource(std::function<QString()> problem) { m_problem = std::move(problem); }
    void onConnectionLost();
    void onConnectionRestored();
    void onCaptureStopped();

Q_SIGNALS:
    void message(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);

private:
    struct Message
    {
        QString title;
        QString text;
        QSystemTrayIcon::MessageIcon icon;
    };
    void reportCompleted();
    void flushQueue();
    void send(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);
    static QString where(const SessionSummary& s);

    bool m_enabled = true;
    QString m_server;
    QTimer m_lostTimer;
    QTimer m_firstTimer;
    std::function<QString()> m_problem;
    bool m_lostReported = false;
    QElapsedTimer m_lastFailureMessage;
    int m_suppressedFailures = 0;
    QTimer m_completedTimer;
    int m_completedQuietMs = DefaultCompletedQuietMs;
    QStringList m_completedIds; // in the order they completed
    struct Completed
    {
        QString where;
        qint64 atMs; // m_clock
    };
    QHash<QString, Completed> m_completed; // still completed
    QElapsedTimer m_clock;
    QTimer m_gapTimer; // running: the last message is still being read
    QList<Message> m_queue;
};

} // namespace ea
