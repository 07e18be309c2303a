#pragma once

#include <QJsonObject>
#include <QString>

#include <functional>
#include <optional>

namespace ea {

// Talks to a running instance over the per-user control socket (status, stop, activate).
class ControlClient
{
public:
    // The instance's reply, or nothing when no instance answers (error says why). *busy is set
    // when an instance accepted the connection but did not reply in time: it is there, just
    // busy, which is not the same as no instance at all.
    static std::optional<QJsonObject> request(const QString& cmd, QString* error = nullptr,
                                              int timeoutMs = 3000, bool* busy = nullptr);

    enum class WatchEnd
    {
        NoInstance,  // nothing answered (exit code 3)
        Refused,     // the instance did not accept the watch (an older version, busy)
        InstanceGone // the instance closed the stream (it quit)
    };
    // Streams the instance's state changes: onLine gets each JSON object after the
    // acknowledgement, until the instance goes away. Blocks; meant for the `watch` command.
    static WatchEnd watch(const std::function<void(const QJsonObject&)>& onLine,
                          QString* error = nullptr);
};

} // namespace ea
