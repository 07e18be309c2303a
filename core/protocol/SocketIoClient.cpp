#include "protocol/SocketIoClient.h"

#include "util/LoopbackHost.h"

#include "protocol/BinaryPlaceholders.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <simdjson.h>

namespace ea {

Q_LOGGING_CATEGORY(lcSocketIo, "ea.protocol.socketio", QtInfoMsg)

namespace {
const QString RootNamespace = QStringLiteral("/");

QByteArray compact(const QJsonValue& v)
{
    // QJsonDocument cannot hold a scalar; serialize inside an array and cut the brackets.
    const QByteArray a = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
    return a.mid(1, a.size() - 2);
}
} // namespace

SocketIoClient::SocketIoClient(Options options, QObject* parent)
    : QObject(parent), m_options(std::move(options)), m_backoff(m_options.backoff)
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &SocketIoClient::startAttempt);
    connect(&m_engine, &EngineIoSocket::opened, this, &SocketIoClient::onEngineOpened);
    connect(&m_engine, &EngineIoSocket::closed, this, &SocketIoClient::onEngineClosed);
    connect(&m_engine, &EngineIoSocket::message, this, &SocketIoClient::onMessage);
    connect(&m_engine, &EngineIoSocket::binaryMessage, this, &SocketIoClient::onBinary);
    connect(&m_engine, &EngineIoSocket::malformed, this, &SocketIoClient::reportMalformed);
    m_engine.setHandshakeTimeoutMs(m_options.handshakeTimeoutMs);
    m_engine.setMaxIncomingFrameBytes(m_options.maxIncomingFrameBytes);
}

SocketIoClient::~SocketIoClient()
{
    m_engine.disconnect(this);
}

bool SocketIoClient::isLoopbackHost(const QString& host)
{
    return LoopbackHost::matches(host);
}

void SocketIoClient::addNamespace(const QString& nsp, const QJsonObject& auth)
{
    const QString name = nsp.startsWith(QLatin1Char('/')) ? nsp : QLatin1Char('/') + nsp;
    Namespace& n = m_namespaces[name];
    n.auth = auth;
    if (m_engine.isOpen() && !n.connected) {
        SocketPacket p;
        p.type = SocketPacket::Type::Connect;
        p.nsp = name;
        p.payload =
            auth.isEmpty() ? QByteArray() : QJsonDocument(auth).toJson(QJsonDocument::Compact);
        m_engine.sendMessage(p.encode());
    }
}

bool SocketIoClient::open()
{
    if (!m_options.allowRemote && !isLoopbackHost(m_options.host)) {
        m_lastError =
            QStringLiteral("refusing to connect to non-loopback host %1: the dashboard has no "
                           "authentication (use --allow-remote to override)")
                .arg(m_options.host);
        qCWarning(lcSocketIo).noquote() << m_lastError;
        return false;
    }
    if (m_namespaces.isEmpty())
        m_namespaces.insert(RootNamespace, Namespace());
    m_wanted = true;
    m_everOpened = false;
    m_backoff.reset();
    setState(State::Connecting,
             QStringLiteral("connecting to %1:%2").arg(m_options.host).arg(m_options.port));
    startAttempt();
    return true;
}

void SocketIoClient::close()
{
    m_wanted = false;
    m_reconnectTimer.stop();
    if (m_engine.isOpen()) {
        for (auto it = m_namespaces.begin(); it != m_namespaces.end(); ++it) {
            if (it->connected) {
                SocketPacket p;
                p.type = SocketPacket::Type::Disconnect;
                p.nsp = it.key();
                m_engine.sendMessage(p.encode());
            }
        }
    }
    m_engine.close();
    for (Namespace& n : m_namespaces)
        n.connected = false;
    setState(State::Disconnected, QStringLiteral("io client disconnect"));
}

bool SocketIoClient::isNamespaceConnected(const QString& nsp) const
{
    const auto it = m_namespaces.constFind(nsp);
    return it != m_namespaces.cend() && it->connected;
}

