#include "ControlServer.h"

#include "ControlChannel.h"

#include <QJsonDocument>
#include <QLocalSocket>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcControl, "ea.control", QtInfoMsg)

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
    m_lock = std::make_unique<QLockFile>(ControlChannel::lockPath());
    m_lock->setStaleLockTime(0); // a crashed instance's lock is stale once its pid is gone
    if (!m_lock->tryLock(100)) {
        m_error =
            QStringLiteral("another instance is running (lock %1)").arg(ControlChannel::lockPath());
        m_lock.reset();
        return false;
    }
    // We hold the lock, so a socket file left behind is a crashed instance's.
    QLocalServer::removeServer(ControlChannel::socketPath());
    m_server.setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server.listen(ControlChannel::socketPath())) {
        m_error = QStringLiteral("cannot listen on %1: %2")
                      .arg(ControlChannel::socketPath(), m_server.errorString());
        qCWarning(lcControl).noquote() << m_error;
        return false;
    }
    return true;
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
