#include "presentation/AutostartEntry.h"

#include "util/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace ea {

namespace {
// The escapes of the specification's "string" type, applied to every value.
QString escapeString(QString value)
{
    return value.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('\n'), QStringLiteral("\\n"))
        .replace(QLatin1Char('\t'), QStringLiteral("\\t"))
        .replace(QLatin1Char('\r'), QStringLiteral("\\r"));
}

// One Exec= argument: quoted when it holds a reserved character, with ", `, $ and \ escaped
// inside the quotes; % doubled, since Exec= gives it a meaning of its own (field codes).
QString quoteArgument(const QString& argument)
{
    static const QString reserved = QStringLiteral(" \t\n\"'\\><~|&;$*?#()`");
    bool quote = argument.isEmpty();
    for (const QChar c : argument)
        quote = quote || reserved.contains(c);
    QString out;
    if (quote) {
        out = QStringLiteral("\"");
        for (const QChar c : argument) {
            if (c == QLatin1Char('"') || c == QLatin1Char('`') || c == QLatin1Char('$') ||
                c == QLatin1Char('\\'))
                out += QLatin1Char('\\');
            out += c;
        }
        out += QLatin1Char('"');
    } else {
        out = argument;
    }
    return out.replace(QLatin1Char('%'), QStringLiteral("%%"));
}
} // namespace

AutostartEntry::AutostartEntry(QString path)
    : m_path(path.isEmpty() ? defaultPath() : std::move(path))
{}

QString AutostartEntry::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/autostart/event-aggregator.desktop");
}

QString AutostartEntry::execValue(const QStringList& arguments)
{
    QStringList quoted;
    for (const QString& a : arguments)
        quoted.append(quoteArgument(a));
    return escapeString(quoted.join(QLatin1Char(' ')));
}

QByteArray AutostartEntry::contents(const Launch& launch)
{
    QStringList args{launch.executable};
    if (!launch.configFile.isEmpty())
        args << QStringLiteral("--config") << launch.configFile;
    QString entry = QStringLiteral("[Desktop Entry]\n"
                                   "Type=Application\n"
                                   "Name=Event Aggregator\n"
                                   "Comment=Capture Claude MPM dashboard sessions\n"
                                   "Exec=%1\n")
                        .arg(execValue(args));
    if (!launch.workingDirectory.isEmpty())
        entry += QStringLiteral("Path=%1\n").arg(escapeString(launch.workingDirectory));
    entry += QStringLiteral("Icon=event-aggregator\n"
                            "Terminal=false\n"
                            "X-GNOME-Autostart-enabled=true\n");
    return entry.toUtf8();
}

bool AutostartEntry::isEnabled() const
{
    return QFileInfo::exists(m_path);
}

bool AutostartEntry::isUpToDate(const Launch& launch) const
{
    QFile f(m_path);
    return f.open(QIODevice::ReadOnly) && f.readAll() == contents(launch);
}

bool AutostartEntry::setEnabled(bool on, const Launch& launch, QString* error)
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
    if (!AtomicFile::write(m_path, contents(launch), &why,
                           QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                               QFileDevice::ReadGroup | QFileDevice::ReadOther)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, why);
        return false;
    }
    return true;
}

} // namespace ea
