#pragma once

#include "protocol/DecodeResult.h"

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QVariant>

namespace ea {

// Converts between values holding QByteArray blobs and JSON with {"_placeholder":true,"num":N}.
class BinaryPlaceholders
{
public:
    // Replaces every QByteArray inside `value` by a placeholder and appends the bytes to
    // `attachments` in placeholder order.
    static QJsonValue deconstruct(const QVariant& value, QList<QByteArray>* attachments);

    // Replaces every placeholder by its attachment. Fails on a placeholder whose num is out of
    // range, so a hostile packet cannot index past the frames that arrived.
    static DecodeResult<QVariant> reconstruct(const QJsonValue& value,
                                              const QList<QByteArray>& attachments);

    static bool containsBinary(const QVariant& value);
};

} // namespace ea
