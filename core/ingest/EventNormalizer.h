// Turns any dashboard payload shape (current, legacy, seed, raw hook) into ClaudeEvent values.
#pragma once

#include "ingest/NormalizeResult.h"
#include "model/ClaudeEvent.h"
#include "json/JsonParser.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringView>

#include <optional>

namespace ea {

class EventNormalizer
{
public:
    struct Limits
    {
        // The legacy server allows 100 MB messages; one hook event is a few KB, a history
        // batch of 100 events well under 1 MB. Anything far bigger is a mistake or an attack.
        qsizetype maxPayloadBytes = JsonParser::DefaultMaxBytes; // 8 MiB
        // Real payloads nest 4-6 levels. The cap keeps recursive JSON code far from the stack's
        // end.
        int maxDepth = 32;
    };

    // Pure: the same input always gives the same result; receivedAt stands in for a missing or
    // unreadable payload timestamp. Never throws or crashes, whatever the bytes.
    static NormalizeResult normalize(const QString& eventName, const QByteArray& payloadJson,
                                     const QDateTime& receivedAt);
    static NormalizeResult normalize(const QString& eventName, const QByteArray& payloadJson,
                                     const QDateTime& receivedAt, const Limits& limits);
    // The payload as the client parsed it with its frame (SocketEvent::parsedArgument()): read
    // from that parse while it is current, so the bytes are not parsed again; else parsed here.
    static NormalizeResult normalize(const QString& eventName, const QByteArray& payloadJson,
                                     const QDateTime& receivedAt, const ParsedJson& parsed);
    static NormalizeResult normalize(const QString& eventName, const QByteArray& payloadJson,
                                     const QDateTime& receivedAt, const ParsedJson& parsed,
                                     const Limits& limits);

    // One already parsed event object (a history entry, or an event of a reopened session file).
    static ClaudeEvent normalizeObject(const QString& eventName, const QJsonObject& payload,
                                       const QDateTime& receivedAt);

    // heartbeat, dashboard:*, status, welcome, ping, pong, reload, config_event.
    static bool isChatter(QStringView eventName);

    // "PreToolUse", "tool.start", "hook.pre_tool" ... -> "pre_tool"; unknown names become
    // snake_case, at most 64 characters of [a-z0-9_].
    static QString normalizeSubtype(QStringView subtype);

    // ISO 8601 with or without fraction and zone (no zone means UTC), the malformed
    // "+00:00Z", or a number of seconds or milliseconds since the epoch. Result in UTC.
    static std::optional<QDateTime> parseTimestamp(const QJsonValue& value);
    static std::optional<QDateTime> parseIsoTimestamp(QStringView text);

    // Hash of the canonical compact bytes, so a replayed event (history, journal) matches the
    // live one. receiptTime is mixed in only for events without a payload timestamp: two
    // identical such payloads may be two real events, told apart only by when they came.
    static quint64 identityOf(const QByteArray& compactRaw, const QDateTime& receiptTime = {});

    // Deepest object/array nesting of a JSON text; stops counting once `stopAbove` is exceeded.
    static int nestingDepth(const QByteArray& json, int stopAbove);
};

} // namespace ea
