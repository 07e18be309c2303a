// Turns the aggregator's per-event signals into at most ~10 batched snapshots a second.
#pragma once

#include "presentation/LiveSessionSnapshot.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace ea {

class Aggregator;

// Per event it only notes the session id, so 10,000 events a second cost a hash insert each;
// the views hear about them at most once per interval, for the sessions that changed.
class LiveSessionFeed : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultIntervalMs = 100;

    explicit LiveSessionFeed(QObject* parent = nullptr);

    // The aggregator to follow (it may be replaced when settings change); nullptr: none.
    void setAggregator(Aggregator* aggregator);
    Aggregator* aggregator() const;
    void setInterval(int ms) { m_timer.setInterval(ms); }

    // Snapshots of every live session now (for a view that starts watching).
    QList<LiveSessionSnapshot> snapshotAll() const;
    // Where snapshots read each session's live state from (the capture's state monitor).
    void setStateLookup(std::function<std::optional<LiveState>(const QString&)> lookup)
    {
        m_stateLookup = std::move(lookup);
    }
    // A session's state changed: it goes into the next batch.
    void touch(const QString& sessionId) { markDirty(sessionId); }
    // Delivers what is pending now instead of at the next tick.
    void flush();
    int flushCount() const { return m_flushes; }

Q_SIGNALS:
    // Sessions that completed since the last batch (live == false), then the live ones that
    // changed; a session that completed and reopened in between appears in both, in order.
    void sessionsUpdated(const QList<LiveSessionSnapshot>& snapshots);

private:
    void markDirty(const QString& sessionId);
    void onCompleted(const AgentSession& session);

    // QObject, not Aggregator: this header stays free of the aggregation layer for ui/.
    QPointer<QObject> m_aggregator;
    QList<QMetaObject::Connection> m_connections;
    QSet<QString> m_dirty;
    QList<LiveSessionSnapshot> m_ended;
    QTimer m_timer;
    int m_flushes = 0;
    std::function<std::optional<LiveState>(const QString&)> m_stateLookup;
};

} // namespace ea
