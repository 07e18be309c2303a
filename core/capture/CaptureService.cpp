#include "CaptureService.h"

#include "EventNormalizer.h"
#include "EventRecorder.h"
#include "Journal.h"
#include "PrivateDirectory.h"
#include "RecordingReader.h"
#include "SessionSaver.h"
#include "SessionStore.h"
#include "SessionSummary.h"

#include <QLoggingCategory>
#include <QRegularExpression>

#include <algorithm>

Q_LOGGING_CATEGORY(lcCapture, "ea.capture.service", QtInfoMsg)

namespace {
Aggregator::Settings aggregatorSettings(const CaptureSettings& s)
{
    Aggregator::Settings a;
    a.sessionTimeoutMs = s.sessionTimeoutMs;
    a.proximityWindowMs = s.proximityWindowMs;
    a.filter = s.filter;
    a.limits = s.limits;
    return a;
}
} // namespace

CaptureService::CaptureService(CaptureSettings settings, QObject* parent)
    : QObject(parent), m_settings(CaptureSettings::withEnvironment(std::move(settings))),
      m_aggregator(aggregatorSettings(m_settings)),
      m_rateLimited(lcCapture(), m_settings.limits.logIntervalMs)
{
    for (const QString& name : std::as_const(m_settings.events))
        m_eventNames.insert(name);
    m_store = std::make_unique<SessionStore>(m_settings.activityDirectory);
    if (m_settings.compressAll)
        m_store->setCompressionThreshold(0);
    if (m_settings.limits.maxUnsavedBytes > 0)
        m_store->setPendingByteLimit(m_settings.limits.maxUnsavedBytes);
    connect(m_store.get(), &SessionStore::pendingDropped, this,
            [this](const QString& id, qint64 bytes) {
                ++m_counters.unsavedDropped;
                // Its journal records stay unreleased: the next start rebuilds it from them.
                const bool journaled = !m_unsavedSeqs.value(id).isEmpty();
                m_rateLimited.note(
                    QStringLiteral("max_unsaved_bytes"),
                    QStringLiteral("unsaved session %1 (%2 bytes) dropped from memory: more "
                                   "than %3 bytes wait for %4 to become writable; %5")
                        .arg(id.left(64))
                        .arg(bytes)
                        .arg(m_settings.limits.maxUnsavedBytes)
                        .arg(m_settings.activityDirectory,
                             journaled
                                 ? QStringLiteral("its events stay in the journal and are "
                                                  "restored on the next start")
                                 : QStringLiteral("it was not journaled either and is lost")));
            });
    m_saver = std::make_unique<SessionSaver>(m_store.get());
    // A save's journal records wait here from just before its file is written until it is.
    connect(
        m_saver.get(), &SessionSaver::committing, this,
        [this](const QString& id, const QList<qint64>& seqs) { m_unsavedSeqs[id].append(seqs); });
    connect(m_store.get(), &SessionStore::saved, this,
            [this](const QString& id, const QString& path) {
                ++m_counters.sessionsSaved;
                releaseSeqs(m_unsavedSeqs.take(id));
                Q_EMIT sessionSaved(id, path);
            });
    connect(m_store.get(), &SessionStore::saveFailed, this,
            [this](const QString& path, const QString& reason) {
                ++m_counters.saveFailures; // SessionStore logs it, at most once a minute
                Q_EMIT storageError(path, reason);
                if (!m_retryTimer.isActive())
                    m_retryTimer.start();
            });
    m_retryTimer.setInterval(m_settings.saveRetryIntervalMs);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        if (m_settings.useJournal && !m_journal && m_initialized && openJournal()) {
            qCInfo(lcCapture).noquote()
                << "journal" << m_journal->directory() << "opened: capture is crash-safe again";
            restoreFromJournal(); // what an earlier run may have left there
        }
        if (m_store->pendingCount() > 0 &&
            (m_store->retryPending() > 0 || m_store->pendingCount() == 0))
            qCInfo(lcCapture) << "saving works again;" << m_store->pendingCount()
                              << "session(s) still pending";
        if (m_store->pendingCount() == 0 && (m_journal || !m_settings.useJournal))
            m_retryTimer.stop();
    });
    m_cleanupTimer.setInterval(24 * 60 * 60 * 1000);
    connect(&m_cleanupTimer, &QTimer::timeout, this, &CaptureService::runCleanup);

    m_parkedFinishTimer.setInterval(0);
    connect(&m_parkedFinishTimer, &QTimer::timeout, this, &CaptureService::finishParkedBatch);
    connect(&m_aggregator, &Aggregator::limitHit, this, &CaptureService::onLimitHit);
    connect(&m_aggregator, &Aggregator::parkedExpired, this,
            [this](const QString& id, const QString& reason) {
                queueParkedFinish(id, AgentSession::Status::TimedOut, reason);
            });
    m_aggregator.setIdTaken([this](const QString& id) { return idTaken(id); });
    m_aggregator.setSessionLoader([this](const QString& id) -> std::optional<AgentSession> {
        QString error;
        QString target = id;
        for (int part = 2; idTaken(Aggregator::partId(id, part)); ++part)
            target = Aggregator::partId(id, part);
        if (std::optional<AgentSession> saving = m_saver->inFlight(target))
            return saving; // its file is about to be replaced
        const auto doc = loadLatest(id, &error);
        if (!doc)
            return std::nullopt;
        auto session = AgentSession::fromJson(*doc, &error);
        if (!session)
            qCWarning(lcCapture).noquote()
                << "cannot reopen session" << id.left(64) << ":" << error;
        return session;
    });
    connect(&m_aggregator, &Aggregator::sessionCompleted, this,
            &CaptureService::onSessionCompleted);
    connect(&m_aggregator, &Aggregator::journalSeqUnheld, this,
            [this](qint64 seq) { releaseSeqs({seq}); });
}

