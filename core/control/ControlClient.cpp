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

} // namespace ea
