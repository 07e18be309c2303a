#pragma once

#include "protocol/Backoff.h"
#include "protocol/EngineIoSocket.h"
#include "protocol/SocketEvent.h"
#include "protocol/SocketPacket.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

namespace ea {

Q_DECLARE_LOGGING_CATEGORY(lcSocketIo)

// Where and how SocketIoClient connects.
struct SocketIoOptions
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8765;
    QString path = QStringLiteral("/socket.io/");
    // The dashboard has no authentication: only loopback hosts unless this is set.
    bool allowRemote = false;
    Backoff::Settings backoff;
    int maxReconnectAttempts = -1; // -1: unlimited
    int maxBufferedPackets = 1000;
    int handshakeTimeoutMs = 20000;
    quint64 maxIncomingFrameBytes = 100 * 1024 * 1024;
    // socket.io-client stays down after a server-initiated disconnect; an unattended
    // capture tool would silently stop capturing, so by default we come back.
    bool reconnectAfterServerDisconnect = true;
};

// A Socket.IO v5 client: namespaces, events, acks, binary, reconnection and state recovery.
class SocketIoClient : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
public:
    enum class State
    {
        Disconnected,
        Connecting,
        Connected,
        Reconnecting
    };
    Q_ENUM(State)

    using Options = SocketIoOptions;

    struct Stats
    {
        quint64 connects = 0;   // successful engine handshakes
        quint64 reconnects = 0; // of which after a drop
        quint64 recovered = 0;  // reconnects where the server restored the session
        quint64 missedPossible = 0;
        quint64 eventsReceived = 0;
        quint64 malformed = 0;
        quint64 bufferDropped = 0;
    };

    // error is empty on success; "timeout" or the reason the packet could not be sent otherwise.
    using AckCallback = std::function<void(const QString& error, const QVariantList& args)>;
    using EventHandler = std::function<void(const SocketEvent&)>;

    explicit SocketIoClient(Options options = Options(), QObject* parent = nullptr);
    ~SocketIoClient() override;

    static bool isLoopbackHost(const QString& host);

    // Namespaces to join on every (re)connect; "/" is joined when none was added.
    void addNamespace(const QString& nsp, const QJsonObject& auth = {});

    // Starts connecting; false when the host is refused (see lastError()).
    bool open();
    void close();

    State state() const { return m_state; }
    QString stateReason() const { return m_stateReason; }
    QString lastError() const { return m_lastError; }
    const Stats& stats() const { return m_stats; }
    const Options& options() const { return m_options; }
    bool isNamespaceConnected(const QString& nsp) const;
    // The recovery session id the server gave for nsp, empty when it offers none.
    QString recoveryPid(const QString& nsp = QStringLiteral("/")) const;

    void on(const QString& event, EventHandler handler);

    // Emits now when connected, else buffers (bounded) and sends in order after the reconnect.
    // QByteArray values anywhere in args travel as binary attachments.
    void send(const QString& event, const QVariantList& args = {},
              const QString& nsp = QStringLiteral("/"));
    void sendWithAck(const QString& event, const QVariantList& args, AckCallback callback,
                     int timeoutMs = 10000, const QString& nsp = QStringLiteral("/"));
    // Answers an event that asked for an acknowledgement.
    void acknowledge(const SocketEvent& event, const QVariantList& args = {});

Q_SIGNALS:
    void stateChanged(SocketIoClient::State state, const QString& reason);
    // recovered: the server restored the session (missed events follow); missedPossible: a
    // reconnect without recovery, so events sent meanwhile may be lost.
    void namespaceConnected(const QString& nsp, bool recovered, bool missedPossible);
    void connectError(const QString& nsp, const QString& message);
    void eventReceived(const SocketEvent& event);
    void malformedPacket(const QString& error);

private:
    struct Namespace
    {
        QJsonObject auth;
        QString pid;
        QString lastOffset;
        bool connected = false;
        bool failed = false;
        bool everConnected = false;
    };
    struct Outgoing
    {
        QString nsp;
        QByteArray text;
        QList<QByteArray> attachments;
    };
    struct Incoming
    {
        SocketPacket packet;
        QList<QByteArray> attachments;
    };
    struct PendingAck
    {
        AckCallback callback;
        QString nsp;
    };

    void startAttempt();
    void onEngineOpened();
    void onEngineClosed(const QString& reason);
    void onMessage(const QByteArray& text);
    void onBinary(const QByteArray& bytes);
    void handlePacket(SocketPacket packet, QList<QByteArray> attachments);
    void handleConnect(const SocketPacket& packet);
    void handleEvent(SocketPacket packet, QList<QByteArray> attachments);
    void deliver(SocketPacket packet, QList<QByteArray> attachments);
    void deliverEarlyEvents(const QString& nsp);
    void handleAck(const SocketPacket& packet, const QList<QByteArray>& attachments);
    void scheduleReconnect(const QString& reason);
    void setState(State state, const QString& reason);
    void updateConnectedState();
    void reportMalformed(const QString& error);
    Outgoing encodeEvent(const QString& nsp, const QString& event, const QVariantList& args,
                         qint64 ackId) const;
    bool transmit(const Outgoing& packet);
    void enqueue(Outgoing packet);
    void flush(const QString& nsp);

    Options m_options;
    JsonParser m_parser; // every received frame's JSON, parsed once
    EngineIoSocket m_engine;
    Backoff m_backoff;
    QTimer m_reconnectTimer;
    QHash<QString, Namespace> m_namespaces;
    QHash<QString, EventHandler> m_handlers;
    QHash<qint64, PendingAck> m_pendingAcks;
    std::deque<Outgoing> m_buffer;
    std::deque<Incoming> m_receiveBuffer; // events that arrived before their namespace's CONNECT
    static constexpr size_t MaxEarlyEvents = 100000;
    SocketPacket m_partial; // a binary packet waiting for its attachments
    QList<QByteArray> m_partialAttachments;
    bool m_awaitingAttachments = false;
    qint64 m_nextAckId = 0;
    State m_state = State::Disconnected;
    QString m_stateReason;
    QString m_lastError;
    QString m_closeReason; // why we closed the engine ourselves, for the reconnect message
    Stats m_stats;
    bool m_wanted = false;     // the user asked to be connected
    bool m_everOpened = false; // an engine handshake succeeded since open()
};

} // namespace ea
