#include "redaction/RedactionManifest.h"

namespace ea {

void RedactionManifest::count(const QString& rule, qint64 n)
{
    if (n <= 0)
        return;
    m_counts[rule] += n;
    m_total += n;
}

void RedactionManifest::addFinding(Finding finding)
{
    if (m_keepFindings)
        m_findings.append(std::move(finding));
}

void RedactionManifest::merge(const RedactionManifest& other, const QString& locationPrefix)
{
    for (auto it = other.m_counts.cbegin(); it != other.m_counts.cend(); ++it)
        count(it.key(), it.value());
    if (!m_keepFindings)
        return;
    for (Finding f : other.m_findings) {
        f.location.prepend(locationPrefix);
        m_findings.append(std::move(f));
    }
}

QJsonObject RedactionManifest::toJson() const
{
    QJsonObject rules;
    for (auto it = m_counts.cbegin(); it != m_counts.cend(); ++it)
        rules.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("total"), m_total}, {QStringLiteral("rules"), rules}};
}

RedactionManifest RedactionManifest::fromJson(const QJsonObject& json)
{
    RedactionManifest m;
    const QJsonObject rules = json.value(QLatin1String("rules")).toObject();
    for (auto it = rules.constBegin(); it != rules.constEnd(); ++it)
        m.count(it.key(), it.value().toInteger());
    return m;
}

} // namespace ea
