// The real clocks: CLOCK_MONOTONIC for deadlines and the UTC wall clock for stamps.
#pragma once

#include "util/Clock.h"

namespace ea {

class SystemClock final : public Clock
{
    Q_OBJECT
public:
    using Clock::Clock;

    qint64 monotonicMs() const override;
    QDateTime currentUtc() const override;
};

} // namespace ea
