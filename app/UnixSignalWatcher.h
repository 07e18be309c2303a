#pragma once

#include <QObject>
#include <QSocketNotifier>

namespace ea {

// Turns SIGINT/SIGTERM into a Qt signal, via a self-pipe so the handler stays async-signal-safe.
class UnixSignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject* parent = nullptr);
    ~UnixSignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    static void handle(int signalNumber);
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace ea
