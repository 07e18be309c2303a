#include "PeerServer.h"

#include <QDeadlineTimer>
#include <QDebug>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTimer>

#include <optional>

#include <signal.h>
#include <sys/types.h>

namespace ea {

static QString peersDir()
{
    return QStringLiteral(EA_PEERS_DIR);
}

// /usr/bin/python3 must see Debian's dist-packages only: a PYTHONPATH or PYTHONHOME exported for
// another interpreter (pyenv) would make it import the wrong socketio or fail to start at all.
static QProcessEnvironment peerEnvironment(PeerServer::Kind kind)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (kind == PeerServer::Python) {
        env.remove(QStringLiteral("PYTHONPATH"));
        env.remove(QStringLiteral("PYTHONHOME"));
        env.remove(QStringLiteral("PYTHONSTARTUP"));
        env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    }
    return env;
}

PeerServer::PeerServer(QObject* parent) : QObject(parent) {}

PeerServer::~PeerServer()
{
    terminate();
}

QString PeerServer::program(Kind kind)
{
    if (kind == Python)
        return QStringLiteral("/usr/bin/python3");
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    return node.isEmpty() ? QStringLiteral("node") : node;
}

QString PeerServer::script(Kind kind)
{
    return QDir(peersDir())
        .filePath(kind == Node ? QStringLiteral("node-server.js")
                               : QStringLiteral("python-server.py"));
}

QString PeerServer::kindName(Kind kind)
{
    return kind == Node ? QStringLiteral("node") : QStringLiteral("python");
}

bool PeerServer::available(Kind kind, QString* why)
{
    auto fail = [why](const QString& reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (!QFileInfo::exists(script(kind)))
        return fail(QStringLiteral("peer script %1 is missing").arg(script(kind)));

    if (kind == Node) {
        if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
            return fail(QStringLiteral("node is not on PATH"));
        const QString lib =
            QDir(peersDir()).filePath(QStringLiteral("node_modules/socket.io/package.json"));
        if (!QFileInfo::exists(lib))
            return fail(
                QStringLiteral("%1/node_modules is missing: run `npm ci` in %1").arg(peersDir()));
        return true;
    }

    if (!QFileInfo(program(Python)).isExecutable())
        return fail(QStringLiteral("%1 is missing (apt-get install python3)").arg(program(Python)));
    // Importing is the only reliable check, and it costs a few hundred ms, so it runs once.
    static std::optional<QString> importError;
    if (!importError) {
        QProcess probe;
        probe.setProcessEnvironment(peerEnvironment(Python));
        probe.setProcessChannelMode(QProcess::MergedChannels);
        probe.start(program(Python),
                    {QStringLiteral("-c"), QStringLiteral("import socketio, engineio, aiohttp")});
        if (!probe.waitForFinished(15000)) {
            probe.kill();
            probe.waitForFinished(1000);
            importError =
                QStringLiteral("%1 did not finish importing socketio").arg(program(Python));
        } else if (probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0) {
            importError = QStringLiteral("%1 cannot import socketio/aiohttp (apt-get install "
                                         "python3-socketio python3-aiohttp): %2")
                              .arg(program(Python), QString::fromUtf8(probe.readAll()).trimmed());
        } else {
            importError = QString();
        }
    }
    if (!importError->isEmpty())
        return fail(*importError);
    return true;
}

bool PeerServer::start(Kind kind, QStringList extraArgs, int port, int timeoutMs)
{
    if (isRunning()) {
        qWarning() << "PeerServer::start: a peer is already running; call terminate() first";
        return false;
    }
    m_kind = kind;
    m_extraArgs = std::move(extraArgs);
    return launch(port, timeoutMs);
}

bool PeerServer::restart(int timeoutMs)
{
    const quint16 previousPort = m_port;
    if (previousPort == 0) {
        qWarning() << "PeerServer::restart: never started";
        return false;
    }
    if (isRunning())
        terminate();
    QDeadlineTimer deadline(timeoutMs);
    // The old process may still hold the listening socket for a moment after it died (or a
    // previous peer lingers); the peer exits at once with "address in use", so just try again.
    while (true) {
        if (launch(previousPort, int(qMax<qint64>(deadline.remainingTime(), 1))))
            return true;
        if (deadline.hasExpired())
            return false;
        QEventLoop pause;
        QTimer::singleShot(int(qMin<qint64>(100, deadline.remainingTime())), &pause,
                           &QEventLoop::quit);
        pause.exec();
    }
}

bool PeerServer::launch(int port, int timeoutMs)
{
    forgetProcess();
    // Remembered before the peer confirms it, so restart() can retry a port that was busy.
    if (port != 0)
        m_port = quint16(port);
    m_ready = QJsonObject();
    m_recovery = false;
    m_stopped = false;
    m_stderr.clear();

    m_process = new QProcess(this);
    m_process->setProgram(program(m_kind));
    QStringList args{script(m_kind), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                     QStringLiteral("--port"), QString::number(port)};
    args += m_extraArgs;
    m_process->setArguments(args);
    m_process->setWorkingDirectory(peersDir());
    m_process->setProcessEnvironment(peerEnvironment(m_kind));
    connect(m_process, &QProcess::readyReadStandardOutput, this, &PeerServer::readStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &PeerServer::readStderr);
    // Lines written just before the peer exits must still be seen by whoever waits on them.
    connect(m_process, &QProcess::finished, this, [this](int exitCode) {
        readStdout();
        readStderr();
        emit exited(exitCode);
    });
    m_process->start();

    const bool ready = waitUntil([this] { return !m_ready.isEmpty(); }, timeoutMs);
    if (!ready) {
        qWarning().noquote() << "PeerServer:" << kindName(m_kind) << "peer gave no ready line"
                             << (isRunning() ? QStringLiteral("in %1 ms").arg(timeoutMs)
                                             : QStringLiteral("before exiting: ") +
                                                   m_process->errorString())
                             << "(" << m_process->program() << m_process->arguments().join(' ')
                             << ")";
        if (isRunning()) {
            signalPeer(SIGKILL);
            m_process->waitForFinished(3000);
        }
        return false;
    }
    m_port = quint16(m_ready.value(QStringLiteral("port")).toInt());
    m_recovery = m_ready.value(QStringLiteral("recovery")).toBool();
    return m_port != 0;
}

void PeerServer::forgetProcess()
{
    if (!m_process)
        return;
    m_process->disconnect(this);
    // Not deleted at once: this may run inside a slot called from that QProcess's own signal.
    m_process->deleteLater();
    m_process = nullptr;
}

bool PeerServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QUrl PeerServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
}

