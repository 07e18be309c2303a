// The user's capture switches: which kinds of event a session keeps (the rest are only counted).
#pragma once

#include "model/EventCategory.h"

#include <QJsonObject>

namespace ea {

struct CaptureFilter
{
    bool userPrompts = true;
    bool agentDelegations = true;
    bool toolOperations = true;
    bool fileOperations = true;
    bool todoUpdates = true;
    bool responses = true;
    bool memoryEvents = true;

    // Meta events (session start/end, notifications, unknown) are always kept: without them a
    // session could not even say when it began or ended.
    bool accepts(EventCategory category) const;

    // Keys follow the config file: user_prompts, agent_delegations, tool_operations, ...
    QJsonObject toJson() const;
    // Missing or non-boolean keys keep their default (true).
    static CaptureFilter fromJson(const QJsonObject& object);

    bool operator==(const CaptureFilter&) const = default;
};

} // namespace ea
