#include "aggregation/Aggregator.h"

#include "util/SystemClock.h"

#include <QLoggingCategory>
#include <QStringBuilder>

#include <cstdlib>
#include <limits>

namespace ea {

Q_LOGGING_CATEGORY(lcAggregator, "ea.capture.aggregator", QtInfoMsg)

namespace {
// What one held event costs besides its bytes (AgentSession's per-event record, a tool call's
// share, hash entries), and what a reopened session's events are assumed to cost each.
constexpr qint64 kEventOverheadBytes = 160;
constexpr qint64 kReopenedEventBytes = 1024;

constexpr qsizetype kMaxPendingAcks = 256;
constexpr qsizetype kMaxRecentPrompts = 256;

// claude-mpm's prompt_preview is the prompt, shortened with "..." past some length.
QString comparablePrompt(QString text)
{
    text = text.trimmed();
    if (text.endsWith(QLatin1String("...")))
        text.chop(3);
    else if (text.endsWith(QChar(0x2026)))
        text.chop(1);
    return text.trimmed();
}

bool samePrompt(const QString& ackText, const QString& promptText, const QString& promptPreview)
{
    const QString a = comparablePrompt(ackText);
    if (a.isEmpty())
        return false;
    return a == comparablePrompt(promptPreview) || a == comparablePrompt(promptText) ||
           (a.size() >= 16 && promptText.trimmed().startsWith(a));
}

// Only a new turn reopens a session whose turn ended (AgentSession::addEvent).
bool startsTurn(const ClaudeEvent& event)
{
    return event.subtype == QStringLiteral("user_prompt") ||
           event.subtype == QStringLiteral("pre_tool") ||
           event.subtype == QStringLiteral("subagent_start");
}

// 1 for the session's own record, N for "<routingId>#part<N>".
int partNumberOf(const QString& routingId, const QString& sessionId)
{
    const QString prefix = routingId + QStringLiteral("#part");
    if (sessionId == routingId || !sessionId.startsWith(prefix))
        return 1;
    bool ok = false;
    const int n = QStringView(sessionId).mid(prefix.size()).toInt(&ok);
    return ok && n > 1 ? n : 1;
}
} // namespace

QString Aggregator::limitName(Limit limit)
{
    switch (limit) {
    case Limit::LiveSessions:
        return QStringLiteral("max_live_sessions");
    case Limit::LiveBytes:
        return QStringLiteral("max_live_bytes");
    case Limit::SessionEvents:
        return QStringLiteral("max_session_events");
    case Limit::SessionBytes:
        return QStringLiteral("max_session_bytes");
    case Limit::PendingToolCalls:
        return QStringLiteral("max_pending_tool_calls");
    case Limit::ParkedSessions:
        return QStringLiteral("max_parked_sessions");
    }
    return QStringLiteral("unknown");
}

QString Aggregator::partId(const QString& sessionId, int part)
{
    return part <= 1 ? sessionId : sessionId + QStringLiteral("#part") + QString::number(part);
}

Aggregator::Aggregator(Settings settings, const Clock* clock, QObject* parent)
    : QObject(parent), m_settings(settings),
      m_ownClock(clock ? nullptr : std::make_unique<SystemClock>()),
      m_clock(clock ? clock : m_ownClock.get())
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &Aggregator::onTimer);
    m_settleTimer.setSingleShot(true);
    connect(&m_settleTimer, &QTimer::timeout, this, &Aggregator::onSettleTimer);
    // A test clock jumps: whatever came due meanwhile is handled as if its timer had fired.
    connect(m_clock, &Clock::jumped, this, [this] {
        if (!m_timerDriven)
            return;
        onSettleTimer();
        onTimer();
    });
}

Aggregator::~Aggregator() = default;

void Aggregator::onSettleTimer()
{
    const qint64 now = nowMs();
    resolveAcks(now, false);
    settleDue(now);
}

void Aggregator::setTimerDriven(bool on)
{
    m_timerDriven = on;
    if (!on) {
        m_timer.stop();
        m_settleTimer.stop();
    } else {
        armTimer();
        armSettleTimer();
    }
}

std::optional<QString> Aggregator::promptMatch(const QString& text, qint64 atMs) const
{
    for (qsizetype i = m_recentPrompts.size() - 1; i >= 0; --i) {
        const RecentPrompt& p = m_recentPrompts.at(i);
        if (std::abs(p.atMs - atMs) <= m_settings.attributionWindowMs &&
            samePrompt(text, p.text, p.preview))
            return p.sessionId;
    }
    return std::nullopt;
}

