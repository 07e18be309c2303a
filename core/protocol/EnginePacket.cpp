#include "protocol/EnginePacket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace ea {

QByteArray EnginePacket::encode(Type type, QByteArrayView data)
{
    QByteArray out;
    out.reserve(1 + data.size());
    out.append(char('0' + int(type)));
    out.append(data);
    return out;
}

DecodeResult<EnginePacket> EnginePacket::decode(QByteArrayView frame)
{
    if (frame.isEmpty())
        return DecodeResult<EnginePacket>::failure(QStringLiteral("empty Engine.IO packet"));
    const char c = frame.front();
    if (c < '0' || c > '6') {
        return DecodeResult<EnginePacket>::failure(
            QStringLiteral("unknown Engine.IO packet type '%1'").arg(QChar::fromLatin1(c)));
    }
    EnginePacket p;
    p.type = Type(c - '0');
    p.data = frame.sliced(1).toByteArray();
    return DecodeResult<EnginePacket>::success(std::move(p));
}

const char* EnginePacket::typeName(Type type)
{
    switch (type) {
    case Type::Open:
        return "open";
    case Type::Close:
        return "close";
    case Type::Ping:
        return "ping";
    case Type::Pong:
        return "pong";
    case Type::Message:
        return "message";
    case Type::Upgrade:
        return "upgrade";
    case Type::Noop:
        return "noop";
    }
    return "invalid";
}

DecodeResult<EngineHandshake> EngineHandshake::parse(QByteArrayView json)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        return DecodeResult<EngineHandshake>::failure(
            QStringLiteral("open packet is not a JSON object: %1").arg(err.errorString()));
    }
    const QJsonObject o = doc.object();
    EngineHandshake h;
    h.sid = o.value(QLatin1String("sid")).toString();
    if (h.sid.isEmpty())
        return DecodeResult<EngineHandshake>::failure(QStringLiteral("open packet has no sid"));
    for (const QJsonValue& u : o.value(QLatin1String("upgrades")).toArray())
        h.upgrades.append(u.toString());
    // Out-of-range timings would make the dead-server timer fire at once or never.
    const auto positive = [&](const char* key, qint64 fallback, qint64 max) {
        const double v = o.value(QLatin1String(key)).toDouble(-1);
        return (v > 0 && v <= double(max)) ? qint64(v) : fallback;
    };
    h.pingIntervalMs = int(positive("pingInterval", 25000, 24 * 3600 * 1000));
    h.pingTimeoutMs = int(positive("pingTimeout", 20000, 24 * 3600 * 1000));
    h.maxPayload = positive("maxPayload", 1000000, qint64(1) << 40);
    return DecodeResult<EngineHandshake>::success(std::move(h));
}

} // namespace ea
