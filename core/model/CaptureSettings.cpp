#include "model/CaptureSettings.h"

#include <QtGlobal>

#include <limits>

namespace ea {

namespace {
template <typename T> void overrideFrom(const char* name, T* value)
{
    const QByteArray text = qgetenv(name);
    if (text.isEmpty())
        return;
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (ok && v > 0 && v <= std::numeric_limits<T>::max())
        *value = T(v);
}
} // namespace

CaptureSettings CaptureSettings::withEnvironment(CaptureSettings s)
{
    CaptureLimits& l = s.limits;
    overrideFrom("EA_MAX_LIVE_SESSIONS", &l.maxLiveSessions);
    overrideFrom("EA_MAX_LIVE_BYTES", &l.maxLiveBytes);
    overrideFrom("EA_MAX_SESSION_EVENTS", &l.maxSessionEvents);
    overrideFrom("EA_MAX_SESSION_BYTES", &l.maxSessionBytes);
    overrideFrom("EA_MAX_PENDING_TOOL_CALLS", &l.maxPendingToolCalls);
    overrideFrom("EA_MAX_PARKED_SESSIONS", &l.maxParkedSessions);
    overrideFrom("EA_MAX_UNSAVED_BYTES", &l.maxUnsavedBytes);
    overrideFrom("EA_LIMIT_LOG_INTERVAL_MS", &l.logIntervalMs);
    return s;
}

} // namespace ea
