// The XDG autostart entry that starts the tray app at login.
#pragma once

#include <QString>

class AutostartEntry
{
public:
    // path: the .desktop file to manage; empty: ~/.config/autostart/event-aggregator.desktop
    // ($XDG_CONFIG_HOME respected).
    explicit AutostartEntry(QString path = {});

    QString path() const { return m_path; }
    bool isEnabled() const;
    // Writes the entry (starting `executable`) or removes it.
    bool setEnabled(bool on, const QString& executable, QString* error);

    static QString defaultPath();
    static QByteArray contents(const QString& executable);

private:
    QString m_path;
};
