// Tells when a system tray appears or goes away, so the app can move into it or out of it.
#pragma once

#include <QObject>
#include <QTimer>

#include <functional>

namespace ea {

// Panels often start after autostarted applications, and restart. Qt signals no change of
// tray availability in its public API, so this asks again every few seconds (on X11 one
// selection-owner query while there is no tray, a cached answer while there is one).
class TrayAvailabilityWatcher : public QObject
{
    Q_OBJECT
public:
    using Probe = std::function<bool()>;
    static constexpr int IntervalMs = 2000;

    // probe: whether a tray exists now; empty: QSystemTrayIcon::isSystemTrayAvailable.
    explicit TrayAvailabilityWatcher(Probe probe = {}, QObject* parent = nullptr);

    bool isAvailable() const { return m_available; }
    void start() { m_timer.start(); }

public Q_SLOTS:
    // Asks now; emits availabilityChanged() when the answer differs from the last one.
    void check();

Q_SIGNALS:
    void availabilityChanged(bool available);

private:
    Probe m_probe;
    QTimer m_timer;
    bool m_available = false;
};

} // namespace ea
