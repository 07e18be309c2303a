#include "control/ControlServer.h"

#include "control/ControlChannel.h"
#include "control/ControlListener.h"
#include "control/StatusSnapshot.h"
#include "util/SystemReason.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcControl, "ea.control", QtInfoMsg)

ControlServer::ControlServer(QObject* parent)
    : QObject(parent), m_snapshot(std::make_shared<StatusSnapshot>()),
      m_listener(new ControlListener(m_snapshot))
{
    m_thread.setObjectName(QStringLiteral("control"));
    m_listener->moveToThread(&m_thread);
    // Cross-thread, so queued: they run here, on the thread that owns the counters and the app.
    connect(&m_thread, &QThread::finished, m_listener, &QObject::deleteLater);
    connect(m_listener, &ControlListener::snapshotWanted, this, &ControlServer::publish);
    connect(m_listener, &ControlListener::stopRequested, this, &ControlServer::stopRequested);
    connect(m_listener, &ControlListener::activateRequested, this,
            &ControlServer::activateRequested);
}

ControlServer::~ControlServer()
{
    if (!m_thread.isRunning()) {
        delete m_listener;
        return;
    }
    QMetaObject::invokeMethod(m_listener, &ControlListener::close, Qt::BlockingQueuedConnection);
    m_thread.quit(); // the listener is deleted on its thread as that ends
    m_thread.wait();
}

bool ControlServer::listen()
{
    const QString lockPath = ControlChannel::lockPath(&m_error);
    const QString socketPath = ControlChannel::socketPath(&m_error);
    if (lockPath.isEmpty() || socketPath.isEmpty())
        return false;
    m_lock = std::make_unique<QLockFile>(lockPath);
    m_lock->setStaleLockTime(0); // a crashed instance's lock is stale once its pid is gone
    if (!m_lock->tryLock(100)) {
        qint64 pid = 0;
        QString host;
        QString app;
        if (m_lock->error() != QLockFile::LockFailedError)
            // Not another instance: the lock file cannot be created (a full or read-only disk).
            m_error =
                QStringLiteral("cannot create the instance lock %1: %2")
                    .arg(lockPath, SystemReason::forDirectory(QFileInfo(lockPath).absolutePath()));
        else if (m_lock->getLockInfo(&pid, &host, &app))
            m_error = QStringLiteral("another instance is running (pid %1, lock %2)")
                          .arg(QString::number(pid), lockPath);
        else
            m_error = QStringLiteral("another instance is running (lock %1)").arg(lockPath);
        m_lock.reset();
        return false;
    }
    m_thread.start();
    bool listening = false;
    QMetaObject::invokeMethod(
        m_listener, [&] { listening = m_listener->listen(socketPath, &m_error); },
        Qt::BlockingQueuedConnection);
    if (!listening) {
        qCWarning(lcControl).noquote() << m_error;
        return false;
    }
    return true;
}

void ControlServer::broadcast(const QJsonObject& line)
{
    if (!m_thread.isRunning())
        return;
    QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
    QMetaObject::invokeMethod(m_listener, [listener = m_listener, bytes = std::move(bytes)] {
        listener->broadcast(bytes);
    });
}

void ControlServer::publish()
{
    m_snapshot->publish(m_status ? m_status() : QJsonObject());
}

} // namespace ea

#include "moc_ControlServer.cpp"
