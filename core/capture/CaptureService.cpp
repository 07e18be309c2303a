#include "capture/CaptureService.h"

#include "aggregation/SessionSpill.h"
#include "capture/EventRecorder.h"
#include "capture/RecordingReader.h"
#include "capture/SessionSaver.h"
#include "index/IndexedSummaryCache.h"
#include "index/SessionIndexWriter.h"
#include "ingest/EventNormalizer.h"
#include "model/SessionSummary.h"
#include "storage/ActivityLock.h"
#include "storage/Journal.h"
#include "storage/SessionStore.h"
#include "util/PrivateDirectory.h"
#include "util/SystemClock.h"

#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>
#include <QRegularExpression>

#include <algorithm>
#include <sys/stat.h>
#include <utility>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace ea {

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

CaptureService::CaptureService(CaptureSettings settings, QObject* parent, const Clock* clock)
    : QObject(parent), m_settings(CaptureSettings::withEnvironment(std::move(settings))),
      m_ownClock(clock ? nullptr : std::make_unique<SystemClock>()),
      m_clock(clock ? clock : m_ownClock.get()),
      m_spill(
          std::make_unique<SessionSpill>(m_settings.activityDirectory + QStringLiteral("/.spill"))),
      m_aggregator(aggregatorSettings(m_settings), m_clock),
      m_rateLimited(lcCapture(), m_settings.limits.logIntervalMs)
{
    for (const QString& name : std::as_const(m_settings.events))
        m_eventNames.insert(name);
    if (m_settings.redactAtCapture)
        m_redactor.emplace(m_settings.redaction);
#ifdef __GLIBC__
    // A fixed threshold: blocks of a big payload's size are mapped and unmapped on their own.
    // glibc otherwise raises it to the largest block freed (the 24 MB buffer one 7.5 MB text
    // frame is converted in), so the save worker's copies of that session came from its
    // thread's arena, whose free top malloc_trim() does not return: 24 MB stayed resident.
    ::mallopt(M_MMAP_THRESHOLD, int(kBigPayloadBytes));
    // Fixing the threshold also stops glibc from raising its trim threshold, so the heap top is
    // given back whenever a turn frees its buffers: the turn's and the journal's buffers are
    // therefore kept between turns (ingestReceived, Journal::append). Keeping free heap instead
    // did not pay: a 16 MiB M_TOP_PAD kept ~27 MB resident after a big event (tst_hostileinput
    // memoryReturnsAfterABigEvent), and a 32 MiB M_TRIM_THRESHOLD with a trim after 2 s of quiet
    // measured no faster end to end (3.1 vs 3.4 CPU-s per 100k events, side by side).
#endif
    m_activityLock = std::make_unique<ActivityLock>(m_settings.activityDirectory);
    m_store = std::make_unique<SessionStore>(m_settings.activityDirectory);
    m_store->setSummaryCache(std::make_unique<IndexedSummaryCache>(m_settings.activityDirectory));
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
                onWriteWorked();
                // The saved sessions' memory is free now. Trimmed half a second after the
                // last save of a burst: at most once per burst, and only when enough was held,
                // since pages given back are faulted in again by the next events.
                if (m_bigPayloadSeen || m_completedBytesSinceTrim >= kTrimAfterCompletedBytes)
                    m_trimTimer.start();
                Q_EMIT sessionSaved(id, path);
            });
    connect(m_store.get(), &SessionStore::saveFailed, this,
            [this](const QString& path, const QString& reason) {
                ++m_counters.saveFailures; // SessionStore logs it, at most once a minute
                m_writeFailing = true;
                Q_EMIT storageError(path, reason);
                scheduleRetry();
            });
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &CaptureService::retryStorage);
    // Looked at 250 ms after the first change, not per change: a directory being deleted
    // (rm -rf) is gone by then, and a busy one (every save is a change) is not stat'ed per save.
    m_dirCheckTimer.setSingleShot(true);
    m_dirCheckTimer.setInterval(250);
    connect(&m_dirCheckTimer, &QTimer::timeout, this, &CaptureService::checkActivityDirectory);
    connect(&m_dirWatcher, &QFileSystemWatcher::directoryChanged, this, [this] {
        if (!m_dirCheckTimer.isActive())
            m_dirCheckTimer.start();
    });
    m_trimTimer.setSingleShot(true);
    m_trimTimer.setInterval(500);
    connect(&m_trimTimer, &QTimer::timeout, this, &CaptureService::returnFreedMemory);
    connect(&m_aggregator, &Aggregator::finishedReleased, this, [this](qint64 bytes) {
        m_completedBytesSinceTrim += bytes;
        if (m_completedBytesSinceTrim >= kTrimAfterCompletedBytes)
            m_trimTimer.start();
    });
    m_cleanupTimer.setSingleShot(true);
    connect(&m_cleanupTimer, &QTimer::timeout, this, [this] {
        runCleanup();
        startCleanupTimer();
    });
    connect(m_clock, &Clock::jumped, this, &CaptureService::onClockJumped);

    m_parkedFinishTimer.setInterval(0);
    connect(&m_parkedFinishTimer, &QTimer::timeout, this, &CaptureService::finishParkedBatch);
    connect(&m_aggregator, &Aggregator::limitHit, this, &CaptureService::onLimitHit);
    connect(&m_aggregator, &Aggregator::parkedExpired, this,
            [this](const QString& id, const QString& reason) {
                queueParkedFinish(id, AgentSession::Status::TimedOut, reason);
            });
    m_aggregator.setSpill(m_spill.get());
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
    wireStateMonitor();
}

