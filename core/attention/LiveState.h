// What one live session is doing right now, for people: working, needs you, idle, ended.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

namespace ea {

struct LiveState
{
    enum class Kind
    {
        Working,         // a turn is in progress
        NeedsPermission, // Claude asked for permission; cleared by the session's next activity
        Waiting,         // the turn ended: the agent waits for the next prompt
        Blocked,         // a tool call without result and no other activity: a guess
        Idle,            // no activity for a while after a turn ended
        Ended            // session end, timed out or stopped
    };
    static constexpr int KindCount = 6;

    Kind kind = Kind::Waiting;
    QString reason;  // in words: "needs your permission to use Bash", "finished its turn", ...
    QDateTime since; // UTC: when this state (with this reason) began
    QString tool;    // what it waits for, when it waits for a tool (permission, blocked)

    // The states that deserve the user's attention now (the tray's mark).
    bool needsAttention() const { return kind == Kind::NeedsPermission || kind == Kind::Blocked; }

    // Stable names for files, JSON and scripts: working, needs_permission, waiting, blocked,
    // idle, ended.
    static QString name(Kind kind);
    static std::optional<Kind> fromName(QStringView name);
    // For people: "working", "needs permission", "waiting for you", "probably blocked", ...
    static QString label(Kind kind);

    // {"state", "reason", "since", "tool"} (since as ISO 8601 UTC with milliseconds; tool only
    // when there is one).
    QJsonObject toJson() const;
    static std::optional<LiveState> fromJson(const QJsonObject& object);

    bool operator==(const LiveState&) const = default;
};

} // namespace ea

Q_DECLARE_METATYPE(ea::LiveState)
