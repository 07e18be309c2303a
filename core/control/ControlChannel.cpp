#include "ControlChannel.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>

#include <unistd.h>

QString ControlChannel::runtimeDirectory()
{
    // Tests and several users on one machine need separate channels; EA_RUNTIME_DIR overrides.
    QString dir = qEnvironmentVariable("EA_RUNTIME_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty())
        dir = QDir::tempPath() + QStringLiteral("/event-aggregator-%1").arg(::getuid());
    QDir().mkpath(dir);
    QFile::setPermissions(dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return dir;
}

QString ControlChannel::socketPath()
{
    return runtimeDirectory() + QStringLiteral("/event-aggregator.sock");
}

QString ControlChannel::lockPath()
{
    return runtimeDirectory() + QStringLiteral("/event-aggregator.lock");
}
