#include "attention/SessionStateMonitor.h"

#include <QFileInfo>
#include <QLoggingCategory>

#include <algorithm>

namespace ea {

Q_LOGGING_CATEGORY(lcAttention, "ea.attention", QtInfoMsg)

namespace {
QString projectOf(const QString& directory)
{
    return directory.isEmpty() ? QString() : QFileInfo(directory).fileName();
}
} // namespace

SessionStateMonitor::SessionStateMonitor(AttentionSettings settings, const Clock* clock,
                                         QObject* parent)
    : QObject(parent), m_settings(settings), m_shortestDelayMs(shortestDelay(settings)),
      m_clock(clock)
{
    qRegisterMetaType<ea::LiveState>();
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &SessionStateMonitor::check);
    // A test clock jumps without the event loop: whatever came due is due now.
    connect(m_clock, &Clock::jumped, this, &SessionStateMonitor::check);
}

qint64 SessionStateMonitor::shortestDelay(const AttentionSettings& s)
{
    return std::min({s.blockedAfterMs, s.idleAfterMs, s.endAfterMs});
}

void SessionStateMonitor::setSettings(const AttentionSettings& settings)
{
    m_settings = settings;
    m_shortestDelayMs = shortestDelay(settings);
    for (auto& [id, e] : m_sessions)
        e.machine.setSettings(settings);
    check();
}

void SessionStateMonitor::onEvent(const QString& sessionId, const ClaudeEvent& event, qint64 nowMs)
{
    Sessions::value_type* found = m_index.find(sessionId);
    if (!found) {
        // A companion alone (a hook's timing, a late token count after the session ended)
        // starts nothing; after an end only a new prompt or session start does.
        if (!SessionStateMachine::startsTracking(event) ||
            (m_ended.contains(sessionId) && event.subtype != QStringLiteral("user_prompt") &&
             event.subtype != QStringLiteral("session_start")))
            return;
        m_ended.remove(sessionId);
        found = &*add(sessionId, Entry{{}, {}, SessionStateMachine(m_settings)});
    }
    Entry& e = found->second;
    if (!event.workingDirectory.isEmpty() && event.workingDirectory != e.workingDirectory)
        e.workingDirectory = event.workingDirectory;
    if (!event.gitBranch.isEmpty() && event.gitBranch != e.gitBranch)
        e.gitBranch = event.gitBranch;
    if (e.machine.onEvent(event, nowMs, *m_clock))
        emitChange(sessionId, e);
    if (e.machine.state().kind == LiveState::Kind::Ended) {
        if (const auto it = m_sessions.find(sessionId); it != m_sessions.end())
            forget(it);
        return;
    }
    // Activity only moves a session's deadlines later, so an armed timer stays right unless
    // this session now has an earlier one (a new tool call, a turn that just ended). Each of
    // its deadlines is at least the shortest delay after now: a timer armed before that is
    // right without asking the machine.
    if (m_armedMs < 0 || m_armedMs > nowMs + m_shortestDelayMs)
        arm(e.machine.nextDeadlineMs());
}

void SessionStateMonitor::restore(const QString& sessionId, const LiveState& state,
                                  qint64 lastActivityMs, const QString& workingDirectory,
                                  const QString& gitBranch)
{
    if (state.kind == LiveState::Kind::Ended || m_index.find(sessionId))
        return;
    Entry e{workingDirectory, gitBranch, SessionStateMachine(m_settings)};
    e.machine.restore(state, lastActivityMs, m_clock->monotonicMs(), *m_clock);
    if (e.machine.state().kind == LiveState::Kind::Ended)
        return; // over while the app was not running: no news
    m_ended.remove(sessionId);
    const auto it = add(sessionId, std::move(e));
    emitChange(sessionId, it->second);
    arm(it->second.machine.nextDeadlineMs());
}

void SessionStateMonitor::endSession(const QString& sessionId, const QString& reason)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    if (it->second.machine.end(reason, *m_clock))
        emitChange(sessionId, it->second);
    forget(it);
}

SessionStateMonitor::Sessions::iterator SessionStateMonitor::add(const QString& sessionId,
                                                                 Entry entry)
{
    const auto it = m_sessions.emplace(sessionId, std::move(entry)).first;
    m_index.insert(&*it);
    return it;
}

