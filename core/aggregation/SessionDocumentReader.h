// Reads a saved session document back into a live session, by replaying its events.
#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

namespace ea {

class AgentSession;

class SessionDocumentReader
{
public:
    // Rebuilds the session by replaying the saved events, then restores what events cannot
    // tell (status, capture counts, recorded gaps, metadata). Files of the Python aggregator
    // load too, as far as their content allows. nullopt, with *error, when the document
    // cannot be a session.
    static std::optional<AgentSession> read(const QJsonObject& object, QString* error);
};

} // namespace ea