QString Aggregator::fallbackRoute(const ClaudeEvent& event, const QString& project, qint64 nowMs,
                                  Route* route)
{
    *route = Route::Attributed;
    // command_acknowledged names only the project folder: the most recently active session
    // working there.
    if (!project.isEmpty()) {
        for (LiveEntry* e = m_byActivity.back(); e; e = m_byActivity.prev(e)) {
            const Live& live = e->second;
            const QString& directory = live.session ? live.session->workingDirectory()
                                                    : live.view.summary.workingDirectory;
            if (e->first != UnattributedId &&
                directory.section(QLatin1Char('/'), -1, -1, QString::SectionSkipEmpty) == project)
                return e->first;
        }
    }
    // Others may name a working directory: a recent session of the same one.
    if (!event.workingDirectory.isEmpty()) {
        const auto recent = m_recentByDirectory.constFind(event.workingDirectory);
        if (recent != m_recentByDirectory.cend() &&
            nowMs - recent->atMs <= m_settings.proximityWindowMs && m_live.count(recent->sessionId))
            return recent->sessionId;
    }
    *route = Route::Unattributed;
    return UnattributedId;
}

bool Aggregator::addUnattached(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs)
{
    for (const PendingAck& p : std::as_const(m_pendingAcks)) {
        if (p.event.identity == event.identity) {
            ++m_stats.duplicates;
            return false;
        }
    }
    // Read by the normalizer (HookDetails), as a prompt's text is.
    const QString& text = event.details().promptPreview;
    const QString& project = event.details().project;
    if (!text.isEmpty()) {
        // Its user_prompt follows within milliseconds, or came just before.
        if (const auto id = promptMatch(text, event.timestamp.toMSecsSinceEpoch()))
            return deliver(event, journalSeq, nowMs, *id, Route::Attributed);
        if (m_pendingAcks.size() < kMaxPendingAcks) {
            m_pendingAcks.append(PendingAck{event, journalSeq,
                                            nowMs + m_settings.attributionWindowMs, text, project});
            armSettleTimer();
            return true;
        }
    }
    Route route = Route::Unattributed;
    const QString target = fallbackRoute(event, project, nowMs, &route);
    return deliver(event, journalSeq, nowMs, target, route);
}

void Aggregator::notePrompt(const QString& sessionId, const ClaudeEvent& event, qint64 nowMs)
{
    // Read by the normalizer's one parse: a Qt parse of every prompt's payload here was a
    // tenth of the receive work when each of 10,000 sessions began with its prompt.
    RecentPrompt p;
    p.sessionId = sessionId;
    p.text = event.details().prompt;
    p.preview = event.details().promptPreview;
    p.atMs = event.timestamp.toMSecsSinceEpoch();
    if (p.text.isEmpty() && p.preview.isEmpty())
        return;
    m_recentPrompts.append(p);
    if (m_recentPrompts.size() > kMaxRecentPrompts)
        m_recentPrompts.removeFirst();
    for (qsizetype i = 0; i < m_pendingAcks.size();) {
        const PendingAck& ack = m_pendingAcks.at(i);
        if (std::abs(ack.event.timestamp.toMSecsSinceEpoch() - p.atMs) <=
                m_settings.attributionWindowMs &&
            samePrompt(ack.text, p.text, p.preview)) {
            const PendingAck taken = m_pendingAcks.takeAt(i);
            if (!deliver(taken.event, taken.journalSeq, nowMs, sessionId, Route::Attributed) &&
                taken.journalSeq >= 0)
                Q_EMIT journalSeqUnheld(taken.journalSeq);
            continue;
        }
        ++i;
    }
}

void Aggregator::resolveAcks(qint64 nowMs, bool all)
{
    for (qsizetype i = 0; i < m_pendingAcks.size();) {
        if (!all && m_pendingAcks.at(i).deadlineMs > nowMs) {
            ++i;
            continue;
        }
        const PendingAck taken = m_pendingAcks.takeAt(i);
        Route route = Route::Unattributed;
        const QString target = fallbackRoute(taken.event, taken.project, nowMs, &route);
        if (!deliver(taken.event, taken.journalSeq, nowMs, target, route) && taken.journalSeq >= 0)
            Q_EMIT journalSeqUnheld(taken.journalSeq);
    }
}

Aggregator::Live* Aggregator::ensureLive(const QString& sessionId, qint64 nowMs,
                                         const ClaudeEvent& event)
{
    auto it = m_live.find(sessionId);
    if (it != m_live.end())
        return &it->second;
    // A session that finished lately is still in memory; otherwise its file, if any, reopens.
    Live warm;
    std::unique_ptr<AgentSession> session;
    if (std::optional<Live> finished = takeFinished(sessionId, nowMs)) {
        warm = std::move(*finished);
        session = std::move(warm.session);
    } else if (m_loader) {
        if (std::optional<AgentSession> saved = m_loader(sessionId))
            session = std::make_unique<AgentSession>(std::move(*saved));
    }
    if (session) {
        // Asked of the session itself: the caller may have remembered this event already.
        const QList<quint64> known = session->eventIdentities();
        if (known.contains(event.identity))
            return nullptr; // an old event of a finished session: nothing to reopen
        m_dedup.insertAll(sessionId, known);
        ++m_stats.reopened;
    }
    if (!session)
        session = std::make_unique<AgentSession>(sessionId, m_settings.filter);
    session->setCaptureFilter(m_settings.filter);
    unpark(sessionId);
    Live& live = addLive(sessionId);
    live.dedup = m_dedup.hold(sessionId);
    live.part = partNumberOf(sessionId, session->sessionId());
    live.bytes = warm.bytes > 0 ? warm.bytes : qint64(session->totalEvents()) * kReopenedEventBytes;
    live.pending = warm.pending;
    m_liveBytes += live.bytes;
    live.session = std::move(session);
    live.lastActivityMs = nowMs;
    m_byActivity.pushBack(live.self);
    holdInMemory(live);
    Q_EMIT sessionStarted(sessionId);
    return &live;
}