QString SocketIoClient::recoveryPid(const QString& nsp) const
{
    return m_namespaces.value(nsp).pid;
}

void SocketIoClient::on(const QString& event, EventHandler handler)
{
    m_handlers.insert(event, std::move(handler));
}

void SocketIoClient::startAttempt()
{
    if (!m_wanted)
        return;
    m_awaitingAttachments = false;
    m_partialAttachments.clear();
    m_engine.open(EngineIoSocket::endpoint(m_options.host, m_options.port, m_options.path));
}

void SocketIoClient::onEngineOpened()
{
    const bool isReconnect = m_everOpened;
    m_everOpened = true;
    ++m_stats.connects;
    if (isReconnect)
        ++m_stats.reconnects;
    m_backoff.reset();
    for (auto it = m_namespaces.begin(); it != m_namespaces.end(); ++it) {
        Namespace& n = it.value();
        n.connected = false;
        n.failed = false;
        QJsonObject auth = n.auth;
        // Hand back the recovery session so the server can replay what we missed.
        if (!n.pid.isEmpty()) {
            auth.insert(QStringLiteral("pid"), n.pid);
            auth.insert(QStringLiteral("offset"), n.lastOffset);
        }
        SocketPacket p;
        p.type = SocketPacket::Type::Connect;
        p.nsp = it.key();
        if (!auth.isEmpty())
            p.payload = QJsonDocument(auth).toJson(QJsonDocument::Compact);
        m_engine.sendMessage(p.encode());
    }
}

void SocketIoClient::onEngineClosed(const QString& engineReason)
{
    const QString reason =
        m_closeReason.isEmpty() ? engineReason : std::exchange(m_closeReason, {});
    for (Namespace& n : m_namespaces)
        n.connected = false;
    m_awaitingAttachments = false;
    m_partialAttachments.clear();
    m_receiveBuffer.clear();
    if (!m_wanted)
        return;
    scheduleReconnect(reason);
}

void SocketIoClient::scheduleReconnect(const QString& reason)
{
    if (m_options.maxReconnectAttempts >= 0 &&
        m_backoff.attempts() >= m_options.maxReconnectAttempts) {
        m_wanted = false;
        setState(State::Disconnected, QStringLiteral("%1; gave up after %2 reconnection attempts")
                                          .arg(reason)
                                          .arg(m_backoff.attempts()));
        return;
    }
    const int delay = m_backoff.nextDelayMs();
    const QString why = QStringLiteral("%1; retrying in %2 ms (attempt %3)")
                            .arg(reason)
                            .arg(delay)
                            .arg(m_backoff.attempts());
    qCInfo(lcSocketIo).noquote() << why;
    setState(m_everOpened ? State::Reconnecting : State::Connecting, why);
    m_reconnectTimer.start(delay);
}

void SocketIoClient::reportMalformed(const QString& error)
{
    ++m_stats.malformed;
    qCWarning(lcSocketIo).noquote() << "malformed packet:" << error;
    Q_EMIT malformedPacket(error);
}

void SocketIoClient::onMessage(const QByteArray& text)
{
    if (m_awaitingAttachments) {
        // socket.io-parser rejects text while a binary packet is incomplete; drop the partial one.
        m_awaitingAttachments = false;
        m_partialAttachments.clear();
        reportMalformed(QStringLiteral("text packet while waiting for binary attachments"));
    }
    auto decoded = SocketPacket::decode(text, &m_parser);
    if (!decoded.ok()) {
        reportMalformed(decoded.error);
        return;
    }
    if (decoded.value.isBinary() && decoded.value.attachments > 0) {
        m_partial = std::move(decoded.value);
        m_awaitingAttachments = true;
        return;
    }
    handlePacket(std::move(decoded.value), {});
}

