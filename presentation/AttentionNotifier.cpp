#include "presentation/AttentionNotifier.h"

#include <QLocale>

#include <algorithm>

namespace ea {

AttentionNotifier::AttentionNotifier(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<ea::AttentionNotifier::Notification>();
    m_coalesce.setSingleShot(true);
    m_coalesce.setInterval(CoalesceMs);
    connect(&m_coalesce, &QTimer::timeout, this, &AttentionNotifier::flush);
    m_gap.setSingleShot(true);
    m_gap.setInterval(MinGapMs);
    connect(&m_gap, &QTimer::timeout, this, &AttentionNotifier::flush);
}

void AttentionNotifier::setKindEnabled(Kind kind, bool on)
{
    if (on)
        m_disabled.remove(int(kind));
    else
        m_disabled.insert(int(kind));
}

void AttentionNotifier::setDoNotDisturb(bool on)
{
    m_dnd = on;
    if (on)
        m_pending.clear(); // what came during it is not news afterwards
}

void AttentionNotifier::setHeld(bool held)
{
    m_held = held;
    if (!held && !m_pending.isEmpty() && !m_coalesce.isActive() && !m_gap.isActive())
        flush();
}

void AttentionNotifier::onStateChanged(const QString& sessionId, const LiveState& state)
{
    const auto previous = m_last.constFind(sessionId);
    const bool known = previous != m_last.cend();
    const LiveState::Kind before = known ? *previous : LiveState::Kind::Ended;
    if (state.kind == LiveState::Kind::Ended) {
        m_last.remove(sessionId);
        m_notifiedThisTurn.remove(sessionId);
    } else {
        m_last.insert(sessionId, state.kind);
    }
    // A new turn begins: the session may be announced once more.
    if (state.kind == LiveState::Kind::Working &&
        (!known || before == LiveState::Kind::Waiting || before == LiveState::Kind::Idle))
        m_notifiedThisTurn.remove(sessionId);
    // A change that makes a pending one moot (permission answered at once) drops it.
    m_pending.removeIf(
        [&](const Pending& p) { return p.sessionId == sessionId && p.state.kind != state.kind; });
    Kind kind;
    switch (state.kind) {
    case LiveState::Kind::NeedsPermission:
        kind = Kind::Permission;
        break;
    case LiveState::Kind::Blocked:
        kind = Kind::Blocked;
        break;
    case LiveState::Kind::Waiting:
        // Finished a turn it was seen working on (not a session first seen waiting).
        if (!known || before == LiveState::Kind::Idle || before == LiveState::Kind::Waiting)
            return;
        kind = Kind::Finished;
        break;
    default:
        return;
    }
    if (m_dnd || !isKindEnabled(kind) || m_notifiedThisTurn.contains(sessionId))
        return;
    m_pending.append({sessionId, kind, state});
    if (!m_coalesce.isActive())
        m_coalesce.start();
}

void AttentionNotifier::flush()
{
    if (m_pending.isEmpty() || m_held || m_coalesce.isActive() || m_gap.isActive())
        return;
    QList<Pending> items = std::exchange(m_pending, {});
    // Once per session per turn, even if it was gathered twice.
    items.removeIf([&](const Pending& p) { return m_notifiedThisTurn.contains(p.sessionId); });
    if (items.isEmpty())
        return;
    // Permission first, then blocked, then finished turns; each session once.
    std::stable_sort(items.begin(), items.end(),
                     [](const Pending& a, const Pending& b) { return int(a.kind) < int(b.kind); });
    QList<Pending> unique;
    for (const Pending& p : std::as_const(items)) {
        if (std::none_of(unique.cbegin(), unique.cend(),
                         [&](const Pending& u) { return u.sessionId == p.sessionId; }))
            unique.append(p);
    }
    for (const Pending& p : std::as_const(unique))
        m_notifiedThisTurn.insert(p.sessionId);
    m_gap.start();
    Q_EMIT notify(compose(unique));
}

QString AttentionNotifier::where(const Session& s)
{
    const QString project = s.project.isEmpty() ? tr("a session") : s.project;
    return s.branch.isEmpty() || s.branch == QLatin1String("Unknown")
               ? project
               : QStringLiteral("%1 (%2)").arg(project, s.branch);
}

QString AttentionNotifier::tokensText(qint64 tokens)
{
    if (tokens < 1000)
        return tr("%1 tokens").arg(tokens);
    return tr("%1k tokens").arg(QLocale::c().toString(double(tokens) / 1000.0, 'f', 1));
}

QString AttentionNotifier::durationText(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, (ms + 500) / 1000);
    if (s < 60)
        return tr("%1 s").arg(s);
    if (s < 3600)
        return tr("%1 m %2 s").arg(s / 60).arg(s % 60);
    return tr("%1 h %2 m").arg(s / 3600).arg((s % 3600) / 60);
}

AttentionNotifier::Notification AttentionNotifier::compose(const QList<Pending>& items) const
{
    QStringList lines;
    for (const Pending& p : items) {
        const Session s = m_describe ? m_describe(p.sessionId) : Session();
        switch (p.kind) {
        case Kind::Permission:
            lines.append(p.state.tool.isEmpty()
                             ? tr("%1 needs your permission").arg(where(s))
                             : tr("%1 needs permission to use %2").arg(where(s), p.state.tool));
            break;
        case Kind::Blocked:
            lines.append(tr("%1 is probably blocked: %2").arg(where(s), p.state.reason));
            break;
        case Kind::Finished: {
            QString line =
                s.turnMs >= 0
                    ? tr("%1 finished its turn in %2").arg(where(s), durationText(s.turnMs))
                    : tr("%1 finished its turn").arg(where(s));
            QStringList facts;
            if (s.tools >= 0)
                facts.append(s.tools == 1 ? tr("1 tool") : tr("%1 tools").arg(s.tools));
            if (s.failures > 0)
                facts.append(s.failures == 1 ? tr("1 failure") : tr("%1 failures").arg(s.failures));
            if (s.tokens >= 0)
                facts.append(tokensText(s.tokens));
            if (!facts.isEmpty())
                line += QStringLiteral(" — ") + facts.join(QStringLiteral(", "));
            lines.append(line);
            break;
        }
        }
    }
    Notification n;
    n.kind = items.first().kind;
    for (const Pending& p : items)
        n.sessions.append(p.sessionId);
    if (items.size() == 1) {
        n.title = items.first().kind == Kind::Finished     ? tr("Turn finished")
                  : items.first().kind == Kind::Permission ? tr("Claude needs you")
                                                           : tr("Claude is probably blocked");
        n.body = lines.first();
    } else {
        const bool needs = items.first().kind != Kind::Finished;
        n.title = needs ? tr("%1 sessions need you").arg(items.size())
                        : tr("%1 sessions finished their turn").arg(items.size());
        n.body = lines.join(QLatin1Char('\n'));
    }
    return n;
}

} // namespace ea

#include "moc_AttentionNotifier.cpp"