CaptureService::~CaptureService()
{
    m_saver->flush(); // while everything its signals reach is still here
}

bool CaptureService::idTaken(const QString& sessionId) const
{
    return m_saver->isInFlight(sessionId) || !m_store->filePath(sessionId).isEmpty();
}

std::optional<QJsonObject> CaptureService::loadLatest(const QString& sessionId, QString* error)
{
    // A session split by a per-session limit goes on in its newest part.
    QString target = sessionId;
    for (int part = 2;; ++part) {
        const QString id = Aggregator::partId(sessionId, part);
        if (m_store->filePath(id).isEmpty())
            break;
        target = id;
    }
    return m_store->loadSession(target, error);
}

void CaptureService::onLimitHit(Aggregator::Limit limit, const QString& detail)
{
    m_rateLimited.note(Aggregator::limitName(limit), QStringLiteral("limit reached: ") + detail);
}

void CaptureService::queueParkedFinish(const QString& sessionId, AgentSession::Status status,
                                       const QString& reason)
{
    m_parkedFinish.append(ParkedFinish{sessionId, status, reason});
    if (!m_parkedFinishTimer.isActive())
        m_parkedFinishTimer.start();
}

void CaptureService::finishParkedBatch()
{
    // What follows reads the released sessions' files: the saves that wrote them come first.
    m_saver->flush();
    // A few per turn of the event loop: thousands may expire at once after a restart.
    for (int n = 0; n < 32 && !m_parkedFinish.isEmpty(); ++n) {
        const ParkedFinish job = m_parkedFinish.takeFirst();
        if (m_aggregator.liveSession(job.sessionId))
            continue; // reopened meanwhile
        QString error;
        const auto doc = loadLatest(job.sessionId, &error);
        auto session = doc ? AgentSession::fromJson(*doc, &error) : std::nullopt;
        if (!session || session->status() != AgentSession::Status::Interrupted) {
            if (!session) {
                ++m_counters.parkedFinishFailures;
                m_rateLimited.note(
                    QStringLiteral("finish_released"),
                    QStringLiteral("cannot mark released session %1 %2: %3")
                        .arg(job.sessionId.left(64), AgentSession::statusName(job.status), error));
            }
            continue;
        }
        session->setStatus(job.status, job.reason);
        QJsonObject out = session->toJsonWithoutEvents();
        for (const char* key : {"part", "parent_session_id"}) {
            if (doc->contains(QLatin1String(key)))
                out.insert(QLatin1String(key), doc->value(QLatin1String(key)));
        }
        if (m_store->save(out, session->eventsJsonText()))
            ++m_counters.parkedFinished;
    }
    if (m_parkedFinish.isEmpty())
        m_parkedFinishTimer.stop();
}