void SocketIoClient::onBinary(const QByteArray& bytes)
{
    if (!m_awaitingAttachments) {
        reportMalformed(QStringLiteral("unexpected binary frame"));
        return;
    }
    m_partialAttachments.append(bytes);
    if (m_partialAttachments.size() < m_partial.attachments)
        return;
    m_awaitingAttachments = false;
    handlePacket(std::move(m_partial), std::exchange(m_partialAttachments, {}));
}

void SocketIoClient::handlePacket(SocketPacket packet, QList<QByteArray> attachments)
{
    auto nsIt = m_namespaces.find(packet.nsp);
    if (nsIt == m_namespaces.end()) {
        reportMalformed(QStringLiteral("packet for namespace %1 we did not join").arg(packet.nsp));
        return;
    }
    switch (packet.type) {
    case SocketPacket::Type::Connect:
        handleConnect(packet);
        return;
    case SocketPacket::Type::ConnectError: {
        QString message;
        const QJsonDocument doc = QJsonDocument::fromJson(packet.payload);
        if (doc.isObject())
            message = doc.object().value(QLatin1String("message")).toString();
        else if (std::string_view text; m_parser.parse(packet.payload) == JsonParser::Status::Ok &&
                                        !m_parser.root().get_string().get(text))
            message = QString::fromUtf8(text.data(), qsizetype(text.size()));
        if (message.isEmpty())
            message = QStringLiteral("connection refused");
        nsIt->failed = true;
        nsIt->connected = false;
        m_lastError = QStringLiteral("namespace %1 refused: %2").arg(packet.nsp, message);
        qCWarning(lcSocketIo).noquote() << m_lastError;
        Q_EMIT connectError(packet.nsp, message);
        updateConnectedState();
        return;
    }
    case SocketPacket::Type::Disconnect: {
        nsIt->connected = false;
        // The server ended this session on purpose: recovery does not apply to it.
        nsIt->pid.clear();
        nsIt->lastOffset.clear();
        const QString reason = QStringLiteral("io server disconnect (%1)").arg(packet.nsp);
        qCInfo(lcSocketIo).noquote() << reason;
        if (!m_options.reconnectAfterServerDisconnect) {
            m_wanted = false;
            m_engine.close();
            setState(State::Disconnected, reason);
            return;
        }
        // Rejoin through a fresh connection so every namespace goes through the same path;
        // onEngineClosed() schedules the reconnect and reports this reason.
        m_closeReason = reason;
        m_engine.close();
        return;
    }
    case SocketPacket::Type::Event:
    case SocketPacket::Type::BinaryEvent:
        handleEvent(std::move(packet), std::move(attachments));
        return;
    case SocketPacket::Type::Ack:
    case SocketPacket::Type::BinaryAck:
        handleAck(packet, attachments);
        return;
    }
}

void SocketIoClient::handleConnect(const SocketPacket& packet)
{
    Namespace& n = m_namespaces[packet.nsp];
    const QJsonObject reply = QJsonDocument::fromJson(packet.payload).object();
    const QString pid = reply.value(QLatin1String("pid")).toString();
    const bool wasConnectedBefore = n.everConnected;
    const bool recovered = !pid.isEmpty() && pid == n.pid;
    if (!recovered)
        n.lastOffset.clear();
    n.pid = pid;
    n.connected = true;
    n.failed = false;
    n.everConnected = true;
    const bool missed = wasConnectedBefore && !recovered;
    if (recovered)
        ++m_stats.recovered;
    if (missed)
        ++m_stats.missedPossible;
    qCInfo(lcSocketIo).noquote() << "joined" << packet.nsp << "sid"
                                 << reply.value(QLatin1String("sid")).toString()
                                 << (recovered ? "(session recovered)"
                                     : missed  ? "(events may have been missed)"
                                               : "");
    Q_EMIT namespaceConnected(packet.nsp, recovered, missed);
    deliverEarlyEvents(packet.nsp);
    updateConnectedState();
    flush(packet.nsp);
}

