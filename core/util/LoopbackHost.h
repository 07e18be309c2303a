// Tells whether a host name or address stays on this machine (the dashboard's default).
#pragma once

#include <QString>

namespace ea {

class LoopbackHost
{
public:
    // "localhost", 127.0.0.0/8, ::1, also in brackets ("[::1]"); names are not resolved.
    static bool matches(const QString& host);
};

} // namespace ea
