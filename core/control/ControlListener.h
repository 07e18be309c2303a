// Serves the control socket on the control thread: status from the published snapshot.
#pragma once

// Reads requests, answers status from the snapshot and passes stop and activate on as signals.
#include <QJsonObject>
#include <QLocalServer>
#include <QObject>
#include <QTimer>

#include <memory>

namespace ea {

class StatusSnapshot;

class ControlListener : public QObject
{
    Q_OBJECT
public:
    explicit ControlListener(std::shared_ptr<StatusSnapshot> snapshot);

    // Listens on socketPath (we hold the instance lock); false with *error on failure.
    bool listen(const QString& socketPath, QString* error);
    // Stops listening; called on the control thread before it ends.
    void close();

    // Caps a request line so a hostile local client cannot make us buffer without bound.
    static constexpr qint64 MaxRequestBytes = 64 * 1024;

Q_SIGNALS:
    // The status snapshot is wanted fresh (queued to the thread that owns the counters).
    void snapshotWanted();
    void stopRequested();
    void activateRequested();

private:
    void onNewConnection();
    bool listenOn(QString* error);
    void keepListening();
    QJsonObject answer(const QJsonObject& request);

    std::shared_ptr<StatusSnapshot> m_snapshot;
    QLocalServer* m_server;
    QString m_socketPath;
    // QLocalServer closes itself for good when accept() fails (out of file descriptors):
    // checked once a second and reopened, so status and stop keep working afterwards.
    QTimer* m_listenCheck;
    bool m_reopenFailing = false;
};

} // namespace ea
