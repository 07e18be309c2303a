// Why the desktop application could not start, worded for a dialog and for stderr alike.
#pragma once

#include <QCoreApplication>
#include <QString>

namespace ea {

// Started from a menu, the app has no terminal: what stops it must be said in a window too,
// with what to do about it. The words are built here so both outputs say the same thing.
class StartupProblem
{
    Q_DECLARE_TR_FUNCTIONS(StartupProblem)
public:
    QString title;  // one line: what is wrong
    QString detail; // what was found
    QString fix;    // what to do about it
    int exitCode = 1;
    bool canStopOther = false; // another instance can be asked to stop so this one starts

    // The configuration file does not load (error names the file, line and key).
    static StartupProblem badConfiguration(const QString& error);
    // A headless instance (e.g. the systemd user service) holds the per-user lock. pid 0:
    // unknown; server and activityDirectory as that instance reports them (may be empty).
    static StartupProblem headlessInstanceRunning(qint64 pid, const QString& server,
                                                  const QString& activityDirectory);
    // The lock is held but nothing answers on the control socket.
    static StartupProblem instanceNotAnswering(const QString& error);

    // For stderr: "event-aggregator: <title>: <detail>\n<fix>\n".
    QString consoleText() const;
};

} // namespace ea
