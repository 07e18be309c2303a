#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace ea {

// What the user asked for on the command line, after validation.
struct AppOptions
{
    bool headless = false;
    QString host;            // empty: from config, else 127.0.0.1
    std::optional<int> port; // empty: from config, else 8765
    QStringList events;      // empty: the default list
    bool allowRemote = false;
    QString configFile;
    QString activityDir;
    std::optional<int> timeoutMinutes;
    QString replayFile;
    QString recordFile;
    QString
        command; // subcommand: sessions, show, export, cleanup, status, watch, stop; empty: capture
    QStringList commandArgs;
};

// Parses argv into AppOptions; usage errors come back as a message for exit code 2.
// It runs before any application object exists, because what it finds decides which one
// (a window needs QApplication, a command or headless capture a QCoreApplication).
class CommandLine
{
public:
    struct Result
    {
        AppOptions options;
        QString error;       // non-empty: print it and exit 2
        QString earlyOutput; // --help / --version text: print it and exit 0

        // The desktop application (tray or window), as opposed to a command, headless capture,
        // help or an error.
        bool wantsGui() const
        {
            return error.isEmpty() && earlyOutput.isEmpty() && !options.headless &&
                   options.command.isEmpty();
        }
    };
    // arguments[0] is the program, as in QCoreApplication::arguments(). Qt's own GUI options
    // (-platform offscreen, -style fusion, ...) before a command are left for QApplication.
    static Result parse(const QStringList& arguments);

    // argv as QCoreApplication::arguments() would decode it, for use before one exists.
    static QStringList arguments(int argc, const char* const* argv);
};

} // namespace ea
