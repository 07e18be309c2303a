// What EventNormalizer made of one Socket.IO event: events to aggregate, chatter, or an error.
#pragma once

#include "model/ClaudeEvent.h"

#include <QList>
#include <QString>

namespace ea {

struct NormalizeResult
{
    enum class Kind
    {
        Events,
        Chatter,
        Error
    };
    enum class Error
    {
        None,
        Empty,
        InvalidJson,
        NotAnObject,
        Oversized,
        TooDeep,
        BadHistory
    };

    Kind kind = Kind::Events;
    QList<ClaudeEvent> events; // several for a legacy history batch, else one
    Error error = Error::None;
    QString message;       // human-readable reason for an error, never empty then
    int skipped = 0;       // history entries that were not event objects
    int numbersAsText = 0; // numbers out of a double's range, kept as strings of their text

    bool isEvents() const { return kind == Kind::Events; }
    bool isChatter() const { return kind == Kind::Chatter; }
    bool isError() const { return kind == Kind::Error; }

    static NormalizeResult fromEvents(QList<ClaudeEvent> events, int skipped = 0);
    static NormalizeResult chatter();
    static NormalizeResult failure(Error error, QString message);

    // Stable short names ("empty", "invalid_json", ...) for logs and counters.
    static QString errorName(Error error);
};

} // namespace ea
