#pragma once

#include "protocol/DecodeResult.h"
#include "json/JsonParser.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariantList>

namespace ea {

// One event received from the server: its name and the raw JSON of each argument.
struct SocketEvent
{
    QString nsp = QStringLiteral("/");
    QString name;
    QList<QByteArray> args;        // raw JSON text of each argument after the name
    QList<QByteArray> attachments; // binary frames, referenced by placeholders in args
    qint64 ackId = -1;             // >= 0: the server waits for an acknowledgement
    // The packet's array ([name, args...]) as the client parsed it: valid while the event is
    // being delivered, so handlers read the arguments without parsing them again.
    ParsedJson parsed;

    // Argument i as parsed (stale once the client parsed the next frame).
    ParsedJson parsedArgument(int i) const { return parsed.element(i + 1); }

    // The arguments as variants, with binary placeholders replaced by QByteArray.
    DecodeResult<QVariantList> values() const;
};

} // namespace ea
