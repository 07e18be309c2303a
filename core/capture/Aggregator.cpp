#include "Aggregator.h"

#include <QElapsedTimer>
#include <QLoggingCategory>

#include <limits>

Q_LOGGING_CATEGORY(lcAggregator, "ea.capture.aggregator", QtInfoMsg)

namespace {
bool isStop(const ClaudeEvent& e)
{
    return e.subtype == u"stop" || e.subtype == u"session_end";
}
} // namespace

Aggregator::Aggregator(Settings settings, QObject* parent) : QObject(parent), m_settings(settings)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &Aggregator::onTimer);
}

Aggregator::~Aggregator() = default;

qint64 Aggregator::monotonicNowMs()
{
    static const QElapsedTimer origin = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return origin.elapsed();
}

void Aggregator::setTimerDriven(bool on)
{
    m_timerDriven = on;
    if (!on)
        m_timer.stop();
    else
        armTimer();
}

Aggregator::Live* Aggregator::routeTarget(const ClaudeEvent& event, qint64 nowMs,
                                          QString* sessionId)
{
    if (event.hasSession()) {
        *sessionId = event.sessionId;
        return ensureLive(*sessionId, nowMs, event);
    }
    // command_acknowledged and friends: join the most recent session of the same directory.
    if (!event.workingDirectory.isEmpty()) {
        const auto recent = m_recentByDirectory.constFind(event.workingDirectory);
        if (recent != m_recentByDirectory.cend() &&
            nowMs - recent->atMs <= m_settings.proximityWindowMs) {
            const auto live = m_live.find(recent->sessionId);
            if (live != m_live.end()) {
                ++m_stats.attributed;
                *sessionId = recent->sessionId;
                return &live->second;
            }
        }
    }
    ++m_stats.unattributed;
    *sessionId = UnattributedId;
    return ensureLive(*sessionId, nowMs, event);
}

Aggregator::Live* Aggregator::ensureLive(const QString& sessionId, qint64 nowMs,
                                         const ClaudeEvent& event)
{
    auto it = m_live.find(sessionId);
    if (it != m_live.end())
        return &it->second;
    std::unique_ptr<AgentSession> session;
    if (m_loader) {
        if (std::optional<AgentSession> saved = m_loader(sessionId)) {
            m_dedup.insertAll(sessionId, saved->eventIdentities());
            if (m_dedup.contains(sessionId, event.identity))
                return nullptr; // an old event of a finished session: nothing to reopen
            session = std::make_unique<AgentSession>(std::move(*saved));
            ++m_stats.reopened;
        }
    }
    if (!session)
        session = std::make_unique<AgentSession>(sessionId, m_settings.filter);
    session->setCaptureFilter(m_settings.filter);
    Live& live = m_live[sessionId];
    live.session = std::move(session);
    live.lastActivityMs = nowMs;
    m_byActivity.push_back(sessionId);
    live.lru = std::prev(m_byActivity.end());
    Q_EMIT sessionStarted(sessionId);
    return &live;
}

void Aggregator::touch(Live& live, const QString& id, qint64 nowMs)
{
    // Replayed or out-of-order events never move a session's clock backwards.
    live.lastActivityMs = std::max(live.lastActivityMs, nowMs);
    m_byActivity.splice(m_byActivity.end(), m_byActivity, live.lru);
    if (!live.session->workingDirectory().isEmpty())
        m_recentByDirectory.insert(live.session->workingDirectory(),
                                   Recent{id, live.lastActivityMs});
}

bool Aggregator::addEvent(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs)
{
    if (!m_timerDriven)
        expire(nowMs);
    if (event.hasSession() && m_dedup.contains(event.sessionId, event.identity)) {
        ++m_stats.duplicates;
        return false;
    }
    QString sessionId;
    Live* live = routeTarget(event, nowMs, &sessionId);
    if (!live || m_dedup.contains(sessionId, event.identity)) {
        ++m_stats.duplicates;
        return false;
    }
    m_dedup.insert(sessionId, event.identity);
    if (!live->session->isActive())
        live->session->setStatus(AgentSession::Status::Active);
    if (live->session->addEvent(event) == AgentSession::AddResult::Filtered)
        ++m_stats.filtered;
    else
        ++m_stats.aggregated;
    if (journalSeq >= 0)
        live->journalSeqs.append(journalSeq);
    touch(*live, sessionId, nowMs);
    Q_EMIT sessionChanged(sessionId);
    if (isStop(event)) {
        complete(sessionId, AgentSession::Status::Completed,
                 event.subtype == u"session_end" ? QStringLiteral("session end")
                                                 : QStringLiteral("stop event"),
                 event.timestamp);
        return true;
    }
    armTimer();
    return true;
}

