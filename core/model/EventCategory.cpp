#include "model/EventCategory.h"

#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcCategory, "ea.aggregation.category")

namespace {

enum class Match : quint8
{
    Subtype,          // the normalized subtype equals `value`
    SubtypePrefix,    // the normalized subtype starts with `value`
    Tool,             // a pre_tool/post_tool event of the tool named `value`
    ToolWithFilePath, // any pre_tool/post_tool event that names a file
    AnyTool,          // any other pre_tool/post_tool event
    Otherwise,        // the catch-all; must stay last
};

struct Rule
{
    Match match;
    QStringView value; // its length known when compiled: no strlen per comparison
    EventCategory::Value category;
};

// THE categorization rules, in priority order (the README copies this table).
// Delegation comes before file and tool so a Task call is never counted as a plain tool;
// memory subtypes come from the legacy server's {"type":"memory"} events.
constexpr Rule kRules[] = {
    {Match::Subtype, u"user_prompt", EventCategory::Prompt},
    {Match::Tool, u"Task", EventCategory::Delegation},
    {Match::Tool, u"Agent", EventCategory::Delegation},
    {Match::Subtype, u"subagent_start", EventCategory::Delegation},
    {Match::Subtype, u"subagent_stop", EventCategory::Delegation},
    {Match::Subtype, u"agent_delegated", EventCategory::Delegation},
    {Match::Subtype, u"agent_returned", EventCategory::Delegation},
    {Match::Subtype, u"agent_start", EventCategory::Delegation},
    {Match::Subtype, u"agent_end", EventCategory::Delegation},
    {Match::Tool, u"TodoWrite", EventCategory::Todo},
    {Match::Subtype, u"todo_updated", EventCategory::Todo},
    {Match::Tool, u"Read", EventCategory::File},
    {Match::Tool, u"Write", EventCategory::File},
    {Match::Tool, u"Edit", EventCategory::File},
    {Match::Tool, u"MultiEdit", EventCategory::File},
    {Match::Tool, u"NotebookEdit", EventCategory::File},
    {Match::ToolWithFilePath, u"", EventCategory::File},
    {Match::SubtypePrefix, u"file_", EventCategory::File},
    {Match::AnyTool, u"", EventCategory::Tool},
    {Match::Subtype, u"permission_request", EventCategory::Tool},
    {Match::Subtype, u"assistant_response", EventCategory::Response},
    {Match::Subtype, u"stop", EventCategory::Response},
    {Match::Subtype, u"stop_failure", EventCategory::Response},
    {Match::Subtype, u"response_started", EventCategory::Response},
    {Match::Subtype, u"response_ended", EventCategory::Response},
    {Match::SubtypePrefix, u"memory", EventCategory::Memory},
    {Match::Otherwise, u"", EventCategory::Meta},
};

constexpr QStringView kNames[EventCategory::Count] = {
    u"prompt", u"delegation", u"tool", u"file", u"todo", u"response", u"memory", u"meta",
};

} // namespace

QString EventCategory::name() const
{
    const int i = static_cast<int>(m_value);
    if (i < 0 || i >= Count)
        return QStringLiteral("meta");
    return QString::fromRawData(reinterpret_cast<const QChar*>(kNames[i].utf16()),
                                kNames[i].size());
}

std::optional<EventCategory> EventCategory::fromName(QStringView name)
{
    for (int i = 0; i < Count; ++i) {
        if (name == kNames[i])
            return EventCategory(static_cast<Value>(i));
    }
    // Files written by the Python aggregator use "status" and "system" for what we call meta.
    if (name == QStringLiteral("status") || name == QStringLiteral("system"))
        return EventCategory(Meta);
    qCDebug(lcCategory) << "unknown category name" << name;
    return std::nullopt;
}

bool EventCategory::isToolSubtype(QStringView subtype)
{
    return subtype == QStringLiteral("pre_tool") || subtype == QStringLiteral("post_tool");
}

bool EventCategory::isDelegationTool(QStringView toolName)
{
    return toolName == QStringLiteral("Task") || toolName == QStringLiteral("Agent");
}

bool EventCategory::isFileReadTool(QStringView toolName)
{
    return toolName == QStringLiteral("Read");
}

bool EventCategory::isFileModifyTool(QStringView toolName)
{
    return toolName == QStringLiteral("Write") || toolName == QStringLiteral("Edit") ||
           toolName == QStringLiteral("MultiEdit") || toolName == QStringLiteral("NotebookEdit");
}

EventCategory EventCategory::classify(QStringView subtype, QStringView toolName, bool hasFilePath)
{
    const bool toolEvent = isToolSubtype(subtype);
    for (const Rule& rule : kRules) {
        const QStringView value = rule.value;
        bool hit = false;
        switch (rule.match) {
        case Match::Subtype:
            hit = subtype == value;
            break;
        case Match::SubtypePrefix:
            hit = subtype.startsWith(value);
            break;
        case Match::Tool:
            hit = toolEvent && toolName == value;
            break;
        case Match::ToolWithFilePath:
            hit = toolEvent && hasFilePath;
            break;
        case Match::AnyTool:
            hit = toolEvent;
            break;
        case Match::Otherwise:
            hit = true;
            break;
        }
        if (hit)
            return EventCategory(rule.category);
    }
    return EventCategory(Meta);
}

} // namespace ea
