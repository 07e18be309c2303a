#include "control/ControlClient.h"

#include "control/ControlChannel.h"

#include <QJsonDocument>
#include <QLocalSocket>

namespace ea {

std::optional<QJsonObject> ControlClient::request(const QString& cmd, QString* error, int timeoutMs,
                                                  bool* busy)
{
    if (busy)
        *busy = false;
    // Blocking is fine here: this runs in short-lived CLI commands, never in the capture loop.
    QString why;
    const QString path = ControlChannel::socketPath(&why);
    if (path.isEmpty()) {
        if (error)
            *error = why;
        return std::nullopt;
    }
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(timeoutMs)) {
        if (error)
            *error = QStringLiteral("no running instance (%1)").arg(socket.errorString());
        return std::nullopt;
    }
    socket.write(
        QJsonDocument(QJsonObject{{QStringLiteral("cmd"), cmd}}).toJson(QJsonDocument::Compact) +
        '\n');
    socket.flush();
    QByteArray line;
    while (!line.endsWith('\n')) {
        if (!socket.bytesAvailable() && !socket.waitForReadyRead(timeoutMs))
            break;
        line += socket.readAll();
    }
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    if (!doc.isObject()) {
        const bool timedOut = line.isEmpty() && socket.state() == QLocalSocket::ConnectedState;
        if (busy)
            *busy = timedOut;
        if (error)
            *error = timedOut ? QStringLiteral("the running instance is busy: it accepted the "
                                               "connection but did not answer within %1 ms")
                                    .arg(timeoutMs)
                              : QStringLiteral("the running instance sent no valid reply");
        return std::nullopt;
    }
    return doc.object();
}

ControlClient::WatchEnd ControlClient::watch(const std::function<void(const QJsonObject&)>& onLine,
                                             QString* error)
{
    QString why;
    const QString path = ControlChannel::socketPath(&why);
    if (path.isEmpty()) {
        if (error)
            *error = why;
        return WatchEnd::NoInstance;
    }
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(3000)) {
        if (error)
            *error = QStringLiteral("no running instance (%1)").arg(socket.errorString());
        return WatchEnd::NoInstance;
    }
    socket.write(QJsonDocument(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("watch")}})
                     .toJson(QJsonDocument::Compact) +
                 '\n');
    socket.flush();
    bool acknowledged = false;
    for (;;) {
        while (socket.canReadLine()) {
            const QJsonObject line = QJsonDocument::fromJson(socket.readLine()).object();
            if (!acknowledged) {
                if (!line.value(QLatin1String("watching")).toBool()) {
                    if (error)
                        *error = line.value(QLatin1String("error"))
                                     .toString(QStringLiteral(
                                         "the running instance does not offer watch"));
                    return WatchEnd::Refused;
                }
                acknowledged = true;
                continue;
            }
            onLine(line);
        }
        if (socket.state() != QLocalSocket::ConnectedState)
            break;
        // No timeout: changes may be hours apart. The instance quitting ends the wait.
        socket.waitForReadyRead(-1);
    }
    if (error)
        *error = acknowledged ? QStringLiteral("the running instance has quit")
                              : QStringLiteral("the running instance closed the connection");
    return acknowledged ? WatchEnd::InstanceGone : WatchEnd::Refused;
}

} // namespace ea
