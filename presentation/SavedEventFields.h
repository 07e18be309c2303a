// Reads of a saved session file's event that the browser's models share.
#pragma once

#include <QJsonObject>
#include <QJsonValue>

namespace ea {

// The hook's own fields: the event's data, or the object nested in it by older servers.
inline QJsonObject savedHookData(const QJsonObject& event)
{
    const QJsonObject data = event.value(QLatin1String("data")).toObject();
    const QJsonValue inner = data.value(QLatin1String("data"));
    return inner.isObject() ? inner.toObject() : data;
}

} // namespace ea
