#include "ui/TrayAvailabilityWatcher.h"

#include <QSystemTrayIcon>

namespace ea {

TrayAvailabilityWatcher::TrayAvailabilityWatcher(Probe probe, QObject* parent)
    : QObject(parent),
      m_probe(probe ? std::move(probe) : Probe(&QSystemTrayIcon::isSystemTrayAvailable))
{
    m_available = m_probe();
    m_timer.setInterval(IntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &TrayAvailabilityWatcher::check);
}

void TrayAvailabilityWatcher::check()
{
    const bool now = m_probe();
    if (now == m_available)
        return;
    m_available = now;
    Q_EMIT availabilityChanged(now);
}

} // namespace ea

#include "moc_TrayAvailabilityWatcher.cpp"
