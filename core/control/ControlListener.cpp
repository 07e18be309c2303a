#include "control/ControlListener.h"

#include "control/ControlServer.h"
#include "control/StatusSnapshot.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>

namespace ea {

namespace {
// How long status waits for the counters' owner to publish fresh ones before it answers from
// the last snapshot: long enough for an idle instance, short against the client's timeout.
constexpr std::chrono::milliseconds FreshSnapshotWait{200};
} // namespace

ControlListener::ControlListener(std::shared_ptr<StatusSnapshot> snapshot)
    : m_snapshot(std::move(snapshot)), m_server(new QLocalServer(this)),
      m_listenCheck(new QTimer(this))
{
    connect(m_server, &QLocalServer::newConnection, this, &ControlListener::onNewConnection);
    m_listenCheck->setInterval(1000);
    connect(m_listenCheck, &QTimer::timeout, this, &ControlListener::keepListening);
}

bool ControlListener::listen(const QString& socketPath, QString* error)
{
    m_socketPath = socketPath;
    if (!listenOn(error))
        return false;
    m_listenCheck->start();
    return true;
}

void ControlListener::close()
{
    m_listenCheck->stop();
    m_server->close();
}

bool ControlListener::listenOn(QString* error)
{
    // We hold the lock, so a socket file left behind is a crashed instance's (or our own).
    QLocalServer::removeServer(m_socketPath);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server->listen(m_socketPath)) {
        *error =
            QStringLiteral("cannot listen on %1: %2").arg(m_socketPath, m_server->errorString());
        return false;
    }
    return true;
}

void ControlListener::keepListening()
{
    if (m_server->isListening())
        return;
    QString error;
    if (listenOn(&error)) {
        qCInfo(lcControl).noquote() << "control socket" << m_socketPath << "open again";
        m_reopenFailing = false;
    } else if (!m_reopenFailing) {
        m_reopenFailing = true;
        qCWarning(lcControl).noquote()
            << "control socket closed;" << error << "- trying again every second";
    }
}

void ControlListener::onNewConnection()
{
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
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
            if (doc.object().value(QLatin1String("cmd")).toString() == QLatin1String("watch")) {
                startWatch(socket);
                return;
            }
            QJsonObject reply;
            if (!doc.isObject())
                reply = {{QStringLiteral("ok"), false},
                         {QStringLiteral("error"), QStringLiteral("request is not a JSON object")}};
            else
                reply = answer(doc.object());
            socket->write(QJsonDocument(reply).toJson(QJsonDocument::Compact) + '\n');
            socket->flush();
            socket->disconnectFromServer();
            // Only now, with the reply written: the main thread may end the process on stop.
            const QString cmd = doc.object().value(QLatin1String("cmd")).toString();
            if (cmd == QLatin1String("stop"))
                Q_EMIT stopRequested();
            else if (cmd == QLatin1String("activate"))
                Q_EMIT activateRequested();
        });
    }
}

void ControlListener::startWatch(QLocalSocket* socket)
{
    // The connection stays open: an acknowledgement, the current state of every live session,
    // then one line per change as the main thread broadcasts them, until either side closes.
    disconnect(socket, &QLocalSocket::readyRead, this, nullptr);
    m_watchers.append(socket);
    connect(socket, &QLocalSocket::disconnected, this,
            [this, socket] { m_watchers.removeOne(socket); });
    connect(socket, &QObject::destroyed, this, [this, socket] { m_watchers.removeOne(socket); });
    const quint64 generation = m_snapshot->want();
    Q_EMIT snapshotWanted();
    const QJsonObject status = m_snapshot->get(generation, FreshSnapshotWait);
    QByteArray out =
        QJsonDocument(QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("watching"), true}})
            .toJson(QJsonDocument::Compact) +
        '\n';
    for (const QJsonValue& v : status.value(QLatin1String("live_states")).toArray()) {
        QJsonObject o = v.toObject();
        o.insert(QStringLiteral("initial"), true);
        out += QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    }
    socket->write(out);
    socket->flush();
}

void ControlListener::broadcast(const QByteArray& line)
{
    const QList<QLocalSocket*> watchers = m_watchers;
    for (QLocalSocket* socket : watchers) {
        if (socket->bytesToWrite() > MaxWatchBacklogBytes) {
            qCWarning(lcControl) << "a watch client reads too slowly; closing it";
            m_watchers.removeOne(socket);
            socket->abort();
            continue;
        }
        socket->write(line);
        socket->flush();
    }
}

QJsonObject ControlListener::answer(const QJsonObject& request)
{
    const QString cmd = request.value(QLatin1String("cmd")).toString();
    QJsonObject reply{{QStringLiteral("ok"), true}};
    if (cmd == QLatin1String("status")) {
        // Fresh counters when the main thread is free, else the last ones it published: the
        // answer never waits for aggregation work.
        const quint64 generation = m_snapshot->want();
        Q_EMIT snapshotWanted();
        reply.insert(QStringLiteral("status"), m_snapshot->get(generation, FreshSnapshotWait));
    } else if (cmd != QLatin1String("stop") && cmd != QLatin1String("activate")) {
        reply = {{QStringLiteral("ok"), false},
                 {QStringLiteral("error"), QStringLiteral("unknown command \"%1\"").arg(cmd)}};
    }
    return reply;
}

} // namespace ea

#include "moc_ControlListener.cpp"
