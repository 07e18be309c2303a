#pragma once

#include "protocol/DecodeResult.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

namespace ea {

// One Engine.IO v4 packet as carried in a WebSocket text frame (binary frames carry raw bytes).
struct EnginePacket
{
    enum class Type
    {
        Open = 0,
        Close = 1,
        Ping = 2,
        Pong = 3,
        Message = 4,
        Upgrade = 5,
        Noop = 6
    };

    Type type = Type::Noop;
    QByteArray data;

    static QByteArray encode(Type type, QByteArrayView data = {});
    static DecodeResult<EnginePacket> decode(QByteArrayView frame);
    static const char* typeName(Type type);
};

// The handshake the server sends in its open packet.
struct EngineHandshake
{
    QString sid;
    QStringList upgrades;
    int pingIntervalMs = 25000;
    int pingTimeoutMs = 20000;
    qint64 maxPayload = 1000000;

    static DecodeResult<EngineHandshake> parse(QByteArrayView json);
};

} // namespace ea
