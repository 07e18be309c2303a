#include "app/HeadlessRunner.h"

#include "capture/CaptureService.h"
#include "control/ControlServer.h"
#include "otlp/OtlpForwarder.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <cstdio>

namespace ea {

Q_LOGGING_CATEGORY(lcHeadless, "ea.app.headless", QtInfoMsg)

HeadlessRunner::HeadlessRunner(const AppOptions& options, const CaptureSetup::Result& setup,
                               QObject* parent)
    : QObject(parent), m_options(options), m_setup(setup)
{}

HeadlessRunner::~HeadlessRunner() = default;

int HeadlessRunner::start()
{
    const CaptureSettings& s = m_setup.settings;
    m_capture = new CaptureService(s, this);
    const bool replaying = !m_options.replayFile.isEmpty();
    if (!replaying) {
        // One capturing instance per user: two would save the same sessions twice.
        m_control = new ControlServer(this);
        if (!m_control->listen()) {
            std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(m_control->errorString()));
            return 1;
        }
        m_control->setStatusProvider([this] {
            QJsonObject st = m_capture->countersJson();
            st.insert(QStringLiteral("capturing"), m_capture->isCapturing());
            st.insert(
                QStringLiteral("server"),
                QStringLiteral("%1:%2").arg(m_setup.settings.host).arg(m_setup.settings.port));
            st.insert(QStringLiteral("activity_directory"), m_setup.settings.activityDirectory);
            if (m_capture->client())
                st.insert(QStringLiteral("state"),
                          QVariant::fromValue(m_capture->client()->state()).toString());
            st.insert(QStringLiteral("states"), m_capture->stateMonitor().countsJson());
            st.insert(QStringLiteral("live_states"), m_capture->stateMonitor().sessionsJson());
            if (m_forwarder)
                st.insert(QStringLiteral("otlp"), m_forwarder->statusJson());
            return st;
        });
        connect(m_control, &ControlServer::stopRequested, this, &HeadlessRunner::finish);
        // `watch` clients hear of every state change as it happens.
        connect(&m_capture->stateMonitor(), &SessionStateMonitor::stateChanged, m_control,
                [this](const QString& id, const LiveState& state) {
                    m_control->broadcast(m_capture->stateMonitor().changeJson(id, state));
                });
    }
    if (m_setup.otlp) {
        // Each turn is queued as its session is saved (from the start on: a session restored
        // from the journal is saved while initializing); a replay's turns wait in the outbox
        // for the next capture when it ends first.
        m_forwarder = new OtlpForwarder(
            *m_setup.otlp, s.activityDirectory + QStringLiteral("/.otlp"), nullptr, this);
        connect(m_capture, &CaptureService::sessionSaved, m_forwarder,
                &OtlpForwarder::onSessionSaved);
    }
    if (!m_capture->initialize()) {
        std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(m_capture->lastError()));
        return 1;
    }
    if (m_forwarder) {
        QString error;
        if (!m_forwarder->start(&error)) {
            std::fprintf(stderr, "event-aggregator: cannot forward traces: %s\n",
                         qPrintable(error));
            return 1;
        }
    }
    if (replaying) {
        QString error;
        bool started = false;
        m_replaying = true;
        const bool ok = m_capture->replay(m_options.replayFile, &error, &started);
        m_replaying = false;
        m_finished = true;
        if (!ok)
            std::fprintf(stderr, "event-aggregator: %s\n", qPrintable(error));
        if (started)
            printCounters();
        return ok ? 0 : 1;
    }
    if (!m_setup.config.enabled && m_options.host.isEmpty() && !m_options.port) {
        std::fprintf(
            stderr,
            "event-aggregator: capture is disabled (event_aggregator.enabled: false in %s)\n",
            qPrintable(m_setup.config.configFile));
        return 0;
    }
    if (!m_capture->startCapture())
        return 2; // the client has said why (a refused host)
    qCInfo(lcHeadless).noquote() << "capturing" << s.events.join(QStringLiteral(", ")) << "from"
                                 << s.host << s.port << "into" << s.activityDirectory;
    return -1;
}

void HeadlessRunner::finish()
{
    if (m_replaying) {
        m_capture->requestReplayStop(); // the replay saves what it read and returns
        return;
    }
    if (m_finished)
        return;
    m_finished = true;
    // Sessions that could not be written have been reported one by one; the exit code says so.
    const bool allWritten = !m_capture || m_capture->shutdown();
    printCounters();
    QCoreApplication::exit(allWritten ? 0 : 1);
}

void HeadlessRunner::printCounters()
{
    QJsonObject counters = m_capture ? m_capture->countersJson() : QJsonObject();
    const QByteArray line = QJsonDocument(counters).toJson(QJsonDocument::Compact);
    std::fprintf(stdout, "%s\n", line.constData());
    std::fflush(stdout);
}

} // namespace ea

#include "moc_HeadlessRunner.cpp"
