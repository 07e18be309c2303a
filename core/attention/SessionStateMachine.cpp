#include "attention/SessionStateMachine.h"

#include "model/HookFields.h"

#include <QJsonObject>

#include <algorithm>

namespace ea {

namespace {
constexpr size_t kMaxPending = 256;
constexpr size_t kMaxEarlyResults = 64;
// How long (event time) a result that came before its call waits for it: claude-mpm posts a
// hook's events from two threads, within ~20 ms of each other. A result whose call was seen
// and dropped (a Task's, once its subagent's results ended the batch) would otherwise wait
// for the rest of the turn, scanned on every call.
constexpr qint64 kEarlyResultWaitMs = 10 * 1000;

QString seconds(qint64 ms)
{
    return ms % 60000 == 0 && ms >= 60000 ? QStringLiteral("%1 min").arg(ms / 60000)
                                          : QStringLiteral("%1 s").arg(ms / 1000);
}
} // namespace

SessionStateMachine::SessionStateMachine(AttentionSettings settings)
{
    setSettings(settings);
}

void SessionStateMachine::setSettings(const AttentionSettings& settings)
{
    m_settings = settings;
    m_delaysPositive = settings.blockedAfterMs > 0 && settings.endAfterMs > 0;
}

SessionStateMachine::Kind SessionStateMachine::classify(const ClaudeEvent& e, QString* message)
{
    const QString& s = e.subtype;
    if (s == QStringLiteral("hook_execution") || s == QStringLiteral("command_acknowledged") ||
        s.startsWith(u"memory"))
        return Kind::Companion;
    if (s == QStringLiteral("user_prompt") || s == QStringLiteral("pre_tool") ||
        s == QStringLiteral("subagent_start"))
        return Kind::TurnStart;
    // Claude Code's Stop hook becomes stop and token_usage_updated (and hook_execution): either
    // of them ends the turn, so losing one of the three changes nothing.
    if (s == QStringLiteral("stop") || s == QStringLiteral("token_usage_updated") ||
        s == QStringLiteral("stop_failure"))
        return Kind::TurnEnd;
    if (s == QStringLiteral("permission_request")) {
        *message = e.toolName.isEmpty()
                       ? QStringLiteral("needs your permission")
                       : QStringLiteral("needs your permission to use %1").arg(e.toolName);
        return Kind::Permission;
    }
    if (s == QStringLiteral("notification")) {
        const QJsonObject d = e.data(); // rare: parsing it is affordable
        const QString type = d.value(QLatin1String(hook::notificationType)).toString();
        *message = d.value(QLatin1String(hook::message)).toString();
        if (type == QLatin1String("permission_prompt") ||
            message->contains(QLatin1String("needs your permission"), Qt::CaseInsensitive))
            return Kind::Permission;
        if (type == QLatin1String("idle_prompt"))
            return Kind::IdlePrompt;
        return Kind::Companion;
    }
    if (s == QStringLiteral("session_start"))
        return Kind::SessionStart;
    if (s == QStringLiteral("session_end"))
        return Kind::SessionEnd;
    return Kind::Activity;
}

QString SessionStateMachine::permissionTool(const ClaudeEvent& event, const QString& message) const
{
    // A PermissionRequest names its tool; Claude Code's Notification only says it in words
    // ("Claude needs your permission to use Bash"); else it is the call the turn stopped at.
    if (!event.toolName.isEmpty())
        return event.toolName;
    static const QLatin1String kToUse("permission to use ");
    const qsizetype i = message.indexOf(kToUse, 0, Qt::CaseInsensitive);
    if (i >= 0) {
        QString tool = message.mid(i + kToUse.size()).section(QLatin1Char(' '), 0, 0);
        while (!tool.isEmpty() && tool.back().isPunct())
            tool.chop(1);
        if (!tool.isEmpty())
            return tool.left(64);
    }
    const Pending* call = stuckCall();
    return call ? call->tool : QString();
}

bool SessionStateMachine::startsTracking(const ClaudeEvent& event)
{
    QString message;
    const Kind kind = event.subtype == QStringLiteral("notification") ? Kind::Activity
                                                                      : classify(event, &message);
    return kind != Kind::Companion;
}

bool SessionStateMachine::onEvent(const ClaudeEvent& event, qint64 nowMs, const Clock& clock)
{
    if (m_ended && event.subtype != QStringLiteral("user_prompt") &&
        event.subtype != QStringLiteral("session_start"))
        return false; // a late companion of the end; only a new turn brings it back
    QString message;
    const Kind kind = classify(event, &message);
    // The normalizer gives every event a time (the receive time when the payload had none).
    const qint64 at = event.timestamp.toMSecsSinceEpoch();
    m_lastActivityMono = std::max(m_lastActivityMono, nowMs);
    if (kind == Kind::Companion)
        return m_started && update(nowMs, clock); // a companion alone says nothing
    const bool fresh = !m_started;
    m_started = true;
    if (m_ended) {
        m_ended = false; // a new prompt after the end: the session goes on
        m_endReason.clear();
    }
    // Any activity after the permission prompt means it was answered.
    if (m_permission && kind != Kind::Permission && at > m_permissionAtMs)
        m_permission = false;
    m_lastActivityAtMs = std::max(m_lastActivityAtMs, at);
    const bool afterEnd = m_turnEndMs < 0 || at > m_turnEndMs;
    switch (kind) {
    case Kind::Companion:
        break;
    case Kind::TurnStart:
        if (!m_turnOpen && afterEnd)
            openTurn(at, event.timestamp);
        if (event.isPreTool() && afterEnd)
            noteToolCall(event, at);
        break;
    case Kind::Activity:
        // A session first seen in the middle of a turn (the app started late).
        if (!m_turnOpen && m_turnEndMs < 0)
            openTurn(at, event.timestamp);
        if (event.isPostTool())
            noteToolResult(event, at);
        break;
    case Kind::TurnEnd:
        if (m_turnOpen ? at >= m_turnStartMs : afterEnd)
            closeTurn(at, event.timestamp,
                      event.subtype == QStringLiteral("stop_failure")
                          ? QStringLiteral("turn ended with an error")
                          : QStringLiteral("finished its turn"));
        break;
    case Kind::Permission:
        if (!afterEnd)
            break; // asked during a turn that has ended since
        if (!m_turnOpen)
            openTurn(at, event.timestamp);
        if (!m_permission) {
            m_permission = true;
            m_permissionReason =
                message.isEmpty() ? QStringLiteral("needs your permission") : message;
            m_permissionTool.clear();
        }
        m_permissionAtMs = std::max(m_permissionAtMs, at);
        if (m_permissionTool.isEmpty())
            m_permissionTool = permissionTool(event, message);
        break;
    case Kind::IdlePrompt:
        if (m_turnOpen ? at >= m_turnStartMs : afterEnd)
            closeTurn(at, event.timestamp,
                      message.isEmpty() ? QStringLiteral("waiting for your input") : message);
        break;
    case Kind::SessionStart:
        if (!m_turnOpen && m_waitReason.isEmpty())
            m_waitReason = QStringLiteral("session started, waiting for a prompt");
        break;
    case Kind::SessionEnd:
        m_ended = true;
        m_endReason = QStringLiteral("session ended");
        break;
    }
    // Most events are a tool call or result in a turn under way, after which nothing is quiet:
    // evaluate() would say "working" again. Known without it, the state's text and the
    // settings stay unread (each a cold cache line with thousands of sessions).
    // (A state is stamped when it is taken: a working one has its since.)
    if (!fresh && m_state.kind == LiveState::Kind::Working && m_turnOpen && !m_permission &&
        !m_ended && m_delaysPositive)
        return false;
    return update(nowMs, clock) || fresh;
}

void SessionStateMachine::openTurn(qint64 atMs, const QDateTime& at)
{
    m_turnOpen = true;
    m_turnStartMs = atMs;
    m_pending.clear();
    m_turn = TurnFacts{at, {}, 0};
    m_turnTools = 0;
    ++m_turnNumber;
}

void SessionStateMachine::closeTurn(qint64 atMs, const QDateTime& at, const QString& reason)
{
    // The Stop's companions and a later idle prompt confirm the end; they do not reword it.
    if (m_turnOpen || m_waitReason.isEmpty())
        m_waitReason = reason;
    m_turnOpen = false;
    m_turnEndMs = std::max(m_turnEndMs, atMs);
    if (!m_turn.end.isValid())
        m_turn.end = at;
    m_pending.clear();
    m_earlyResults.clear();
    if (m_permission && m_permissionAtMs <= atMs)
        m_permission = false;
}

void SessionStateMachine::noteToolCall(const ClaudeEvent& event, qint64 atMs)
{
    ++m_turnTools;
    // Claude Code runs a batch of tool calls and waits for all their results before the next
    // step: a call started before the latest result belongs to a finished batch, even without
    // a result of its own (claude-mpm sends none for a failed call).
    if (m_lastResultMs >= 0 && atMs > m_lastResultMs)
        std::erase_if(m_pending, [&](const Pending& p) { return p.atMs < m_lastResultMs; });
    const size_t hash = qHash(event.correlationId);
    if (!m_earlyResults.empty()) {
        bool matched = false;
        std::erase_if(m_earlyResults, [&](const Pending& p) {
            if (p.atMs < atMs - kEarlyResultWaitMs)
                return true;
            if (!matched && !event.correlationId.isEmpty() && p.sameCall(event.correlationId, hash))
                return matched = true;
            return false;
        });
        if (matched)
            return;
    }
    if (m_pending.size() >= kMaxPending)
        m_pending.erase(m_pending.begin());
    m_pending.push_back({event.correlationId, event.toolName, atMs, hash});
}

void SessionStateMachine::noteToolResult(const ClaudeEvent& event, qint64 atMs)
{
    m_lastResultMs = std::max(m_lastResultMs, atMs);
    const size_t hash = qHash(event.correlationId);
    auto it = m_pending.end();
    if (!event.correlationId.isEmpty())
        it = std::find_if(m_pending.begin(), m_pending.end(),
                          [&](const Pending& p) { return p.sameCall(event.correlationId, hash); });
    if (it == m_pending.end())
        it = std::find_if(m_pending.begin(), m_pending.end(), [&](const Pending& p) {
            return p.tool == event.toolName && p.correlationId.isEmpty();
        });
    if (it != m_pending.end()) {
        m_pending.erase(it);
        return;
    }
    if (event.correlationId.isEmpty())
        return;
    if (m_earlyResults.size() >= kMaxEarlyResults)
        m_earlyResults.erase(m_earlyResults.begin());
    m_earlyResults.push_back({event.correlationId, event.toolName, atMs, hash});
}

const SessionStateMachine::Pending* SessionStateMachine::stuckCall() const
{
    // Only a call started after the latest result can be what the session is stuck in: an
    // older one without result was most likely a failure (claude-mpm sends no result for
    // those) that Claude has moved on from; a guess either way.
    for (auto it = m_pending.crbegin(); it != m_pending.crend(); ++it)
        if (it->atMs > m_lastResultMs)
            return &*it;
    return nullptr;
}

LiveState SessionStateMachine::evaluate(qint64 nowMs, bool* sinceQuiet) const
{
    LiveState s;
    const qint64 quietMs = std::max<qint64>(0, nowMs - m_lastActivityMono);
    *sinceQuiet = false;
    if (m_ended || quietMs >= m_settings.endAfterMs) {
        s.kind = LiveState::Kind::Ended;
        s.reason = m_ended
                       ? m_endReason
                       : QStringLiteral("no activity for %1").arg(seconds(m_settings.endAfterMs));
    } else if (m_permission) {
        s.kind = LiveState::Kind::NeedsPermission;
        s.reason = m_permissionReason;
        s.tool = m_permissionTool;
    } else if (m_turnOpen) {
        const Pending* stuck = stuckCall();
        if (stuck && quietMs >= m_settings.blockedAfterMs) {
            s.kind = LiveState::Kind::Blocked;
            s.tool = stuck->tool;
            s.reason = QStringLiteral("no result from %1 for %2, nothing else moving (a guess)")
                           .arg(s.tool.isEmpty() ? QStringLiteral("a tool call") : s.tool,
                                seconds(m_settings.blockedAfterMs));
            *sinceQuiet = true;
        } else {
            s.kind = LiveState::Kind::Working;
            s.reason = QStringLiteral("turn in progress");
        }
    } else if (quietMs >= m_settings.idleAfterMs) {
        s.kind = LiveState::Kind::Idle;
        s.reason = QStringLiteral("no activity for %1").arg(seconds(m_settings.idleAfterMs));
        *sinceQuiet = true;
    } else {
        s.kind = LiveState::Kind::Waiting;
        s.reason = m_waitReason.isEmpty() ? QStringLiteral("waiting for a prompt") : m_waitReason;
    }
    return s;
}

bool SessionStateMachine::update(qint64 nowMs, const Clock& clock)
{
    bool sinceQuiet = false;
    LiveState next = evaluate(nowMs, &sinceQuiet);
    if (next.kind == m_state.kind && next.reason == m_state.reason && m_state.since.isValid()) {
        m_state.tool = next.tool; // learnt later (the PermissionRequest names it): no change
        return false;
    }
    // The wall clock is read only on a change: most events change nothing.
    const QDateTime nowUtc = clock.currentUtc();
    next.since =
        sinceQuiet ? nowUtc.addMSecs(-std::max<qint64>(0, nowMs - m_lastActivityMono)) : nowUtc;
    if (next.kind == LiveState::Kind::Ended) {
        m_ended = true;
        m_endReason = next.reason;
    }
    m_state = std::move(next);
    return true;
}

bool SessionStateMachine::onTime(qint64 nowMs, const Clock& clock)
{
    if (!m_started)
        return false;
    return update(nowMs, clock);
}

void SessionStateMachine::restore(const LiveState& state, qint64 lastActivityMs, qint64 nowMs,
                                  const Clock& clock)
{
    m_started = true;
    m_lastActivityMono = lastActivityMs;
    // Events after the restart are later than the state's beginning: they answer a permission
    // prompt or start a new turn as they would have before.
    const QDateTime since = state.since.isValid() ? state.since : clock.currentUtc();
    const qint64 at = since.toMSecsSinceEpoch();
    m_lastActivityAtMs = at;
    switch (state.kind) {
    case LiveState::Kind::Working:
    case LiveState::Kind::NeedsPermission:
    case LiveState::Kind::Blocked:
        openTurn(at, since);
        if (state.kind == LiveState::Kind::NeedsPermission) {
            m_permission = true;
            m_permissionAtMs = at;
            m_permissionReason = state.reason;
            m_permissionTool = state.tool;
        } else if (state.kind == LiveState::Kind::Blocked) {
            m_pending.push_back({QString(), state.tool, at, qHash(QString())});
        }
        break;
    case LiveState::Kind::Waiting:
    case LiveState::Kind::Idle:
        m_turnEndMs = at;
        m_turn = TurnFacts{{}, since, 0};
        m_turnTools = 0;
        m_waitReason = state.kind == LiveState::Kind::Waiting ? state.reason
                                                              : QStringLiteral("finished its turn");
        break;
    case LiveState::Kind::Ended:
        m_ended = true;
        m_endReason = state.reason;
        break;
    }
    m_state = state;
    m_state.since = since;
    update(nowMs, clock);
}

bool SessionStateMachine::end(const QString& reason, const Clock& clock)
{
    if (m_state.kind == LiveState::Kind::Ended)
        return false;
    m_ended = true;
    m_endReason = reason;
    m_started = true;
    m_state = LiveState{LiveState::Kind::Ended, reason, clock.currentUtc(), {}};
    return true;
}

qint64 SessionStateMachine::nextDeadlineMs() const
{
    if (!m_started || m_state.kind == LiveState::Kind::Ended)
        return -1;
    qint64 next = m_lastActivityMono + m_settings.endAfterMs;
    if (m_permission)
        return next;
    if (m_turnOpen && stuckCall() && m_state.kind != LiveState::Kind::Blocked)
        next = std::min(next, m_lastActivityMono + m_settings.blockedAfterMs);
    if (!m_turnOpen && m_state.kind != LiveState::Kind::Idle)
        next = std::min(next, m_lastActivityMono + m_settings.idleAfterMs);
    return next;
}

} // namespace ea
