# Sources of core/protocol: Engine.IO v4 and Socket.IO v5 over QWebSocket.
target_sources(eacore PRIVATE
    protocol/DecodeResult.h
    protocol/EnginePacket.h protocol/EnginePacket.cpp
    protocol/SocketPacket.h protocol/SocketPacket.cpp
    protocol/JsonParser.h protocol/JsonParser.cpp
    protocol/JsonArraySpans.h protocol/JsonArraySpans.cpp
    protocol/CanonicalJson.h protocol/CanonicalJson.cpp
    protocol/Sha256.h protocol/Sha256.cpp
    protocol/UnreadableNumbers.h protocol/UnreadableNumbers.cpp
    protocol/JsonView.h protocol/JsonView.cpp
    protocol/BinaryPlaceholders.h protocol/BinaryPlaceholders.cpp
    protocol/SocketEvent.h protocol/SocketEvent.cpp
    protocol/Backoff.h protocol/Backoff.cpp
    protocol/EngineIoSocket.h protocol/EngineIoSocket.cpp
    protocol/SocketIoClient.h protocol/SocketIoClient.cpp
)
target_include_directories(eacore PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/protocol)
