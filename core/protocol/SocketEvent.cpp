#include "protocol/SocketEvent.h"

#include "protocol/BinaryPlaceholders.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace ea {

DecodeResult<QVariantList> SocketEvent::values() const
{
    // Wrapping in an array lets QJsonDocument parse scalars too.
    QByteArray wrapped;
    wrapped.append('[');
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (i)
            wrapped.append(',');
        wrapped.append(args[i]);
    }
    wrapped.append(']');
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray())
        return DecodeResult<QVariantList>::failure(QStringLiteral("invalid JSON argument: ") +
                                                   err.errorString());
    const auto v = BinaryPlaceholders::reconstruct(doc.array(), attachments);
    if (!v.ok())
        return DecodeResult<QVariantList>::failure(v.error);
    return DecodeResult<QVariantList>::success(v.value.toList());
}

} // namespace ea
