// What a redaction replaced: a count per rule and, when asked for, where and in what context.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

namespace ea {

class RedactionManifest
{
public:
    struct Finding
    {
        QString rule;
        // A JSON path ($.events[3].data.tool_parameters.command) or, in text, "line N".
        QString location;
        // The redacted text around the label: never the secret, and never another one that a
        // rule caught (the context is taken from the redacted text).
        QString preview;
        qsizetype secretLength = 0;
    };

    // Findings cost memory and time; only `redact --check` asks for them.
    void setKeepFindings(bool keep) { m_keepFindings = keep; }
    bool keepsFindings() const { return m_keepFindings; }

    void count(const QString& rule, qint64 n = 1);
    void addFinding(Finding finding);
    // Adds other's counts, and its findings when this keeps them, their locations prefixed.
    void merge(const RedactionManifest& other, const QString& locationPrefix = {});

    qint64 total() const { return m_total; }
    bool isEmpty() const { return m_total == 0; }
    qint64 countOf(const QString& rule) const { return m_counts.value(rule); }
    const QMap<QString, qint64>& counts() const { return m_counts; }
    const QList<Finding>& findings() const { return m_findings; }

    // {"total": N, "rules": {"<rule>": count, ...}}: the form exports carry.
    QJsonObject toJson() const;
    static RedactionManifest fromJson(const QJsonObject& json);

private:
    QMap<QString, qint64> m_counts;
    qint64 m_total = 0;
    bool m_keepFindings = false;
    QList<Finding> m_findings;
};

} // namespace ea
