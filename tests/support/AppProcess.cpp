#include "AppProcess.h"

#include "control/ControlClient.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace ea::test {

bool waitUntil(const std::function<bool()>& done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

QProcessEnvironment appEnvironment(const QString& home, const QString& runtimeDir,
                                   const QHash<QString, QString>& extra)
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("EA_RUNTIME_DIR"), runtimeDir);
    e.insert(QStringLiteral("HOME"), home);
    for (const char* name : {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"})
        e.remove(QString::fromLatin1(name));
    for (auto it = extra.cbegin(); it != extra.cend(); ++it)
        e.insert(it.key(), it.value());
    return e;
}

AppProcess::AppProcess(const QString& runtimeDir, QObject* parent)
    : QObject(parent), m_runtime(runtimeDir)
{
    QDir().mkpath(runtimeDir);
    connect(&m_process, &QProcess::readyReadStandardError, this,
            [this] { m_stderr += m_process.readAllStandardError(); });
    connect(&m_process, &QProcess::readyReadStandardOutput, this,
            [this] { m_stdout += m_process.readAllStandardOutput(); });
}

AppProcess::~AppProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool AppProcess::start(const QStringList& args)
{
    m_process.setProcessEnvironment(appEnvironment(m_runtime, m_runtime, m_env));
    m_process.setWorkingDirectory(m_runtime);
    m_process.start(QStringLiteral(EA_APP_BINARY), args);
    return m_process.waitForStarted(10000);
}

QJsonObject AppProcess::status(int timeoutMs) const
{
    qputenv("EA_RUNTIME_DIR", m_runtime.toLocal8Bit());
    const auto reply = ControlClient::request(QStringLiteral("status"), nullptr, timeoutMs);
    return reply ? reply->value(QLatin1String("status")).toObject() : QJsonObject();
}

bool AppProcess::waitForStatus(const std::function<bool(const QJsonObject&)>& pred, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        const QJsonObject st = status();
        if (!st.isEmpty() && pred(st))
            return true;
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
            return false;
        waitUntil([] { return false; }, 100);
    }
}

bool AppProcess::waitForStderr(const QByteArray& needle, int timeoutMs)
{
    return waitUntil([&] { return stderrText().contains(needle); }, timeoutMs);
}

QByteArray AppProcess::stderrText()
{
    m_stderr += m_process.readAllStandardError();
    return m_stderr;
}

QByteArray AppProcess::stdoutText()
{
    m_stdout += m_process.readAllStandardOutput();
    return m_stdout;
}

QJsonObject AppProcess::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return {};
    ::kill(pid_t(m_process.processId()), SIGTERM);
    if (!m_process.waitForFinished(timeoutMs))
        return {};
    return lastJsonLine(stdoutText());
}

void AppProcess::kill9()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(m_process.processId()), SIGKILL);
    m_process.waitForFinished(10000);
}

bool AppProcess::waitForExit(int timeoutMs)
{
    return m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
}

qint64 procStatusKb(qint64 pid, const char* key)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (pid <= 0 || !f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(key))
            return line.mid(qsizetype(qstrlen(key))).trimmed().split(' ').value(0).toLongLong();
    }
    return 0;
}

qint64 AppProcess::peakRssKb() const
{
    return procStatusKb(m_process.processId(), "VmHWM:");
}

qint64 AppProcess::rssKb() const
{
    return procStatusKb(m_process.processId(), "VmRSS:");
}

QByteArray runApp(const QString& runtimeDir, const QStringList& args, int* exitCode,
                  QByteArray* err, const QHash<QString, QString>& env, int timeoutMs,
                  qint64* peakRssKb)
{
    QDir().mkpath(runtimeDir);
    QProcess p;
    p.setProcessEnvironment(appEnvironment(runtimeDir, runtimeDir, env));
    p.setWorkingDirectory(runtimeDir);
    qint64 peak = 0;
    p.start(QStringLiteral(EA_APP_BINARY), args);
    p.waitForStarted(10000);
    QElapsedTimer t;
    t.start();
    while (p.state() != QProcess::NotRunning && t.elapsed() < timeoutMs) {
        peak = std::max(peak, procStatusKb(p.processId(), "VmHWM:"));
        p.waitForFinished(50);
    }
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished(5000);
    }
    *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    if (err)
        *err = p.readAllStandardError();
    if (peakRssKb)
        *peakRssKb = peak;
    return p.readAllStandardOutput();
}

QJsonObject lastJsonLine(const QByteArray& out)
{
    const QList<QByteArray> lines = out.trimmed().split('\n');
    return QJsonDocument::fromJson(lines.last()).object();
}

} // namespace ea::test
