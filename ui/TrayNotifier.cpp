#include "ui/TrayNotifier.h"

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
    m_gapTimer.setSingleShot(true);
    // The gap is what keeps one message from covering the last: a coarse timer may fire 5 %
    // early (a flaky 379 ms of 400 in CI), and one timer per message costs nothing.
    m_gapTimer.setTimerType(Qt::PreciseTimer);
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

#include "moc_TrayNotifier.cpp"
