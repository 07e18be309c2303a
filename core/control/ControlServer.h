#pragma once

#include <QJsonObject>
#include <QLockFile>
#include <QLoggingCategory>
#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

namespace ea {

Q_DECLARE_LOGGING_CATEGORY(lcControl)

class ControlListener;
class StatusSnapshot;

// The running instance's side of the per-user control socket: one instance, status, stop, activate.
// The socket is served on a thread of its own and status answers from counters published by this
// (the main) thread, so a main thread busy with a flood of events is busy, not absent.
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

    // Called on this object's thread whenever the control thread wants fresh status; what it
    // returns is what `status` answers until the next call.
    void setStatusProvider(std::function<QJsonObject()> provider)
    {
        m_status = std::move(provider);
    }

    // Sends one JSON line to every `watch` client (they are served on the control thread).
    void broadcast(const QJsonObject& line);

Q_SIGNALS:
    void stopRequested();
    void activateRequested();

private:
    void publish();

    std::shared_ptr<StatusSnapshot> m_snapshot;
    QThread m_thread;
    ControlListener* m_listener; // lives on m_thread
    std::unique_ptr<QLockFile> m_lock;
    std::function<QJsonObject()> m_status;
    QString m_error;
};

} // namespace ea
