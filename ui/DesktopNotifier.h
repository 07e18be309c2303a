// Shows notifications through the freedesktop notification service over D-Bus, with "Open".
#pragma once

#include "presentation/AttentionNotifier.h"

#include <QHash>
#include <QObject>
#include <QString>

namespace ea {

// Where the session bus has org.freedesktop.Notifications, each notification goes there with an
// "Open" action (choosing it, or the notification itself, opens the session); where it has
// not, fallbackRequested() asks the tray for a balloon instead.
class DesktopNotifier : public QObject
{
    Q_OBJECT
public:
    static constexpr const char* Service = "org.freedesktop.Notifications";
    static constexpr const char* Path = "/org/freedesktop/Notifications";

    explicit DesktopNotifier(QObject* parent = nullptr);

    bool serviceAvailable() const;
    void show(const AttentionNotifier::Notification& notification);
    // Notify calls made whose id has come back, for tests and the benchmark.
    int sent() const { return m_sent; }

Q_SIGNALS:
    void openRequested(const QString& sessionId);
    void fallbackRequested(const QString& title, const QString& body, const QString& sessionId);
    // The service accepted a notification (its id), or refused it (then the fallback is used).
    void delivered(uint id);

private Q_SLOTS:
    void onActionInvoked(uint id, const QString& action);
    void onClosed(uint id, uint reason);

private:
    QHash<uint, QString> m_sessionOf; // notification id -> session to open
    int m_sent = 0;
};

} // namespace ea
