#include "TrayNotifier.h"

#include "SessionListModel.h"

TrayNotifier::TrayNotifier(QObject* parent) : QObject(parent)
{
    m_lostTimer.setSingleShot(true);
    m_lostTimer.setInterval(DefaultLostThresholdMs);
    connect(&m_lostTimer, &QTimer::timeout, this, [this] {
        m_lostReported = true;
        send(tr("Connection lost"),
             tr("No connection to the dashboard at %1 for %2 s. Still retrying; events sent "
                "meanwhile may be missing.")
                 .arg(m_server)
                 .arg(m_lostTimer.interval() / 1000),
             QSystemTrayIcon::Warning);
    });
}

void TrayNotifier::setEnabled(bool on)
{
    m_enabled = on;
}

QString TrayNotifier::where(const SessionSummary& s)
{
    const QString project = SessionListModel::projectName(s.workingDirectory);
    return project.isEmpty()
               ? tr("session %1").arg(SessionListModel::shortId(s.sessionId))
               : tr("%1 (session %2)").arg(project, SessionListModel::shortId(s.sessionId));
}

void TrayNotifier::onLiveBatch(const QList<LiveSessionSnapshot>& snapshots)
{
    QStringList completed;
    QStringList failures;
    int failureCount = 0;
    QStringList waiting;
    QString waitingMessage;
    for (const LiveSessionSnapshot& s : snapshots) {
        if (!s.live && s.summary.status == QLatin1String("completed"))
            completed.append(where(s.summary));
        if (s.newFailures > 0) {
            failureCount += s.newFailures;
            failures.append(s.failedTool.isEmpty()
                                ? where(s.summary)
                                : tr("%1 in %2").arg(s.failedTool, where(s.summary)));
        }
        if (s.newPermissionRequests > 0) {
            waiting.append(where(s.summary));
            if (waitingMessage.isEmpty())
                waitingMessage = s.permissionMessage;
        }
    }
    if (!waiting.isEmpty()) {
        send(tr("Claude is waiting for you"),
             (waitingMessage.isEmpty() ? tr("Claude needs your permission or input")
                                       : waitingMessage) +
                 QStringLiteral(" — ") + waiting.join(QStringLiteral(", ")),
             QSystemTrayIcon::Information);
    }
    if (failureCount > 0) {
        if (m_lastFailureMessage.isValid() && m_lastFailureMessage.elapsed() < FailureQuietMs) {
            m_suppressedFailures += failureCount;
        } else {
            const int total = failureCount + std::exchange(m_suppressedFailures, 0);
            send(total == 1 ? tr("A tool call failed") : tr("%1 tool calls failed").arg(total),
                 failures.join(QStringLiteral(", ")), QSystemTrayIcon::Warning);
            m_lastFailureMessage.start();
        }
    }
    if (!completed.isEmpty()) {
        send(completed.size() == 1 ? tr("Session completed")
                                   : tr("%1 sessions completed").arg(completed.size()),
             completed.join(QStringLiteral(", ")), QSystemTrayIcon::Information);
    }
}

void TrayNotifier::onConnectionLost()
{
    if (!m_lostTimer.isActive() && !m_lostReported)
        m_lostTimer.start();
}

void TrayNotifier::onConnectionRestored()
{
    m_lostTimer.stop();
    if (std::exchange(m_lostReported, false))
        send(tr("Connection restored"), tr("Capturing from %1 again.").arg(m_server),
             QSystemTrayIcon::Information);
}

void TrayNotifier::onCaptureStopped()
{
    m_lostTimer.stop();
    m_lostReported = false;
}

void TrayNotifier::send(const QString& title, const QString& text,
                        QSystemTrayIcon::MessageIcon icon)
{
    if (m_enabled)
        Q_EMIT message(title, text, icon);
}