Aggregator::Live& Aggregator::addLive(const QString& id)
{
    const auto [at, inserted] = m_live.try_emplace(id);
    if (inserted)
        m_liveIndex.insert(&*at);
    at->second.self = &*at;
    return at->second;
}

void Aggregator::holdInMemory(Live& live)
{
    m_inMemory.pushBack(live.self);
}

void Aggregator::touch(Live& live, const QString& id, qint64 nowMs, const ClaudeEvent& event)
{
    // Replayed or out-of-order events never move a session's clock backwards.
    live.lastActivityMs = std::max(live.lastActivityMs, nowMs);
    m_byActivity.moveToBack(live.self);
    if (live.session)
        m_inMemory.moveToBack(live.self);
    const QString& directory =
        live.session ? live.session->workingDirectory() : event.workingDirectory;
    if (!directory.isEmpty()) {
        Recent& recent = m_recentByDirectory[directory];
        recent.sessionId = id;
        recent.atMs = live.lastActivityMs;
        if (m_recentByDirectory.size() > m_recentPruneAt)
            pruneRecentDirectories(nowMs);
    }
}

void Aggregator::pruneRecentDirectories(qint64 nowMs)
{
    // Only entries within the proximity window of a live session can attribute an event.
    for (auto it = m_recentByDirectory.begin(); it != m_recentByDirectory.end();) {
        if (nowMs - it->atMs > m_settings.proximityWindowMs || !m_live.count(it->sessionId))
            it = m_recentByDirectory.erase(it);
        else
            ++it;
    }
    m_recentPruneAt = std::max<qsizetype>(4096, 2 * m_recentByDirectory.size());
}

bool Aggregator::addEvent(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs)
{
    if (!m_timerDriven) {
        settleDue(nowMs);
        expire(nowMs);
        resolveAcks(nowMs, false);
    }
    if (!event.hasSession())
        return addUnattached(event, journalSeq, nowMs);
    // One lookup both asks and remembers: a duplicate goes no further. A live session holds
    // its identities, so the lookup that finds it is the only one.
    auto* const found = m_liveIndex.find(event.sessionId);
    Live* live = found ? &found->second : nullptr;
    Q_ASSERT(!live || !live->dedup.isNull());
    if (!(live ? m_dedup.insert(live->dedup, event.identity)
               : m_dedup.insert(event.sessionId, event.identity))) {
        ++m_stats.duplicates;
        return false;
    }
    return deliver(event, journalSeq, nowMs, event.sessionId, Route::Own, true, live);
}

bool Aggregator::deliver(const ClaudeEvent& event, qint64 journalSeq, qint64 nowMs,
                         const QString& sessionId, Route route, bool remembered, Live* known)
{
    Live* live = known ? known : ensureLive(sessionId, nowMs, event);
    if (!live || (!remembered && !m_dedup.insert(live->dedup, event.identity))) {
        ++m_stats.duplicates;
        return false;
    }
    // Counted once the event is known to be new: a replayed duplicate counts as a duplicate.
    if (route == Route::Attributed)
        ++m_stats.attributed;
    else if (route == Route::Unattributed)
        ++m_stats.unattributed;
    if (live->isSpilled() && !spillEvent(*live, event))
        unspill(*live, sessionId); // the spill file cannot take it: back into memory
    if (live->isSpilled()) {
        if (!m_settings.filter.accepts(event.category))
            ++m_stats.filtered; // counted again (not stored) when the session is read back
        else
            ++m_stats.aggregated;
    } else if (live->session->addEvent(event) == AgentSession::AddResult::Filtered) {
        ++m_stats.filtered;
    } else {
        ++m_stats.aggregated;
        const qint64 cost = event.raw.size() + kEventOverheadBytes;
        live->bytes += cost;
        m_liveBytes += cost;
    }
    if (event.isPreTool())
        ++live->pending;
    else if (event.isPostTool() && live->pending > 0)
        --live->pending;
    if (journalSeq >= 0)
        live->journalSeqs.push_back(journalSeq);
    touch(*live, sessionId, nowMs, event);
    // The session decides whether its turn ended (AgentSession): a completed session is saved
    // once it settled, so a Stop and its companion events make one save. A spilled session
    // is judged by the events' kinds here and by the whole session when it settles.
    const bool turnEnded =
        live->isSpilled() ? (live->settleAtMs >= 0 || event.subtype == QStringLiteral("stop")) &&
                                !startsTurn(event)
                          : !live->session->isActive();
    if (!turnEnded) {
        live->settleAtMs = -1;
    } else if (live->settleAtMs < 0) {
        live->settleAtMs = nowMs + m_settings.settleMs;
        m_settleQueue.emplace(live->settleAtMs, sessionId);
        armSettleTimer();
    }
    Q_EMIT eventAdded(sessionId, event, nowMs);
    Q_EMIT sessionChanged(sessionId);
    if (event.subtype == QStringLiteral("user_prompt") && route == Route::Own) {
        notePrompt(sessionId, event, nowMs);
        const auto still = m_live.find(sessionId);
        if (still == m_live.end())
            return true;
        live = &still->second;
    }
    enforceSessionLimits(*live, sessionId, nowMs);
    enforceLiveLimits(sessionId, nowMs);
    // Sessions only ever move later, so the armed timer stays right; it is re-armed when it
    // fires, or when something is added with an earlier deadline (resume, park).
    if (!m_timer.isActive() && m_timerDriven)
        armTimer();
    return true;
}