bool CaptureService::initialize()
{
    // Before the journal makes it as a plain parent of .journal: session data is private.
    QString dirError;
    if (!PrivateDirectory::ensure(m_settings.activityDirectory, &dirError))
        qCWarning(lcCapture).noquote()
            << dirError << "- events are kept in memory until it can be created";
    if (m_settings.useJournal && !openJournal()) {
        m_lastError = m_journalError;
        qCWarning(lcCapture).noquote()
            << "journal unavailable:" << m_journalError
            << "- capturing without crash protection until it can be opened";
        m_retryTimer.start(); // tries again with the saves
    }
    if (!m_settings.recordFile.isEmpty()) {
        m_recorder = std::make_unique<EventRecorder>(m_settings.recordFile);
        QString error;
        if (!m_recorder->open(&error)) {
            m_lastError = error;
            return false;
        }
    }
    resumeInterrupted();
    restoreFromJournal();
    m_initialized = true;
    runCleanup();
    if (m_settings.autoCleanupDays > 0)
        m_cleanupTimer.start();
    return true;
}

bool CaptureService::openJournal()
{
    auto journal = std::make_unique<Journal>(Journal::directoryFor(m_settings.activityDirectory));
    if (!journal->open()) {
        m_journalError = journal->lastError();
        return false;
    }
    m_journal = std::move(journal);
    connect(m_journal.get(), &Journal::writeFailed, this,
            [this](const QString& path, const QString& reason) {
                ++m_counters.journalWriteFailures;
                Q_EMIT storageError(path, reason);
            });
    return true;
}

void CaptureService::restoreFromJournal()
{
    if (!m_journal)
        return;
    const auto stats = m_journal->replay([this](qint64 seq, const QDateTime& received,
                                                const QString& name, const QByteArray& payload) {
        ++m_counters.journalReplayed;
        process(name, payload, received, seq, Clock::Journal);
    });
    if (stats.records || stats.garbage || stats.torn) {
        qCInfo(lcCapture) << "journal: restored" << stats.records << "event(s) not yet saved;"
                          << stats.garbage << "garbage and" << stats.torn << "torn line(s) skipped";
    }
}

void CaptureService::resumeInterrupted()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<SessionSummary> interrupted;
    for (const SessionSummary& s : m_store->list()) {
        if (!s.damaged && s.status == QLatin1String("interrupted"))
            interrupted.append(s);
    }
    // The most recently saved come back into memory, as many as the live limit allows; the
    // others are only remembered, to time out unless an event reopens them.
    std::sort(
        interrupted.begin(), interrupted.end(),
        [](const SessionSummary& a, const SessionSummary& b) { return a.modified > b.modified; });
    const int maxLive = m_settings.limits.maxLiveSessions;
    int resumed = 0;
    for (const SessionSummary& s : std::as_const(interrupted)) {
        // Idle time is measured from when the file was saved (plus the idle time recorded
        // then), never from event timestamps, which may come from a wrong clock.
        const qint64 sinceSaved =
            s.modified.isValid() ? std::clamp<qint64>(s.modified.msecsTo(now), 0, qint64(1) << 40)
                                 : 0;
        const QString routing = [&] {
            static const QRegularExpression part(QStringLiteral("^(.*)#part(\\d+)$"));
            const QRegularExpressionMatch m = part.match(s.sessionId);
            return m.hasMatch() ? m.captured(1) : s.sessionId;
        }();
        if (maxLive > 0 && resumed >= maxLive) {
            m_aggregator.park(routing, Aggregator::monotonicNowMs(), sinceSaved);
            continue;
        }
        QString error;
        const auto doc = m_store->load(s.filePath, &error);
        auto session = doc ? AgentSession::fromJson(*doc, &error) : std::nullopt;
        if (!session) {
            qCWarning(lcCapture).noquote() << "cannot resume" << s.filePath << ":" << error;
            continue;
        }
        qint64 idle = sinceSaved;
        const QJsonValue recorded = doc->value(QLatin1String("idle_ms_at_save"));
        if (recorded.isDouble())
            idle += std::clamp<qint64>(qint64(std::clamp(recorded.toDouble(), 0.0, 1e12)), 0,
                                       qint64(1) << 40);
        const QString docRouting = doc->value(QLatin1String("parent_session_id")).toString(routing);
        m_aggregator.resume(std::move(*session), Aggregator::monotonicNowMs(), idle, docRouting);
        ++m_counters.resumed;
        ++resumed;
    }
}

