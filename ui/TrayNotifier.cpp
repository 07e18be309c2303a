#include "ui/TrayNotifier.h"

#include "presentation/SessionListModel.h"

namespace ea {

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
    m_clock.start();
    m_completedTimer.setSingleShot(true);
    connect(&m_completedTimer, &QTimer::timeout, this, &TrayNotifier::reportCompleted);
    m_gapTimer.setSingleShot(true);
    m_gapTimer.setInterval(DefaultMessageGapMs);
    connect(&m_gapTimer, &QTimer::timeout, this, &TrayNotifier::flushQueue);
    m_firstTimer.setSingleShot(true);
    connect(&m_firstTimer, &QTimer::timeout, this, [this] {
        m_lostReported = true; // "Connection restored" follows when it comes
        const QString problem = m_problem ? m_problem() : QString();
        send(tr("Dashboard not reachable"),
             problem.isEmpty()
                 ? tr("No connection to the dashboard at %1 after %2 s. Still retrying.")
                       .arg(m_server)
                       .arg(m_firstTimer.interval() / 1000)
                 : problem,
             QSystemTrayIcon::Warning);
    });
}

void TrayNotifier::onConnecting()
{
    if (!m_firstTimer.isActive() && !m_lostReported)
        m_firstTimer.start(m_lostTimer.interval());
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
    QStringList failures;
    int failureCount = 0;
    QStringList waiting;
    QString waitingMessage;
    for (const LiveSessionSnapshot& s : snapshots) {
        const QString& id = s.summary.sessionId;
        if (!s.live && s.summary.status == QLatin1String("completed")) {
            if (!m_completed.contains(id))
                m_completedIds.append(id);
            m_completed.insert(id, {where(s.summary), m_clock.elapsed()});
        } else if (s.live && m_completed.remove(id) > 0) {
            m_completedIds.removeOne(id); // the next turn began: it was not finished after all
        }
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
    if (!m_completedIds.isEmpty() && !m_completedTimer.isActive())
        m_completedTimer.start(m_completedQuietMs);
}

void TrayNotifier::reportCompleted()
{
    // Those that stayed completed long enough; the rest wait for their turn.
    const qint64 now = m_clock.elapsed();
    const int quiet = m_completedQuietMs;
    QStringList completed;
    QStringList waiting;
    qint64 next = quiet;
    for (const QString& id : std::as_const(m_completedIds)) {
        const Completed c = m_completed.value(id);
        if (now - c.atMs >= quiet) {
            completed.append(c.where);
            m_completed.remove(id);
        } else {
            waiting.append(id);
            next = std::min(next, quiet - (now - c.atMs));
        }
    }
    m_completedIds = waiting;
    if (!waiting.isEmpty())
        m_completedTimer.start(int(next));
    if (completed.isEmpty())
        return;
    send(completed.size() == 1 ? tr("Session completed")
                               : tr("%1 sessions completed").arg(completed.size()),
         completed.join(QStringLiteral(", ")), QSystemTrayIcon::Information);
}

void TrayNotifier::onConnectionLost()
{
    if (!m_lostTimer.isActive() && !m_lostReported)
        m_lostTimer.start();
}

void TrayNotifier::onConnectionRestored()
{
    m_lostTimer.stop();
    m_firstTimer.stop();
    if (std::exchange(m_lostReported, false))
        send(tr("Connection restored"), tr("Capturing from %1 again.").arg(m_server),
             QSystemTrayIcon::Information);
}

void TrayNotifier::onCaptureStopped()
{
    m_completedTimer.stop();
    m_completedIds.clear();
    m_completed.clear();
    m_lostTimer.stop();
    m_firstTimer.stop();
    m_lostReported = false;
}

void TrayNotifier::send(const QString& title, const QString& text,
                        QSystemTrayIcon::MessageIcon icon)
{
    if (!m_enabled)
        return;
    // A newer message of the same kind replaces one still waiting.
    for (Message& m : m_queue) {
        if (m.title == title) {
            m = {title, text, icon};
            return;
        }
    }
    m_queue.append({title, text, icon});
    if (!m_gapTimer.isActive())
        flushQueue();
}

void TrayNotifier::flushQueue()
{
    if (m_queue.isEmpty())
        return;
    const Message m = m_queue.takeFirst();
    m_gapTimer.start();
    Q_EMIT message(m.title, m.text, m.icon);
}

} // namespace ea