bool Aggregator::spillEvent(Live& live, const ClaudeEvent& event)
{
    const AgentSession::StoredEvent stored{event.eventName, event.raw,
                                           event.timestamp.toMSecsSinceEpoch(), event.identity,
                                           event.timestampFromReceipt};
    if (!m_spill->append(stored, &live.spilled)) {
        m_spillFailedAtMs = nowMs();
        Q_EMIT limitHit(Limit::LiveBytes,
                        QStringLiteral("cannot spill session %1 (%2); it is held in memory again")
                            .arg((live.recordId).left(64), m_spill->lastError()));
        return false;
    }
    ++live.spilledEvents;
    if (m_settings.filter.accepts(event.category))
        ++live.view.summary.totalEvents;
    if (event.timestamp > live.view.lastEventTime)
        live.view.lastEventTime = event.timestamp;
    return true;
}

bool Aggregator::spillOut(Live& live, const QString& id, Limit why)
{
    // After a failed write, limits save and release sessions for a while instead.
    constexpr qint64 kSpillRetryMs = 60000;
    if (!m_spill || (m_spillFailedAtMs >= 0 && nowMs() - m_spillFailedAtMs < kSpillRetryMs))
        return false;
    AgentSession& session = *live.session;
    SessionSpill::Chunks chunks;
    for (qsizetype i = 0; i < session.eventCount(); ++i) {
        if (!m_spill->append(session.storedEvent(i), &chunks)) {
            m_spill->discard(chunks);
            m_spillFailedAtMs = nowMs();
            Q_EMIT limitHit(why, QStringLiteral("cannot spill session %1 (%2); saving and "
                                                "releasing it instead")
                                     .arg(id.left(64), m_spill->lastError()));
            return false;
        }
    }
    // Built in one allocation: a limit may be passed for each of thousands of sessions in a row
    // (the log line is rate-limited, the message is not), and four arg() calls cost as much as
    // spilling the session.
    const QString detail =
        QString::number(m_inMemory.size()) % QLatin1String(" sessions in memory holding about ") %
        QString::number(m_liveBytes >> 20) % QLatin1String(" MB: moved the ") %
        QString::number(session.eventCount()) % QLatin1String(" events of session ") %
        QStringView(id).left(64) % QLatin1String(" to the spill file");
    Q_EMIT limitHit(why, detail);
    live.recordId = session.sessionId();
    live.view = SpilledView{session.lastEventTime(), session.summary(), session.initialPrompt()};
    live.spilled = std::move(chunks);
    live.spilledEvents = session.eventCount();
    live.unstored = session.unstoredState();
    m_liveBytes -= live.bytes;
    live.bytes = 0;
    live.session.reset();
    m_inMemory.remove(live.self);
    ++m_spilledCount;
    ++m_stats.spilled;
    releaseOldestSpilled();
    return true;
}

void Aggregator::releaseOldestSpilled()
{
    // A spilled session still costs a few hundred bytes in memory (its record, journal seqs,
    // de-duplication): beyond as many as may be parked, the least recently active is saved
    // and released as before, so a flood of session ids stays bounded.
    const int maxSpilled = m_settings.limits.maxParkedSessions;
    if (maxSpilled <= 0 || m_spilledCount <= maxSpilled)
        return;
    for (const LiveEntry& e : m_byActivity) {
        if (e.second.isSpilled()) {
            const QString victim = e.first; // release() erases the entry
            release(victim, nowMs(), Limit::ParkedSessions);
            return;
        }
    }
}

bool Aggregator::unspill(const QString& id)
{
    const auto it = m_live.find(id);
    if (it == m_live.end())
        return false;
    unspill(it->second, id);
    return true;
}

