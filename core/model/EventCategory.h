// The bucket an event falls in, so capture switches, metrics and the UI share one vocabulary.
#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace ea {

class EventCategory
{
public:
    enum Value : quint8
    {
        Prompt,
        Delegation,
        Tool,
        File,
        Todo,
        Response,
        Memory,
        Meta
    };
    static constexpr int Count = 8;

    constexpr EventCategory(Value value = Meta) noexcept : m_value(value) {}
    constexpr operator Value() const noexcept { return m_value; }

    // Lower-case names as written to session files ("prompt", "delegation", ...).
    QString name() const;
    static std::optional<EventCategory> fromName(QStringView name);
    static constexpr std::array<Value, Count> all()
    {
        return {Prompt, Delegation, Tool, File, Todo, Response, Memory, Meta};
    }

    // Applies the rules table (EventCategory.cpp) to a normalized subtype; the first rule
    // that matches wins.
    static EventCategory classify(QStringView subtype, QStringView toolName, bool hasFilePath);

    static bool isToolSubtype(QStringView subtype);
    static bool isDelegationTool(QStringView toolName);
    static bool isFileReadTool(QStringView toolName);
    static bool isFileModifyTool(QStringView toolName);

private:
    Value m_value;
};

} // namespace ea
