#include "util/SystemClock.h"

#include <QDeadlineTimer>

namespace ea {

qint64 SystemClock::monotonicMs() const
{
    // Milliseconds on the monotonic clock from its own origin: comparable across objects,
    // with no stored state.
    return QDeadlineTimer::current().deadline();
}

QDateTime SystemClock::currentUtc() const
{
    return QDateTime::currentDateTimeUtc();
}

} // namespace ea

#include "moc_SystemClock.cpp"
