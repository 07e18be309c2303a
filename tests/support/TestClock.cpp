#include "TestClock.h"

namespace ea {

TestClock::TestClock(qint64 monotonicMs, QDateTime utc, QObject* parent)
    : Clock(parent), m_ms(monotonicMs), m_utc(std::move(utc))
{}

void TestClock::advance(qint64 ms)
{
    m_ms += ms;
    m_utc = m_utc.addMSecs(ms);
    Q_EMIT jumped();
}

} // namespace ea