void SocketIoClient::handleEvent(SocketPacket packet, QList<QByteArray> attachments)
{
    const Namespace& n = m_namespaces[packet.nsp];
    if (!n.connected) {
        // A recovering Node server replays missed events before its CONNECT reply; hold them
        // until the namespace is joined, as socket.io-client does.
        if (m_receiveBuffer.size() >= MaxEarlyEvents) {
            reportMalformed(
                QStringLiteral("too many events before namespace %1 was joined").arg(packet.nsp));
            return;
        }
        m_receiveBuffer.push_back(Incoming{std::move(packet), std::move(attachments)});
        return;
    }
    deliver(std::move(packet), std::move(attachments));
}

void SocketIoClient::deliverEarlyEvents(const QString& nsp)
{
    std::deque<Incoming> keep;
    std::deque<Incoming> pending = std::exchange(m_receiveBuffer, {});
    for (Incoming& in : pending) {
        if (in.packet.nsp == nsp)
            deliver(std::move(in.packet), std::move(in.attachments));
        else
            keep.push_back(std::move(in));
    }
    m_receiveBuffer = std::move(keep);
}

void SocketIoClient::deliver(SocketPacket packet, QList<QByteArray> attachments)
{
    Namespace& n = m_namespaces[packet.nsp];
    SocketEvent ev;
    ev.nsp = packet.nsp;
    ev.ackId = packet.ackId;
    ev.name = std::move(packet.name);
    ev.args = std::move(packet.elements);
    ev.args.removeFirst();
    ev.attachments = std::move(attachments);
    ev.parsed = packet.parsed;
    // With recovery on, the server appends its offset as a last string argument; it is ours, not
    // the app's.
    if (!n.pid.isEmpty() && !ev.args.isEmpty() && ev.args.constLast().startsWith('"')) {
        // Events held until their namespace joined were parsed long ago: parse the offset.
        simdjson::dom::element offset;
        bool have = ev.parsedArgument(int(ev.args.size()) - 1).get(&offset);
        if (!have && m_parser.parse(ev.args.constLast()) == JsonParser::Status::Ok) {
            offset = m_parser.root();
            have = true;
        }
        std::string_view text;
        if (have && !offset.get_string().get(text)) {
            n.lastOffset = QString::fromUtf8(text.data(), qsizetype(text.size()));
            ev.args.removeLast();
        }
    }
    ++m_stats.eventsReceived;
    const auto handler = m_handlers.constFind(ev.name);
    if (handler != m_handlers.cend())
        (*handler)(ev);
    Q_EMIT eventReceived(ev);
}

void SocketIoClient::handleAck(const SocketPacket& packet, const QList<QByteArray>& attachments)
{
    const auto pending = m_pendingAcks.take(packet.ackId);
    if (!pending.callback) {
        // Late acks (after their timeout) are normal; unknown ids are not worth more than a debug
        // line.
        qCDebug(lcSocketIo) << "ack" << packet.ackId << "matches no pending request";
        return;
    }
    SocketEvent carrier;
    carrier.args = packet.elements;
    carrier.attachments = attachments;
    const auto values = carrier.values();
    if (!values.ok()) {
        reportMalformed(values.error);
        pending.callback(values.error, {});
        return;
    }
    pending.callback(QString(), values.value);
}

void SocketIoClient::setState(State state, const QString& reason)
{
    m_stateReason = reason;
    if (state == m_state)
        return;
    m_state = state;
    qCInfo(lcSocketIo).noquote() << "state" << QVariant::fromValue(state).toString() << "-"
                                 << reason;
    Q_EMIT stateChanged(state, reason);
}

void SocketIoClient::updateConnectedState()
{
    int connected = 0, failed = 0;
    for (const Namespace& n : std::as_const(m_namespaces)) {
        connected += n.connected;
        failed += n.failed;
    }
    if (connected + failed < m_namespaces.size())
        return; // still waiting for answers
    if (connected == 0) {
        // Every namespace refused us: retrying the same credentials would only hammer the server.
        m_wanted = false;
        m_reconnectTimer.stop();
        m_engine.close();
        setState(State::Disconnected, m_lastError);
        return;
    }
    QString reason = QStringLiteral("connected to %1:%2").arg(m_options.host).arg(m_options.port);
    if (failed)
        reason += QStringLiteral(" (%1 namespace(s) refused)").arg(failed);
    setState(State::Connected, reason);
}

