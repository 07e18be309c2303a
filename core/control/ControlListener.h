// Serves the control socket on the control thread: status from the published snapshot.
#pragma once

// Reads requests, answers status from the snapshot and passes stop and activate on as signals.
#include <QJsonObject>
#include <QList>
#include <QLocalServer>
#include <QObject>
#include <QTimer>

class QLocalSocket;

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
    // A watcher that lets this much pile up unread is dropped rather than buffered for.
    static constexpr qint64 MaxWatchBacklogBytes = 1024 * 1024;

    // Writes one line to every `watch` client (runs on the control thread).
    void broadcast(const QByteArray& line);
    int watcherCount() const { return int(m_watchers.size()); }

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
    void startWatch(QLocalSocket* socket);

    std::shared_ptr<StatusSnapshot> m_snapshot;
    QLocalServer* m_server;
    QString m_socketPath;
    // QLocalServer closes itself for good when accept() fails (out of file descriptors):
    // checked once a second and reopened, so status and stop keep working afterwards.
    QTimer* m_listenCheck;
    bool m_reopenFailing = false;
    QList<QLocalSocket*> m_watchers;
};

} // namespace ea
