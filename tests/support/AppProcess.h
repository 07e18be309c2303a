// The real event-aggregator binary as a child process, started as a launcher or script would,
// in a sandbox of its own (HOME, control-socket directory) so no test meets another instance.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>

namespace ea::test {

// Spins the event loop until done() or the timeout; true if done() became true.
bool waitUntil(const std::function<bool()>& done, int timeoutMs);

// The environment of a sandboxed run: HOME and EA_RUNTIME_DIR set, the user's XDG directories
// dropped (so nothing of the user's is read or written), then `extra` on top.
QProcessEnvironment appEnvironment(const QString& home, const QString& runtimeDir,
                                   const QHash<QString, QString>& extra = {});

// The last line of out parsed as JSON.
QJsonObject lastJsonLine(const QByteArray& out);

// A /proc/<pid>/status value in kB ("VmHWM:", "VmRSS:"), 0 when the process is gone.
qint64 procStatusKb(qint64 pid, const char* key);

// One long-running instance (capture, desktop app). HOME and the runtime dir are runtimeDir.
class AppProcess : public QObject
{
    Q_OBJECT
public:
    explicit AppProcess(const QString& runtimeDir, QObject* parent = nullptr);
    ~AppProcess() override;

    void setEnv(const QString& name, const QString& value) { m_env.insert(name, value); }
    bool start(const QStringList& args);
    // Status over the control socket (the counters plus state), empty if it does not answer.
    QJsonObject status(int timeoutMs = 3000) const;
    // Polls status() until pred holds.
    bool waitForStatus(const std::function<bool(const QJsonObject&)>& pred, int timeoutMs);
    bool waitForStderr(const QByteArray& needle, int timeoutMs);
    // SIGTERM, wait, and the counters line it printed (empty on failure).
    QJsonObject stop(int timeoutMs = 20000);
    void kill9();
    bool waitForExit(int timeoutMs);
    int exitCode() const { return m_process.exitCode(); }
    qint64 pid() const { return m_process.processId(); }
    QByteArray stderrText();
    QByteArray stdoutText();
    // Peak resident set size so far in kB (VmHWM), 0 once the process has gone.
    qint64 peakRssKb() const;
    qint64 rssKb() const;

private:
    QString m_runtime;
    QProcess m_process;
    QHash<QString, QString> m_env;
    QByteArray m_stderr;
    QByteArray m_stdout;
};

// Runs the app to completion (a subcommand, a replay) in the sandbox runtimeDir (also HOME);
// stdout returned, stderr to *err; *exitCode is -1 when it crashed or was killed at the timeout.
QByteArray runApp(const QString& runtimeDir, const QStringList& args, int* exitCode,
                  QByteArray* err = nullptr, const QHash<QString, QString>& env = {},
                  int timeoutMs = 60000, qint64* peakRssKb = nullptr);

} // namespace ea::test
