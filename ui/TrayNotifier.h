// Decides which events deserve a tray message, and words them.
#pragma once

#include "LiveSessionSnapshot.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSystemTrayIcon>
#include <QTimer>

// Messages: a session completed; the dashboard connection lost for longer than
// lostThresholdMs; a tool failed; Claude waits for permission or input. Bursts are merged,
// and failures are rate limited, so a broken build does not bury the desktop in messages.
class TrayNotifier : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultLostThresholdMs = 30000;
    static constexpr int FailureQuietMs = 10000;

    explicit TrayNotifier(QObject* parent = nullptr);

    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }
    void setServer(const QString& server) { m_server = server; }
    void setLostThresholdMs(int ms) { m_lostTimer.setInterval(ms); }

    void onLiveBatch(const QList<LiveSessionSnapshot>& snapshots);
    void onConnectionLost();
    void onConnectionRestored();
    void onCaptureStopped();

Q_SIGNALS:
    void message(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);

private:
    void send(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);
    static QString where(const SessionSummary& s);

    bool m_enabled = true;
    QString m_server;
    QTimer m_lostTimer;
    bool m_lostReported = false;
    QElapsedTimer m_lastFailureMessage;
    int m_suppressedFailures = 0;
};