void CaptureService::wireStateMonitor()
{
    m_states = std::make_unique<SessionStateMonitor>(AttentionSettings{m_settings.blockedAfterMs,
                                                                       m_settings.idleAfterMs,
                                                                       m_settings.sessionTimeoutMs},
                                                     m_clock);
    connect(&m_aggregator, &Aggregator::eventAdded, m_states.get(), &SessionStateMonitor::onEvent);
    // A turn's end completes the session too (saved, kept warm): it is then waiting for the
    // user, not ended. A timeout or a stop ends it; a limit's release or split does not.
    connect(&m_aggregator, &Aggregator::sessionCompleted, m_states.get(),
            [this](const AgentSession& session) {
                const Aggregator::Completion& how = m_aggregator.completing();
                if (how.released || !how.continuedIn.isEmpty())
                    return;
                const QString id = how.routingId.isEmpty() ? session.sessionId() : how.routingId;
                if (session.status() == AgentSession::Status::TimedOut)
                    m_states->endSession(id, QStringLiteral("timed out"));
                else if (session.status() == AgentSession::Status::Stopped)
                    m_states->endSession(id, session.completionReason());
            });
}

void CaptureService::setAttentionTimes(qint64 blockedAfterMs, qint64 idleAfterMs)
{
    m_settings.blockedAfterMs = blockedAfterMs;
    m_settings.idleAfterMs = idleAfterMs;
    m_states->setSettings(
        AttentionSettings{blockedAfterMs, idleAfterMs, m_states->settings().endAfterMs});
}

