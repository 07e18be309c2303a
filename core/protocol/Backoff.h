#pragma once

#include <QRandomGenerator>

namespace ea {

// The knobs of Backoff, defaults as in socket.io-client.
struct BackoffSettings
{
    int minMs = 1000;
    int maxMs = 5000;
    double factor = 2.0;
    double jitter = 0.5; // the delay moves by up to ± jitter × delay
};

// Reconnection delays as socket.io-client computes them: exponential, capped, jittered.
class Backoff
{
public:
    using Settings = BackoffSettings;

    explicit Backoff(Settings s = Settings(),
                     quint32 seed = QRandomGenerator::global()->generate());

    int nextDelayMs();
    void reset() { m_attempts = 0; }
    int attempts() const { return m_attempts; }
    const Settings& settings() const { return m_settings; }

private:
    Settings m_settings;
    QRandomGenerator m_random;
    int m_attempts = 0;
};

} // namespace ea
