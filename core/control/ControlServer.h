#pragma once

#include <QJsonObject>
#include <QLocalServer>
#include <QLockFile>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcControl)

// The running instance's side of the per-user control socket: one instance, status, stop, activate.
class ControlServer : public QObject
{
    Q_OBJECT
public:
    explicit ControlServer(QObject* parent = nullptr);
    ~ControlServer() override;

    // Takes the per-user instance lock and listens. False when another instance holds it
    // (or the socket cannot be created; see errorString()).
    bool listen();
    QString errorString() const { return m_error; }

    void setStatusProvider(std::function<QJsonObject()> provider)
    {
        m_status = std::move(provider);
    }

    // Caps a request line so a hostile local client cannot make us buffer without bound.
    static constexpr qint64 MaxRequestBytes = 64 * 1024;

Q_SIGNALS:
    void stopRequested();
    void activateRequested();

private:
    void onNewConnection();
    bool listenOn(const QString& socketPath);
    void keepListening();
    QJsonObject answer(const QJsonObject& request);

    QLocalServer m_server;
    QString m_socketPath;
    // QLocalServer closes itself for good when accept() fails (out of file descriptors):
    // checked once a second and reopened, so status and stop keep working afterwards.
    QTimer m_listenCheck;
    bool m_reopenFailing = false;
    std::unique_ptr<QLockFile> m_lock;
    std::function<QJsonObject()> m_status;
    QString m_error;
};
