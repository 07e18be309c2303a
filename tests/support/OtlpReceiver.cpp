#include "OtlpReceiver.h"

#include "AppProcess.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTest>

namespace ea::test {

namespace {
QString script()
{
    return QDir(QStringLiteral(EA_PEERS_DIR)).filePath(QStringLiteral("otlp-receiver.js"));
}
QString node()
{
    const QString n = QStandardPaths::findExecutable(QStringLiteral("node"));
    return n.isEmpty() ? QStringLiteral("node") : n;
}
} // namespace

OtlpReceiver::OtlpReceiver(QObject* parent) : QObject(parent)
{
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &OtlpReceiver::readOutput);
}

OtlpReceiver::~OtlpReceiver()
{
    stop();
}

bool OtlpReceiver::available(QString* why)
{
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty()) {
        *why = QStringLiteral("node is missing");
        return false;
    }
    if (!QFileInfo::exists(
            QStringLiteral(EA_PEERS_DIR "/node_modules/@opentelemetry/otlp-proto-exporter-base"))) {
        *why = QStringLiteral("run npm ci in tests/peers");
        return false;
    }
    return true;
}

bool OtlpReceiver::start(quint16 port)
{
    stop();
    m_port = 0;
    m_buffer.clear();
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    for (int attempt = 0; attempt < 50; ++attempt) {
        m_process.start(node(), {script(), QStringLiteral("--port"), QString::number(port)});
        if (!m_process.waitForStarted(10000))
            return false;
        if (waitUntil([this] { return m_port != 0 || m_process.state() != QProcess::Running; },
                      10000) &&
            m_port != 0)
            return true;
        m_process.waitForFinished(1000);
        if (port == 0 || m_process.exitCode() != 3)
            return false;
        QTest::qWait(100); // the port is still held by the previous receiver
    }
    return false;
}

void OtlpReceiver::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.closeWriteChannel();
    if (!m_process.waitForFinished(3000)) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString OtlpReceiver::endpoint() const
{
    return QStringLiteral("http://127.0.0.1:%1/v1/traces").arg(m_port);
}

bool OtlpReceiver::plan(int status, int count, int retryAfterSeconds, int rejected, int delayMs)
{
    const int id = m_nextId++;
    QJsonObject cmd{{QStringLiteral("id"), id},
                    {QStringLiteral("cmd"), QStringLiteral("answer")},
                    {QStringLiteral("status"), status},
                    {QStringLiteral("count"), count},
                    {QStringLiteral("rejected"), rejected},
                    {QStringLiteral("delay_ms"), delayMs}};
    if (retryAfterSeconds >= 0)
        cmd.insert(QStringLiteral("retry_after"), retryAfterSeconds);
    m_process.write(QJsonDocument(cmd).toJson(QJsonDocument::Compact) + '\n');
    return waitUntil(
        [this, id] {
            for (const QJsonObject& d : std::as_const(m_done))
                if (d.value(QLatin1String("id")).toInt() == id)
                    return true;
            return false;
        },
        5000);
}

QList<QJsonObject> OtlpReceiver::requests()
{
    readPending();
    return m_requests;
}

QList<QJsonObject> OtlpReceiver::accepted()
{
    readPending();
    QList<QJsonObject> out;
    for (const QJsonObject& r : std::as_const(m_requests)) {
        const int status = r.value(QLatin1String("status")).toInt();
        if (status >= 200 && status < 300)
            out.append(r);
    }
    return out;
}

bool OtlpReceiver::waitForRequests(int count, int timeoutMs)
{
    return waitUntil([this, count] { return m_requests.size() >= count; }, timeoutMs);
}

// The receiver reports a request before answering it: whatever a sender saw answered is
// already in the pipe, even if the event loop has not read it yet.
void OtlpReceiver::readPending()
{
    while (m_process.state() == QProcess::Running && m_process.waitForReadyRead(0)) {
    }
    readOutput();
}

void OtlpReceiver::readOutput()
{
    m_buffer += m_process.readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_buffer.indexOf('\n')) >= 0) {
        const QJsonObject o = QJsonDocument::fromJson(m_buffer.left(nl)).object();
        m_buffer.remove(0, nl + 1);
        if (o.value(QLatin1String("ready")).toBool())
            m_port = quint16(o.value(QLatin1String("port")).toInt());
        else if (o.value(QLatin1String("report")).toString() == QLatin1String("request"))
            m_requests.append(o);
        else if (o.value(QLatin1String("report")).toString() == QLatin1String("done"))
            m_done.append(o);
    }
}

} // namespace ea::test
