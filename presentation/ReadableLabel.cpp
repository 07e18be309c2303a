#include "presentation/ReadableLabel.h"

namespace ea {

QString ReadableLabel::humanize(const QString& raw)
{
    QString text = raw;
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    text = text.simplified();
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

QString ReadableLabel::status(const QString& raw)
{
    if (raw == QLatin1String("timed_out"))
        return tr("Timed out");
    if (raw == QLatin1String("active"))
        return tr("Active");
    if (raw == QLatin1String("completed"))
        return tr("Completed");
    if (raw == QLatin1String("stopped"))
        return tr("Stopped");
    if (raw == QLatin1String("interrupted"))
        return tr("Interrupted");
    return humanize(raw);
}

QString ReadableLabel::eventType(const QString& raw)
{
    static const struct
    {
        const char* raw;
        const char* label;
    } words[] = {
        {"pre_tool", QT_TRANSLATE_NOOP("ReadableLabel", "Tool started")},
        {"post_tool", QT_TRANSLATE_NOOP("ReadableLabel", "Tool finished")},
        {"user_prompt", QT_TRANSLATE_NOOP("ReadableLabel", "Prompt")},
        {"stop", QT_TRANSLATE_NOOP("ReadableLabel", "Turn ended")},
        {"subagent_start", QT_TRANSLATE_NOOP("ReadableLabel", "Subagent started")},
        {"subagent_stop", QT_TRANSLATE_NOOP("ReadableLabel", "Subagent stopped")},
        {"session_start", QT_TRANSLATE_NOOP("ReadableLabel", "Session started")},
        {"session_end", QT_TRANSLATE_NOOP("ReadableLabel", "Session ended")},
        {"assistant_response", QT_TRANSLATE_NOOP("ReadableLabel", "Response")},
        {"todo_updated", QT_TRANSLATE_NOOP("ReadableLabel", "Todo list updated")},
        {"token_usage_updated", QT_TRANSLATE_NOOP("ReadableLabel", "Token usage")},
        {"file_write", QT_TRANSLATE_NOOP("ReadableLabel", "File written")},
        {"file_edit", QT_TRANSLATE_NOOP("ReadableLabel", "File edited")},
    };
    for (const auto& w : words) {
        if (raw == QLatin1String(w.raw))
            return tr(w.label);
    }
    return humanize(raw);
}

QString ReadableLabel::liveState(LiveState::Kind kind)
{
    switch (kind) {
    case LiveState::Kind::Working:
        return tr("Working");
    case LiveState::Kind::NeedsPermission:
        return tr("Needs permission");
    case LiveState::Kind::Waiting:
        return tr("Waiting for you");
    case LiveState::Kind::Blocked:
        return tr("Probably blocked");
    case LiveState::Kind::Idle:
        return tr("Idle");
    case LiveState::Kind::Ended:
        return tr("Ended");
    }
    return {};
}

} // namespace ea
