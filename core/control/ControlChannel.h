#pragma once

#include <QString>

namespace ea {

// Where the per-user control socket and instance lock live.
class ControlChannel
{
public:
    // A directory only this user can enter: EA_RUNTIME_DIR, else $XDG_RUNTIME_DIR, else a 0700
    // folder under the temporary directory. It must be a directory owned by this user with no
    // access for anyone else (one given by EA_RUNTIME_DIR or XDG_RUNTIME_DIR and owned by the
    // user is made 0700): another user who created the predictable fallback first could
    // otherwise answer status, swallow stop and fake the lock. Empty, with *error saying why,
    // when no such directory can be had.
    static QString runtimeDirectory(QString* error = nullptr);
    // Inside runtimeDirectory(); empty (with *error) when that is refused.
    static QString socketPath(QString* error = nullptr);
    static QString lockPath(QString* error = nullptr);
};

} // namespace ea
