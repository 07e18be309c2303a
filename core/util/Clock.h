// The time core logic reads (timeouts, deadlines, backoff, stamps), injected so tests control it.
#pragma once

#include <QDateTime>
#include <QObject>

namespace ea {

// Monotonic milliseconds measure inactivity and deadlines; the wall clock stamps what users see.
// Objects that arm QTimers from a Clock also listen to jumped(): a test clock moves without
// the event loop, so their deadlines may have come due at once.
class Clock : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~Clock() override;

    virtual qint64 monotonicMs() const = 0;
    virtual QDateTime currentUtc() const = 0;

Q_SIGNALS:
    // The clock moved by a jump (only a test clock does): check deadlines now.
    void jumped();
};

} // namespace ea
