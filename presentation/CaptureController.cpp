#include "presentation/CaptureController.h"

#include "aggregation/AgentSession.h"
#include "aggregation/Aggregator.h"
#include "capture/CaptureService.h"
#include "index/SessionIndexWriter.h"
#include "presentation/DashboardProblem.h"
#include "storage/SessionStore.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QPointer>

#include <algorithm>
#include <utility>

namespace ea {

Q_LOGGING_CATEGORY(lcController, "ea.ui.capture", QtInfoMsg)

CaptureController::CaptureController(CaptureSettings settings, QObject* parent)
    : QObject(parent), m_settings(std::move(settings))
{
    m_monotonic.start();
    m_clock = [this] { return m_monotonic.elapsed(); };
    createService();
}

CaptureController::~CaptureController()
{
    shutdown();
}

void CaptureController::createService()
{
    m_service = std::make_unique<CaptureService>(m_settings);
    m_connected = false;
    m_everConnected = false;
    CaptureService* s = m_service.get();
    connect(s, &CaptureService::connectionStateChanged, this,
            [this](SocketIoClient::State state, const QString& reason) {
                const bool wasConnected = m_connected;
                m_connected = state == SocketIoClient::State::Connected;
                if (state == SocketIoClient::State::Connected ||
                    DashboardProblem::retryDelayMs(reason))
                    Q_EMIT connectionProblemChanged();
                if (state == SocketIoClient::State::Connected) {
                    m_everConnected = true;
                    if (!wasConnected)
                        Q_EMIT connectionRestored();
                } else if (wasConnected) {
                    qCInfo(lcController).noquote() << "dashboard connection lost:" << reason;
                    Q_EMIT connectionLost();
                }
                updateState();
            });
    connect(s, &CaptureService::capturingChanged, this, [this] { updateState(); });
    connect(&s->stateMonitor(), &SessionStateMonitor::stateChanged, this,
            &CaptureController::liveStateChanged);
    connect(&s->store(), &SessionStore::removed, this,
            [this](const QString& id, const QString&) { Q_EMIT sessionRemoved(id); });
    connect(s, &CaptureService::storageError, this,
            [this](const QString& path, const QString& reason) {
                setStorageError(tr("Cannot write %1: %2").arg(path, reason));
            });
    connect(s, &CaptureService::sessionSaved, this, [this](const QString& id, const QString& path) {
        // A save that works again ends a storage error once nothing is left waiting.
        if (!m_storageError.isEmpty() && m_service->store().pendingCount() == 0)
            setStorageError({});
        Q_EMIT sessionSaved(id, path);
    });
}

bool CaptureController::initialize()
{
    if (!m_service->initialize()) {
        setStorageError(m_service->lastError());
        return false;
    }
    // The writer exists once the activity directory is ours; its rows are what the browser reads.
    if (SessionIndexWriter* index = m_service->index()) {
        connect(index, &SessionIndexWriter::updated, this, &CaptureController::sessionIndexed,
                Qt::UniqueConnection);
        connect(index, &SessionIndexWriter::ready, this, &CaptureController::sessionIndexed,
                Qt::UniqueConnection);
        connect(index, &SessionIndexWriter::progress, this, &CaptureController::indexProgress,
                Qt::UniqueConnection);
    }
    const QFileInfo dir(m_settings.activityDirectory);
    if (!dir.isDir() || !dir.isWritable()) {
        setStorageError(
            tr("The activity directory %1 is not writable").arg(m_settings.activityDirectory));
        return false;
    }
    updateState();
    return true;
}

bool CaptureController::isCapturing() const
{
    return m_service && m_service->isCapturing();
}

QString CaptureController::connectionProblem() const
{
    const SocketIoClient* client = m_service ? m_service->client() : nullptr;
    if (!client || !isCapturing() || m_connected)
        return {};
    // The client updates its reason at every failed attempt without a state change (it stays
    // Connecting), so it is read here; the countdown runs from when a reason was first seen.
    const QString reason = client->stateReason();
    if (reason != m_problemReason) {
        m_problemReason = reason;
        const std::optional<qint64> delay = DashboardProblem::retryDelayMs(reason);
        m_retryAtMs = delay ? m_clock() + *delay : -1;
    }
    if (m_retryAtMs < 0)
        return {}; // connecting for the first time, or gave up (the state says so)
    return DashboardProblem::describe(serverText(), reason,
                                      std::max<qint64>(0, m_retryAtMs - m_clock()));
}

QString CaptureController::serverText() const
{
    return QStringLiteral("%1:%2").arg(m_settings.host).arg(m_settings.port);
}

quint64 CaptureController::eventsCaptured() const
{
    return m_service ? m_service->counters().eventsReceived : 0;
}

int CaptureController::liveSessionCount() const
{
    return m_service ? m_service->aggregator().liveCount() : 0;
}

QList<LiveSessionSnapshot> CaptureController::liveSessions(int limit) const
{
    if (!m_service)
        return {};
    const Aggregator& aggregator = m_service->aggregator();
    // Spilled sessions are live too: listed from what the aggregator keeps of them. Sorted
    // first, so only the sessions shown are snapshotted (there may be thousands).
    struct Entry
    {
        QDateTime last;
        const AgentSession* session = nullptr;
        const Aggregator::SpilledView* spilled = nullptr;
    };
    QList<Entry> entries;
    for (const QString& id : aggregator.allLiveSessionIds()) {
        if (const AgentSession* s = aggregator.liveSession(id))
            entries.append(Entry{s->lastEventTime(), s, nullptr});
        else if (const Aggregator::SpilledView* v = aggregator.spilledView(id))
            entries.append(Entry{v->lastEventTime, nullptr, v});
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.last > b.last; });
    if (limit >= 0 && entries.size() > limit)
        entries.resize(limit);
    QList<LiveSessionSnapshot> out;
    out.reserve(entries.size());
    for (const Entry& e : std::as_const(entries))
        out.append(e.session ? LiveSessionSnapshot::of(*e.session)
                             : LiveSessionSnapshot::of(*e.spilled));
    for (LiveSessionSnapshot& snapshot : out)
        snapshot.state = liveState(snapshot.summary.sessionId);
    return out;
}