SessionStateMonitor::Sessions::iterator SessionStateMonitor::forget(Sessions::iterator it)
{
    // Remembered a while, so the ended session's late companions do not bring it back.
    if (m_ended.size() >= kRememberEnded)
        m_ended.clear();
    m_ended.insert(it->first);
    m_index.erase(it->first);
    return m_sessions.erase(it);
}

void SessionStateMonitor::endAll(const QString& reason)
{
    const QStringList ids = sessionIds();
    for (const QString& id : ids)
        endSession(id, reason);
    m_timer.stop();
    m_armedMs = -1;
}

void SessionStateMonitor::check()
{
    m_timer.stop();
    m_armedMs = -1;
    const qint64 now = m_clock->monotonicMs();
    qint64 next = -1;
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->second.machine.onTime(now, *m_clock))
            emitChange(it->first, it->second);
        if (it->second.machine.state().kind == LiveState::Kind::Ended) {
            it = forget(it);
            continue;
        }
        const qint64 d = it->second.machine.nextDeadlineMs();
        if (d >= 0 && (next < 0 || d < next))
            next = d;
        ++it;
    }
    arm(next);
}

void SessionStateMonitor::arm(qint64 deadlineMs)
{
    if (deadlineMs < 0 || (m_armedMs >= 0 && m_armedMs <= deadlineMs))
        return;
    m_armedMs = deadlineMs;
    m_timer.start(
        int(std::clamp<qint64>(deadlineMs - m_clock->monotonicMs(), 0, 24 * 3600 * 1000)));
}

void SessionStateMonitor::emitChange(const QString& sessionId, const Entry& entry)
{
    const LiveState& s = entry.machine.state();
    qCDebug(lcAttention).noquote() << sessionId << LiveState::name(s.kind) << s.reason;
    Q_EMIT stateChanged(sessionId, s);
}

const SessionStateMonitor::Entry* SessionStateMonitor::entry(const QString& sessionId) const
{
    const Sessions::value_type* found = m_index.find(sessionId);
    return found ? &found->second : nullptr;
}

std::optional<LiveState> SessionStateMonitor::state(const QString& sessionId) const
{
    const Entry* e = entry(sessionId);
    if (!e)
        return std::nullopt;
    return e->machine.state();
}

QStringList SessionStateMonitor::sessionIds() const
{
    QStringList ids;
    ids.reserve(qsizetype(m_sessions.size()));
    for (const auto& [id, e] : m_sessions)
        ids.append(id);
    return ids;
}

QJsonObject SessionStateMonitor::countsJson() const
{
    int counts[LiveState::KindCount] = {};
    for (const auto& [id, e] : m_sessions)
        ++counts[int(e.machine.state().kind)];
    QJsonObject out;
    for (int k = 0; k < LiveState::KindCount; ++k)
        out.insert(LiveState::name(LiveState::Kind(k)), counts[k]);
    return out;
}

QJsonObject SessionStateMonitor::changeJson(const QString& sessionId, const LiveState& state) const
{
    QJsonObject o = state.toJson();
    o.insert(QStringLiteral("session"), sessionId);
    const Entry* e = entry(sessionId);
    const QString directory = e ? e->workingDirectory : QString();
    o.insert(QStringLiteral("project"), projectOf(directory));
    o.insert(QStringLiteral("branch"), e ? e->gitBranch : QString());
    o.insert(QStringLiteral("working_directory"), directory);
    return o;
}

QJsonArray SessionStateMonitor::sessionsJson() const
{
    QList<std::pair<QString, const Entry*>> rows;
    for (const auto& [id, e] : m_sessions)
        rows.append({id, &e});
    // Attention first, then the longest waiting first within a state.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        const LiveState& x = a.second->machine.state();
        const LiveState& y = b.second->machine.state();
        if (x.needsAttention() != y.needsAttention())
            return x.needsAttention();
        if (x.kind != y.kind)
            return int(x.kind) < int(y.kind);
        if (x.since != y.since)
            return x.since < y.since;
        return a.first < b.first;
    });
    QJsonArray out;
    for (const auto& [id, e] : rows)
        out.append(changeJson(id, e->machine.state()));
    return out;
}

} // namespace ea

#include "moc_SessionStateMonitor.cpp"
