// Makes one process at a time the writer of an activity directory: a lock file inside it.
#pragma once

#include <QLockFile>
#include <QString>

namespace ea {

// Every process that writes to an activity directory takes it first: capture (headless or the
// tray app), --replay, cleanup, and deleting from the session browser. The lock lives in the
// directory itself, so two processes with different runtime directories (a systemd user
// service and a shell) still meet. A lock left by a process that died is taken over.
class ActivityLock
{
public:
    enum class Result
    {
        Locked,        // this object holds the lock (also when it already did)
        HeldElsewhere, // another live process holds it; the error names its pid
        Unavailable    // no lock file can be created there (missing, read-only, ...)
    };

    static inline const QString fileName = QStringLiteral(".event-aggregator.lock");

    explicit ActivityLock(const QString& activityDirectory);

    Result tryLock(QString* error);
    bool isLocked() const { return m_lock.isLocked(); }
    void unlock() { m_lock.unlock(); }
    QString path() const { return m_path; }
    QString directory() const { return m_dir; }

private:
    QString whyUnwritable() const;

    QString m_dir;
    QString m_path;
    QLockFile m_lock;
};

} // namespace ea