std::optional<LiveState> CaptureController::liveState(const QString& sessionId) const
{
    return m_service ? m_service->stateMonitor().state(sessionId) : std::nullopt;
}

QList<CaptureController::NeedsYou> CaptureController::needingAttention() const
{
    QList<NeedsYou> out;
    if (!m_service)
        return out;
    const SessionStateMonitor& monitor = m_service->stateMonitor();
    for (const QString& id : monitor.sessionIds()) {
        const SessionStateMonitor::Entry* e = monitor.entry(id);
        if (e && e->machine.state().needsAttention())
            out.append({id, e->workingDirectory, e->gitBranch, e->machine.state()});
    }
    // Longest waiting first: the one that has waited longest is the one to look at.
    std::sort(out.begin(), out.end(), [](const NeedsYou& a, const NeedsYou& b) {
        return a.state.since != b.state.since ? a.state.since < b.state.since
                                              : a.sessionId < b.sessionId;
    });
    return out;
}

AttentionNotifier::Session
CaptureController::describeForNotification(const QString& sessionId) const
{
    AttentionNotifier::Session out;
    if (!m_service)
        return out;
    if (const SessionStateMonitor::Entry* e = m_service->stateMonitor().entry(sessionId)) {
        out.project = QFileInfo(e->workingDirectory).fileName();
        out.branch = e->gitBranch;
    }
    const AgentSession* s = m_service->aggregator().liveSession(sessionId);
    if (!s)
        return out;
    if (out.project.isEmpty())
        out.project = QFileInfo(s->workingDirectory()).fileName();
    const QList<Turn> turns = s->turns();
    if (turns.isEmpty() || turns.last().isOpen())
        return out;
    const Turn& t = turns.last();
    out.turnMs = t.durationMs();
    out.tools = t.toolCalls + t.delegations;
    out.failures = t.toolFailures;
    if (t.tokens)
        out.tokens = t.tokens->total();
    return out;
}

QJsonObject CaptureController::liveStateCounts() const
{
    return m_service ? m_service->stateMonitor().countsJson() : QJsonObject();
}

QJsonObject CaptureController::liveDocument(const QString& sessionId) const
{
    const AgentSession* s = m_service ? m_service->aggregator().liveSession(sessionId) : nullptr;
    if (!s)
        return {};
    QJsonObject doc = s->toJson();
    if (const std::optional<LiveState> state = liveState(sessionId))
        doc.insert(QStringLiteral("live_state"), state->toJson());
    return doc;
}

qsizetype CaptureController::liveEventCount(const QString& sessionId) const
{
    const AgentSession* s = m_service ? m_service->aggregator().liveSession(sessionId) : nullptr;
    return s ? qsizetype(s->eventCount()) : -1;
}

QStringList CaptureController::trashSessions(const QStringList& sessionIds)
{
    if (!m_service)
        return {tr("Capture is not initialized.")};
    QString lockError;
    if (!m_service->ensureActivityLock(&lockError))
        return {lockError};
    SessionStore& store = m_service->store();
    QStringList failed;
    for (const QString& id : sessionIds) {
        if (!store.remove(id, SessionStore::Disposal::Trash))
            failed.append(store.lastError());
    }
    return failed;
}

bool CaptureController::setPinned(const QStringList& sessionIds, bool pinned, QString* error)
{
    if (!m_service) {
        *error = tr("Capture is not initialized.");
        return false;
    }
    QString lockError;
    if (!m_service->ensureActivityLock(&lockError)) {
        *error = lockError;
        return false;
    }
    SessionStore& store = m_service->store();
    for (const QString& id : sessionIds) {
        if (!store.setPinned(id, pinned)) {
            *error = store.lastError();
            return false;
        }
    }
    return true;
}

