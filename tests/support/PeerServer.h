// Runs a real Socket.IO server (Node socket.io or python-socketio) as a child process and drives
// it.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>

namespace ea {

// The peer scripts live in tests/peers (node-server.js, python-server.py) and speak one JSON
// object per line: a single {"ready":true,"port":…,"server":…,"recovery":…} line at start, then
// {"report":…} lines on stdout; commands {"id":N,"cmd":…} on stdin, each answered by
// {"report":"done","id":N,…}. The client under test usually runs on the test's thread, so every
// wait here spins a local event loop instead of blocking.
class PeerServer : public QObject
{
    Q_OBJECT
public:
    enum Kind
    {
        Node,
        Python
    };
    Q_ENUM(Kind)

    using Predicate = std::function<bool(const QJsonObject&)>;

    explicit PeerServer(QObject* parent = nullptr);
    ~PeerServer() override;

    static QString program(Kind kind);
    static QString script(Kind kind);
    static QString kindName(Kind kind);
    // False (with the reason in *why) when the interpreter, the script or its libraries are
    // missing, so a test can QSKIP instead of failing on a machine without the peers installed.
    static bool available(Kind kind, QString* why = nullptr);

    // Starts the peer and waits for its ready line. extraArgs are passed to the script as is
    // (--ping-interval, --recovery, --auth-namespace, ...); port 0 asks for an ephemeral port.
    bool start(Kind kind, QStringList extraArgs = {}, int port = 0, int timeoutMs = 10000);
    // Starts the same kind with the same arguments on the same port, e.g. after kill(); retries
    // while the port is still held by the previous process. After a start() on a fixed port that
    // failed because the port was busy, this keeps trying that port.
    bool restart(int timeoutMs = 10000);

    bool isRunning() const;
    Kind kind() const { return m_kind; }
    quint16 port() const { return m_port; }
    // http://127.0.0.1:<port>, what a Socket.IO client is pointed at.
    QUrl url() const;
    // The Engine.IO endpoint a raw QWebSocket opens: ws://127.0.0.1:<port>/socket.io/?EIO=4&...
    QUrl webSocketUrl() const;
    bool recoveryEnabled() const { return m_recovery; }
    QJsonObject readyLine() const { return m_ready; }

    // Sends cmd with a fresh "id" and waits for its done report; an empty object on timeout or
    // when the peer died.
    QJsonObject command(QJsonObject cmd, int timeoutMs = 10000);

    // Every report line since start() (done reports included), in arrival order; kept across
    // restart() so a test can look back.
    QList<QJsonObject> reports() const { return m_reports; }
    qsizetype reportCount() const { return m_reports.size(); }
    void clearReports() { m_reports.clear(); }
    // Waits until a report at index >= from satisfies pred (reports already received count too);
    // the match is copied to *found.
    bool waitForReport(const Predicate& pred, int timeoutMs = 5000, qsizetype from = 0,
                       QJsonObject* found = nullptr);
    // Shorthand for the common case: a report of the given type, optionally in one namespace.
    static Predicate reportIs(const QString& type, const QString& nsp = {});

    // Crash, freeze and thaw the peer: SIGKILL, SIGSTOP, SIGCONT. A stopped peer keeps its
    // sockets open but answers nothing, like a hung server or a silent network.
    void kill();
    void stop();
    void resume();
    // Closes stdin so the peer exits on its own, then escalates to SIGTERM and SIGKILL.
    void terminate();

signals:
    void reportReceived(const QJsonObject& report);
    void readyReceived(const QJsonObject& ready);
    // The peer process ended, whatever the cause (crash, kill(), a failed start).
    void exited(int exitCode);

private:
    bool launch(int port, int timeoutMs);
    bool waitUntil(const std::function<bool()>& done, int timeoutMs);
    void readStdout();
    void readStderr();
    void signalPeer(int sig);
    void forgetProcess();

    QProcess* m_process = nullptr;
    Kind m_kind = Node;
    QStringList m_extraArgs;
    quint16 m_port = 0;
    bool m_recovery = false;
    bool m_stopped = false;
    QJsonObject m_ready;
    QByteArray m_stderr;
    QList<QJsonObject> m_reports;
    qint64 m_nextId = 1;
};

} // namespace ea
