#pragma once

#include "app/CaptureSetup.h"
#include "app/CommandLine.h"

#include <QObject>

namespace ea {

class CaptureService;
class ControlServer;
class OtlpForwarder;

// Runs capture with no GUI: connects, aggregates, saves, and prints one JSON line of counters when
// signalled.
class HeadlessRunner : public QObject
{
    Q_OBJECT
public:
    HeadlessRunner(const AppOptions& options, const CaptureSetup::Result& setup,
                   QObject* parent = nullptr);
    ~HeadlessRunner() override;

    // Returns an exit code to end with now, or -1 to enter the event loop.
    int start();
    // Saves live sessions as interrupted, prints the counters line on stdout, quits the event loop
    // with 0, or 1 when sessions could not be written.
    void finish();

private:
    void printCounters();

    AppOptions m_options;
    CaptureSetup::Result m_setup;
    CaptureService* m_capture = nullptr;
    ControlServer* m_control = nullptr;
    OtlpForwarder* m_forwarder = nullptr;
    bool m_finished = false;
    bool m_replaying = false;
};

} // namespace ea
