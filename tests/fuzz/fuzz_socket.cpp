// Socket.IO v5: the text packet decoder, the one parse of its JSON array and the text of each
// element cut from it (JsonArraySpans), and binary attachments (placeholders resolved against
// the binary frames that followed).
#include "FuzzSupport.h"
#include "protocol/BinaryPlaceholders.h"
#include "protocol/SocketEvent.h"
#include "protocol/SocketPacket.h"
#include "json/CanonicalJson.h"
#include "json/JsonParser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdlib>

#include <simdjson.h>

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

    JsonParser parser;
    const auto decoded = SocketPacket::decode(text, &parser);
    if (decoded.ok()) {
        const SocketPacket& p = decoded.value;
        if (p.attachments < 0 || p.attachments > SocketPacket::MaxAttachments)
            std::abort();
        // SocketIoClient::deliver takes the event name from the first element unchecked.
        if ((p.type == SocketPacket::Type::Event || p.type == SocketPacket::Type::BinaryEvent) &&
            p.elements.isEmpty())
            std::abort();
        // Each element's text, cut from the frame, is exactly the value the parse found there.
        simdjson::dom::element root;
        if (p.carriesArray() && p.parsed.get(&root)) {
            QList<QByteArray> canonical;
            const simdjson::dom::array array = root.get_array().value_unsafe();
            for (const simdjson::dom::element e : array) {
                QByteArray c;
                CanonicalJson::write(e, &c);
                canonical.append(c);
            }
            if (canonical.size() != p.elements.size())
                std::abort();
            JsonParser again;
            for (qsizetype i = 0; i < canonical.size(); ++i) {
                QByteArray c;
                if (again.parse(p.elements[i]) != JsonParser::Status::Ok)
                    std::abort();
                CanonicalJson::write(again.root(), &c);
                if (c != canonical[i])
                    std::abort();
            }
        }
        const auto again = SocketPacket::decode(p.encode(), &parser);
        if (!again.ok() || again.value.type != p.type || again.value.nsp != p.nsp ||
            again.value.ackId != p.ackId || again.value.elements.size() != p.elements.size() ||
            again.value.name != p.name)
            std::abort();
        if (p.carriesArray() && !p.elements.isEmpty()) {
            SocketEvent ev;
            ev.nsp = p.nsp;
            ev.name = p.name;
            ev.args = p.elements.mid(1);
            ev.attachments = attachments.mid(0, p.attachments);
            const auto values = ev.values();
            if (!values.ok() && values.error.isEmpty())
                std::abort();
        }
    } else if (decoded.error.isEmpty()) {
        std::abort();
    }

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
