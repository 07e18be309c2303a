#include "FaultSupport.h"

#include "control/ControlClient.h"
#include "storage/SessionStore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <csignal>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

namespace ea {

namespace faults {

QHash<QString, QJsonObject> savedSessions(const QString& dir)
{
    QHash<QString, QJsonObject> out;
    SessionStore store(dir);
    const QStringList files =
        QDir(dir).entryList({QStringLiteral("session_*.json"), QStringLiteral("session_*.json.gz")},
                            QDir::Files | QDir::Hidden);
    for (const QString& name : files) {
        const auto doc = store.load(name);
        if (!doc)
            continue;
        out.insert(doc->value(QLatin1String("session_id")).toString(), *doc);
    }
    return out;
}

QList<qint64> eventNumbers(const QHash<QString, QJsonObject>& sessions, const QString& field)
{
    QList<qint64> out;
    for (const QJsonObject& doc : sessions) {
        for (const QJsonValue& e : doc.value(QLatin1String("events")).toArray()) {
            const QJsonValue v = e.toObject().value(QLatin1String("data")).toObject().value(field);
            if (v.isDouble())
                out.append(qint64(v.toDouble()));
        }
    }
    return out;
}

int gapCount(const QJsonObject& session)
{
    return int(session.value(QLatin1String("capture"))
                   .toObject()
                   .value(QLatin1String("possible_gaps"))
                   .toArray()
                   .size());
}

bool writeRecording(const QString& path, const QList<QJsonObject>& payloads,
                    const QString& eventName)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    for (const QJsonObject& p : payloads) {
        const QJsonObject line{{QStringLiteral("name"), eventName},
                               {QStringLiteral("args"), QJsonArray{p}}};
        f.write(QJsonDocument(line).toJson(QJsonDocument::Compact));
        f.write("\n");
    }
    return true;
}

QJsonObject hookEvent(const QString& sessionId, const QString& subtype, qint64 n,
                      const QString& timestamp)
{
    const QString ts = timestamp.isEmpty()
                           ? QDateTime::fromMSecsSinceEpoch(1785000000000LL + n, Qt::UTC)
                                 .toString(Qt::ISODateWithMs)
                           : timestamp;
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("hook")},
                       {QStringLiteral("subtype"), subtype},
                       {QStringLiteral("session_id"), sessionId},
                       {QStringLiteral("timestamp"), ts},
                       {QStringLiteral("seq"), double(n)}};
}

bool mountTmpfs(const QString& path, int sizeKb, QString* why, const QString& extra)
{
    QDir().mkpath(path);
    if (::geteuid() != 0) {
        *why = QStringLiteral("mounting a tmpfs needs root (running as uid %1)").arg(::geteuid());
        return false;
    }
    QString options = QStringLiteral("size=%1k,mode=0700").arg(sizeKb);
    if (!extra.isEmpty())
        options += QLatin1Char(',') + extra;
    if (::mount("tmpfs", QFile::encodeName(path).constData(), "tmpfs", 0,
                options.toLatin1().constData()) != 0) {
        *why = QStringLiteral("mount -t tmpfs on %1 was refused: %2")
                   .arg(path, QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    return true;
}

bool remount(const QString& path, const QString& options)
{
    unsigned long flags = MS_REMOUNT;
    if (options.contains(QLatin1String("ro")) && !options.contains(QLatin1String("rw")))
        flags |= MS_RDONLY;
    return ::mount("tmpfs", QFile::encodeName(path).constData(), "tmpfs", flags,
                   options.toLatin1().constData()) == 0;
}

void unmount(const QString& path)
{
    ::umount2(QFile::encodeName(path).constData(), MNT_DETACH);
}

// ---------------------------------------------------------------------------------------------

LegacyDashboard::LegacyDashboard(QObject* parent) : QObject(parent) {}

LegacyDashboard::~LegacyDashboard()
{
    terminate();
}

bool LegacyDashboard::available(QString* why)
{
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"),
            {QStringLiteral("-c"), QStringLiteral("import socketio, aiohttp")});
    if (!p.waitForFinished(20000) || p.exitCode() != 0) {
        *why = QStringLiteral("python3-socketio / python3-aiohttp are not installed");
        return false;
    }
    return true;
}

bool LegacyDashboard::start(int port, const QStringList& extraArgs)
{
    m_args = extraArgs;
    terminate();
    m_process = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("PYTHONPATH"));
    env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    m_process->setProcessEnvironment(env);
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &LegacyDashboard::readStdout);
    m_process->start(QStringLiteral("/usr/bin/python3"),
                     QStringList{QStringLiteral(EA_FAULTS_DIR "/legacy-dashboard.py"),
                                 QStringLiteral("--port"), QString::number(port)} +
                         extraArgs);
    const bool ready = waitUntil(
        [this] {
            for (const QJsonObject& r : std::as_const(m_reports))
                if (r.value(QLatin1String("ready")).toBool())
                    return true;
            return m_process->state() == QProcess::NotRunning;
        },
        15000);
    for (const QJsonObject& r : std::as_const(m_reports)) {
        if (ready && r.value(QLatin1String("ready")).toBool()) {
            m_port = quint16(r.value(QLatin1String("port")).toInt());
            return true;
        }
    }
    return false;
}

bool LegacyDashboard::restart()
{
    const int port = m_port;
    const QList<QJsonObject> before = m_reports;
    for (int attempt = 0; attempt < 50; ++attempt) {
        m_reports.clear();
        if (start(port, m_args)) {
            m_reports = before + m_reports;
            return true;
        }
        waitUntil([] { return false; }, 100);
    }
    return false;
}

void LegacyDashboard::kill9()
{
    if (!m_process)
        return;
    ::kill(pid_t(m_process->processId()), SIGKILL);
    m_process->waitForFinished(5000);
}

void LegacyDashboard::terminate()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(3000)) {
            m_process->kill();
            m_process->waitForFinished(3000);
        }
    }
    m_process->disconnect(this);
    m_process->deleteLater();
    m_process = nullptr;
}

void LegacyDashboard::readStdout()
{
    m_buffer += m_process->readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(nl);
        m_buffer.remove(0, nl + 1);
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (!o.isEmpty())
            m_reports.append(o);
    }
}

void LegacyDashboard::send(QJsonObject cmd)
{
    if (!m_process)
        return;
    cmd.insert(QStringLiteral("id"), double(m_nextId++));
    m_process->write(QJsonDocument(cmd).toJson(QJsonDocument::Compact) + '\n');
}

QJsonObject LegacyDashboard::command(QJsonObject cmd, int timeoutMs)
{
    if (!m_process)
        return {};
    const qint64 id = m_nextId;
    send(cmd);
    QJsonObject found;
    waitUntil(
        [&] {
            for (const QJsonObject& r : std::as_const(m_reports)) {
                if (r.value(QLatin1String("report")).toString() == QLatin1String("done") &&
                    qint64(r.value(QLatin1String("id")).toDouble()) == id) {
                    found = r;
                    return true;
                }
            }
            return !m_process || m_process->state() == QProcess::NotRunning;
        },
        timeoutMs);
    return found;
}

int LegacyDashboard::connectCount() const
{
    int n = 0;
    for (const QJsonObject& r : m_reports)
        n += r.value(QLatin1String("report")).toString() == QLatin1String("connect");
    return n;
}

} // namespace faults

} // namespace ea
