// Tray messages about the dashboard connection (sessions are announced by AttentionNotifier).
#pragma once

#include <QObject>
#include <QSystemTrayIcon>
#include <QTimer>

#include <functional>

namespace ea {

// Messages: the dashboard connection lost for longer than lostThresholdMs, or no first
// connection within it, and when it is back. Messages come at least messageGapMs apart, so one
// stays readable before the next replaces it.
class TrayNotifier : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultLostThresholdMs = 30000;
    static constexpr int DefaultMessageGapMs = 6000;

    explicit TrayNotifier(QObject* parent = nullptr);

    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }
    void setServer(const QString& server) { m_server = server; }
    void setLostThresholdMs(int ms) { m_lostTimer.setInterval(ms); }
    void setMessageGapMs(int ms) { m_gapTimer.setInterval(ms); }

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
    void flushQueue();
    void send(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);

    bool m_enabled = true;
    QString m_server;
    QTimer m_lostTimer;
    QTimer m_firstTimer;
    std::function<QString()> m_problem;
    bool m_lostReported = false;
    QTimer m_gapTimer; // running: the last message is still being read
    QList<Message> m_queue;
};

} // namespace ea
