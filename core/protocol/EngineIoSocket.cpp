#include "protocol/EngineIoSocket.h"

#include <QLoggingCategory>
#include <QUrlQuery>

namespace ea {

Q_LOGGING_CATEGORY(lcEngine, "ea.protocol.engine", QtInfoMsg)

EngineIoSocket::EngineIoSocket(QObject* parent) : QObject(parent)
{
    m_pingWatch.setSingleShot(true);
    m_handshakeTimeout.setSingleShot(true);
    m_handshakeTimeout.setInterval(20000); // socket.io-client's default connect timeout
    connect(&m_pingWatch, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("ping timeout: no ping from the server within %1 ms")
                 .arg(m_handshake.pingIntervalMs + m_handshake.pingTimeoutMs));
    });
    connect(&m_handshakeTimeout, &QTimer::timeout, this,
            [this] { fail(QStringLiteral("handshake timeout: no open packet from the server")); });
}

EngineIoSocket::~EngineIoSocket()
{
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->abort();
    }
}

QUrl EngineIoSocket::endpoint(const QString& host, quint16 port, const QString& path)
{
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(host);
    url.setPort(port);
    url.setPath(path.endsWith(QLatin1Char('/')) ? path : path + QLatin1Char('/'));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("EIO"), QStringLiteral("4"));
    q.addQueryItem(QStringLiteral("transport"), QStringLiteral("websocket"));
    url.setQuery(q);
    return url;
}

void EngineIoSocket::setMaxIncomingFrameBytes(quint64 bytes)
{
    m_maxFrameBytes = bytes;
    if (m_ws) {
        m_ws->setMaxAllowedIncomingMessageSize(bytes);
        m_ws->setMaxAllowedIncomingFrameSize(bytes);
    }
}

void EngineIoSocket::open(const QUrl& url)
{
    if (m_ws) {
        m_ws->disconnect(this);
        m_ws->abort();
        m_ws->deleteLater();
    }
    m_open = false;
    m_active = true;
    m_lastError.clear();
    m_ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_ws->setMaxAllowedIncomingMessageSize(m_maxFrameBytes);
    m_ws->setMaxAllowedIncomingFrameSize(m_maxFrameBytes);
    connect(m_ws, &QWebSocket::textMessageReceived, this, &EngineIoSocket::onTextFrame);
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, &EngineIoSocket::onBinaryFrame);
    connect(m_ws, &QWebSocket::disconnected, this, &EngineIoSocket::onDisconnected);
    connect(m_ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) {
                if (m_ws)
                    fail(QStringLiteral("transport error: ") + m_ws->errorString());
            });
    m_handshakeTimeout.start();
    qCDebug(lcEngine) << "opening" << url.toString();
    m_ws->open(url);
}

void EngineIoSocket::close()
{
    if (!m_active)
        return;
    if (m_ws && m_open)
        m_ws->sendTextMessage(QString::fromLatin1(EnginePacket::encode(EnginePacket::Type::Close)));
    finish(QStringLiteral("client close"));
}

bool EngineIoSocket::sendMessage(const QByteArray& text)
{
    if (!m_open || !m_ws) {
        m_lastError = QStringLiteral("not connected");
        return false;
    }
    const QByteArray frame = EnginePacket::encode(EnginePacket::Type::Message, text);
    if (frame.size() > m_handshake.maxPayload) {
        m_lastError = QStringLiteral("packet of %1 bytes exceeds the server's maxPayload of %2")
                          .arg(frame.size())
                          .arg(m_handshake.maxPayload);
        return false;
    }
    m_ws->sendTextMessage(QString::fromUtf8(frame));
    return true;
}

bool EngineIoSocket::sendBinary(const QByteArray& bytes)
{
    if (!m_open || !m_ws) {
        m_lastError = QStringLiteral("not connected");
        return false;
    }
    if (bytes.size() > m_handshake.maxPayload) {
        m_lastError = QStringLiteral("attachment exceeds the server's maxPayload");
        return false;
    }
    m_ws->sendBinaryMessage(bytes);
    return true;
}

