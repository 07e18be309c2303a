#pragma once

#include "protocol/EnginePacket.h"

#include <QLoggingCategory>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

namespace ea {

Q_DECLARE_LOGGING_CATEGORY(lcEngine)

// An Engine.IO v4 connection over the WebSocket transport: handshake, heartbeat, dead-server
// detection.
class EngineIoSocket : public QObject
{
    Q_OBJECT
public:
    explicit EngineIoSocket(QObject* parent = nullptr);
    ~EngineIoSocket() override;

    // ws://host:port/socket.io/?EIO=4&transport=websocket for a host, port and path.
    static QUrl endpoint(const QString& host, quint16 port,
                         const QString& path = QStringLiteral("/socket.io/"));

    void open(const QUrl& url);
    // Sends a close packet and closes the WebSocket; emits closed() with reason "client close".
    void close();
    bool isOpen() const { return m_open; }

    // Returns false (and says why in lastError) when not open or larger than the server's
    // maxPayload.
    bool sendMessage(const QByteArray& text);
    bool sendBinary(const QByteArray& bytes);

    const EngineHandshake& handshake() const { return m_handshake; }
    QString lastError() const { return m_lastError; }

    void setHandshakeTimeoutMs(int ms) { m_handshakeTimeout.setInterval(ms); }
    // Frames above this are refused by QWebSocket before they reach memory we own.
    void setMaxIncomingFrameBytes(quint64 bytes);

Q_SIGNALS:
    void opened(const EngineHandshake& handshake);
    void message(const QByteArray& text);
    void binaryMessage(const QByteArray& bytes);
    // Emitted once per open() that got anywhere; reason is human readable.
    void closed(const QString& reason);
    // A frame the codec rejected; the connection stays up.
    void malformed(const QString& error);

private:
    void onTextFrame(const QString& frame);
    void onBinaryFrame(const QByteArray& frame);
    void onDisconnected();
    void fail(const QString& reason);
    void finish(const QString& reason, bool abort = false);
    void armPingWatch();

    QWebSocket* m_ws = nullptr;
    QTimer m_pingWatch;
    QTimer m_handshakeTimeout;
    EngineHandshake m_handshake;
    QString m_lastError;
    quint64 m_maxFrameBytes = 100 * 1024 * 1024;
    bool m_open = false;
    bool m_active = false;
};

} // namespace ea
