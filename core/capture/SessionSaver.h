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

// Saves completed sessions without holding up the event loop: the document is serialized and
// compressed on one worker thread, then written (SessionStore::commit) back on this thread,
// in the order the saves were asked for.
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
        QString sessionId;
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
    int m_maxInFlight = 256;
    qint64 m_maxInFlightEvents = 500000; // about 250 MB of text at the peak
};

} // namespace ea
