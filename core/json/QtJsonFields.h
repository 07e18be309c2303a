// Typed reads and writes of QJsonObject fields, for the few places that still hold a Qt tree.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace ea::qtjson {

// The object under key, or an empty one when it is missing or not an object.
inline QJsonObject objectAt(const QJsonObject& object, const char* key)
{
    const QJsonValue v = object.value(QLatin1String(key));
    return v.isObject() ? v.toObject() : QJsonObject();
}

// The string under key, or an empty one when it is missing or not a string.
inline QString stringAt(const QJsonObject& object, const char* key)
{
    const QJsonValue v = object.value(QLatin1String(key));
    return v.isString() ? v.toString() : QString();
}

// Session files write null, not "", for a string that is not known.
inline QJsonValue stringOrNull(const QString& s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

inline QJsonValue objectOrNull(const QJsonObject& o)
{
    return o.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(o);
}

} // namespace ea::qtjson
