#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

// Talks to a running instance over the per-user control socket (status, stop, activate).
class ControlClient
{
public:
    // The instance's reply, or nothing when no instance answers (error says why).
    static std::optional<QJsonObject> request(const QString& cmd, QString* error = nullptr,
                                              int timeoutMs = 3000);
};
