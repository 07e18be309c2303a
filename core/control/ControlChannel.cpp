#include "control/ControlChannel.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace ea {

namespace {
QString systemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}
} // namespace

QString ControlChannel::runtimeDirectory(QString* error)
{
    QString why;
    QString* err = error ? error : &why;
    // Tests and several users on one machine need separate channels; EA_RUNTIME_DIR overrides.
    QString dir = qEnvironmentVariable("EA_RUNTIME_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    const bool chosen = !dir.isEmpty(); // named by the environment, not guessed
    if (!chosen)
        dir = QDir::tempPath() + QStringLiteral("/event-aggregator-%1").arg(::geteuid());
    const QByteArray native = QFile::encodeName(dir);
    if (chosen)
        QDir().mkpath(dir);
    else if (::mkdir(native.constData(), 0700) != 0 && errno != EEXIST) {
        *err = QStringLiteral("cannot create the runtime directory %1: %2").arg(dir, systemError());
        return {};
    }
    struct stat st
    {
    };
    // The guessed directory must be the directory itself, not a link someone planted.
    if ((chosen ? ::stat(native.constData(), &st) : ::lstat(native.constData(), &st)) != 0) {
        *err = QStringLiteral("cannot use the runtime directory %1: %2").arg(dir, systemError());
        return {};
    }
    if (!S_ISDIR(st.st_mode)) {
        *err = QStringLiteral("the runtime directory %1 is not a directory; refusing to use it")
                   .arg(dir);
        return {};
    }
    if (st.st_uid != ::geteuid()) {
        *err = QStringLiteral("the runtime directory %1 belongs to uid %2, not to this user (uid "
                              "%3); someone else may have created it, so it is not used (set "
                              "XDG_RUNTIME_DIR to a private directory)")
                   .arg(dir, QString::number(st.st_uid), QString::number(::geteuid()));
        return {};
    }
    if ((st.st_mode & 077) != 0 && chosen) {
        // Ours and named by the environment: make it private, as Qt does with XDG_RUNTIME_DIR.
        if (::chmod(native.constData(), 0700) == 0)
            st.st_mode &= ~mode_t(077);
    }
    if ((st.st_mode & 077) != 0) {
        *err = QStringLiteral("the runtime directory %1 is accessible to other users (mode %2); "
                              "refusing to use it (make it 0700 or set XDG_RUNTIME_DIR)")
                   .arg(dir, QString::number(st.st_mode & 07777, 8));
        return {};
    }
    return dir;
}

QString ControlChannel::socketPath(QString* error)
{
    const QString dir = runtimeDirectory(error);
    return dir.isEmpty() ? QString() : dir + QStringLiteral("/event-aggregator.sock");
}

QString ControlChannel::lockPath(QString* error)
{
    const QString dir = runtimeDirectory(error);
    return dir.isEmpty() ? QString() : dir + QStringLiteral("/event-aggregator.lock");
}

} // namespace ea
