// One dashboard event: the fields aggregation needs, plus the payload kept as compact bytes.
#pragma once

#include "model/EventCategory.h"
#include "model/HookDetails.h"

#include <QByteArray>
#include <QDateTime>
#include <QExplicitlySharedDataPointer>
#include <QJsonObject>
#include <QString>

namespace ea {

struct ClaudeEvent
{
    // Canonical compact JSON of the event object (sorted keys, no spaces, no slack capacity).
    // A parsed QJsonObject tree costs several times as much, and sessions hold thousands.
    QByteArray raw;

    // Known names, subtypes and tool names share static string data, so they cost no heap.
    QString eventName; // Socket.IO event name; "claude_event" for events unpacked from history
    QString sessionId; // empty: the event did not name a session (e.g. command_acknowledged)
    QString subtype;   // normalized: pre_tool, post_tool, user_prompt, stop, ...
    QString toolName;
    QString correlationId;
    QString agentType;
    QString filePath;
    QString workingDirectory; // lets events without a session id find their session
    QString gitBranch;

    QDateTime timestamp;  // UTC, millisecond precision
    quint64 identity = 0; // de-duplication key, see EventNormalizer::identityOf()
    EventCategory category;
    bool timestampFromReceipt = false; // the payload had no usable timestamp
    // Outcome, hand-off and prompt fields of tool calls, delegations and prompts; null for
    // the other kinds, which need none (shared: copies of the event do not copy it).
    QExplicitlySharedDataPointer<const HookDetails> hookDetails;

    bool hasSession() const { return !sessionId.isEmpty(); }
    bool isPreTool() const { return subtype == QStringLiteral("pre_tool"); }
    bool isPostTool() const { return subtype == QStringLiteral("post_tool"); }
    bool isDelegationTool() const;
    // *hookDetails, or defaults when there are none.
    const HookDetails& details() const;

    // Derived from `raw` on demand: they are needed rarely and would otherwise be held forever.
    QJsonObject payload() const;
    // The hook's own fields: the wrapper's "data" object, or the whole payload for raw hooks.
    QJsonObject data() const;
    QString promptText() const;
    QString responseText() const;

    QString identityHex() const;
};

} // namespace ea
