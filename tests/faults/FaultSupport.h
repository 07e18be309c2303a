// Helpers for the fault-injection tests: the real event-aggregator binary as a child process,
// a scriptable legacy dashboard, saved-session readers and a tmpfs for disk-full runs.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>

namespace ea {

namespace faults {

// Event counts for the volume tests: the full-size run (EA_FAULTS_FULL=1), the normal ctest
// size, and a quarter of that under the sanitizers.
inline int volume(int full, int normal)
{
    if (qEnvironmentVariableIntValue("EA_FAULTS_FULL") > 0)
        return full;
#ifdef EA_FAULTS_SANITIZED
    return normal / 4;
#else
    return normal;
#endif
}

// Spins the event loop until done() or the timeout; true if done() became true.
bool waitUntil(const std::function<bool()>& done, int timeoutMs);

// One run of the app. Each run gets its own HOME (no user configuration) and control-socket
// directory, so tests never meet another instance.
class App : public QObject
{
    Q_OBJECT
public:
    App(const QString& runtimeDir, QObject* parent = nullptr);
    ~App() override;

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
    // stderr so far.
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

// Runs the app to completion (replay, subcommands); stdout returned, stderr to *err.
QByteArray runApp(const QString& runtimeDir, const QStringList& args, int* exitCode,
                  QByteArray* err = nullptr, const QHash<QString, QString>& env = {},
                  int timeoutMs = 60000, qint64* peakRssKb = nullptr);

// session_id -> document for every session file (.json and .json.gz) in dir.
QHash<QString, QJsonObject> savedSessions(const QString& dir);
// The integer `field` of each saved event's data, over all sessions, with repeats.
QList<qint64> eventNumbers(const QHash<QString, QJsonObject>& sessions,
                           const QString& field = QStringLiteral("seq"));
// "possible_gaps" of the session's capture section.
int gapCount(const QJsonObject& session);
// The last line of out parsed as JSON.
QJsonObject lastJsonLine(const QByteArray& out);
// Lines of a recording file: {"name":..., "args":[payload]}.
bool writeRecording(const QString& path, const QList<QJsonObject>& payloads,
                    const QString& eventName = QStringLiteral("claude_event"));
// A raw hook event (no "data" wrapper, so every field lands in the saved event's data).
QJsonObject hookEvent(const QString& sessionId, const QString& subtype, qint64 n,
                      const QString& timestamp = {});

// tmpfs of the given size at path (root only). False with *why where mounting is refused.
bool mountTmpfs(const QString& path, int sizeKb, QString* why, const QString& extra = {});
bool remount(const QString& path, const QString& options);
void unmount(const QString& path);

// A legacy-style Socket.IO dashboard (python-socketio) that keeps a history of what it emitted
// (optionally in a file, so it survives a SIGKILL), sends the last 50 on connect and answers
// get_history like Claude MPM's SocketIOServer. Same line protocol as tests/peers.
class LegacyDashboard : public QObject
{
    Q_OBJECT
public:
    explicit LegacyDashboard(QObject* parent = nullptr);
    ~LegacyDashboard() override;
    static bool available(QString* why);
    bool start(int port = 0, const QStringList& extraArgs = {});
    bool restart();
    void kill9();
    void terminate();
    quint16 port() const { return m_port; }
    QJsonObject command(QJsonObject cmd, int timeoutMs = 30000);
    // Sends without waiting for the answer.
    void send(QJsonObject cmd);
    int connectCount() const;

private:
    void readStdout();
    QProcess* m_process = nullptr;
    quint16 m_port = 0;
    QStringList m_args;
    QByteArray m_buffer;
    QList<QJsonObject> m_reports;
    qint64 m_nextId = 1;
};

} // namespace faults

} // namespace ea
