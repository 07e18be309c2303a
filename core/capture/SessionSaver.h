#pragma once

#include "aggregation/AgentSession.h"
#include "storage/SessionStore.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <QWaitCondition>

#include <deque>
#include <optional>

namespace ea {

// Saves completed sessions without holding up the event loop: the document is written as
// text (SessionDocumentWriter) and compressed on one worker thread, then written to disk
// (SessionStore::commit) back on this thread, in the order the saves were asked for, every
// document ready by then in one batch with one directory sync.
class SessionSaver : public QObject
{
    Q_OBJECT
public:
    explicit SessionSaver(SessionStore* store, QObject* parent = nullptr);
    ~SessionSaver() override; // waits for the worker; what it prepared is written

    // extra: top-level fields added to the document (part, continued_in, ...). seqs: journal
    // records the save makes safe, handed to committing() just before the file is written.
    // Waits for the oldest queued save first while maxInFlight() saves, or saves holding more
    // than maxInFlightEvents() events, are queued: each holds a snapshot of its session and
    // then its text, so a burst of saves (a memory limit releasing sessions) must not pile
    // up faster than they are written.
    void save(const AgentSession& session, const QJsonObject& extra, const QList<qint64>& seqs);
    void setMaxInFlight(int saves, qint64 events)
    {
        m_maxInFlight = qMax(1, saves);
        m_maxInFlightEvents = qMax<qint64>(1, events);
    }
    int maxInFlight() const { return m_maxInFlight; }
    qint64 maxInFlightEvents() const { return m_maxInFlightEvents; }
    // Waits for every save asked for so far and writes it.
    void flush();
    int inFlightCount() const { return m_inFlightTotal; }
    bool isInFlight(const QString& sessionId) const { return m_inFlight.contains(sessionId); }
    // The newest session handed to save() and not yet written, so a reopen never reads a file
    // that is about to be replaced.
    std::optional<AgentSession> inFlight(const QString& sessionId) const;

Q_SIGNALS:
    // Emitted on this thread right before the store writes the session's file.
    void committing(const QString& sessionId, const QList<qint64>& seqs);

private:
    struct Done
    {
        qint64 events = 0;
        SessionStore::Prepared prepared;
        QList<qint64> seqs;
    };
    struct InFlight
    {
        std::optional<AgentSession> latest;
        int count = 0;
    };
    void commitReady();

    SessionStore* m_store;
    QThreadPool m_pool;
    QMutex m_doneMutex;
    QWaitCondition m_doneAdded;
    std::deque<Done> m_done; // guarded by m_doneMutex
    QHash<QString, InFlight> m_inFlight;
    int m_inFlightTotal = 0;
    qint64 m_inFlightEvents = 0;
    void returnFreedMemory();
    // The worker writes each document into this buffer, which keeps its pages from save to
    // save (taken and given back under the mutex; dropped when idle if a big session grew it).
    QMutex m_scratchMutex;
    QByteArray m_scratch;

    int m_maxInFlight = 256;
    // About 20 MB of text at the peak: a shutdown saving a million held events commits each
    // document soon after it is ready instead of holding hundreds of them.
    qint64 m_maxInFlightEvents = 20000;
    qint64 m_committedSinceTrim = 0; // events whose documents were freed since the last trim
};

} // namespace ea
