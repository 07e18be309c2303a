#pragma once

#include "CommandLine.h"

#include <QHash>
#include <QObject>

class SocketIoClient;

// Runs capture with no GUI: connects, counts, and prints one JSON line of counters when signalled.
class HeadlessRunner : public QObject
{
    Q_OBJECT
public:
    explicit HeadlessRunner(const AppOptions& options, QObject* parent = nullptr);

    // Returns false (with the reason on stderr) when capture cannot start at all.
    bool start();
    // Stops capture, prints the counters line on stdout, then asks the event loop to quit.
    void finish();

    static QStringList defaultEvents();

private:
    AppOptions m_options;
    SocketIoClient* m_client = nullptr;
    QHash<QString, quint64> m_eventsByName;
    quint64 m_eventsReceived = 0;
};
