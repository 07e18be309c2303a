// Socket.IO v5: the text packet decoder, the JSON array scanner and string decoder it relies on,
// and binary attachments (placeholders resolved against the binary frames that followed).
#include "FuzzSupport.h"
#include "protocol/BinaryPlaceholders.h"
#include "protocol/JsonArrayScanner.h"
#include "protocol/SocketEvent.h"
#include "protocol/SocketPacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    const QByteArray input = fuzz::bytes(data, size);
    // Text part first; whatever follows a NUL byte plays the binary attachments, split on
    // further NULs (binary frames may hold any bytes, NULs included: this is just a layout).
    const qsizetype nul = input.indexOf('\0');
    const QByteArray text = nul < 0 ? input : input.left(nul);
    QList<QByteArray> attachments;
    if (nul >= 0)
        attachments = input.mid(nul + 1).split('\0');
    if (attachments.size() > SocketPacket::MaxAttachments)
        attachments.resize(SocketPacket::MaxAttachments);

    const auto decoded = SocketPacket::decode(text);
    if (decoded.ok()) {
        const SocketPacket& p = decoded.value;
        if (p.attachments < 0 || p.attachments > SocketPacket::MaxAttachments)
            std::abort();
        // SocketIoClient::deliver takes the event name from the first element unchecked.
        if ((p.type == SocketPacket::Type::Event || p.type == SocketPacket::Type::BinaryEvent) &&
            p.elements.isEmpty())
            std::abort();
        const auto again = SocketPacket::decode(p.encode());
        if (!again.ok() || again.value.type != p.type || again.value.nsp != p.nsp ||
            again.value.ackId != p.ackId || again.value.elements.size() != p.elements.size())
            std::abort();
        if (p.carriesArray() && !p.elements.isEmpty()) {
            SocketEvent ev;
            ev.nsp = p.nsp;
            ev.name = JsonArrayScanner::decodeString(p.elements.constFirst()).value;
            ev.args = p.elements.mid(1);
            ev.attachments = attachments.mid(0, p.attachments);
            const auto values = ev.values();
            if (!values.ok() && values.error.isEmpty())
                std::abort();
        }
    } else if (decoded.error.isEmpty()) {
        std::abort();
    }

    // The scanner and the string decoder on raw input too.
    const auto parts = JsonArrayScanner::split(text);
    if (parts.ok()) {
        for (const QByteArray& element : parts.value) {
            if (element.isEmpty())
                std::abort(); // documented: empty elements are errors
            JsonArrayScanner::decodeString(element);
        }
    }
    JsonArrayScanner::decodeString(text);

    // Placeholders anywhere in a JSON value.
    const QJsonDocument doc = QJsonDocument::fromJson(text);
    if (!doc.isNull()) {
        const QJsonValue value = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
        const auto rebuilt = BinaryPlaceholders::reconstruct(value, attachments);
        if (rebuilt.ok()) {
            QList<QByteArray> out;
            BinaryPlaceholders::deconstruct(rebuilt.value, &out);
        }
    }
    return 0;
}
