#include "CaptureSetup.h"
#include "CommandLine.h"
#include "Commands.h"
#include "GuiRunner.h"
#include "HeadlessRunner.h"
#include "UnixSignalWatcher.h"

#include <QApplication>
#include <QCoreApplication>
#include <QIcon>
#include <QLoggingCategory>

#include <cstdio>
#include <memory>

namespace {
bool wantsHeadless(int argc, char* argv[])
{
    // Decided before any QCoreApplication exists, since that choice is the application class.
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--headless" || a == "--replay" || a.startsWith("--replay=") || a == "--help" ||
            a == "-h" || a == "--version" || a == "-v")
            return true;
        if (!a.startsWith('-'))
            return true; // a subcommand
    }
    return false;
}
} // namespace

int main(int argc, char* argv[])
{
    qSetMessagePattern(
        QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                       "%{if-critical}error: %{endif}%{message}"));
    // Debug lines only on request (QT_LOGGING_RULES, which takes precedence over this).
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false"));
    std::unique_ptr<QCoreApplication> app;
    if (wantsHeadless(argc, argv))
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("event-aggregator"));
    QCoreApplication::setOrganizationName(QStringLiteral("event-aggregator"));
    QCoreApplication::setApplicationVersion(QStringLiteral(EA_VERSION));

    const CommandLine::Result cl = CommandLine::parse(QCoreApplication::arguments());
    if (!cl.earlyOutput.isEmpty()) {
        std::fputs(qPrintable(cl.earlyOutput), stdout);
        return 0;
    }
    if (!cl.error.isEmpty()) {
        std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(cl.error));
        return 2;
    }
    if (!cl.options.command.isEmpty()) {
        // Commands print results for scripts; progress chatter would only clutter stderr.
        QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false"));
        return Commands::run(cl.options);
    }

    QString error;
    const auto setup = CaptureSetup::resolve(cl.options, &error);
    if (!setup) {
        std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(error));
        return 2;
    }

    UnixSignalWatcher unixSignals;
    if (cl.options.headless) {
        HeadlessRunner runner(cl.options, *setup);
        QObject::connect(&unixSignals, &UnixSignalWatcher::terminationRequested, &runner,
                         &HeadlessRunner::finish);
        const int code = runner.start();
        if (code >= 0)
            return code;
        return app->exec();
    }

    QApplication::setApplicationDisplayName(QStringLiteral("Event Aggregator"));
    QApplication::setDesktopFileName(QStringLiteral("event-aggregator"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/event-aggregator.svg")));
    const AppOptions options = cl.options;
    GuiRunner gui({setup->config, setup->settings}, [options](QString* reloadError) {
        const auto again = CaptureSetup::resolve(options, reloadError);
        return again ? std::optional<GuiRunner::Setup>({again->config, again->settings})
                     : std::nullopt;
    });
    QObject::connect(&unixSignals, &UnixSignalWatcher::terminationRequested, &gui,
                     &GuiRunner::quit);
    const int code = gui.start();
    if (code >= 0)
        return code;
    return app->exec();
}
