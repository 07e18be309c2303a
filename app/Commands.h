#pragma once

#include "app/CommandLine.h"

namespace ea {

// The script-facing subcommands: sessions, search, stats, show, export, redact, cleanup, pin,
// unpin, status, watch, stop.
class Commands
{
public:
    // Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 no running instance.
    static int run(const AppOptions& options);

private:
    static int sessions(const QStringList& args, const AppOptions& global);
    // The session database's questions (README "Session database").
    static int sessionsWhere(const QString& where, bool json, int limit, const QString& dir);
    static int search(const QStringList& args, const AppOptions& global);
    static int stats(const QStringList& args, const AppOptions& global);
    static int pin(const QStringList& args, const AppOptions& global, bool pinned);
    static int show(const QStringList& args, const AppOptions& global);
    static int exportSessions(const QStringList& args, const AppOptions& global);
    static int redact(const QStringList& args, const AppOptions& global);
    static int cleanup(const QStringList& args, const AppOptions& global);
    static int control(const QString& command);
    static int status(const QStringList& args);
    static int watch(const QStringList& args);
};

} // namespace ea
