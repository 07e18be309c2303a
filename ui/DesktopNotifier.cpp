#include "ui/DesktopNotifier.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLoggingCategory>
#include <QVariantMap>

namespace ea {

Q_LOGGING_CATEGORY(lcNotify, "ea.ui.notify", QtInfoMsg)

namespace {
const QString kInterface = QStringLiteral("org.freedesktop.Notifications");
} // namespace

DesktopNotifier::DesktopNotifier(QObject* parent) : QObject(parent)
{
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return;
    bus.connect(QLatin1String(Service), QLatin1String(Path), kInterface,
                QStringLiteral("ActionInvoked"), this, SLOT(onActionInvoked(uint, QString)));
    bus.connect(QLatin1String(Service), QLatin1String(Path), kInterface,
                QStringLiteral("NotificationClosed"), this, SLOT(onClosed(uint, uint)));
}

bool DesktopNotifier::serviceAvailable() const
{
    const QDBusConnection bus = QDBusConnection::sessionBus();
    return bus.isConnected() && bus.interface() &&
           bus.interface()->isServiceRegistered(QLatin1String(Service)).value();
}

void DesktopNotifier::show(const AttentionNotifier::Notification& n)
{
    const QString session = n.sessions.isEmpty() ? QString() : n.sessions.first();
    if (!serviceAvailable()) {
        Q_EMIT fallbackRequested(n.title, n.body, session);
        return;
    }
    QDBusMessage call = QDBusMessage::createMethodCall(QLatin1String(Service), QLatin1String(Path),
                                                       kInterface, QStringLiteral("Notify"));
    const uchar urgency = n.kind == AttentionNotifier::Kind::Finished ? 1 : 2; // normal, critical
    QVariantMap hints{{QStringLiteral("desktop-entry"), QStringLiteral("event-aggregator")},
                      {QStringLiteral("urgency"), QVariant::fromValue(urgency)}};
    call << QStringLiteral("Event Aggregator") << uint(0) << QStringLiteral("event-aggregator")
         << n.title << n.body
         << QStringList{QStringLiteral("default"), tr("Open"), QStringLiteral("open"), tr("Open")}
         << hints << int(-1);
    // Asynchronous: a slow notification daemon never stalls the tray.
    auto* watcher =
        new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, watcher, session, title = n.title, body = n.body] {
                watcher->deleteLater();
                const QDBusPendingReply<uint> reply = *watcher;
                if (reply.isError()) {
                    qCWarning(lcNotify).noquote()
                        << "notification service refused:" << reply.error().message();
                    Q_EMIT fallbackRequested(title, body, session);
                    return;
                }
                ++m_sent;
                if (!session.isEmpty())
                    m_sessionOf.insert(reply.value(), session);
                Q_EMIT delivered(reply.value());
            });
}

void DesktopNotifier::onActionInvoked(uint id, const QString& action)
{
    const QString session = m_sessionOf.value(id);
    if (session.isEmpty() ||
        (action != QLatin1String("default") && action != QLatin1String("open")))
        return;
    Q_EMIT openRequested(session);
}

void DesktopNotifier::onClosed(uint id, uint)
{
    m_sessionOf.remove(id);
}

} // namespace ea

#include "moc_DesktopNotifier.cpp"