CaptureService::~CaptureService()
{
    ingestReceived();
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
        if (m_aggregator.isLive(job.sessionId))
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
    bool heldElsewhere = false;
    if (!takeActivityLock(&heldElsewhere)) {
        if (heldElsewhere)
            return false;
        scheduleRetry(); // a directory that cannot hold a lock file cannot hold sessions either
    }
    if (m_settings.useJournal && m_activityLock->isLocked() && !openJournal()) {
        m_lastError = m_journalError;
        qCWarning(lcCapture).noquote()
            << "journal unavailable:" << m_journalError
            << "- capturing without crash protection until it can be opened";
        scheduleRetry(); // tries again with the saves
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
    startIndex();
    runCleanup();
    if (m_settings.autoCleanupDays > 0 || m_settings.maxTotalMb > 0)
        startCleanupTimer();
    return true;
}

bool CaptureService::takeActivityLock(bool* heldElsewhere)
{
    QString error;
    switch (m_activityLock->tryLock(&error)) {
    case ActivityLock::Result::Locked:
        return true;
    case ActivityLock::Result::HeldElsewhere:
        *heldElsewhere = true;
        m_lastError = error;
        return false;
    case ActivityLock::Result::Unavailable:
        qCWarning(lcCapture).noquote()
            << error << "- the activity directory is locked as soon as it is writable";
        return false;
    }
    return false;
}

bool CaptureService::ensureActivityLock(QString* error)
{
    bool heldElsewhere = false;
    if (takeActivityLock(&heldElsewhere))
        return true;
    if (error)
        *error = heldElsewhere ? m_lastError
                               : QStringLiteral("cannot lock the activity directory %1")
                                     .arg(m_settings.activityDirectory);
    return false;
}

void CaptureService::scheduleRetry()
{
    if (!m_retryTimer.isActive())
        startRetryTimer(m_retryBackoff.nextDelayMs());
}

void CaptureService::startRetryTimer(qint64 ms)
{
    m_retryDueMs = m_clock->monotonicMs() + ms;
    m_retryTimer.start(int(ms));
}

void CaptureService::startIndex()
{
    // One writer per database: only the holder of the activity directory keeps it.
    if (m_index || !m_activityLock->isLocked())
        return;
    m_index = std::make_unique<SessionIndexWriter>(m_settings.activityDirectory);
    m_index->attach(m_store.get());
    m_indexState = QStringLiteral("starting");
    m_indexError.clear();
    connect(m_index.get(), &SessionIndexWriter::rebuilding, this, [this](const QString& reason) {
        qCInfo(lcCapture).noquote() << "session database is being built from the files:" << reason;
        m_indexState = QStringLiteral("building");
    });
    connect(m_index.get(), &SessionIndexWriter::ready, this, [this] {
        m_indexState = QStringLiteral("ready");
        m_indexError.clear();
    });
    connect(m_index.get(), &SessionIndexWriter::failed, this, [this](const QString& error) {
        m_indexState = QStringLiteral("failed");
        m_indexError = error;
    });
    m_index->start();
}

void CaptureService::startCleanupTimer()
{
    // Daily for ages; hourly when a size budget is set, which a busy day can outgrow.
    const qint64 kCleanupIntervalMs = qint64(m_settings.maxTotalMb > 0 ? 1 : 24) * 60 * 60 * 1000;
    m_cleanupDueMs = m_clock->monotonicMs() + kCleanupIntervalMs;
    m_cleanupTimer.start(int(kCleanupIntervalMs));
}

void CaptureService::onClockJumped()
{
    const qint64 now = m_clock->monotonicMs();
    if (m_retryTimer.isActive() && now >= m_retryDueMs) {
        m_retryTimer.stop();
        retryStorage();
    }
    if (m_cleanupTimer.isActive() && now >= m_cleanupDueMs) {
        m_cleanupTimer.stop();
        runCleanup();
        startCleanupTimer();
    }
}

void CaptureService::onWriteWorked()
{
    if (!m_writeFailing)
        return;
    // The disk has room again (or is writable again): what waits goes now, not at the next
    // backoff step, but a disk that keeps flipping is not retried more than once a second.
    m_writeFailing = false;
    m_retryBackoff.reset();
    if (!needsRetry())
        return;
    const qint64 since = m_lastRetryMs >= 0 ? m_clock->monotonicMs() - m_lastRetryMs : 1000;
    startRetryTimer(std::clamp<qint64>(1000 - since, 0, 1000));
}

bool CaptureService::needsRetry() const
{
    return m_store->pendingCount() > 0 || !m_activityLock->isLocked() ||
           (m_settings.useJournal && !m_journal);
}

void CaptureService::retryStorage()
{
    m_lastRetryMs = m_clock->monotonicMs();
    if (!m_activityLock->isLocked()) {
        bool heldElsewhere = false;
        if (takeActivityLock(&heldElsewhere)) {
            qCInfo(lcCapture).noquote()
                << "activity directory" << m_settings.activityDirectory << "locked";
            if (m_initialized)
                startIndex(); // the database's writer is the lock's holder
        } else if (heldElsewhere) {
            m_rateLimited.note(QStringLiteral("activity_lock"),
                               m_lastError + QStringLiteral(": not journaling"));
        }
    }
    if (m_settings.useJournal && !m_journal && m_initialized && m_activityLock->isLocked() &&
        openJournal()) {
        qCInfo(lcCapture).noquote()
            << "journal" << m_journal->directory() << "opened: capture is crash-safe again";
        restoreFromJournal(); // what an earlier run may have left there
    }
    if (m_store->pendingCount() > 0 &&
        (m_store->retryPending() > 0 || m_store->pendingCount() == 0))
        qCInfo(lcCapture) << "saving works again;" << m_store->pendingCount()
                          << "session(s) still pending";
    if (!needsRetry()) {
        m_retryBackoff.reset();
        m_retryTimer.stop();
        return;
    }
    startRetryTimer(m_retryBackoff.nextDelayMs());
}

bool CaptureService::openJournal(qint64 minimumSeq)
{
    auto journal = std::make_unique<Journal>(Journal::directoryFor(m_settings.activityDirectory));
    journal->setMinimumNextSeq(minimumSeq);
    if (!journal->open()) {
        m_journalError = journal->lastError();
        return false;
    }
    m_journal = std::move(journal);
    connect(m_journal.get(), &Journal::writeFailed, this,
            [this](const QString& path, const QString& reason) {
                ++m_counters.journalWriteFailures;
                m_writeFailing = true;
                Q_EMIT storageError(path, reason);
            });
    connect(m_journal.get(), &Journal::writable, this, &CaptureService::onWriteWorked);
    watchActivityDirectory();
    return true;
}

namespace {
// Device and inode of a directory, or {0, 0} when there is none at path.
QPair<quint64, quint64> directoryId(const QString& path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0 || !S_ISDIR(st.st_mode))
        return {0, 0};
    return {quint64(st.st_dev), quint64(st.st_ino)};
}
} // namespace

