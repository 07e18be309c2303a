#include "ControlServer.h"

#include "ControlChannel.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>
#include <sys/statvfs.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcControl, "ea.control", QtInfoMsg)

namespace {
// QLockFile keeps errno to itself: ask the system whether the directory can take a file.
QString systemReason(const QString& dir)
{
    const QByteArray native = QFile::encodeName(dir);
    if (::access(native.constData(), W_OK) != 0)
        return QString::fromLocal8Bit(std::strerror(errno));
    struct statvfs fs
    {
    };
    if (::statvfs(native.constData(), &fs) == 0 && (fs.f_bavail == 0 || fs.f_favail == 0))
        return QString::fromLocal8Bit(std::strerror(ENOSPC));
    return QStringLiteral("the file system refused it");
}
} // namespace

ControlServer::ControlServer(QObject* parent) : QObject(parent)
{
    connect(&m_server, &QLocalServer::newConnection, this, &ControlServer::onNewConnection);
}

ControlServer::~ControlServer()
{
    m_server.close();
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
            m_error = QStringLiteral("cannot create the instance lock %1: %2")
                          .arg(lockPath, systemReason(QFileInfo(lockPath).absolutePath()));
        else if (m_lock->getLockInfo(&pid, &host, &app))
            m_error = QStringLiteral("another instance is running (pid %1, lock %2)")
                          .arg(QString::number(pid), lockPath);
        else
            m_error = QStringLiteral("another instance is running (lock %1)").arg(lockPath);
        m_lock.reset();
        return false;
    }
    if (!listenOn(socketPath)) {
        qCWarning(lcControl).noquote() << m_error;
        return false;
    }
    m_socketPath = socketPath;
    m_listenCheck.setInterval(1000);
    connect(&m_listenCheck, &QTimer::timeout, this, &ControlServer::keepListening);
    m_listenCheck.start();
    return true;
}

bool ControlServer::listenOn(const QString& socketPath)
{
    // We hold the lock, so a socket file left behind is a crashed instance's (or our own).
    QLocalServer::removeServer(socketPath);
    m_server.setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server.listen(socketPath)) {
        m_error = QStringLiteral("cannot listen on %1: %2").arg(socketPath, m_server.errorString());
        return false;
    }
    return true;
}

void ControlServer::keepListening()
{
    if (m_server.isListening())
        return;
    if (listenOn(m_socketPath)) {
        qCInfo(lcControl).noquote() << "control socket" << m_socketPath << "open again";
        m_reopenFailing = false;
    } else if (!m_reopenFailing) {
        m_reopenFailing = true;
        qCWarning(lcControl).noquote()
            << "control socket closed;" << m_error << "- trying again every second";
    }
}

void ControlServer::onNewConnection()
{
    while (QLocalSocket* socket = m_server.nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > MaxRequestBytes) {
                    qCWarning(lcControl) << "control request too long; closing";
                    socket->abort();
                }
                return;
            }
            const QByteArray line = socket->readLine(MaxRequestBytes);
            const QJsonDocument doc = QJsonDocument::fromJson(line);
            QJsonObject reply;
            if (!doc.isObject())
                reply = {{QStringLiteral("ok"), false},
                         {QStringLiteral("error"), QStringLiteral("request is not a JSON object")}};
            else
                reply = answer(doc.object());
            socket->write(QJsonDocument(reply).toJson(QJsonDocument::Compact) + '\n');
            socket->flush();
            socket->disconnectFromServer();
        });
    }
}

QJsonObject ControlServer::answer(const QJsonObject& request)
{
    const QString cmd = request.value(QLatin1String("cmd")).toString();
    QJsonObject reply{{QStringLiteral("ok"), true}};
    if (cmd == QLatin1String("status")) {
        reply.insert(QStringLiteral("status"), m_status ? m_status() : QJsonObject());
    } else if (cmd == QLatin1String("stop")) {
        // Reply first: the stop may end this process before the client reads anything.
        QMetaObject::invokeMethod(this, &ControlServer::stopRequested, Qt::QueuedConnection);
    } else if (cmd == QLatin1String("activate")) {
        QMetaObject::invokeMethod(this, &ControlServer::activateRequested, Qt::QueuedConnection);
    } else {
        reply = {{QStringLiteral("ok"), false},
                 {QStringLiteral("error"), QStringLiteral("unknown command \"%1\"").arg(cmd)}};
    }
    return reply;
}
