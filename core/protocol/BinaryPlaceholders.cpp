#include "protocol/BinaryPlaceholders.h"

#include <QJsonArray>
#include <QJsonObject>

namespace ea {

namespace {
constexpr int MaxDepth = 512;

bool isPlaceholder(const QJsonObject& o)
{
    return o.size() == 2 && o.value(QLatin1String("_placeholder")).toBool() &&
           o.value(QLatin1String("num")).isDouble();
}

QJsonValue deconstructAt(const QVariant& v, QList<QByteArray>* out, int depth)
{
    if (depth > MaxDepth)
        return QJsonValue();
    switch (v.typeId()) {
    case QMetaType::QByteArray: {
        QJsonObject ph;
        ph.insert(QLatin1String("_placeholder"), true);
        ph.insert(QLatin1String("num"), int(out->size()));
        out->append(v.toByteArray());
        return ph;
    }
    case QMetaType::QVariantList:
    case QMetaType::QStringList: {
        QJsonArray a;
        for (const QVariant& e : v.toList())
            a.append(deconstructAt(e, out, depth + 1));
        return a;
    }
    case QMetaType::QVariantMap: {
        QJsonObject o;
        const QVariantMap m = v.toMap();
        for (auto it = m.begin(); it != m.end(); ++it)
            o.insert(it.key(), deconstructAt(it.value(), out, depth + 1));
        return o;
    }
    case QMetaType::QVariantHash: {
        QJsonObject o;
        const QVariantHash m = v.toHash();
        for (auto it = m.begin(); it != m.end(); ++it)
            o.insert(it.key(), deconstructAt(it.value(), out, depth + 1));
        return o;
    }
    default:
        return QJsonValue::fromVariant(v);
    }
}

bool containsAt(const QVariant& v, int depth)
{
    if (depth > MaxDepth)
        return false;
    switch (v.typeId()) {
    case QMetaType::QByteArray:
        return true;
    case QMetaType::QVariantList:
        for (const QVariant& e : v.toList())
            if (containsAt(e, depth + 1))
                return true;
        return false;
    case QMetaType::QVariantMap:
        for (const QVariant& e : v.toMap())
            if (containsAt(e, depth + 1))
                return true;
        return false;
    case QMetaType::QVariantHash:
        for (const QVariant& e : v.toHash())
            if (containsAt(e, depth + 1))
                return true;
        return false;
    default:
        return false;
    }
}

QVariant reconstructAt(const QJsonValue& v, const QList<QByteArray>& att, int depth, QString* error)
{
    if (depth > MaxDepth) {
        *error = QStringLiteral("binary packet nested deeper than %1").arg(MaxDepth);
        return {};
    }
    if (v.isArray()) {
        QVariantList out;
        const QJsonArray a = v.toArray();
        out.reserve(a.size());
        for (const QJsonValue& e : a) {
            out.append(reconstructAt(e, att, depth + 1, error));
            if (!error->isEmpty())
                return {};
        }
        return out;
    }
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        if (isPlaceholder(o)) {
            const double num = o.value(QLatin1String("num")).toDouble();
            if (num < 0 || num >= double(att.size()) || num != double(qint64(num))) {
                *error = QStringLiteral("placeholder num %1 out of range (%2 attachments)")
                             .arg(num)
                             .arg(att.size());
                return {};
            }
            return att.at(qsizetype(num));
        }
        QVariantMap out;
        for (auto it = o.begin(); it != o.end(); ++it) {
            out.insert(it.key(), reconstructAt(it.value(), att, depth + 1, error));
            if (!error->isEmpty())
                return {};
        }
        return out;
    }
    return v.toVariant();
}
} // namespace

QJsonValue BinaryPlaceholders::deconstruct(const QVariant& value, QList<QByteArray>* attachments)
{
    return deconstructAt(value, attachments, 0);
}

DecodeResult<QVariant> BinaryPlaceholders::reconstruct(const QJsonValue& value,
                                                       const QList<QByteArray>& attachments)
{
    QString error;
    QVariant v = reconstructAt(value, attachments, 0, &error);
    if (!error.isEmpty())
        return DecodeResult<QVariant>::failure(error);
    return DecodeResult<QVariant>::success(std::move(v));
}

bool BinaryPlaceholders::containsBinary(const QVariant& value)
{
    return containsAt(value, 0);
}

} // namespace ea
