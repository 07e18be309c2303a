#pragma once

#include "app/CommandLine.h"

namespace ea {

// The script-facing subcommands: sessions, show, export, redact, cleanup, status, watch, stop.
class Commands
{
public:
    // Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 no running instance.
    static int run(const AppOptions& options);

private:
    static int sessions(const QStringList& args, const AppOptions& global);
    static int show(const QStringList& args, const AppOptions& global);
    static int exportSessions(const QStringList& args, const AppOptions& global);
    static int redact(const QStringList& args, const AppOptions& global);
    static int cleanup(const QStringList& args, const AppOptions& global);
    static int control(const QString& command);
    static int status(const QStringList& args);
    static int watch(const QStringList& args);
};

} // namespace ea
