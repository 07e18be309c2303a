#include "ingest/NormalizeResult.h"

#include <QLoggingCategory>

#include <utility>

namespace ea {

Q_LOGGING_CATEGORY(lcNormalizeResult, "ea.aggregation.normalizeresult")

NormalizeResult NormalizeResult::fromEvents(QList<ClaudeEvent> events, int skipped)
{
    NormalizeResult result;
    result.kind = Kind::Events;
    result.events = std::move(events);
    result.skipped = skipped;
    return result;
}

NormalizeResult NormalizeResult::chatter()
{
    NormalizeResult result;
    result.kind = Kind::Chatter;
    return result;
}

NormalizeResult NormalizeResult::failure(Error error, QString message)
{
    NormalizeResult result;
    result.kind = Kind::Error;
    result.error = error == Error::None ? Error::InvalidJson : error;
    // Callers log the message; an empty one would hide why the event was dropped.
    result.message = message.isEmpty() ? errorName(result.error) : std::move(message);
    qCDebug(lcNormalizeResult) << "rejected:" << result.message;
    return result;
}

QString NormalizeResult::errorName(Error error)
{
    switch (error) {
    case Error::None:
        return QStringLiteral("none");
    case Error::Empty:
        return QStringLiteral("empty");
    case Error::InvalidJson:
        return QStringLiteral("invalid_json");
    case Error::NotAnObject:
        return QStringLiteral("not_an_object");
    case Error::Oversized:
        return QStringLiteral("oversized");
    case Error::TooDeep:
        return QStringLiteral("too_deep");
    case Error::BadHistory:
        return QStringLiteral("bad_history");
    }
    return QStringLiteral("unknown");
}

} // namespace ea
