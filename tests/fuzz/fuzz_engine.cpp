// Engine.IO v4: text frames (EnginePacket::decode) and the open handshake (EngineHandshake::parse).
#include "FuzzSupport.h"
#include "protocol/EnginePacket.h"

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    const QByteArray frame = fuzz::bytes(data, size);
    const auto packet = EnginePacket::decode(frame);
    if (packet.ok()) {
        // What decode accepts, encode gives back and decode accepts again, unchanged.
        const QByteArray again = EnginePacket::encode(packet.value.type, packet.value.data);
        const auto second = EnginePacket::decode(again);
        if (!second.ok() || second.value.type != packet.value.type ||
            second.value.data != packet.value.data)
            std::abort();
        if (packet.value.type == EnginePacket::Type::Open) {
            const auto hs = EngineHandshake::parse(packet.value.data);
            if (hs.ok() && (hs.value.pingIntervalMs < 0 || hs.value.pingTimeoutMs < 0))
                std::abort(); // the dead-server timer must never be armed with a negative time
        }
    } else if (packet.error.isEmpty()) {
        std::abort();
    }
    // The handshake parser on its own: the JSON of an open packet from a hostile server.
    const auto hs = EngineHandshake::parse(frame);
    if (!hs.ok() && hs.error.isEmpty())
        std::abort();
    return 0;
}
