#include "model/CaptureFilter.h"

#include <QLoggingCategory>

namespace ea {

Q_LOGGING_CATEGORY(lcCaptureFilter, "ea.aggregation.capturefilter")

namespace {

struct Switch
{
    const char* key;
    bool CaptureFilter::*member;
};

constexpr Switch kSwitches[] = {
    {"user_prompts", &CaptureFilter::userPrompts},
    {"agent_delegations", &CaptureFilter::agentDelegations},
    {"tool_operations", &CaptureFilter::toolOperations},
    {"file_operations", &CaptureFilter::fileOperations},
    {"todo_updates", &CaptureFilter::todoUpdates},
    {"responses", &CaptureFilter::responses},
    {"memory_events", &CaptureFilter::memoryEvents},
};

} // namespace

bool CaptureFilter::accepts(EventCategory category) const
{
    switch (category) {
    case EventCategory::Prompt:
        return userPrompts;
    case EventCategory::Delegation:
        return agentDelegations;
    case EventCategory::Tool:
        return toolOperations;
    case EventCategory::File:
        return fileOperations;
    case EventCategory::Todo:
        return todoUpdates;
    case EventCategory::Response:
        return responses;
    case EventCategory::Memory:
        return memoryEvents;
    case EventCategory::Meta:
        return true;
    }
    return true;
}

QJsonObject CaptureFilter::toJson() const
{
    QJsonObject object;
    for (const Switch& s : kSwitches)
        object.insert(QLatin1String(s.key), this->*s.member);
    return object;
}

CaptureFilter CaptureFilter::fromJson(const QJsonObject& object)
{
    CaptureFilter filter;
    for (const Switch& s : kSwitches) {
        const QJsonValue value = object.value(QLatin1String(s.key));
        if (value.isBool())
            filter.*s.member = value.toBool();
        else if (!value.isUndefined())
            qCWarning(lcCaptureFilter) << "capture switch" << s.key << "is not a boolean; kept on";
    }
    return filter;
}

} // namespace ea