QList<CaptureController::CleanupItem> CaptureController::planCleanup(QString* error) const
{
    QList<CleanupItem> out;
    if (!m_service) {
        *error = tr("Capture is not initialized.");
        return out;
    }
    QString why;
    const QList<SessionStore::CleanupItem> plan = m_service->store().planCleanup(
        m_settings.autoCleanupDays, qint64(m_settings.maxTotalMb) * 1024 * 1024, false, &why);
    if (!why.isEmpty())
        *error = why;
    out.reserve(plan.size());
    for (const SessionStore::CleanupItem& item : plan)
        out.append({item.session, item.reason});
    return out;
}

QString CaptureController::cleanupPolicyText() const
{
    QStringList rules;
    if (m_settings.autoCleanupDays > 0)
        rules << tr("ended sessions older than %1 days (auto_cleanup_days)")
                     .arg(m_settings.autoCleanupDays);
    if (m_settings.maxTotalMb > 0)
        rules << tr("the oldest ended sessions while the session files take more than %1 MB "
                    "(max_total_mb)")
                     .arg(m_settings.maxTotalMb);
    if (rules.isEmpty())
        return tr("Cleanup is off (auto_cleanup_days and max_total_mb are 0).");
    return tr("Cleanup removes %1.").arg(rules.join(tr(", and ")));
}

void CaptureController::start()
{
    if (m_shutDown || isCapturing())
        return;
    // Starting again is how a user retries a refused start; storage errors outlive it.
    m_startError.clear();
    m_everConnected = false;
    m_connected = false;
    if (!m_service->startCapture()) {
        setStartError(m_service->lastError());
        return;
    }
    updateState();
}

void CaptureController::stop()
{
    if (!isCapturing())
        return;
    m_service->stopCapture();
    m_connected = false;
    updateState();
}

void CaptureController::toggle()
{
    if (isCapturing())
        stop();
    else
        start();
}

void CaptureController::shutdown()
{
    if (m_shutDown || !m_service)
        return;
    m_shutDown = true;
    m_service->shutdown();
}

void CaptureController::applySettings(const CaptureSettings& settings)
{
    // Saving unchanged settings (or only the desktop's, like notifications) must not drop the
    // connection, reset the counters or interrupt live sessions.
    if (settings == m_settings)
        return;
    // Only the dashboard's address, the event names or the live states' times changed: taken
    // in place (a reconnect; the deadlines re-evaluated), keeping the live sessions and the
    // counters.
    CaptureSettings inPlace = settings;
    inPlace.host = m_settings.host;
    inPlace.port = m_settings.port;
    inPlace.allowRemote = m_settings.allowRemote;
    inPlace.events = m_settings.events;
    inPlace.blockedAfterMs = m_settings.blockedAfterMs;
    inPlace.idleAfterMs = m_settings.idleAfterMs;
    if (inPlace == m_settings) {
        const CaptureSettings old = std::exchange(m_settings, settings);
        if (settings.blockedAfterMs != old.blockedAfterMs ||
            settings.idleAfterMs != old.idleAfterMs)
            m_service->setAttentionTimes(settings.blockedAfterMs, settings.idleAfterMs);
        if (settings.host == old.host && settings.port == old.port &&
            settings.allowRemote == old.allowRemote && settings.events == old.events)
            return;
        m_startError.clear();
        if (!m_service->changeConnection(settings.host, settings.port, settings.allowRemote,
                                         settings.events))
            setStartError(m_service->lastError());
        updateState();
        return;
    }
    const bool wasCapturing = isCapturing();
    m_service->shutdown(QStringLiteral("settings changed"));
    m_settings = settings;
    m_storageError.clear();
    m_startError.clear();
    // The old service goes after the new one exists, so views never see a dangling pointer
    // between serviceReplaced() and their reconnection.
    std::unique_ptr<CaptureService> old = std::move(m_service);
    createService();
    Q_EMIT serviceReplaced(m_service.get());
    Q_EMIT savedSessionsChanged();
    old.reset();
    initialize();
    if (wasCapturing)
        start();
    updateState();
}

void CaptureController::setStorageError(const QString& text)
{
    if (!text.isEmpty())
        qCWarning(lcController).noquote() << text;
    m_storageError = text;
    updateState();
}

void CaptureController::setStartError(const QString& text)
{
    if (!text.isEmpty())
        qCWarning(lcController).noquote() << text;
    m_startError = text;
    updateState();
}

void CaptureController::updateState()
{
    CaptureState next = CaptureState::Stopped;
    if (!m_storageError.isEmpty() || !m_startError.isEmpty())
        next = CaptureState::Error;
    else if (!isCapturing())
        next = CaptureState::Stopped;
    else if (m_connected)
        next = CaptureState::Capturing;
    else if (m_everConnected)
        next = CaptureState::Reconnecting;
    else
        next = CaptureState::Connecting;
    // In the error state capture may still start or stop: views show that too.
    const bool capturing = isCapturing();
    if (next == m_state && capturing == m_wasCapturing)
        return;
    m_state = next;
    m_wasCapturing = capturing;
    Q_EMIT stateChanged(next);
}

} // namespace ea

#include "moc_CaptureController.cpp"