void CaptureService::watchActivityDirectory()
{
    // Only the activity directory itself: a watch on the journal would wake us per append.
    m_activityDirId = directoryId(m_settings.activityDirectory);
    m_journalDirId = m_journal ? directoryId(m_journal->directory()) : QPair<quint64, quint64>();
    if (!m_dirWatcher.directories().contains(m_settings.activityDirectory))
        m_dirWatcher.addPath(m_settings.activityDirectory);
}

void CaptureService::checkActivityDirectory()
{
    if (!m_initialized || m_recovering || m_activityDirId == QPair<quint64, quint64>())
        return;
    if (directoryId(m_settings.activityDirectory) == m_activityDirId &&
        (!m_journal || directoryId(m_journal->directory()) == m_journalDirId))
        return;
    recoverActivityDirectory();
}

void CaptureService::recoverActivityDirectory()
{
    ingestReceived(); // into the journal going away, then into the checkpoints below
    m_recovering = true;
    const QStringList live = m_aggregator.allLiveSessionIds();
    qCWarning(lcCapture).noquote()
        << QStringLiteral("the activity directory %1 (or its journal) was deleted or moved while "
                          "capturing; recreating it and saving the %2 live session(s) held in "
                          "memory there again")
               .arg(m_settings.activityDirectory)
               .arg(live.size());
    // Numbering goes on past the old journal's: seqs it handed out are then unknown to the new
    // one, and releasing them later touches nothing.
    const qint64 nextSeq = m_journal ? m_journal->nextSeq() : 1;
    m_dirWatcher.removePath(m_settings.activityDirectory);
    m_journal.reset();
    m_activityLock->unlock(); // its file went with the directory, or is ours to replace
    QString why;
    bool heldElsewhere = false;
    if (!PrivateDirectory::ensure(m_settings.activityDirectory, &why))
        qCWarning(lcCapture).noquote() << why;
    if (takeActivityLock(&heldElsewhere)) {
        if (m_settings.useJournal && openJournal(nextSeq))
            qCInfo(lcCapture).noquote() << "activity directory" << m_settings.activityDirectory
                                        << "recreated with a new journal";
    } else if (heldElsewhere) {
        qCCritical(lcCapture).noquote() << m_lastError << "- not journaling";
    }
    m_store->list(); // forget the files that went with the directory
    if (m_index)
        m_index->reconcile(); // its database went with the directory: built again
    else
        startIndex();
    // What memory holds goes to disk again: a checkpoint of each live session, resumed from
    // its file after a crash like any interrupted session (events after it are journaled).
    for (const QString& id : live) {
        // Spilled sessions too: the journal that held their events went with the directory.
        std::optional<AgentSession> copy = m_aggregator.copyOfLive(id);
        if (!copy)
            continue;
        AgentSession& checkpoint = *copy;
        checkpoint.setStatus(AgentSession::Status::Interrupted,
                             QStringLiteral("checkpoint: activity directory recreated"));
        m_saver->save(checkpoint, {{QStringLiteral("idle_ms_at_save"), 0.0}}, {});
    }
    m_saver->flush();
    if (m_store->pendingCount() > 0 || !m_journal)
        scheduleRetry();
    if (!m_journal)
        watchActivityDirectory();
    m_recovering = false;
}

void CaptureService::restoreFromJournal()
{
    if (!m_journal)
        return;
    const auto stats = m_journal->replay([this](qint64 seq, const QDateTime& received,
                                                const QString& name, const QByteArray& payload) {
        ++m_counters.journalReplayed;
        process(name, payload, received, seq, TimeBase::Journal);
    });
    if (stats.records || stats.garbage || stats.torn) {
        qCInfo(lcCapture) << "journal: restored" << stats.records << "event(s) not yet saved;"
                          << stats.garbage << "garbage and" << stats.torn << "torn line(s) skipped";
    }
}

void CaptureService::resumeInterrupted()
{
    const QDateTime now = m_clock->currentUtc();
    QList<SessionSummary> interrupted;
    QList<SessionSummary> finishedTurns; // completed at a turn's end, recently enough to go on
    for (const SessionSummary& s : m_store->list()) {
        if (s.damaged)
            continue;
        if (s.status == QLatin1String("interrupted"))
            interrupted.append(s);
        else if (s.status == QLatin1String("completed") && s.modified.isValid() &&
                 s.modified.msecsTo(now) < m_settings.sessionTimeoutMs)
            finishedTurns.append(s);
    }
    restoreWaiting(finishedTurns, now);
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
            m_aggregator.park(routing, m_clock->monotonicMs(), sinceSaved);
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
        const QString directory = session->workingDirectory();
        const QString branch = session->gitBranch();
        const qint64 nowMs = m_clock->monotonicMs();
        m_aggregator.resume(std::move(*session), nowMs, idle, docRouting);
        // What it was doing when the last run saved it is known now, not at its next event
        // (a session waiting for permission may get none until the user answers).
        if (const auto state =
                LiveState::fromJson(doc->value(QLatin1String("live_state")).toObject()))
            m_states->restore(docRouting, *state, nowMs - idle, directory, branch);
        ++m_counters.resumed;
        ++resumed;
    }
}

