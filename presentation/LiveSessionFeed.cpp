#include "presentation/LiveSessionFeed.h"

#include "aggregation/Aggregator.h"

#include "aggregation/Aggregator.h"

#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcFeed, "ea.ui.feed")

namespace {
// How far back a batch looks for the event behind a new failure or permission request: a
// burst may add thousands, and the notification needs only the latest.
constexpr int kMaxScan = 2000;

bool isFailedResult(const ClaudeEvent& e)
{
    if (!e.isPostTool())
        return false;
    const QJsonObject d = e.data();
    const QJsonValue exit = d.value(QLatin1String("exit_code"));
    return d.value(QLatin1String("success")) == QJsonValue(false) ||
           d.value(QLatin1String("status")).toString() == QLatin1String("error") ||
           (exit.isDouble() && exit.toInt() != 0);
}
} // namespace

LiveSessionFeed::LiveSessionFeed(QObject* parent) : QObject(parent)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(DefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &LiveSessionFeed::flush);
}

Aggregator* LiveSessionFeed::aggregator() const
{
    return static_cast<Aggregator*>(m_aggregator.data());
}

void LiveSessionFeed::setAggregator(Aggregator* aggregator)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    // Ids of the old aggregator would be looked up in the new one: deliver them first.
    flush();
    m_aggregator = aggregator;
    m_seen.clear();
    if (!aggregator)
        return;
    qCDebug(lcFeed) << "following" << aggregator->liveCount() << "live session(s)";
    m_connections = {
        connect(aggregator, &Aggregator::sessionStarted, this,
                [this](const QString& id) {
                    baseline(id);
                    markDirty(id);
                }),
        connect(aggregator, &Aggregator::sessionChanged, this, &LiveSessionFeed::markDirty),
        connect(aggregator, &Aggregator::sessionCompleted, this,
                [this](const AgentSession& s, const QList<qint64>&) { onCompleted(s); }),
    };
    for (const QString& id : aggregator->liveSessionIds()) {
        baseline(id);
        markDirty(id);
    }
}

void LiveSessionFeed::baseline(const QString& sessionId)
{
    // A session resumed or reopened with events already in it: what it held before is not
    // news, only what arrives from now on.
    const AgentSession* s = m_aggregator ? aggregator()->liveSession(sessionId) : nullptr;
    if (!s || s->eventCount() == 0)
        return;
    m_seen.insert(sessionId,
                  Seen{s->toolFailures(), s->eventCounts().value(QStringLiteral("notification")),
                       int(s->eventCount())});
}

void LiveSessionFeed::markDirty(const QString& sessionId)
{
    m_dirty.insert(sessionId);
    if (!m_timer.isActive())
        m_timer.start();
}

void LiveSessionFeed::onCompleted(const AgentSession& session)
{
    // The session object goes away after this signal: its final state is taken now.
    m_ended.append(LiveSessionSnapshot::of(session));
    m_ended.last().live = false;
    m_seen.remove(session.sessionId());
    if (!m_timer.isActive())
        m_timer.start();
}

QList<LiveSessionSnapshot> LiveSessionFeed::snapshotAll() const
{
    QList<LiveSessionSnapshot> out;
    if (!m_aggregator)
        return out;
    for (const QString& id : aggregator()->allLiveSessionIds()) {
        if (const AgentSession* s = aggregator()->liveSession(id))
            out.append(LiveSessionSnapshot::of(*s));
        else if (const Aggregator::SpilledView* v = aggregator()->spilledView(id))
            out.append(LiveSessionSnapshot::of(*v));
        else
            continue;
        if (m_stateLookup)
            out.last().state = m_stateLookup(id);
    }
    return out;
}

void LiveSessionFeed::flush()
{
    m_timer.stop();
    if (m_dirty.isEmpty() && m_ended.isEmpty())
        return;
    QList<LiveSessionSnapshot> batch = std::exchange(m_ended, {});
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    for (const QString& id : dirty) {
        const AgentSession* session = m_aggregator ? aggregator()->liveSession(id) : nullptr;
        if (!session) {
            // Spilled: still live, its details on disk; otherwise it completed and is already
            // in the batch from onCompleted().
            if (const Aggregator::SpilledView* v =
                    m_aggregator ? aggregator()->spilledView(id) : nullptr)
                batch.append(LiveSessionSnapshot::of(*v));
            continue;
        }
        LiveSessionSnapshot snap = LiveSessionSnapshot::of(*session);
        if (m_stateLookup)
            snap.state = m_stateLookup(id);
        Seen& seen = m_seen[id];
        const int permissions = session->eventCounts().value(QStringLiteral("notification"));
        snap.newFailures = std::max(0, snap.summary.failures - seen.failures);
        const int newNotifications = std::max(0, permissions - seen.permissions);
        if (snap.newFailures > 0 || newNotifications > 0) {
            const qsizetype end = session->eventCount();
            const qsizetype from = std::max<qsizetype>(seen.events, end - kMaxScan);
            for (qsizetype i = end - 1; i >= from; --i) {
                const ClaudeEvent e = session->eventAt(i);
                if (snap.newFailures > 0 && snap.failedTool.isEmpty() && isFailedResult(e))
                    snap.failedTool = e.toolName;
                if (newNotifications > 0 && e.subtype == u"notification") {
                    const QJsonObject d = e.data();
                    const QString type = d.value(QLatin1String("notification_type")).toString();
                    const QString message = d.value(QLatin1String("message")).toString();
                    // Only the ones where Claude waits for the user are worth interrupting for.
                    if (type == QLatin1String("permission") ||
                        type == QLatin1String("idle_prompt") ||
                        d.value(QLatin1String("is_user_input_request")).toBool() ||
                        message.contains(QLatin1String("permission"), Qt::CaseInsensitive) ||
                        message.contains(QLatin1String("waiting for your input"),
                                         Qt::CaseInsensitive)) {
                        ++snap.newPermissionRequests;
                        if (snap.permissionMessage.isEmpty())
                            snap.permissionMessage = message;
                    }
                }
            }
        }
        seen.failures = snap.summary.failures;
        seen.permissions = permissions;
        seen.events = int(session->eventCount());
        batch.append(std::move(snap));
    }
    ++m_flushes;
    Q_EMIT sessionsUpdated(batch);
}

} // namespace ea
