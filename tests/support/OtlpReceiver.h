// The OTLP/HTTP test receiver (tests/peers/otlp-receiver.js) as a child process: a collector
// that decodes with the official protobuf definitions and can be told how to answer.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QString>

namespace ea::test {

class OtlpReceiver : public QObject
{
    Q_OBJECT
public:
    explicit OtlpReceiver(QObject* parent = nullptr);
    ~OtlpReceiver() override;

    // False (with *why) when node or the peers' node_modules are missing.
    static bool available(QString* why);
    // Starts on `port` (0: an ephemeral one) and waits for its ready line.
    bool start(quint16 port = 0);
    void stop(); // closes stdin, waits, kills
    quint16 port() const { return m_port; }
    QString endpoint() const;

    // The next `count` requests get this answer (status 200 with rejected > 0: partial
    // success; delayMs: answered that late). Later ones get 200.
    bool plan(int status, int count = 1, int retryAfterSeconds = -1, int rejected = 0,
              int delayMs = 0);
    // Every request answered so far: {n, status, valid, error, spans[], encoding, ...}.
    QList<QJsonObject> requests();
    // Requests answered 2xx.
    QList<QJsonObject> accepted();
    bool waitForRequests(int count, int timeoutMs);

private:
    void readOutput();
    void readPending();

    QProcess m_process;
    QByteArray m_buffer;
    quint16 m_port = 0;
    QList<QJsonObject> m_requests;
    QList<QJsonObject> m_done;
    int m_nextId = 1;
};

} // namespace ea::test