void CaptureService::restoreWaiting(QList<SessionSummary> finishedTurns, const QDateTime& now)
{
    // A session whose turn had ended was saved as completed, and reopens from its file at its
    // next prompt; until then it is waiting for the user, as it was before the restart (its
    // live_state says so). Only the most recent few are read.
    std::sort(
        finishedTurns.begin(), finishedTurns.end(),
        [](const SessionSummary& a, const SessionSummary& b) { return a.modified > b.modified; });
    const qsizetype maxLive = m_settings.limits.maxLiveSessions > 0
                                  ? qsizetype(m_settings.limits.maxLiveSessions)
                                  : finishedTurns.size();
    const qint64 nowMs = m_clock->monotonicMs();
    for (const SessionSummary& s : finishedTurns.first(std::min(maxLive, finishedTurns.size()))) {
        QString error;
        const auto doc = m_store->load(s.filePath, &error);
        const auto state =
            doc ? LiveState::fromJson(doc->value(QLatin1String("live_state")).toObject())
                : std::nullopt;
        if (!state ||
            (state->kind != LiveState::Kind::Waiting && state->kind != LiveState::Kind::Idle))
            continue;
        // Waiting and idle began with the last activity.
        const qint64 quietMs =
            state->since.isValid()
                ? std::clamp<qint64>(state->since.msecsTo(now), 0, qint64(1) << 40)
                : std::max<qint64>(0, s.modified.msecsTo(now));
        m_states->restore(doc->value(QLatin1String("parent_session_id")).toString(s.sessionId),
                          *state, nowMs - quietMs, s.workingDirectory, s.gitBranch);
    }
}

void CaptureService::runCleanup()
{
    if (m_settings.autoCleanupDays <= 0 && m_settings.maxTotalMb <= 0)
        return;
    QList<SessionStore::CleanupItem> removed;
    // Nobody watches this one: a wall clock set weeks ahead must not delete everything.
    const int n =
        m_store->cleanup(m_settings.autoCleanupDays, qint64(m_settings.maxTotalMb) * 1024 * 1024,
                         false, &removed, true);
    m_counters.cleanedUp += quint64(std::max(0, n));
    for (const SessionStore::CleanupItem& item : std::as_const(removed))
        qCInfo(lcCapture).noquote() << "removed" << item.session.filePath << "-" << item.reason;
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
                    m_disconnectedAt = m_clock->currentUtc();
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
    ingestReceived(); // what the socket delivered is captured before it goes
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
    m_states->endAll(QStringLiteral("capture stopped"));
    m_saver->flush();
    if (m_journal)
        m_journal->sync();
    Q_EMIT capturingChanged(false);
}

bool CaptureService::changeConnection(const QString& host, quint16 port, bool allowRemote,
                                      const QStringList& events)
{
    m_settings.events = events;
    m_eventNames.clear();
    for (const QString& name : std::as_const(m_settings.events))
        m_eventNames.insert(name);
    const bool sameEndpoint =
        host == m_settings.host && port == m_settings.port && allowRemote == m_settings.allowRemote;
    m_settings.host = host;
    m_settings.port = port;
    m_settings.allowRemote = allowRemote;
    if (sameEndpoint || !m_client)
        return true;
    closeClient();
    return startCapture();
}

bool CaptureService::shutdown(const QString& reason)
{
    closeClient();
    m_aggregator.stopAll(AgentSession::Status::Interrupted, reason);
    m_saver->flush();
    // Released sessions whose timeout already passed: finish now rather than at the next start.
    while (!m_parkedFinish.isEmpty())
        finishParkedBatch();
    // Space may have come back since the last retry: one more try before giving up.
    m_retryTimer.stop();
    bool heldElsewhere = false;
    if (m_store->pendingCount() > 0 &&
        (m_activityLock->isLocked() || takeActivityLock(&heldElsewhere)))
        m_store->retryPending();
    m_rateLimited.flush();
    if (m_recorder)
        m_recorder->flush();
    if (m_journal)
        m_journal->sync();
    if (m_store->pendingCount() == 0)
        return true;
    reportUnsaved();
    return false;
}

