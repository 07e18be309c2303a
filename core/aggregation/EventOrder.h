// Where an event sorts in a session's time order: timestamp, hook firing order, identity.
#pragma once

#include <QtGlobal>

namespace ea {

// Ties within a millisecond are broken in the order Claude Code fires its hooks, then by
// identity, so that the order never depends on arrival.
struct EventOrder
{
    qint64 ms = 0;
    int rank = 0;
    quint64 identity = 0;
    bool operator<(const EventOrder& o) const
    {
        return ms != o.ms ? ms < o.ms : rank != o.rank ? rank < o.rank : identity < o.identity;
    }
};

} // namespace ea
