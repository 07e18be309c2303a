#pragma once

#include <QString>
#include <QStringList>

#include <optional>

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
    QString command; // subcommand: sessions, show, export, cleanup, status, stop; empty: capture
    QStringList commandArgs;
};

// Parses argv into AppOptions; usage errors come back as a message for exit code 2.
class CommandLine
{
public:
    struct Result
    {
        AppOptions options;
        QString error;       // non-empty: print it and exit 2
        QString earlyOutput; // --help / --version text: print it and exit 0
    };
    static Result parse(const QStringList& arguments);
};