void Aggregator::resume(AgentSession session, qint64 nowMs, qint64 idleMs)
{
    const QString id = session.sessionId();
    if (m_live.count(id))
        return;
    m_dedup.insertAll(id, session.eventIdentities());
    session.setStatus(AgentSession::Status::Active);
    session.setCaptureFilter(m_settings.filter);
    Live& live = m_live[id];
    live.session = std::make_unique<AgentSession>(std::move(session));
    live.lastActivityMs = nowMs - std::max<qint64>(0, idleMs);
    // Keep the activity order sorted: insert before the first session that was active later.
    auto pos = m_byActivity.begin();
    while (pos != m_byActivity.end() && m_live.at(*pos).lastActivityMs <= live.lastActivityMs)
        ++pos;
    live.lru = m_byActivity.insert(pos, id);
    Q_EMIT sessionStarted(id);
    armTimer();
}

void Aggregator::expire(qint64 nowMs)
{
    while (!m_byActivity.empty()) {
        const QString id = m_byActivity.front();
        const Live& live = m_live.at(id);
        if (nowMs - live.lastActivityMs <= m_settings.sessionTimeoutMs)
            break;
        ++m_stats.timedOut;
        complete(id, AgentSession::Status::TimedOut,
                 QStringLiteral("no activity for %1 minutes")
                     .arg(m_settings.sessionTimeoutMs / 60000.0));
    }
    armTimer();
}

bool Aggregator::stopSession(const QString& sessionId, AgentSession::Status status,
                             const QString& reason)
{
    if (!m_live.count(sessionId))
        return false;
    complete(sessionId, status, reason);
    armTimer();
    return true;
}

void Aggregator::stopAll(AgentSession::Status status, const QString& reason)
{
    const QStringList ids = liveSessionIds();
    for (const QString& id : ids)
        complete(id, status, reason);
    m_timer.stop();
}

void Aggregator::complete(const QString& sessionId, AgentSession::Status status,
                          const QString& reason, const QDateTime& endTime)
{
    auto it = m_live.find(sessionId);
    if (it == m_live.end())
        return;
    Live live = std::move(it->second);
    m_live.erase(it);
    m_byActivity.erase(live.lru);
    live.session->setStatus(status, reason, endTime);
    ++m_stats.completed;
    qCInfo(lcAggregator).noquote()
        << "session" << sessionId.left(64) << AgentSession::statusName(status) << "-" << reason
        << "-" << live.session->totalEvents() << "events";
    Q_EMIT sessionCompleted(*live.session, live.journalSeqs);
}

const AgentSession* Aggregator::liveSession(const QString& sessionId) const
{
    const auto it = m_live.find(sessionId);
    return it == m_live.cend() ? nullptr : it->second.session.get();
}

QStringList Aggregator::liveSessionIds() const
{
    return QStringList(m_byActivity.begin(), m_byActivity.end());
}

void Aggregator::armTimer()
{
    if (!m_timerDriven || m_byActivity.empty()) {
        m_timer.stop();
        return;
    }
    const qint64 deadline =
        m_live.at(m_byActivity.front()).lastActivityMs + m_settings.sessionTimeoutMs + 1;
    const qint64 wait =
        std::clamp<qint64>(deadline - monotonicNowMs(), 0, std::numeric_limits<int>::max());
    // Restarting the timer per event would cost a syscall each; only move it when the front
    // changed.
    if (m_timer.isActive() && std::abs(m_timer.remainingTime() - wait) < 1000)
        return;
    m_timer.start(int(wait));
}

void Aggregator::onTimer()
{
    expire(monotonicNowMs());
}
