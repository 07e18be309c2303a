#include "model/ClaudeEvent.h"

#include <QJsonDocument>
#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcClaudeEvent, "ea.aggregation.event")

namespace {

QString firstString(const QJsonObject& a, const QJsonObject& b,
                    std::initializer_list<const char*> keys)
{
    for (const QJsonObject* o : {&a, &b}) {
        for (const char* key : keys) {
            const QJsonValue v = o->value(QLatin1String(key));
            if (v.isString() && !v.toString().isEmpty())
                return v.toString();
        }
    }
    return {};
}

} // namespace

bool ClaudeEvent::isDelegationTool() const
{
    return (isPreTool() || isPostTool()) && EventCategory::isDelegationTool(toolName);
}

const HookDetails& ClaudeEvent::details() const
{
    static const HookDetails kNone;
    return hookDetails ? *hookDetails : kNone;
}

QJsonObject ClaudeEvent::payload() const
{
    if (raw.isEmpty())
        return {};
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw, &error);
    if (error.error != QJsonParseError::NoError) {
        // raw is produced by QJsonDocument itself, so this means memory corruption or misuse.
        qCWarning(lcClaudeEvent) << "stored payload does not parse:" << error.errorString();
        return {};
    }
    return doc.object();
}

QJsonObject ClaudeEvent::data() const
{
    const QJsonObject whole = payload();
    const QJsonValue inner = whole.value(QLatin1String("data"));
    return inner.isObject() ? inner.toObject() : whole;
}

QString ClaudeEvent::promptText() const
{
    const QJsonObject whole = payload();
    return firstString(whole.value(QLatin1String("data")).toObject(), whole,
                       {"prompt_text", "prompt"});
}

QString ClaudeEvent::responseText() const
{
    const QJsonObject whole = payload();
    return firstString(whole.value(QLatin1String("data")).toObject(), whole,
                       {"response_text", "response", "last_assistant_message"});
}

QString ClaudeEvent::identityHex() const
{
    return QStringLiteral("%1").arg(identity, 16, 16, QLatin1Char('0'));
}

} // namespace ea
