#include "HeadlessRunner.h"

#include "SocketIoClient.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <cstdio>

Q_LOGGING_CATEGORY(lcHeadless, "ea.app.headless", QtInfoMsg)

HeadlessRunner::HeadlessRunner(const AppOptions& options, QObject* parent)
    : QObject(parent), m_options(options)
{}

QStringList HeadlessRunner::defaultEvents()
{
    return {QStringLiteral("claude_event"), QStringLiteral("mpm_event")};
}

bool HeadlessRunner::start()
{
    SocketIoClient::Options o;
    o.host = m_options.host.isEmpty() ? QStringLiteral("127.0.0.1") : m_options.host;
    o.port = quint16(m_options.port.value_or(8765));
    o.allowRemote = m_options.allowRemote;
    m_client = new SocketIoClient(o, this);
    const QStringList events = m_options.events.isEmpty() ? defaultEvents() : m_options.events;
    for (const QString& name : events) {
        m_client->on(name, [this](const SocketEvent& ev) {
            ++m_eventsReceived;
            ++m_eventsByName[ev.name];
        });
    }
    if (!m_client->open())
        return false; // the client has said why
    qCInfo(lcHeadless).noquote() << "capturing" << events.join(QStringLiteral(", ")) << "from"
                                 << o.host << o.port;
    return true;
}

void HeadlessRunner::finish()
{
    if (m_client)
        m_client->close();
    QJsonObject counters;
    const auto stats = m_client ? m_client->stats() : SocketIoClient::Stats();
    counters.insert(QStringLiteral("events_received"), double(m_eventsReceived));
    counters.insert(QStringLiteral("connects"), double(stats.connects));
    counters.insert(QStringLiteral("reconnects"), double(stats.reconnects));
    counters.insert(QStringLiteral("recovered"), double(stats.recovered));
    counters.insert(QStringLiteral("malformed"), double(stats.malformed));
    counters.insert(QStringLiteral("missed_possible"), double(stats.missedPossible));
    QJsonObject byName;
    for (auto it = m_eventsByName.cbegin(); it != m_eventsByName.cend(); ++it)
        byName.insert(it.key(), double(it.value()));
    counters.insert(QStringLiteral("events_by_name"), byName);
    const QByteArray line = QJsonDocument(counters).toJson(QJsonDocument::Compact);
    std::fprintf(stdout, "%s\n", line.constData());
    std::fflush(stdout);
    QCoreApplication::quit();
}