void CaptureService::reportUnsaved(const QString& recording)
{
    const bool journalWorks = m_journal && m_journal->isOpen();
    for (const SessionStore::Unsaved& u : m_store->unsaved()) {
        const bool journaled = journalWorks && !m_unsavedSeqs.value(u.sessionId).isEmpty();
        qCCritical(lcCapture).noquote()
            << QStringLiteral("session \"%1\" could not be saved to %2: %3; %4")
                   .arg(u.sessionId.left(200), u.path, u.reason,
                        journaled ? QStringLiteral("its events stay in the journal %1 and are "
                                                   "restored on the next start")
                                        .arg(m_journal->directory())
                        : !recording.isEmpty()
                            ? QStringLiteral("its events are still in the recording %1")
                                  .arg(recording)
                            : QStringLiteral("the journal does not hold it"));
    }
    if (m_counters.journalFailures > 0)
        qCCritical(lcCapture).noquote()
            << QStringLiteral("%1 event(s) could not be journaled (%2); those among the sessions "
                              "above are lost")
                   .arg(m_counters.journalFailures)
                   .arg(m_journal ? m_journal->lastError() : m_journalError);
    qCCritical(lcCapture).noquote() << QStringLiteral("%1 session(s) could not be saved to %2")
                                           .arg(m_store->pendingCount())
                                           .arg(m_settings.activityDirectory);
}

void CaptureService::onNamespaceConnected(const QString&, bool recovered, bool missedPossible)
{
    const QDateTime now = m_clock->currentUtc();
    if (missedPossible) // what the dashboard sent meanwhile may be missing: say so
        m_aggregator.addPossibleGapToLive(
            m_disconnectedAt, now,
            QStringLiteral("dashboard connection lost; reconnected without state recovery"));
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
                m_recorder->write(event.name, redacted(event.args.value(0)));
        } else {
            ++m_counters.ignored;
        }
        return;
    }
    // The frames of one read arrive back to back: they share one reading of the clock (a
    // system call on some machines), taken with the turn's first event.
    if (m_received.isEmpty())
        m_turnReceivedAt = m_clock->currentUtc();
    receive(event.name, event.args.value(0), m_turnReceivedAt, event.parsedArgument(0));
}

void CaptureService::ingest(const QString& name, const QByteArray& payload,
                            const QDateTime& receivedAt, ParsedJson parsed)
{
    receive(name, payload, receivedAt, parsed);
    ingestReceived();
}

void CaptureService::ingest(const QList<Incoming>& turn)
{
    for (const Incoming& in : turn)
        receive(in.name, in.payload, in.receivedAt, ParsedJson());
    ingestReceived();
}

QByteArray CaptureService::redacted(const QByteArray& payload, bool* changed)
{
    if (changed)
        *changed = false;
    if (!m_redactor)
        return payload;
    RedactionManifest manifest;
    QByteArray out = m_redactor->redactJson(payload, &manifest);
    if (manifest.isEmpty())
        return payload;
    m_counters.secretsRedacted += quint64(manifest.total());
    if (changed)
        *changed = true;
    return out;
}

void CaptureService::receive(const QString& name, const QByteArray& original,
                             const QDateTime& receivedAt, ParsedJson parsed)
{
    // Secrets go before anything is written or held: the frame's parse was of the original
    // text, so a changed payload is parsed again.
    bool changed = false;
    const QByteArray payload = m_redactor ? redacted(original, &changed) : original;
    if (changed)
        parsed = ParsedJson();
    Received r;
    r.name = name;
    r.payload = payload;
    r.receivedAt = receivedAt;
    // The normalizer refuses anything this big anyway; journaling it first would only copy
    // (and parse) megabytes for nothing.
    static const qsizetype maxPayload = EventNormalizer::Limits{}.maxPayloadBytes;
    if (payload.size() <= maxPayload) {
        r.journaled = true;
        if (!parsed.isCurrent()) {
            JsonParser& json = JsonParser::forThisThread();
            if (json.parse(payload) == JsonParser::Status::Ok)
                parsed = ParsedJson(&json, -1);
        }
        r.check = parsed.isCurrent() ? Journal::PayloadCheck::AlreadyParsed
                                     : Journal::PayloadCheck::Parse;
    }
    // Normalized now, while the frame's parse is current: what is held until the end of the
    // turn is the events the parse gave, not the parse.
    r.result = EventNormalizer::normalize(name, payload, receivedAt, parsed);
    m_received.append(std::move(r));
    if (m_received.size() >= kMaxTurnEvents)
        ingestReceived(); // a turn that brought this much is journaled in parts
    else if (m_received.size() == 1)
        QMetaObject::invokeMethod(this, &CaptureService::ingestReceived, Qt::QueuedConnection);
}

