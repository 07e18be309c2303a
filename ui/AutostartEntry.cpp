#include "AutostartEntry.h"

#include "AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

AutostartEntry::AutostartEntry(QString path)
    : m_path(path.isEmpty() ? defaultPath() : std::move(path))
{}

QString AutostartEntry::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/autostart/event-aggregator.desktop");
}

QByteArray AutostartEntry::contents(const QString& executable)
{
    // Quoted per the Desktop Entry spec, so a path with spaces still runs.
    QString exec = executable;
    exec.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QStringLiteral("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Event Aggregator\n"
                          "Comment=Capture Claude MPM dashboard sessions\n"
                          "Exec=\"%1\"\n"
                          "Icon=event-aggregator\n"
                          "Terminal=false\n"
                          "X-GNOME-Autostart-enabled=true\n")
        .arg(exec)
        .toUtf8();
}

bool AutostartEntry::isEnabled() const
{
    return QFileInfo::exists(m_path);
}

bool AutostartEntry::setEnabled(bool on, const QString& executable, QString* error)
{
    if (!on) {
        if (!QFileInfo::exists(m_path))
            return true;
        QFile f(m_path);
        if (f.remove())
            return true;
        if (error)
            *error = QStringLiteral("cannot remove %1: %2").arg(m_path, f.errorString());
        return false;
    }
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QString why;
    if (!AtomicFile::write(m_path, contents(executable), &why,
                           QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                               QFileDevice::ReadGroup | QFileDevice::ReadOther)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, why);
        return false;
    }
    return true;
}
