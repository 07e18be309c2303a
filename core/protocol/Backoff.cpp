#include "protocol/Backoff.h"

#include <algorithm>
#include <cmath>

namespace ea {

Backoff::Backoff(Settings s, quint32 seed) : m_settings(s), m_random(seed)
{
    m_settings.minMs = std::max(1, m_settings.minMs);
    m_settings.maxMs = std::max(m_settings.minMs, m_settings.maxMs);
    m_settings.factor = std::max(1.0, m_settings.factor);
    m_settings.jitter = std::clamp(m_settings.jitter, 0.0, 1.0);
}

int Backoff::nextDelayMs()
{
    // Grow in floating point and cap before jitter so the exponent can never overflow.
    const double exp = std::min(double(m_attempts), 64.0);
    double ms = std::min(double(m_settings.minMs) * std::pow(m_settings.factor, exp),
                         double(m_settings.maxMs));
    ++m_attempts;
    if (m_settings.jitter > 0) {
        const double deviation = m_random.generateDouble() * m_settings.jitter * ms;
        ms = (m_random.generate() & 1) ? ms + deviation : ms - deviation;
    }
    // The cap bounds the jittered delay too, as socket.io-client does.
    return int(std::clamp(ms, 0.0, double(m_settings.maxMs)));
}

} // namespace ea