void CaptureService::ingestReceived()
{
    if (m_received.isEmpty())
        return;
    QList<Received> batch = std::exchange(m_received, std::move(m_spareTurn));
    // One write() for the turn's events, before any of them is aggregated: the journal holds
    // every event the sessions hold.
    QList<qint64> seqs(batch.size(), -1);
    if (m_journal) {
        QList<Journal::Record> records = std::move(m_spareRecords);
        QList<qsizetype> journaled = std::move(m_spareJournaled);
        records.reserve(batch.size());
        journaled.reserve(batch.size());
        for (qsizetype i = 0; i < batch.size(); ++i) {
            const Received& r = batch.at(i);
            if (!r.journaled)
                continue;
            records.append({r.name, r.payload, r.receivedAt.toMSecsSinceEpoch(), r.check});
            journaled.append(i);
        }
        const QList<qint64> written = m_journal->append(records);
        if (!records.isEmpty())
            ++m_counters.journalBatches;
        for (qsizetype k = 0; k < journaled.size(); ++k) {
            const qint64 seq = written.value(k, -1);
            seqs[journaled.at(k)] = seq;
            if (seq < 0)
                ++m_counters.journalFailures;
        }
        records.clear(); // keeps the capacity (and lets go of the payloads)
        journaled.clear();
        m_spareRecords = std::move(records);
        m_spareJournaled = std::move(journaled);
    }
    // Inactivity is measured from the turn that delivered the events: one clock reading.
    const qint64 nowMs = m_clock->monotonicMs();
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Received& r = batch.at(i);
        if (m_recorder && r.journaled)
            m_recorder->write(r.name, r.payload);
        aggregate(r.name, r.result, r.receivedAt, seqs.at(i), TimeBase::Live, nowMs);
        if (!r.journaled || r.payload.size() >= kBigPayloadBytes)
            noteBigPayload();
    }
    batch.clear(); // at most kMaxTurnEvents entries' capacity stays
    m_spareTurn = std::move(batch);
}

void CaptureService::noteBigPayload()
{
    m_bigPayloadSeen = true;
    m_trimTimer.start();
}

void CaptureService::returnFreedMemory()
{
#ifdef __GLIBC__
    // glibc keeps freed memory (and raises its mmap threshold after a big free), so one 8 MiB
    // payload, parsed, framed and saved, left hundreds of MB resident for good.
    ::malloc_trim(0);
#endif
    m_completedBytesSinceTrim = 0;
    if (m_aggregator.liveBytes() < kBigPayloadBytes)
        m_bigPayloadSeen = false;
}

void CaptureService::process(const QString& name, const QByteArray& original,
                             const QDateTime& receivedAt, qint64 seq, TimeBase clock)
{
    // A journal written before redact_at_capture was switched on, or a recording, still holds
    // secrets: they stop here too.
    const QByteArray payload = redacted(original);
    aggregate(name, EventNormalizer::normalize(name, payload, receivedAt), receivedAt, seq, clock,
              clock == TimeBase::Live ? m_clock->monotonicMs() : 0);
}

