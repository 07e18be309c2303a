// Helpers for the fault-injection tests: the real event-aggregator binary as a child process,
// a scriptable legacy dashboard, saved-session readers and a tmpfs for disk-full runs.
#pragma once

#include "AppProcess.h"

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
#ifdef EA_TESTS_SANITIZED
    return normal / 4;
#else
    return normal;
#endif
}

// The process helpers moved to tests/support (AppProcess.h); these names keep the fault tests
// short.
using App = test::AppProcess;
using test::lastJsonLine;
using test::runApp;
using test::waitUntil;

// session_id -> document for every session file (.json and .json.gz) in dir.
QHash<QString, QJsonObject> savedSessions(const QString& dir);
// The integer `field` of each saved event's data, over all sessions, with repeats.
QList<qint64> eventNumbers(const QHash<QString, QJsonObject>& sessions,
                           const QString& field = QStringLiteral("seq"));
// "possible_gaps" of the session's capture section.
int gapCount(const QJsonObject& session);
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
