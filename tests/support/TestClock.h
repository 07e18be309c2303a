// A clock tests move by hand, so timeouts and backoffs run without waiting for the real time.
#pragma once

#include "util/Clock.h"

namespace ea {

class TestClock final : public Clock
{
    Q_OBJECT
public:
    explicit TestClock(qint64 monotonicMs = 1000000,
                       QDateTime utc = QDateTime(QDate(2026, 1, 1), QTime(10, 0), Qt::UTC),
                       QObject* parent = nullptr);

    qint64 monotonicMs() const override { return m_ms; }
    QDateTime currentUtc() const override { return m_utc; }

    // Moves both clocks forward and lets whatever armed a timer on this clock look at it.
    void advance(qint64 ms);

private:
    qint64 m_ms;
    QDateTime m_utc;
};

} // namespace ea
