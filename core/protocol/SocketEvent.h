#pragma once

#include "protocol/DecodeResult.h"

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

    // The arguments as variants, with binary placeholders replaced by QByteArray.
    DecodeResult<QVariantList> values() const;
};

} // namespace ea
