#include "app/CaptureSetup.h"
#include "app/CommandLine.h"
#include "app/Commands.h"
#include "app/GuiRunner.h"
#include "app/HeadlessRunner.h"
#include "app/UnixSignalWatcher.h"
#include "control/ControlClient.h"
#include "presentation/StartupProblem.h"
#include "ui/StartupProblemDialog.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QIcon>
#include <QLoggingCategory>
#include <QThread>

#include <cstdio>

using namespace ea;

namespace {
int runHeadless(const AppOptions& options)
{
    QString error;
    const auto setup = CaptureSetup::resolve(options, &error);
    if (!setup) {
        std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(error));
        return 2;
    }
    UnixSignalWatcher unixSignals;
    HeadlessRunner runner(options, *setup);
    QObject::connect(&unixSignals, &UnixSignalWatcher::terminationRequested, &runner,
                     &HeadlessRunner::finish);
    const int code = runner.start();
    if (code >= 0)
        return code;
    return QCoreApplication::exec();
}

// Started from a menu there is no terminal: the problem goes to stderr and into a dialog,
// which SIGTERM closes too. True when the user chose to stop the other instance.
bool report(const StartupProblem& problem, UnixSignalWatcher& unixSignals)
{
    std::fputs(qPrintable(problem.consoleText()), stderr);
    std::fflush(stderr);
    StartupProblemDialog box(problem);
    QObject::connect(&unixSignals, &UnixSignalWatcher::terminationRequested, &box,
                     &QMessageBox::reject);
    box.exec();
    return box.stopOtherChosen();
}

// Asks the running instance to save and exit, and waits until it has (its lock is free).
bool stopOtherInstance()
{
    QString error;
    if (!ControlClient::request(QStringLiteral("stop"), &error))
        return false;
    QDeadlineTimer deadline(20000);
    while (!deadline.hasExpired()) {
        if (!ControlClient::request(QStringLiteral("status"), nullptr, 1000))
            return true;
        QThread::msleep(100);
    }
    return false;
}

int runGui(const AppOptions& options)
{
    QApplication::setApplicationDisplayName(QStringLiteral("Event Aggregator"));
    QApplication::setDesktopFileName(QStringLiteral("event-aggregator"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/event-aggregator.svg")));
    UnixSignalWatcher unixSignals;
    QString error;
    const auto setup = CaptureSetup::resolve(options, &error);
    if (!setup) {
        const StartupProblem problem = StartupProblem::badConfiguration(error);
        report(problem, unixSignals);
        return problem.exitCode;
    }

    for (;;) {
        GuiRunner gui({setup->config, setup->settings, setup->otlp},
                      [options](QString* reloadError) {
                          const auto again = CaptureSetup::resolve(options, reloadError);
                          return again ? std::optional<GuiRunner::Setup>(
                                             {again->config, again->settings, again->otlp})
                                       : std::nullopt;
                      });
        QObject::connect(&unixSignals, &UnixSignalWatcher::terminationRequested, &gui,
                         &GuiRunner::quit);
        const int code = gui.start();
        if (const std::optional<StartupProblem> problem = gui.startupProblem()) {
            // "Stop It and Start Here": the other instance saves and exits, then this one
            // starts in its place.
            if (report(*problem, unixSignals) && stopOtherInstance())
                continue;
            return problem->exitCode;
        }
        if (code >= 0)
            return code;
        return QApplication::exec();
    }
}
} // namespace

int main(int argc, char* argv[])
{
    qSetMessagePattern(
        QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                       "%{if-critical}error: %{endif}%{message}"));
    // Debug lines only on request (QT_LOGGING_RULES, which takes precedence over this).
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false"));
    QCoreApplication::setApplicationName(QStringLiteral("event-aggregator"));
    QCoreApplication::setOrganizationName(QStringLiteral("event-aggregator"));
    QCoreApplication::setApplicationVersion(QStringLiteral(EA_VERSION));

    // Parsed once, before any application object: what it finds decides which one to create
    // (widgets need QApplication; commands and headless capture must run without a display).
    const CommandLine::Result cl = CommandLine::parse(CommandLine::arguments(argc, argv));
    if (!cl.earlyOutput.isEmpty()) {
        std::fputs(qPrintable(cl.earlyOutput), stdout);
        return 0;
    }
    if (!cl.error.isEmpty()) {
        std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(cl.error));
        return 2;
    }
    if (cl.wantsGui()) {
        QApplication app(argc, argv);
        return runGui(cl.options);
    }
    QCoreApplication app(argc, argv);
    if (!cl.options.command.isEmpty()) {
        // Commands print results for scripts; progress chatter would only clutter stderr.
        QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false"));
        return Commands::run(cl.options);
    }
    return runHeadless(cl.options);
}
