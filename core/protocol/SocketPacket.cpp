#include "protocol/SocketPacket.h"

#include "json/JsonArraySpans.h"

#include <simdjson.h>

#include <QStringDecoder>

namespace ea {

namespace {
using Result = DecodeResult<SocketPacket>;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

QString toQString(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Brackets outside strings pair up: enough to cut an unparsed argument out of its frame.
bool isBalanced(QByteArrayView text)
{
    qsizetype depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if ((c == ']' || c == '}') && --depth < 0) {
            return false;
        }
    }
    return depth == 0 && !inString;
}

// An EVENT too big (or too deep) for the parser still reaches its consumer, whose limits refuse
// it with the event's name: the name is read (and parsed, it is small), the rest is one
// element whose brackets pair up, otherwise unchecked.
bool splitUnparsed(QByteArrayView body, JsonParser& json, SocketPacket* p)
{
    qsizetype i = 0;
    while (i < body.size() && isSpace(body[i]))
        ++i;
    if (i >= body.size() || body[i] != '[')
        return false;
    ++i;
    while (i < body.size() && isSpace(body[i]))
        ++i;
    const qsizetype start = i;
    if (i >= body.size() || body[i] != '"')
        return false;
    for (++i; i < body.size() && body[i] != '"'; ++i) {
        if (body[i] == '\\')
            ++i;
    }
    if (i >= body.size())
        return false;
    const QByteArrayView literal = body.sliced(start, i + 1 - start);
    std::string_view name;
    if (json.parse(literal) != JsonParser::Status::Ok || json.root().get_string().get(name))
        return false;
    p->name = toQString(name);
    p->elements = {literal.toByteArray()};
    qsizetype end = body.size();
    while (end > i && isSpace(body[end - 1]))
        --end;
    if (end <= i + 1 || body[end - 1] != ']')
        return false;
    ++i;
    while (i < end && isSpace(body[i]))
        ++i;
    if (i < end && body[i] == ',') {
        const QByteArrayView rest = body.sliced(i + 1, end - 1 - (i + 1)).trimmed();
        if (rest.isEmpty() || !isBalanced(rest))
            return false;
        p->elements.append(rest.toByteArray());
    }
    return true;
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

Result SocketPacket::decode(QByteArrayView text, JsonParser* parser)
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
        // Checked, not replaced: U+FFFD for each bad byte would make a different (and up to
        // three times longer) namespace than the peer sent.
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        p.nsp = utf8(text.sliced(start, i - start));
        if (utf8.hasError())
            return Result::failure(QStringLiteral("namespace is not valid UTF-8"));
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
        JsonParser& json = parser ? *parser : JsonParser::forThisThread();
        const bool parsed = json.parse(p.payload) == JsonParser::Status::Ok;
        // CONNECT_ERROR may carry a bare string in older servers.
        const bool stringError = parsed && p.type == Type::ConnectError && json.root().is_string();
        if (!stringError && (!parsed || !json.root().is_object())) {
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
        const bool isEvent = p.type == Type::Event || p.type == Type::BinaryEvent;
        if (!isEvent && p.ackId < 0)
            return Result::failure(QStringLiteral("ACK without an ack id"));
        JsonParser& json = parser ? *parser : JsonParser::forThisThread();
        const JsonParser::Status status = json.parse(body);
        if ((status == JsonParser::Status::TooBig || status == JsonParser::Status::TooDeep) &&
            isEvent) {
            if (!splitUnparsed(body, json, &p))
                return Result::failure(QStringLiteral("EVENT: %1").arg(json.errorMessage()));
            break;
        }
        if (status != JsonParser::Status::Ok)
            return Result::failure(QLatin1String(typeName(p.type)) + QStringLiteral(": ") +
                                   json.errorMessage());
        simdjson::dom::array array;
        if (json.root().get_array().get(array))
            return Result::failure(QLatin1String(typeName(p.type)) +
                                   QStringLiteral(": payload is not a JSON array"));
        QList<JsonArraySpans::Kind> kinds;
        kinds.reserve(qsizetype(array.size()));
        for (const simdjson::dom::element e : array) {
            kinds.append(e.is_string()                   ? JsonArraySpans::Kind::String
                         : e.is_object() || e.is_array() ? JsonArraySpans::Kind::Container
                                                         : JsonArraySpans::Kind::Scalar);
        }
        if (isEvent) {
            if (kinds.isEmpty())
                return Result::failure(QStringLiteral("event without a name"));
            std::string_view name;
            if ((*array.begin()).get_string().get(name))
                return Result::failure(QStringLiteral("event name is not a string"));
            p.name = toQString(name);
        }
        const QList<QByteArrayView> spans = JsonArraySpans::split(json.text(), kinds);
        p.elements.reserve(spans.size());
        for (const QByteArrayView span : spans)
            p.elements.append(span.toByteArray());
        p.parsed = ParsedJson(&json, -1);
        break;
    }
    }
    return Result::success(std::move(p));
}

} // namespace ea
