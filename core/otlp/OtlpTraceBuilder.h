// Turns a saved session document into OTLP/JSON traces: one trace per settled turn.
#pragma once

#include "redaction/Redactor.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace ea {

// The OpenTelemetry GenAI semantic conventions this follows (Development status): the version
// pinned in the README's "OpenTelemetry export" section.
inline constexpr const char* kGenAiSemconvVersion = "1.41.0";

// Spans follow the protobuf JSON mapping of ExportTraceServiceRequest: lowerCamelCase fields,
// hex trace and span ids, nanosecond times and 64-bit integers as strings. Ids are SHA-256 of
// the session id and the identities of the turn's events, so the same turn always gives the
// same trace: a backend de-duplicates a turn sent twice.
class OtlpTraceBuilder
{
public:
    struct Options
    {
        QString serviceName = QStringLiteral("claude-code");
        QString hostName; // host.name; empty: left out
        QString scopeVersion = QStringLiteral("0.1.0");
        Redactor redactor; // the configured rules; the built-in ones by default
    };

    // One turn (prompt to Stop) as a trace.
    struct Trace
    {
        QString sessionId;
        int turnIndex = 0;
        QByteArray traceId; // 32 hex digits
        QJsonArray spans;   // root first
    };

    OtlpTraceBuilder();
    explicit OtlpTraceBuilder(Options options);

    // Every settled turn (it has an end time) of the document, in order. The text is redacted
    // (Options::redactor) before anything is read from it; what was taken out is added to
    // *manifest. False with *error when it is not a session document.
    // skip: turns whose trace id it accepts are left out (already sent), and cost nothing.
    bool build(QByteArrayView sessionJson, QList<Trace>* traces, QJsonObject* resource,
               QString* error = nullptr, RedactionManifest* manifest = nullptr,
               const std::function<bool(const QByteArray& traceId)>& skip = {}) const;

    // A resourceSpans entry: the resource and one scope holding `spans`.
    QJsonObject resourceSpans(const QJsonObject& resource, const QJsonArray& spans) const;
    // {"resourceSpans":[...]} as compact JSON.
    static QByteArray request(const QJsonArray& resourceSpans);

    const Options& options() const { return m_options; }

private:
    Options m_options;
};

} // namespace ea
