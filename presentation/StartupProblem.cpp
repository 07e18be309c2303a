#include "presentation/StartupProblem.h"

namespace ea {

StartupProblem StartupProblem::badConfiguration(const QString& error)
{
    StartupProblem p;
    p.title = tr("The configuration cannot be used");
    p.detail = error;
    p.fix = tr("Correct that value in the file (or delete the line to use the default), then "
               "start Event Aggregator again.");
    p.exitCode = 2;
    return p;
}

StartupProblem StartupProblem::headlessInstanceRunning(qint64 pid, const QString& server,
                                                       const QString& activityDirectory)
{
    StartupProblem p;
    p.title = tr("A headless capture is already running");
    p.detail = (pid > 0 ? tr("event-aggregator --headless (pid %1) is capturing in the "
                             "background, usually as the systemd user service.")
                              .arg(pid)
                        : tr("event-aggregator --headless is capturing in the background, "
                             "usually as the systemd user service."));
    if (!server.isEmpty())
        p.detail += QLatin1Char(' ') + tr("It reads the dashboard at %1").arg(server) +
                    (activityDirectory.isEmpty()
                         ? QStringLiteral(".")
                         : QLatin1Char(' ') + tr("and saves into %1.").arg(activityDirectory));
    p.detail += QLatin1Char(' ') + tr("Only one capture per user can run, so this one did not "
                                      "start.");
    p.fix = tr("Stop it with \"event-aggregator stop\" (or \"systemctl --user stop "
               "event-aggregator\" for the service), then start Event Aggregator again. Its "
               "sessions can be listed meanwhile with \"event-aggregator sessions\".");
    p.exitCode = 1;
    p.canStopOther = true;
    return p;
}

StartupProblem StartupProblem::instanceNotAnswering(const QString& error)
{
    StartupProblem p;
    p.title = tr("Event Aggregator is already running but does not answer");
    p.detail = error;
    p.fix = tr("Wait a moment and start it again; if it still does not answer, end the other "
               "event-aggregator process.");
    p.exitCode = 1;
    return p;
}

QString StartupProblem::consoleText() const
{
    return QStringLiteral("event-aggregator: %1: %2\n%3\n").arg(title, detail, fix);
}

} // namespace ea