std::unique_ptr<AgentSession> Aggregator::readBack(const Live& live, const QString& id,
                                                   qint64* bytes)
{
    auto session = std::make_unique<AgentSession>(live.recordId, m_settings.filter);
    *bytes = 0;
    const bool read = m_spill->read(live.spilled, [&](const AgentSession::StoredEvent& stored) {
        if (session->addEvent(AgentSession::eventFromStored(stored)) ==
            AgentSession::AddResult::Stored)
            *bytes += stored.raw.size() + kEventOverheadBytes;
    });
    if (!read)
        qCCritical(lcAggregator).noquote()
            << "cannot read back the spilled events of session" << id.left(64) << ":"
            << m_spill->lastError()
            << "- the journal still holds them; they come back on the next start";
    session->restoreUnstoredState(live.unstored);
    return session;
}

void Aggregator::unspill(Live& live, const QString& id)
{
    if (!live.isSpilled())
        return;
    qint64 bytes = 0;
    std::unique_ptr<AgentSession> session = readBack(live, id, &bytes);
    m_spill->discard(live.spilled);
    live.spilled.clear();
    compactSpill();
    live.spilledEvents = 0;
    live.unstored = {};
    live.view = {};
    live.bytes = bytes;
    m_liveBytes += bytes;
    live.session = std::move(session);
    holdInMemory(live);
    --m_spilledCount;
    ++m_stats.unspilled;
}

void Aggregator::compactSpill()
{
    // While everything is being saved (stopAll), the file empties anyway.
    if (m_stoppingAll || !m_spill->wantsCompaction())
        return;
    QList<SessionSpill::Chunks*> owners;
    owners.reserve(m_spilledCount);
    for (auto& [id, live] : m_live) {
        if (live.isSpilled() && !live.spilled.empty())
            owners.append(&live.spilled);
    }
    const qint64 before = m_spill->fileBytes();
    if (m_spill->compact(owners))
        qCInfo(lcAggregator).noquote()
            << "spill file compacted from" << (before >> 20) << "MB to"
            << (m_spill->fileBytes() >> 20) << "MB for" << owners.size() << "spilled sessions";
    else
        qCWarning(lcAggregator).noquote()
            << "cannot compact the spill file:" << m_spill->lastError();
}

std::optional<AgentSession> Aggregator::copyOfLive(const QString& sessionId)
{
    const auto it = m_live.find(sessionId);
    if (it == m_live.end())
        return std::nullopt;
    if (it->second.session)
        return *it->second.session;
    qint64 bytes = 0;
    return std::move(*readBack(it->second, sessionId, &bytes));
}

void Aggregator::addPossibleGapToLive(const QDateTime& from, const QDateTime& to,
                                      const QString& reason)
{
    for (auto& [id, live] : m_live) {
        if (live.session)
            live.session->addPossibleGap(from, to, reason);
        else
            live.unstored.gaps.append(AgentSession::PossibleGap{from, to, reason, false});
    }
}

void Aggregator::settleDue(qint64 nowMs)
{
    while (!m_settleQueue.empty() && m_settleQueue.begin()->first <= nowMs) {
        const auto [at, id] = *m_settleQueue.begin();
        m_settleQueue.erase(m_settleQueue.begin());
        const auto it = m_live.find(id);
        if (it == m_live.end() || it->second.settleAtMs != at)
            continue;
        unspill(it->second, id); // the whole session decides whether its turn ended
        if (it->second.session->isActive()) {
            it->second.settleAtMs = -1;
            continue;
        }
        const AgentSession& s = *it->second.session;
        complete(id, s.status(), s.completionReason(), s.endTime());
    }
    armSettleTimer();
}

void Aggregator::armSettleTimer()
{
    if (!m_timerDriven) {
        m_settleTimer.stop();
        return;
    }
    qint64 next = std::numeric_limits<qint64>::max();
    if (!m_settleQueue.empty())
        next = m_settleQueue.begin()->first;
    for (const PendingAck& p : std::as_const(m_pendingAcks))
        next = std::min(next, p.deadlineMs);
    if (next == std::numeric_limits<qint64>::max()) {
        m_settleTimer.stop();
        return;
    }
    m_settleTimer.start(int(std::clamp<qint64>(next - nowMs(), 0, 1 << 30)));
}

void Aggregator::resume(AgentSession session, qint64 nowMs, qint64 idleMs, const QString& routingId)
{
    const QString id = routingId.isEmpty() ? session.sessionId() : routingId;
    if (m_live.count(id))
        return;
    unpark(id);
    m_dedup.insertAll(id, session.eventIdentities());
    session.setStatus(AgentSession::Status::Active);
    session.setCaptureFilter(m_settings.filter);
    Live& live = addLive(id);
    live.dedup = m_dedup.hold(id);
    live.part = partNumberOf(id, session.sessionId());
    live.bytes = qint64(session.totalEvents()) * kReopenedEventBytes;
    m_liveBytes += live.bytes;
    live.session = std::make_unique<AgentSession>(std::move(session));
    live.lastActivityMs = nowMs - std::max<qint64>(0, idleMs);
    // Keep the activity order sorted: insert before the first session that was active later.
    LiveEntry* pos = m_byActivity.front();
    while (pos && pos->second.lastActivityMs <= live.lastActivityMs)
        pos = m_byActivity.next(pos);
    m_byActivity.insertBefore(pos, live.self);
    holdInMemory(live);
    Q_EMIT sessionStarted(id);
    enforceLiveLimits(id, nowMs);
    armTimer();
}

