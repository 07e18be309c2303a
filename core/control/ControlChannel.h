#pragma once

#include <QString>

// Where the per-user control socket and instance lock live.
class ControlChannel
{
public:
    // A directory only this user can enter: $XDG_RUNTIME_DIR, else a 0700 folder under /tmp.
    static QString runtimeDirectory();
    static QString socketPath();
    static QString lockPath();
};
