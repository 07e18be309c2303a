// Words for the raw ids sessions and events carry ("timed_out", "pre_tool"), for display.
#pragma once

#include "attention/LiveState.h"

#include <QCoreApplication>
#include <QString>

namespace ea {

// The raw id stays available in tooltips and the JSON; lists and headers show these words.
class ReadableLabel
{
    Q_DECLARE_TR_FUNCTIONS(ReadableLabel)
public:
    static QString status(const QString& raw);    // "timed_out" -> "Timed out"
    static QString eventType(const QString& raw); // "pre_tool" -> "Tool started"
    // needs_permission -> "Needs permission", blocked -> "Probably blocked", ...
    static QString liveState(LiveState::Kind kind);
    // Any id without a word of its own: "token_usage_updated" -> "Token usage updated".
    static QString humanize(const QString& raw);
};

} // namespace ea