void CaptureService::runCleanup()
{
    if (m_settings.autoCleanupDays <= 0)
        return;
    QStringList removed;
    const int n = m_store->cleanup(m_settings.autoCleanupDays, false, &removed);
    m_counters.cleanedUp += quint64(std::max(0, n));
    if (n > 0)
        qCInfo(lcCapture) << "removed" << n << "session(s) older than" << m_settings.autoCleanupDays
                          << "days";
}

bool CaptureService::startCapture()
{
    if (m_client)
        return true;
    SocketIoOptions o;
    o.host = m_settings.host;
    o.port = m_settings.port;
    o.allowRemote = m_settings.allowRemote;
    m_client = new SocketIoClient(o, this);
    connect(m_client, &SocketIoClient::eventReceived, this, &CaptureService::onSocketEvent);
    connect(m_client, &SocketIoClient::namespaceConnected, this,
            &CaptureService::onNamespaceConnected);
    connect(m_client, &SocketIoClient::stateChanged, this,
            [this](SocketIoClient::State state, const QString& reason) {
                if (state != SocketIoClient::State::Connected && !m_disconnectedAt.isValid())
                    m_disconnectedAt = QDateTime::currentDateTimeUtc();
                Q_EMIT connectionStateChanged(state, reason);
            });
    if (!m_client->open()) {
        m_lastError = m_client->lastError();
        delete m_client;
        m_client = nullptr;
        return false;
    }
    Q_EMIT capturingChanged(true);
    return true;
}

void CaptureService::closeClient()
{
    if (!m_client)
        return;
    m_client->close();
    const SocketIoClient::Stats& s = m_client->stats();
    m_pastClientStats.connects += s.connects;
    m_pastClientStats.reconnects += s.reconnects;
    m_pastClientStats.recovered += s.recovered;
    m_pastClientStats.missedPossible += s.missedPossible;
    m_pastClientStats.eventsReceived += s.eventsReceived;
    m_pastClientStats.malformed += s.malformed;
    m_pastClientStats.bufferDropped += s.bufferDropped;
    m_client->deleteLater();
    m_client = nullptr;
}

void CaptureService::stopCapture()
{
    closeClient();
    m_aggregator.stopAll(AgentSession::Status::Stopped, QStringLiteral("capture stopped"));
    m_saver->flush();
    if (m_journal)
        m_journal->sync();
    Q_EMIT capturingChanged(false);
}

void CaptureService::shutdown()
{
    closeClient();
    m_aggregator.stopAll(AgentSession::Status::Interrupted, QStringLiteral("application quit"));
    m_saver->flush();
    // Released sessions whose timeout already passed: finish now rather than at the next start.
    while (!m_parkedFinish.isEmpty())
        finishParkedBatch();
    m_rateLimited.flush();
    if (m_recorder)
        m_recorder->flush();
    if (m_journal)
        m_journal->sync();
}

void CaptureService::onNamespaceConnected(const QString&, bool recovered, bool missedPossible)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (missedPossible) {
        // Say so in every live session: what the dashboard sent meanwhile may be missing.
        for (const QString& id : m_aggregator.liveSessionIds()) {
            if (auto* s = const_cast<AgentSession*>(m_aggregator.liveSession(id)))
                s->addPossibleGap(
                    m_disconnectedAt, now,
                    QStringLiteral(
                        "dashboard connection lost; reconnected without state recovery"));
        }
    }
    m_disconnectedAt = QDateTime();
    Q_UNUSED(recovered);
    // The legacy dashboard answers with its recent events; de-duplication drops what we have.
    m_client->send(QStringLiteral("get_history"), {QVariantMap{{QStringLiteral("limit"), 100}}});
}