void CaptureService::aggregate(const QString& name, const NormalizeResult& result,
                               const QDateTime& receivedAt, qint64 seq, TimeBase clock,
                               qint64 liveNowMs)
{
    ++m_counters.eventsReceived;
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
    m_counters.numbersAsText += quint64(result.numbersAsText);
    int held = 0;
    for (const ClaudeEvent& event : result.events) {
        qint64 now = 0;
        switch (clock) {
        case TimeBase::Live:
            now = liveNowMs;
            break;
        case TimeBase::EventTime:
            // A timestamp far ahead of the replay's start is a wrong clock or a hostile
            // sender: trusted, it would time out every other session at once and keep its own
            // from ever timing out. Such an event happens when the one before it did.
            now = event.timestamp.toMSecsSinceEpoch();
            if (now > receivedAt.toMSecsSinceEpoch() + kTrustedFutureMs)
                now = m_lastEventTimeMs;
            m_lastEventTimeMs = std::max(m_lastEventTimeMs, now);
            break;
        case TimeBase::Journal:
            // Place the original receive time on the monotonic clock, so restored sessions keep
            // the inactivity they really had.
            now = m_clock->monotonicMs() -
                  std::max<qint64>(0, receivedAt.msecsTo(m_clock->currentUtc()));
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
    // A session still going on (its turn ended, or the app quits) says what it is doing.
    // (Not in a replay, which blocks the monitor: its sessions are history.)
    if (!m_states->signalsBlocked() && (session.status() == AgentSession::Status::Completed ||
                                        session.status() == AgentSession::Status::Interrupted)) {
        const QString id = how.routingId.isEmpty() ? session.sessionId() : how.routingId;
        if (const std::optional<LiveState> state = m_states->state(id))
            doc.insert(QStringLiteral("live_state"), state->toJson());
    }
    m_completedBytesSinceTrim += session.heldBytes();
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

bool CaptureService::replay(const QString& path, QString* error, bool* started)
{
    RecordingReader reader(path);
    if (!reader.open(error))
        return false;
    if (started)
        *started = true;
    m_replayStopRequested = false;
    // SIGINT and SIGTERM arrive through the event loop: let it run now and then, also while a
    // pipe keeps us waiting.
    QElapsedTimer sinceEvents;
    sinceEvents.start();
    const auto stopRequested = [this, &sinceEvents] {
        sinceEvents.restart();
        QCoreApplication::processEvents();
        return m_replayStopRequested;
    };
    reader.setInterruptCheck(stopRequested);
    ingestReceived(); // on the live clock, before the replay's event time takes over
    m_aggregator.setTimerDriven(false);
    // A replay's sessions are history, judged on their own timestamps: nobody is waiting.
    const QSignalBlocker noLiveStates(m_states.get());
    const QDateTime start = m_clock->currentUtc();
    for (;;) {
        if (sinceEvents.elapsed() >= 50 && stopRequested())
            break;
        const std::optional<RecordingReader::Entry> entry = reader.next();
        if (!entry)
            break;
        if (!m_eventNames.contains(entry->name) && !EventNormalizer::isChatter(entry->name)) {
            ++m_counters.ignored;
            continue;
        }
        if (m_recorder)
            m_recorder->write(entry->name, redacted(entry->payload));
        process(entry->name, entry->payload, start, -1, TimeBase::EventTime);
    }
    reader.setInterruptCheck({});
    const bool interrupted = m_replayStopRequested;
    const QString reason =
        interrupted ? QStringLiteral("replay interrupted") : QStringLiteral("end of replay");
    m_counters.malformed += quint64(reader.skipped());
    m_aggregator.stopAll(AgentSession::Status::Stopped, reason);
    // Sessions a memory limit released during the replay end the same way.
    for (const QString& id : m_aggregator.takeParked())
        queueParkedFinish(id, AgentSession::Status::Stopped, reason);
    m_saver->flush();
    while (!m_parkedFinish.isEmpty())
        finishParkedBatch();
    m_aggregator.setTimerDriven(true);
    m_states->endAll(reason);
    m_retryTimer.stop();
    if (m_store->pendingCount() > 0)
        m_store->retryPending(); // a replay has no later: one more try, then the truth
    QStringList problems;
    if (interrupted)
        problems.append(QStringLiteral("replay of %1 interrupted; the sessions read so far are "
                                       "saved as stopped")
                            .arg(path));
    if (!reader.readError().isEmpty())
        problems.append(QStringLiteral("cannot read %1: %2").arg(path, reader.readError()));
    if (m_store->pendingCount() > 0) {
        reportUnsaved(path);
        problems.append(QStringLiteral("%1 session(s) of the replay could not be saved to %2")
                            .arg(m_store->pendingCount())
                            .arg(m_settings.activityDirectory));
    }
    if (problems.isEmpty())
        return true;
    if (error)
        *error = problems.join(QStringLiteral("; "));
    return false;
}

void CaptureService::requestReplayStop()
{
    m_replayStopRequested = true;
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
    put("numbers_kept_as_text", m_counters.numbersAsText);
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
    // Whether `query` and the browser's lists see every saved session yet.
    o.insert(QLatin1String("index"), m_indexState);
    put("index_queued", quint64(m_index ? m_index->queued() : 0));
    if (!m_indexError.isEmpty())
        o.insert(QLatin1String("index_error"), m_indexError);
    put("journal_failures", m_counters.journalFailures);
    put("journal_write_failures", m_counters.journalWriteFailures);
    put("journal_replayed", m_counters.journalReplayed);
    put("journal_batches", m_counters.journalBatches);
    put("secrets_redacted", m_counters.secretsRedacted);
    put("cleaned_up", m_counters.cleanedUp);
    put("sessions_released", a.released);
    put("sessions_split", a.split);
    put("sessions_parked", quint64(m_aggregator.parkedCount()));
    put("sessions_spilled", quint64(m_aggregator.spilledCount()));
    put("spills", a.spilled);
    put("spills_read_back", a.unspilled);
    put("events_spilled", quint64(std::max<qint64>(0, m_spill->heldEvents())));
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

} // namespace ea

#include "moc_CaptureService.cpp"
