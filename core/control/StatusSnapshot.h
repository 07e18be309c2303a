// The latest status counters, handed from the thread that owns them to the control thread.
#pragma once

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QMutex>
#include <QWaitCondition>

#include <chrono>

namespace ea {

class StatusSnapshot
{
public:
    // Asks for a newer snapshot than the current one; returns the generation to wait for.
    quint64 want()
    {
        QMutexLocker lock(&m_mutex);
        return m_generation + 1;
    }
    // Called by the owner of the counters.
    void publish(const QJsonObject& status)
    {
        QMutexLocker lock(&m_mutex);
        m_status = status;
        ++m_generation;
        m_published.wakeAll();
    }
    // The snapshot of generation `generation` or newer, or the latest one when that does not
    // come within `wait` (the owner is busy): a busy instance still answers.
    QJsonObject get(quint64 generation, std::chrono::milliseconds wait)
    {
        QMutexLocker lock(&m_mutex);
        QDeadlineTimer deadline(wait);
        while (m_generation < generation)
            if (!m_published.wait(&m_mutex, deadline))
                break;
        return m_status;
    }

private:
    QMutex m_mutex;
    QWaitCondition m_published;
    QJsonObject m_status;
    quint64 m_generation = 0;
};

} // namespace ea