void CaptureService::onSocketEvent(const SocketEvent& event)
{
    if (!m_eventNames.contains(event.name)) {
        if (EventNormalizer::isChatter(event.name)) {
            ++m_counters.chatter;
            // --record keeps every raw event, chatter too (replay counts it again as chatter).
            if (m_recorder)
                m_recorder->write(event.name, event.args.value(0));
        } else {
            ++m_counters.ignored;
        }
        return;
    }
    ingest(event.name, event.args.value(0), QDateTime::currentDateTimeUtc());
}

void CaptureService::ingest(const QString& name, const QByteArray& payload,
                            const QDateTime& receivedAt)
{
    qint64 seq = -1;
    // The normalizer refuses anything this big anyway; journaling it first would only copy
    // (and parse) megabytes for nothing.
    static const qsizetype maxPayload = EventNormalizer::Limits{}.maxPayloadBytes;
    if (payload.size() > maxPayload) {
        process(name, payload, receivedAt, -1, Clock::Live);
        return;
    }
    if (m_journal) {
        seq = m_journal->append(name, payload, receivedAt.toMSecsSinceEpoch());
        if (seq < 0)
            ++m_counters.journalFailures;
    }
    if (m_recorder)
        m_recorder->write(name, payload);
    process(name, payload, receivedAt, seq, Clock::Live);
}

void CaptureService::process(const QString& name, const QByteArray& payload,
                             const QDateTime& receivedAt, qint64 seq, Clock clock)
{
    ++m_counters.eventsReceived;
    const NormalizeResult result = EventNormalizer::normalize(name, payload, receivedAt);
    if (result.isChatter()) {
        ++m_counters.chatter;
        releaseSeqs({seq});
        return;
    }
    if (result.isError()) {
        ++m_counters.malformed;
        m_rateLimited.note(
            QStringLiteral("rejected_") + NormalizeResult::errorName(result.error),
            QStringLiteral("rejected %1 payload: %2").arg(name.left(64), result.message.left(200)));
        releaseSeqs({seq});
        return;
    }
    int held = 0;
    for (const ClaudeEvent& event : result.events) {
        qint64 now = 0;
        switch (clock) {
        case Clock::Live:
            now = Aggregator::monotonicNowMs();
            break;
        case Clock::EventTime:
            now = event.timestamp.toMSecsSinceEpoch();
            break;
        case Clock::Journal:
            // Place the original receive time on the monotonic clock, so restored sessions keep
            // the inactivity they really had.
            now = Aggregator::monotonicNowMs() -
                  std::max<qint64>(0, receivedAt.msecsTo(QDateTime::currentDateTimeUtc()));
            break;
        }
        held += m_aggregator.addEvent(event, seq, now);
    }
    if (held == 0)
        releaseSeqs({seq});
    else if (held > 1)
        m_sharedSeqs.insert(seq, held);
}

void CaptureService::onSessionCompleted(const AgentSession& session, const QList<qint64>& seqs)
{
    // Seqs are released once the file is really on disk, which may be much later.
    QJsonObject doc;
    const Aggregator::Completion& how = m_aggregator.completing();
    if (how.part > 1) {
        doc.insert(QStringLiteral("part"), how.part);
        doc.insert(QStringLiteral("parent_session_id"), how.routingId);
    }
    if (!how.continuedIn.isEmpty())
        doc.insert(QStringLiteral("continued_in"), how.continuedIn);
    if (session.status() == AgentSession::Status::Interrupted)
        doc.insert(QStringLiteral("idle_ms_at_save"), double(how.idleMs));
    m_saver->save(session, doc, seqs);
}

