// Writes a session document (docs/session.schema.json) as JSON text from the session's held bytes.
#pragma once

#include "aggregation/HeldPayload.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <memory>
#include <string_view>
#include <vector>

namespace ea {

class AgentSession;
struct Delegation;
struct ToolOperation;
struct Turn;

// Nothing goes through a QJsonObject: the events' data and the tool calls' input and output
// are slices of the held payload bytes (numbers keep their digits), everything else is
// written from the session's own values.
class SessionDocumentWriter
{
public:
    enum class Layout
    {
        Compact,
        // For people: the top level and its small objects indented; each event, tool call,
        // delegation and turn on a line of its own.
        Readable
    };

    // The whole document; extra: top-level fields added (part, continued_in, ...).
    static QByteArray write(const AgentSession& session, const QJsonObject& extra = {},
                            Layout layout = Layout::Compact);
    // Readable while the document is at most readableUpTo bytes, compact above.
    static QByteArray writeSized(const AgentSession& session, const QJsonObject& extra,
                                 qint64 readableUpTo);
    // The same into *text, which is emptied first but keeps its capacity: a buffer reused from
    // save to save is not faulted in again (fresh pages were most of a big save's cost).
    // Returns where the "events" array starts in *text: the document without its events is
    // text->left(that) + "[]}".
    static qsizetype writeSized(const AgentSession& session, const QJsonObject& extra,
                                qint64 readableUpTo, QByteArray* text);
    // The "events" array alone, compact, in time order.
    static QByteArray eventsText(const AgentSession& session);

private:
    class Out;
    SessionDocumentWriter(const AgentSession& session, QByteArray* text, bool indent);
    ~SessionDocumentWriter();

    void document(const QJsonObject& extra);
    static qsizetype write(const AgentSession& session, const QJsonObject& extra, Layout layout,
                           QByteArray* text);
    void events();
    void event(qsizetype index);
    void metadata();
    void capture();
    void metrics(const QList<ToolOperation>& operations, const QList<Delegation>& delegations,
                 const QList<Turn>& turns);
    QByteArray toolOperation(const ToolOperation& op);
    void delegation(const Delegation& d, const QList<QByteArray>& operationText);
    void turn(const Turn& t);

    // What one held event's payload gives the document, as offsets into its bytes: each
    // payload is read once per document, for its tool call and for its place in "events".
    struct Slices
    {
        bool read = false;
        bool parsed = false; // the payload is a JSON object
        qint32 dataAt = 0, dataSize = 0;
        qint32 inputAt = 0, inputSize = 0;
        qint32 outputAt = 0, outputSize = 0;
        QString correlationId;
    };
    const Slices& slices(qsizetype index);
    QByteArrayView nameJson(quint16 index);
    std::string_view slice(qsizetype index, qint32 at, qint32 size) const;

    const AgentSession& m_s;
    std::unique_ptr<Out> m_out;
    HeldPayload m_payload;
    std::vector<Slices> m_slices;       // by event index, filled as they are read
    QByteArray m_scratch;               // one tool call's text at a time
    std::vector<QByteArray> m_nameJson; // event names as JSON strings, by index, once each
    QByteArray m_sessionIdJson;
    qsizetype m_eventsAt = -1;
};

} // namespace ea