QUrl PeerServer::webSocketUrl() const
{
    return QUrl(
        QStringLiteral("ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket").arg(m_port));
}

QJsonObject PeerServer::command(QJsonObject cmd, int timeoutMs)
{
    const qint64 id = m_nextId++;
    cmd.insert(QStringLiteral("id"), id);
    if (!isRunning()) {
        qWarning() << "PeerServer::command: peer not running:" << cmd;
        return {};
    }
    const qsizetype from = m_reports.size();
    m_process->write(QJsonDocument(cmd).toJson(QJsonDocument::Compact) + '\n');
    QJsonObject done;
    const bool ok = waitForReport(
        [id](const QJsonObject& r) {
            return r.value(QStringLiteral("report")) == QStringLiteral("done") &&
                   r.value(QStringLiteral("id")).toInteger() == id;
        },
        timeoutMs, from, &done);
    if (!ok) {
        qWarning() << "PeerServer::command: no done report within" << timeoutMs << "ms for" << cmd;
        return {};
    }
    return done;
}

bool PeerServer::waitForReport(const Predicate& pred, int timeoutMs, qsizetype from,
                               QJsonObject* found)
{
    qsizetype next = from;
    return waitUntil(
        [&] {
            for (; next < m_reports.size(); ++next) {
                if (pred(m_reports.at(next))) {
                    if (found)
                        *found = m_reports.at(next);
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
}

PeerServer::Predicate PeerServer::reportIs(const QString& type, const QString& nsp)
{
    return [type, nsp](const QJsonObject& r) {
        return r.value(QStringLiteral("report")).toString() == type &&
               (nsp.isEmpty() || r.value(QStringLiteral("nsp")).toString() == nsp);
    };
}

bool PeerServer::waitUntil(const std::function<bool()>& done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    auto check = [&] {
        if (done())
            loop.quit();
    };
    connect(this, &PeerServer::reportReceived, &loop, check);
    connect(this, &PeerServer::readyReceived, &loop, check);
    // Nothing more can arrive from a dead peer; waiting out the timeout would only slow failures.
    if (!isRunning())
        return false;
    connect(m_process, &QProcess::finished, &loop, &QEventLoop::quit);
    connect(m_process, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            loop.quit();
    });
    timer.start(qMax(timeoutMs, 0));
    loop.exec();
    return done();
}

void PeerServer::readStdout()
{
    if (!m_process)
        return;
    while (m_process->canReadLine()) {
        const QByteArray line = m_process->readLine().trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            qDebug().noquote() << "[peer" << kindName(m_kind) + "] stdout:" << line;
            continue;
        }
        const QJsonObject obj = doc.object();
        if (obj.value(QStringLiteral("ready")).toBool()) {
            m_ready = obj;
            emit readyReceived(obj);
        } else if (obj.contains(QStringLiteral("report"))) {
            m_reports.append(obj);
            emit reportReceived(obj);
        } else {
            qDebug().noquote() << "[peer" << kindName(m_kind) + "] stdout:" << line;
        }
    }
}

void PeerServer::readStderr()
{
    if (!m_process)
        return;
    m_stderr += m_process->readAllStandardError();
    // A peer still running may be mid-line; a finished one has nothing more to add.
    const bool flushAll = m_process->state() == QProcess::NotRunning;
    qsizetype nl;
    while ((nl = m_stderr.indexOf('\n')) >= 0 || (flushAll && !m_stderr.isEmpty())) {
        const qsizetype end = nl >= 0 ? nl : m_stderr.size();
        const QByteArray line = m_stderr.left(end);
        m_stderr.remove(0, qMin(end + 1, m_stderr.size()));
        if (!line.trimmed().isEmpty())
            qDebug().noquote() << "[peer" << kindName(m_kind) + "]" << QString::fromUtf8(line);
    }
}

void PeerServer::signalPeer(int sig)
{
    if (!isRunning())
        return;
    const qint64 pid = m_process->processId();
    if (pid > 0)
        ::kill(pid_t(pid), sig);
}

void PeerServer::kill()
{
    if (!isRunning())
        return;
    signalPeer(SIGKILL);
    m_process->waitForFinished(3000);
    m_stopped = false;
}

void PeerServer::stop()
{
    signalPeer(SIGSTOP);
    m_stopped = isRunning();
}

void PeerServer::resume()
{
    signalPeer(SIGCONT);
    m_stopped = false;
}

void PeerServer::terminate()
{
    if (!isRunning())
        return;
    // A stopped process would sit on SIGTERM (and never see stdin EOF) until continued.
    if (m_stopped)
        resume();
    m_process->closeWriteChannel();
    if (m_process->waitForFinished(3000))
        return;
    m_process->terminate();
    if (m_process->waitForFinished(2000))
        return;
    kill();
}

} // namespace ea
