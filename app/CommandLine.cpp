#include "app/CommandLine.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace ea {

namespace {
// The options QGuiApplication and QApplication take out of argv themselves.
const QStringList kQtOptionsWithValue{
    QStringLiteral("platform"),      QStringLiteral("platformpluginpath"),
    QStringLiteral("platformtheme"), QStringLiteral("plugin"),
    QStringLiteral("qmljsdebugger"), QStringLiteral("qwindowgeometry"),
    QStringLiteral("qwindowicon"),   QStringLiteral("qwindowtitle"),
    QStringLiteral("display"),       QStringLiteral("geometry"),
    QStringLiteral("session"),       QStringLiteral("style"),
    QStringLiteral("stylesheet"),    QStringLiteral("name"),
    QStringLiteral("title")};
const QStringList kQtFlags{QStringLiteral("reverse"), QStringLiteral("widgetcount"),
                           QStringLiteral("nograb"),  QStringLiteral("dograb"),
                           QStringLiteral("sync"),    QStringLiteral("testability")};

// Drops Qt's GUI options (and their values) before the first positional argument: they are
// QApplication's, which reads them from argv itself.
// `ourOptionsWithValue`: "--name" of each of our options that takes a separate value, so that
// value is not taken for a command or for one of Qt's options.
QStringList withoutQtOptions(const QStringList& arguments, const QStringList& ourOptionsWithValue)
{
    QStringList out = arguments.mid(0, 1);
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString& a = arguments.at(i);
        // A command (the rest is its own), or the end of the options.
        if (!a.startsWith(QLatin1Char('-')) || a == QLatin1String("--")) {
            out.append(arguments.mid(i));
            break;
        }
        if (ourOptionsWithValue.contains(a)) {
            out.append(arguments.mid(i, 2));
            ++i;
            continue;
        }
        QString name = a.mid(a.startsWith(QLatin1String("--")) ? 2 : 1);
        const qsizetype eq = name.indexOf(QLatin1Char('='));
        const bool inlineValue = eq >= 0;
        if (inlineValue)
            name.truncate(eq);
        if (kQtFlags.contains(name) && !inlineValue)
            continue;
        if (kQtOptionsWithValue.contains(name)) {
            if (!inlineValue)
                ++i; // its value
            continue;
        }
        out.append(a);
    }
    return out;
}
} // namespace

QStringList CommandLine::arguments(int argc, const char* const* argv)
{
    QStringList list;
    list.reserve(argc);
    for (int i = 0; i < argc; ++i)
        list.append(QString::fromLocal8Bit(argv[i]));
    return list;
}

CommandLine::Result CommandLine::parse(const QStringList& allArguments)
{
    Result r;
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Captures the live event stream of Claude MPM's "
                                               "dashboard and saves it as per-session records."));
    p.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("Optional: sessions, show, export, redact, cleanup, status, watch, stop."),
        QStringLiteral("[command [args...]]"));
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version = p.addVersionOption();
    const QCommandLineOption headless(QStringLiteral("headless"),
                                      QStringLiteral("Run without a window or tray icon."));
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("Dashboard host (default 127.0.0.1)."),
                                  QStringLiteral("host"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("Dashboard port (default 8765)."),
                                  QStringLiteral("port"));
    const QCommandLineOption event(
        QStringLiteral("event"),
        QStringLiteral("Socket.IO event name to capture; repeat for several."),
        QStringLiteral("name"));
    const QCommandLineOption allowRemote(
        QStringLiteral("allow-remote"),
        QStringLiteral("Allow a non-loopback dashboard host (it has no authentication)."));
    const QCommandLineOption config(QStringLiteral("config"), QStringLiteral("Configuration file."),
                                    QStringLiteral("file"));
    const QCommandLineOption activity(QStringLiteral("activity-dir"),
                                      QStringLiteral("Where session files are saved."),
                                      QStringLiteral("dir"));
    const QCommandLineOption timeout(
        QStringLiteral("timeout-minutes"),
        QStringLiteral("Complete a session after this much inactivity."),
        QStringLiteral("minutes"));
    const QCommandLineOption replay(
        QStringLiteral("replay"),
        QStringLiteral("Feed a JSON Lines recording through the pipeline, then exit."),
        QStringLiteral("file"));
    const QCommandLineOption record(
        QStringLiteral("record"),
        QStringLiteral("Also write every raw event received to a JSON Lines file."),
        QStringLiteral("file"));
    QStringList withValue;
    for (const auto& o :
         {headless, host, port, event, allowRemote, config, activity, timeout, replay, record}) {
        p.addOption(o);
        if (!o.valueName().isEmpty())
            withValue.append(QStringLiteral("--") + o.names().constFirst());
    }
    const QStringList arguments = withoutQtOptions(allArguments, withValue);
    // Subcommands take their own flags (--json, --limit...): stop at the first positional.
    p.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);

    if (!p.parse(arguments)) {
        r.error = p.errorText();
        return r;
    }
    if (p.isSet(help)) {
        // Without an application object the parser cannot name the program itself.
        r.earlyOutput = p.helpText();
        r.earlyOutput.replace(QLatin1String("<executable_name>"),
                              arguments.isEmpty() ? QCoreApplication::applicationName()
                                                  : arguments.constFirst());
        return r;
    }
    if (p.isSet(version)) {
        r.earlyOutput = QCoreApplication::applicationName() + QLatin1Char(' ') +
                        QCoreApplication::applicationVersion() + QLatin1Char('\n');
        return r;
    }
    AppOptions& o = r.options;
    o.headless = p.isSet(headless);
    o.host = p.value(host);
    if (p.isSet(port)) {
        bool ok = false;
        const int v = p.value(port).toInt(&ok);
        if (!ok || v < 1 || v > 65535) {
            r.error = QStringLiteral("--port must be a number from 1 to 65535, got \"%1\"")
                          .arg(p.value(port));
            return r;
        }
        o.port = v;
    }
    o.events = p.values(event);
    o.allowRemote = p.isSet(allowRemote);
    o.configFile = p.value(config);
    o.activityDir = p.value(activity);
    if (p.isSet(timeout)) {
        bool ok = false;
        const int v = p.value(timeout).toInt(&ok);
        if (!ok || v <= 0) {
            r.error = QStringLiteral("--timeout-minutes must be a positive number, got \"%1\"")
                          .arg(p.value(timeout));
            return r;
        }
        o.timeoutMinutes = v;
    }
    o.replayFile = p.value(replay);
    o.recordFile = p.value(record);
    QStringList pos = p.positionalArguments();
    if (!pos.isEmpty()) {
        static const QStringList known{QStringLiteral("sessions"), QStringLiteral("show"),
                                       QStringLiteral("export"),   QStringLiteral("cleanup"),
                                       QStringLiteral("status"),   QStringLiteral("stop"),
                                       QStringLiteral("watch"),    QStringLiteral("redact")};
        o.command = pos.takeFirst();
        if (!known.contains(o.command)) {
            r.error = QStringLiteral("unknown command \"%1\" (expected one of: %2)")
                          .arg(o.command, known.join(QStringLiteral(", ")));
            return r;
        }
        o.commandArgs = pos;
    }
    if (!o.replayFile.isEmpty() && !o.headless)
        o.headless = true; // a replay has nothing to show
    return r;
}

} // namespace ea
