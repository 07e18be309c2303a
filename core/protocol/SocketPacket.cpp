#include "protocol/SocketPacket.h"

#include "protocol/JsonArrayScanner.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace ea {

namespace {
using Result = DecodeResult<SocketPacket>;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
} // namespace

QByteArray SocketPacket::encode() const
{
    QByteArray out;
    out.reserve(16 + nsp.size() + payload.size());
    out.append(char('0' + int(type)));
    if (isBinary())
        out.append(QByteArray::number(attachments)).append('-');
    if (!nsp.isEmpty() && nsp != QLatin1String("/"))
        out.append(nsp.toUtf8()).append(',');
    if (ackId >= 0)
        out.append(QByteArray::number(ackId));
    if (carriesArray()) {
        out.append('[');
        for (qsizetype k = 0; k < elements.size(); ++k) {
            if (k)
                out.append(',');
            out.append(elements[k]);
        }
        out.append(']');
    } else {
        out.append(payload);
    }
    return out;
}

const char* SocketPacket::typeName(Type type)
{
    switch (type) {
    case Type::Connect:
        return "CONNECT";
    case Type::Disconnect:
        return "DISCONNECT";
    case Type::Event:
        return "EVENT";
    case Type::Ack:
        return "ACK";
    case Type::ConnectError:
        return "CONNECT_ERROR";
    case Type::BinaryEvent:
        return "BINARY_EVENT";
    case Type::BinaryAck:
        return "BINARY_ACK";
    }
    return "INVALID";
}

Result SocketPacket::decode(QByteArrayView text)
{
    const qsizetype n = text.size();
    if (n == 0)
        return Result::failure(QStringLiteral("empty Socket.IO packet"));
    if (text[0] < '0' || text[0] > '6') {
        return Result::failure(
            QStringLiteral("unknown Socket.IO packet type '%1'").arg(QChar::fromLatin1(text[0])));
    }
    SocketPacket p;
    p.type = Type(text[0] - '0');
    qsizetype i = 1;

    if (p.isBinary()) {
        const qsizetype start = i;
        while (i < n && isDigit(text[i]) && i - start < 6)
            ++i;
        if (i == start || i >= n || text[i] != '-')
            return Result::failure(
                QStringLiteral("binary packet without a valid attachment count"));
        p.attachments = text.sliced(start, i - start).toByteArray().toInt();
        if (p.attachments > MaxAttachments)
            return Result::failure(QStringLiteral("too many attachments (%1)").arg(p.attachments));
        ++i;
    }

    if (i < n && text[i] == '/') {
        const qsizetype start = i;
        while (i < n && text[i] != ',')
            ++i;
        if (i - start > MaxNamespaceLength)
            return Result::failure(
                QStringLiteral("namespace longer than %1 bytes").arg(MaxNamespaceLength));
        p.nsp = QString::fromUtf8(text.sliced(start, i - start));
        if (i < n)
            ++i; // the comma
    }

    if (i < n && isDigit(text[i])) {
        const qsizetype start = i;
        while (i < n && isDigit(text[i]))
            ++i;
        bool ok = false;
        // 15 digits keep the id exact in a JSON double on the peer's side.
        if (i - start <= 15)
            p.ackId = text.sliced(start, i - start).toByteArray().toLongLong(&ok);
        if (!ok)
            return Result::failure(QStringLiteral("ack id out of range"));
    }

    const QByteArrayView body = text.sliced(i);

    switch (p.type) {
    case Type::Connect:
    case Type::ConnectError: {
        if (body.isEmpty()) {
            if (p.type == Type::ConnectError)
                return Result::failure(QStringLiteral("CONNECT_ERROR without a payload"));
            break;
        }
        p.payload = body.toByteArray();
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(p.payload, &err);
        // CONNECT_ERROR may carry a bare string in older servers; QJsonDocument rejects scalars.
        const bool stringError = p.type == Type::ConnectError && body.startsWith('"') &&
                                 JsonArrayScanner::decodeString(p.payload).ok();
        if (!stringError && (err.error != QJsonParseError::NoError || !doc.isObject())) {
            return Result::failure(QStringLiteral("%1 payload is not a JSON object")
                                       .arg(QLatin1String(typeName(p.type))));
        }
        if (p.ackId >= 0)
            return Result::failure(
                QStringLiteral("%1 cannot carry an ack id").arg(QLatin1String(typeName(p.type))));
        break;
    }
    case Type::Disconnect:
        if (!body.isEmpty())
            return Result::failure(QStringLiteral("DISCONNECT with a payload"));
        break;
    case Type::Event:
    case Type::BinaryEvent:
    case Type::Ack:
    case Type::BinaryAck: {
        auto parts = JsonArrayScanner::split(body);
        if (!parts.ok())
            return Result::failure(QLatin1String(typeName(p.type)) + QStringLiteral(": ") +
                                   parts.error);
        const bool isEvent = p.type == Type::Event || p.type == Type::BinaryEvent;
        if (isEvent) {
            if (parts.value.isEmpty())
                return Result::failure(QStringLiteral("event without a name"));
            if (!JsonArrayScanner::decodeString(parts.value.first()).ok())
                return Result::failure(QStringLiteral("event name is not a string"));
        } else if (p.ackId < 0) {
            return Result::failure(QStringLiteral("ACK without an ack id"));
        }
        p.elements = std::move(parts.value);
        break;
    }
    }
    return Result::success(std::move(p));
}

} // namespace ea