void Aggregator::park(const QString& sessionId, qint64 nowMs, qint64 idleMs)
{
    if (m_live.count(sessionId))
        return;
    unpark(sessionId);
    const qint64 last = nowMs - std::max<qint64>(0, idleMs);
    const int maxParked = m_settings.limits.maxParkedSessions;
    if (maxParked > 0 && int(m_parked.size()) >= maxParked) {
        const Parked oldest = m_parked.front();
        m_parkedById.remove(oldest.sessionId);
        m_parked.pop_front();
        ++m_stats.parkedForgotten;
        Q_EMIT limitHit(Limit::ParkedSessions,
                        QStringLiteral("%1 released sessions are waiting for their timeout; "
                                       "session %2 stays interrupted on disk and times out on "
                                       "the next start")
                            .arg(maxParked)
                            .arg(oldest.sessionId.left(64)));
    }
    auto pos = m_parked.end();
    while (pos != m_parked.begin() && std::prev(pos)->lastActivityMs > last)
        --pos;
    m_parkedById.insert(sessionId, m_parked.insert(pos, Parked{sessionId, last}));
    armTimer();
}

void Aggregator::unpark(const QString& sessionId)
{
    const auto it = m_parkedById.constFind(sessionId);
    if (it == m_parkedById.cend())
        return;
    m_parked.erase(*it);
    m_parkedById.erase(it);
}

QStringList Aggregator::takeParked()
{
    QStringList ids;
    ids.reserve(qsizetype(m_parked.size()));
    for (const Parked& p : m_parked)
        ids.append(p.sessionId);
    m_parked.clear();
    m_parkedById.clear();
    armTimer();
    return ids;
}

void Aggregator::enforceSessionLimits(Live& live, const QString& routingId, qint64 nowMs)
{
    const CaptureLimits& l = m_settings.limits;
    const qint64 events = live.session ? live.session->totalEvents() : live.spilledEvents;
    std::optional<Limit> why;
    QString what;
    if (l.maxSessionEvents > 0 && events >= l.maxSessionEvents) {
        why = Limit::SessionEvents;
        what = QStringLiteral("holds %1 events").arg(events);
    } else if (l.maxSessionBytes > 0 && live.session && live.bytes >= l.maxSessionBytes) {
        why = Limit::SessionBytes;
        what = QStringLiteral("holds about %1 MB").arg(live.bytes >> 20);
    } else if (l.maxPendingToolCalls > 0 && live.pending > l.maxPendingToolCalls) {
        why = Limit::PendingToolCalls;
        what = QStringLiteral("has %1 tool calls without a result").arg(live.pending);
    }
    if (!why)
        return;
    int next = live.part + 1;
    while (m_live.count(partId(routingId, next)) ||
           (m_idTaken && m_idTaken(partId(routingId, next))))
        ++next;
    Completion how;
    how.routingId = routingId;
    how.part = live.part;
    how.continuedIn = partId(routingId, next);
    Q_EMIT limitHit(*why, QStringLiteral("session %1 %2; saved, it continues as part %3")
                              .arg(routingId.left(64), what)
                              .arg(next));
    completeAs(routingId, AgentSession::Status::Stopped,
               QStringLiteral("continued in part %1: the session %2").arg(next).arg(what), {}, how);
    ++m_stats.split;
    // The next part: same routing id and de-duplication, a fresh record.
    Live& fresh = addLive(routingId);
    fresh.dedup = m_dedup.hold(routingId);
    fresh.session = std::make_unique<AgentSession>(how.continuedIn, m_settings.filter);
    fresh.part = next;
    fresh.lastActivityMs = nowMs;
    m_byActivity.pushBack(fresh.self);
    holdInMemory(fresh);
}

void Aggregator::enforceLiveLimits(const QString& keep, qint64 nowMs)
{
    const CaptureLimits& l = m_settings.limits;
    while (m_inMemory.size() > 1) {
        std::optional<Limit> why;
        if (l.maxLiveSessions > 0 && qint64(m_inMemory.size()) > l.maxLiveSessions)
            why = Limit::LiveSessions;
        else if (l.maxLiveBytes > 0 && m_liveBytes > l.maxLiveBytes)
            why = Limit::LiveBytes;
        if (!why)
            return;
        // The least recently active goes; never the session that just took an event.
        LiveEntry* victim = m_inMemory.front();
        if (victim->first == keep)
            victim = m_inMemory.next(victim);
        // Its events move to the spill file and it stays live: its next event costs an
        // append, not a reload. Only without a usable spill file is it saved and released.
        if (!spillOut(victim->second, victim->first, *why)) {
            const QString id = victim->first; // release() erases the entry
            release(id, nowMs, *why);
        }
    }
}