SocketIoClient::Outgoing SocketIoClient::encodeEvent(const QString& nsp, const QString& event,
                                                     const QVariantList& args, qint64 ackId) const
{
    Outgoing out;
    out.nsp = nsp;
    SocketPacket p;
    p.nsp = nsp;
    p.ackId = ackId;
    p.elements.append(compact(QJsonValue(event)));
    for (const QVariant& a : args)
        p.elements.append(compact(BinaryPlaceholders::deconstruct(a, &out.attachments)));
    p.type =
        out.attachments.isEmpty() ? SocketPacket::Type::Event : SocketPacket::Type::BinaryEvent;
    p.attachments = int(out.attachments.size());
    out.text = p.encode();
    return out;
}

bool SocketIoClient::transmit(const Outgoing& packet)
{
    if (!m_engine.sendMessage(packet.text))
        return false;
    for (const QByteArray& a : packet.attachments) {
        if (!m_engine.sendBinary(a))
            return false;
    }
    return true;
}

void SocketIoClient::enqueue(Outgoing packet)
{
    if (m_options.maxBufferedPackets <= 0) {
        ++m_stats.bufferDropped;
        return;
    }
    while (int(m_buffer.size()) >= m_options.maxBufferedPackets) {
        m_buffer.pop_front();
        ++m_stats.bufferDropped;
        qCWarning(lcSocketIo) << "send buffer full: dropped the oldest packet";
    }
    m_buffer.push_back(std::move(packet));
}

void SocketIoClient::flush(const QString& nsp)
{
    std::deque<Outgoing> keep;
    while (!m_buffer.empty()) {
        Outgoing p = std::move(m_buffer.front());
        m_buffer.pop_front();
        if (p.nsp != nsp || !transmit(p))
            keep.push_back(std::move(p));
    }
    m_buffer = std::move(keep);
}

void SocketIoClient::send(const QString& event, const QVariantList& args, const QString& nsp)
{
    Outgoing packet = encodeEvent(nsp, event, args, -1);
    if (isNamespaceConnected(nsp) && m_buffer.empty() && transmit(packet))
        return;
    enqueue(std::move(packet));
}

void SocketIoClient::sendWithAck(const QString& event, const QVariantList& args,
                                 AckCallback callback, int timeoutMs, const QString& nsp)
{
    const qint64 id = m_nextAckId++;
    Outgoing packet = encodeEvent(nsp, event, args, id);
    m_pendingAcks.insert(id, PendingAck{std::move(callback), nsp});
    if (timeoutMs > 0) {
        QTimer::singleShot(timeoutMs, this, [this, id] {
            const auto pending = m_pendingAcks.take(id);
            if (pending.callback)
                pending.callback(QStringLiteral("timeout"), {});
        });
    }
    if (isNamespaceConnected(nsp) && m_buffer.empty() && transmit(packet))
        return;
    enqueue(std::move(packet));
}

void SocketIoClient::acknowledge(const SocketEvent& event, const QVariantList& args)
{
    if (event.ackId < 0)
        return;
    SocketPacket p;
    p.nsp = event.nsp;
    p.ackId = event.ackId;
    QList<QByteArray> attachments;
    for (const QVariant& a : args)
        p.elements.append(compact(BinaryPlaceholders::deconstruct(a, &attachments)));
    p.type = attachments.isEmpty() ? SocketPacket::Type::Ack : SocketPacket::Type::BinaryAck;
    p.attachments = int(attachments.size());
    // An ack belongs to the connection that asked; it is never buffered for a later one.
    transmit(Outgoing{event.nsp, p.encode(), attachments});
}

} // namespace ea

#include "moc_SocketIoClient.cpp"
