#pragma once

#include "protocol/DecodeResult.h"
#include "json/JsonParser.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace ea {

// One Socket.IO v5 packet (the text part; binary attachments travel in the frames after it).
struct SocketPacket
{
    enum class Type
    {
        Connect = 0,
        Disconnect = 1,
        Event = 2,
        Ack = 3,
        ConnectError = 4,
        BinaryEvent = 5,
        BinaryAck = 6
    };

    Type type = Type::Event;
    QString nsp = QStringLiteral("/");
    qint64 ackId = -1;          // -1: no ack requested or carried
    int attachments = 0;        // binary types only
    QByteArray payload;         // CONNECT, CONNECT_ERROR: raw JSON text, possibly empty
    QList<QByteArray> elements; // EVENT, ACK and binary kinds: raw JSON of each array element
    QString name;               // EVENT kinds: the event's name (elements[0] decoded)
    // The array as the decoding parser read it, while that parser has not parsed again; empty
    // for an array too big to parse (its elements are then name + the rest, unchecked).
    ParsedJson parsed;

    bool carriesArray() const { return type == Type::Event || type == Type::Ack || isBinary(); }

    QByteArray encode() const;
    // Parses the packet's JSON once, with `parser` (a per-thread one when null); its result
    // stays readable through `parsed` until that parser parses again.
    static DecodeResult<SocketPacket> decode(QByteArrayView text, JsonParser* parser = nullptr);

    bool isBinary() const { return type == Type::BinaryEvent || type == Type::BinaryAck; }
    static const char* typeName(Type type);

    // Hard limits so hostile headers cannot make us allocate or loop without bound.
    static constexpr int MaxAttachments = 1000;
    static constexpr int MaxNamespaceLength = 1024;
};

} // namespace ea
