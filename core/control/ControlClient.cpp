#include "ControlClient.h"

#include "ControlChannel.h"

#include <QJsonDocument>
#include <QLocalSocket>

std::optional<QJsonObject> ControlClient::request(const QString& cmd, QString* error, int timeoutMs)
{
    // Blocking is fine here: this runs in short-lived CLI commands, never in the capture loop.
    QLocalSocket socket;
    socket.connectToServer(ControlChannel::socketPath());
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
        if (error)
            *error = QStringLiteral("the running instance sent no valid reply");
        return std::nullopt;
    }
    return doc.object();
}
