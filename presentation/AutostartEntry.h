// The XDG autostart entry that starts the tray app at login.
#pragma once

#include <QString>
#include <QStringList>

namespace ea {

class AutostartEntry
{
public:
    // How the app is started at login: the same program, configuration and directory as the
    // settings just saved, so another directory's configuration (or none) is not picked up.
    struct Launch
    {
        QString executable;
        QString configFile;       // empty: found as usual from workingDirectory
        QString workingDirectory; // empty: the session's (usually the home directory)
    };

    // path: the .desktop file to manage; empty: ~/.config/autostart/event-aggregator.desktop
    // ($XDG_CONFIG_HOME respected).
    explicit AutostartEntry(QString path = {});

    QString path() const { return m_path; }
    bool isEnabled() const;
    // Whether the entry exists and starts exactly `launch`.
    bool isUpToDate(const Launch& launch) const;
    // Writes the entry (starting `launch`) or removes it.
    bool setEnabled(bool on, const Launch& launch, QString* error);

    static QString defaultPath();
    static QByteArray contents(const Launch& launch);
    // The Exec= value for these arguments, quoted and escaped as the Desktop Entry
    // specification requires (a path with spaces, quotes, $, \ or % still runs as itself).
    static QString execValue(const QStringList& arguments);

private:
    QString m_path;
};

} // namespace ea