void CaptureService::releaseSeqs(const QList<qint64>& seqs)
{
    if (!m_journal || seqs.isEmpty())
        return;
    QList<qint64> done;
    done.reserve(seqs.size());
    for (qint64 seq : seqs) {
        if (seq < 0)
            continue;
        const auto shared = m_sharedSeqs.find(seq);
        if (shared != m_sharedSeqs.end() && --shared.value() > 0)
            continue;
        if (shared != m_sharedSeqs.end())
            m_sharedSeqs.erase(shared);
        done.append(seq);
    }
    m_journal->release(done);
}

bool CaptureService::replay(const QString& path, QString* error)
{
    RecordingReader reader(path);
    if (!reader.open(error))
        return false;
    m_aggregator.setTimerDriven(false);
    const QDateTime start = QDateTime::currentDateTimeUtc();
    while (auto entry = reader.next()) {
        if (!m_eventNames.contains(entry->name) && !EventNormalizer::isChatter(entry->name)) {
            ++m_counters.ignored;
            continue;
        }
        if (m_recorder)
            m_recorder->write(entry->name, entry->payload);
        process(entry->name, entry->payload, start, -1, Clock::EventTime);
    }
    m_counters.malformed += quint64(reader.skipped());
    m_aggregator.stopAll(AgentSession::Status::Stopped, QStringLiteral("end of replay"));
    // Sessions a memory limit released during the replay end the same way.
    for (const QString& id : m_aggregator.takeParked())
        queueParkedFinish(id, AgentSession::Status::Stopped, QStringLiteral("end of replay"));
    m_saver->flush();
    while (!m_parkedFinish.isEmpty())
        finishParkedBatch();
    m_aggregator.setTimerDriven(true);
    return true;
}

QJsonObject CaptureService::countersJson() const
{
    const Aggregator::Stats& a = m_aggregator.stats();
    QJsonObject o;
    const auto put = [&o](const char* key, quint64 v) { o.insert(QLatin1String(key), double(v)); };
    put("events_received", m_counters.eventsReceived);
    put("events_aggregated", a.aggregated);
    put("duplicates", a.duplicates);
    put("filtered", a.filtered);
    put("chatter", m_counters.chatter);
    put("ignored", m_counters.ignored);
    put("malformed", m_counters.malformed);
    put("attributed_by_directory", a.attributed);
    put("unattributed", a.unattributed);
    put("sessions_live", quint64(m_aggregator.liveCount()));
    put("sessions_completed", a.completed);
    put("sessions_timed_out", a.timedOut);
    put("sessions_reopened", a.reopened);
    put("sessions_saved", m_counters.sessionsSaved);
    put("sessions_resumed", m_counters.resumed);
    put("save_failures", m_counters.saveFailures);
    put("saves_pending", quint64(m_store->pendingCount()));
    put("saves_in_flight", quint64(m_saver->inFlightCount()));
    put("journal_failures", m_counters.journalFailures);
    put("journal_write_failures", m_counters.journalWriteFailures);
    put("journal_replayed", m_counters.journalReplayed);
    put("cleaned_up", m_counters.cleanedUp);
    put("sessions_released", a.released);
    put("sessions_split", a.split);
    put("sessions_parked", quint64(m_aggregator.parkedCount()));
    put("parked_finished", m_counters.parkedFinished);
    put("live_bytes", quint64(std::max<qint64>(0, m_aggregator.liveBytes())));
    put("unsaved_bytes", quint64(m_store->pendingBytes()));
    put("unsaved_dropped", m_counters.unsavedDropped);
    // Limit hits and other rate-limited conditions, by name, and how many log lines they took.
    o.insert(QStringLiteral("limits"), m_rateLimited.counts());
    put("rate_limited_log_lines", m_rateLimited.linesLogged());
    SocketIoClient::Stats c = m_pastClientStats;
    if (m_client) {
        c.connects += m_client->stats().connects;
        c.reconnects += m_client->stats().reconnects;
        c.recovered += m_client->stats().recovered;
        c.missedPossible += m_client->stats().missedPossible;
        c.malformed += m_client->stats().malformed;
    }
    put("connects", c.connects);
    put("reconnects", c.reconnects);
    put("recovered", c.recovered);
    put("missed_possible", c.missedPossible);
    put("malformed_packets", c.malformed);
    return o;
}