void EngineIoSocket::armPingWatch()
{
    m_pingWatch.start(m_handshake.pingIntervalMs + m_handshake.pingTimeoutMs);
}

void EngineIoSocket::onTextFrame(const QString& frame)
{
    const QByteArray bytes = frame.toUtf8();
    const auto decoded = EnginePacket::decode(bytes);
    if (!decoded.ok()) {
        qCWarning(lcEngine) << "malformed frame:" << decoded.error;
        Q_EMIT malformed(decoded.error);
        return;
    }
    const EnginePacket& p = decoded.value;
    if (!m_open && p.type != EnginePacket::Type::Open) {
        fail(QStringLiteral("expected an open packet, got %1")
                 .arg(QLatin1String(EnginePacket::typeName(p.type))));
        return;
    }
    switch (p.type) {
    case EnginePacket::Type::Open: {
        if (m_open) {
            Q_EMIT malformed(QStringLiteral("second open packet ignored"));
            return;
        }
        const auto hs = EngineHandshake::parse(p.data);
        if (!hs.ok()) {
            fail(hs.error);
            return;
        }
        m_handshake = hs.value;
        m_open = true;
        m_handshakeTimeout.stop();
        armPingWatch();
        qCDebug(lcEngine) << "open, sid" << m_handshake.sid << "ping" << m_handshake.pingIntervalMs
                          << "+" << m_handshake.pingTimeoutMs;
        Q_EMIT opened(m_handshake);
        return;
    }
    case EnginePacket::Type::Ping:
        // v4: the server pings, we answer at once and restart the dead-server watch.
        m_ws->sendTextMessage(
            QString::fromLatin1(EnginePacket::encode(EnginePacket::Type::Pong, p.data)));
        armPingWatch();
        return;
    case EnginePacket::Type::Close:
        finish(QStringLiteral("transport close: the server closed the connection"), true);
        return;
    case EnginePacket::Type::Message:
        Q_EMIT message(p.data);
        return;
    case EnginePacket::Type::Pong:
    case EnginePacket::Type::Upgrade:
    case EnginePacket::Type::Noop:
        return;
    }
}

void EngineIoSocket::onBinaryFrame(const QByteArray& frame)
{
    if (!m_open) {
        fail(QStringLiteral("binary frame before the open packet"));
        return;
    }
    Q_EMIT binaryMessage(frame);
}

void EngineIoSocket::onDisconnected()
{
    // QWebSocket may report disconnected() before error(), so ask it for the error directly.
    QString why = m_lastError;
    if (why.isEmpty() && m_ws && m_ws->error() != QAbstractSocket::UnknownSocketError)
        why = m_ws->errorString();
    if (why.isEmpty() && m_ws && m_ws->closeCode() != QWebSocketProtocol::CloseCodeNormal)
        why = m_ws->closeReason();
    finish(why.isEmpty() ? QStringLiteral("transport close")
                         : QStringLiteral("transport error: ") + why,
           true);
}

void EngineIoSocket::fail(const QString& reason)
{
    m_lastError = reason;
    // The client reports the reason with its reconnect plan; a warning here would say it twice.
    qCDebug(lcEngine) << reason;
    finish(reason, true);
}

void EngineIoSocket::finish(const QString& reason, bool abort)
{
    if (!m_active)
        return;
    m_active = false;
    m_open = false;
    m_pingWatch.stop();
    m_handshakeTimeout.stop();
    if (m_ws) {
        QWebSocket* ws = m_ws;
        m_ws = nullptr;
        ws->disconnect(this);
        // A frozen peer would never answer a closing handshake; abort instead of waiting on it.
        if (abort)
            ws->abort();
        else
            ws->close();
        ws->deleteLater();
    }
    Q_EMIT closed(reason);
}

} // namespace ea

#include "moc_EngineIoSocket.cpp"
