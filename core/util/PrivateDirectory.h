// Creates a directory readable by its owner only (0700), reporting which component failed and why.
#pragma once

#include <QString>

namespace ea {

class PrivateDirectory
{
public:
    // Creates `path` (and ordinary 0755 parents) if missing; the last component gets 0700.
    // An existing directory is accepted as it is, also through a symlink the user set up.
    static bool ensure(const QString& path, QString* error);

    // fsync() on the directory so a file just created or renamed in it survives power loss.
    static bool sync(const QString& path);
};

} // namespace ea
