// EventNormalizer on any payload bytes, then what the pipeline does next with its events: an
// AgentSession takes them, saves itself as JSON, and is rebuilt from that JSON.
#include "FuzzSupport.h"
#include "aggregation/AgentSession.h"
#include "ingest/EventNormalizer.h"

#include <QDateTime>
#include <QJsonDocument>

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    QByteArray input = fuzz::bytes(data, size);
    // The first line names the Socket.IO event, the rest is its payload.
    static const char* const names[] = {"claude_event", "mpm_event",  "hook_event",   "history",
                                        "heartbeat",    "tool_event", "session_event"};
    QString name = QString::fromLatin1(names[0]);
    if (!input.isEmpty()) {
        name = QString::fromLatin1(names[uchar(input.at(0)) % (sizeof names / sizeof *names)]);
        input.remove(0, 1);
    }
    const QDateTime received = QDateTime::fromMSecsSinceEpoch(1785000000000LL, Qt::UTC);
    const NormalizeResult result = EventNormalizer::normalize(name, input, received);
    if (result.isError() && result.message.isEmpty())
        std::abort();
    if (!result.isEvents())
        return 0;
    AgentSession session(QStringLiteral("fuzz-session"));
    for (const ClaudeEvent& event : result.events) {
        if (event.raw.isEmpty() || !event.timestamp.isValid())
            std::abort();
        session.addEvent(event);
    }
    session.setStatus(AgentSession::Status::Completed, QStringLiteral("fuzz"));
    const QJsonObject saved = session.toJson();
    QString error;
    const auto reloaded = AgentSession::fromJson(saved, &error);
    if (!reloaded || reloaded->totalEvents() != session.totalEvents())
        std::abort(); // a session must load back from what it saved
    return 0;
}