void Aggregator::release(const QString& routingId, qint64 nowMs, Limit why)
{
    const auto it = m_live.find(routingId);
    if (it == m_live.end())
        return;
    const qint64 last = it->second.lastActivityMs;
    Completion how;
    how.routingId = routingId;
    how.part = it->second.part;
    how.released = true;
    how.idleMs = std::max<qint64>(0, nowMs - last);
    Q_EMIT limitHit(why, QStringLiteral("%1 live sessions holding about %2 MB: saved session %3 "
                                        "(idle %4 s) and released it from memory")
                             .arg(m_live.size())
                             .arg(m_liveBytes >> 20)
                             .arg(routingId.left(64))
                             .arg(how.idleMs / 1000));
    completeAs(
        routingId, AgentSession::Status::Interrupted,
        QStringLiteral("released from memory (%1); reopens on its next event").arg(limitName(why)),
        {}, how);
    ++m_stats.released;
    park(routingId, nowMs, how.idleMs);
}

void Aggregator::expire(qint64 nowMs)
{
    while (!m_byActivity.empty()) {
        const QString id = m_byActivity.front()->first;
        Live& live = m_byActivity.front()->second;
        if (nowMs - live.lastActivityMs <= m_settings.sessionTimeoutMs)
            break;
        unspill(live, id);
        if (!live.session->isActive()) { // its turn ended: complete, not timed out
            const AgentSession& s = *live.session;
            complete(id, s.status(), s.completionReason(), s.endTime());
            continue;
        }
        ++m_stats.timedOut;
        complete(id, AgentSession::Status::TimedOut,
                 QStringLiteral("no activity for %1 minutes")
                     .arg(m_settings.sessionTimeoutMs / 60000.0));
    }
    while (!m_parked.empty() &&
           nowMs - m_parked.front().lastActivityMs > m_settings.sessionTimeoutMs) {
        const Parked p = m_parked.front();
        m_parkedById.remove(p.sessionId);
        m_parked.pop_front();
        ++m_stats.timedOut;
        ++m_stats.parkedExpired;
        Q_EMIT parkedExpired(p.sessionId, QStringLiteral("no activity for %1 minutes")
                                              .arg(m_settings.sessionTimeoutMs / 60000.0));
    }
    // A finished session older than the timeout would be read from its file anyway
    // (takeFinished()): its warm copy is only memory held from then on.
    qint64 released = 0;
    while (!m_finishedOrder.empty()) {
        const auto it = m_finished.find(m_finishedOrder.front());
        if (nowMs - it->second.completedAtMs <= m_settings.sessionTimeoutMs)
            break;
        released += it->second.live.bytes;
        dropFinished(it);
    }
    if (released > 0)
        Q_EMIT finishedReleased(released);
    armTimer();
}

bool Aggregator::stopSession(const QString& sessionId, AgentSession::Status status,
                             const QString& reason)
{
    if (!unspill(sessionId))
        return false;
    complete(sessionId, status, reason);
    armTimer();
    return true;
}

void Aggregator::stopAll(AgentSession::Status status, const QString& reason)
{
    resolveAcks(0, true);
    // What follows a stop reopens from the saved files: warm copies of the sessions would only
    // hold memory (up to max_finished_bytes) after the capture ended.
    m_stoppingAll = true;
    m_finished.clear();
    m_finishedOrder.clear();
    m_finishedBytes = 0;
    const QStringList ids = allLiveSessionIds();
    for (const QString& id : ids) {
        // One at a time: a spilled session is read back just before its save.
        unspill(id);
        const AgentSession& s = *m_live.at(id).session;
        // A session whose last turn ended is complete, whatever stops the capture.
        if (!s.isActive())
            complete(id, s.status(), s.completionReason(), s.endTime());
        else
            complete(id, status, reason);
    }
    m_stoppingAll = false;
    m_settleQueue.clear();
    m_timer.stop();
    m_timerDeadlineMs = -1;
    m_settleTimer.stop();
}

void Aggregator::complete(const QString& sessionId, AgentSession::Status status,
                          const QString& reason, const QDateTime& endTime)
{
    completeAs(sessionId, status, reason, endTime, Completion());
}

void Aggregator::completeAs(const QString& sessionId, AgentSession::Status status,
                            const QString& reason, const QDateTime& endTime, const Completion& how)
{
    auto it = m_live.find(sessionId);
    if (it == m_live.end())
        return;
    unspill(it->second, sessionId);
    m_byActivity.remove(&*it);
    m_inMemory.remove(&*it);
    Live live = std::move(it->second);
    m_liveIndex.erase(sessionId);
    m_live.erase(it);
    m_liveBytes -= live.bytes;
    live.session->setStatus(status, reason, endTime);
    m_completing = how;
    m_completing.routingId = sessionId;
    m_completing.part = live.part;
    if (!how.released && m_timerDriven)
        m_completing.idleMs = std::max<qint64>(0, nowMs() - live.lastActivityMs);
    if (!how.released && how.continuedIn.isEmpty())
        ++m_stats.completed;
    // Releases and splits are reported (rate-limited) through limitHit(), not once each here.
    if (how.released || !how.continuedIn.isEmpty())
        qCDebug(lcAggregator).noquote()
            << "session" << sessionId.left(64) << AgentSession::statusName(status) << "-" << reason
            << "-" << live.session->totalEvents() << "events";
    else
        qCInfo(lcAggregator).noquote()
            << "session" << sessionId.left(64) << AgentSession::statusName(status) << "-" << reason
            << "-" << live.session->totalEvents() << "events";
    Q_EMIT sessionCompleted(*live.session,
                            QList<qint64>(live.journalSeqs.cbegin(), live.journalSeqs.cend()));
    m_completing = Completion();
    if (!how.released && how.continuedIn.isEmpty()) {
        live.journalSeqs.clear(); // handed over with the save
        keepFinished(sessionId, std::move(live));
    }
}

void Aggregator::keepFinished(const QString& routingId, Live live)
{
    const qint64 budget = m_settings.limits.maxFinishedBytes;
    if (m_stoppingAll || budget <= 0 || live.bytes > budget / 2)
        return;
    if (const auto old = m_finished.find(routingId); old != m_finished.end())
        dropFinished(old);
    while (!m_finishedOrder.empty() &&
           (m_finishedBytes + live.bytes > budget ||
            qint64(m_finished.size()) >= std::max(1, m_settings.limits.maxLiveSessions)))
        dropFinished(m_finished.find(m_finishedOrder.front()));
    m_finishedOrder.push_back(routingId);
    m_finishedBytes += live.bytes;
    Finished& f = m_finished[routingId];
    f.completedAtMs = m_timerDriven ? nowMs() : live.lastActivityMs;
    f.order = std::prev(m_finishedOrder.end());
    f.live = std::move(live);
    armTimer(); // it is dropped a timeout from now, even when nothing else is live
}

std::optional<Aggregator::Live> Aggregator::takeFinished(const QString& routingId, qint64 nowMs)
{
    const auto it = m_finished.find(routingId);
    if (it == m_finished.end())
        return std::nullopt;
    // Long after it ended, the saved file is the authority (it may have been cleaned up).
    if (nowMs - it->second.completedAtMs > m_settings.sessionTimeoutMs) {
        dropFinished(it);
        return std::nullopt;
    }
    m_finishedBytes -= it->second.live.bytes;
    m_finishedOrder.erase(it->second.order);
    Live live = std::move(it->second.live);
    m_finished.erase(it);
    return live;
}

void Aggregator::dropFinished(std::unordered_map<QString, Finished>::iterator it)
{
    if (it == m_finished.end())
        return;
    m_finishedBytes -= it->second.live.bytes;
    m_finishedOrder.erase(it->second.order);
    m_finished.erase(it);
}

const AgentSession* Aggregator::liveSession(const QString& sessionId) const
{
    const auto it = m_live.find(sessionId);
    return it == m_live.cend() ? nullptr : it->second.session.get();
}

QStringList Aggregator::liveSessionIds() const
{
    QStringList ids;
    ids.reserve(m_inMemory.size());
    for (const LiveEntry& e : m_inMemory)
        ids.append(e.first);
    return ids;
}

const Aggregator::SpilledView* Aggregator::spilledView(const QString& sessionId) const
{
    const auto it = m_live.find(sessionId);
    return it == m_live.cend() || !it->second.isSpilled() ? nullptr : &it->second.view;
}

QStringList Aggregator::allLiveSessionIds() const
{
    QStringList ids;
    ids.reserve(m_byActivity.size());
    for (const LiveEntry& e : m_byActivity)
        ids.append(e.first);
    return ids;
}

void Aggregator::armTimer()
{
    if (!m_timerDriven || (m_byActivity.empty() && m_parked.empty() && m_finishedOrder.empty())) {
        m_timer.stop();
        m_timerDeadlineMs = -1;
        return;
    }
    qint64 oldest = std::numeric_limits<qint64>::max();
    if (!m_byActivity.empty())
        oldest = m_byActivity.front()->second.lastActivityMs;
    if (!m_parked.empty())
        oldest = std::min(oldest, m_parked.front().lastActivityMs);
    if (!m_finishedOrder.empty())
        oldest = std::min(oldest, m_finished.at(m_finishedOrder.front()).completedAtMs);
    const qint64 deadline = oldest + m_settings.sessionTimeoutMs + 1;
    // Events only move sessions later, so a timer armed for an earlier deadline is kept: when
    // it fires, expire() finds nothing due and arms it again for the new front.
    if (m_timer.isActive() && m_timerDeadlineMs <= deadline)
        return;
    m_timerDeadlineMs = deadline;
    m_timer.start(int(std::clamp<qint64>(deadline - nowMs(), 0, std::numeric_limits<int>::max())));
}

void Aggregator::onTimer()
{
    if (m_timerDeadlineMs >= 0 && nowMs() < m_timerDeadlineMs && m_timer.isActive())
        return; // a test clock jumped, but not as far as the deadline
    m_timer.stop();
    m_timerDeadlineMs = -1;
    expire(nowMs());
}

} // namespace ea

#include "moc_Aggregator.cpp"
