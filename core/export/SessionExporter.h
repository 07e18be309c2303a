// Writes session documents to a device as one JSON array, JSON Lines of events, CSV of events or
// OTLP/JSON traces.
#pragma once

#include "redaction/Redactor.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringView>

#include <optional>

class QIODevice;

namespace ea {

// Streams one session at a time, so an export of thousands never holds them all. The same
// formats serve the `export` command and the session browser. Every session goes through the
// redactor first: nothing is written that it did not see.
class SessionExporter
{
public:
    enum class Format
    {
        Json,  // [ session, session, ... ] with each document compact on its own line
        Jsonl, // one event per line, each with its session_id
        Csv,   // one event per row: the columns of csvHeader()
        Otlp   // one OTLP/JSON ExportTraceServiceRequest: a trace per settled turn
    };

    static std::optional<Format> formatFromName(QStringView name); // "json", "jsonl", "csv", "otlp"
    static QString formatName(Format format);
    static QString csvHeader();
    // Reads a saved session file (plain or gzip) the way the store does; nullopt with the
    // reason when it is unreadable. Callers outside storage read sessions through this.
    static std::optional<QJsonObject> readSession(const QString& path, QString* error = nullptr);

    SessionExporter(Format format, QIODevice* device, Redactor redactor = Redactor());

    // What the redactor replaced in all sessions written so far. Json exports carry each
    // session's own as its document's "redaction" member; jsonl and csv rows have no place
    // for it, so their callers write it beside the export (sidecarPath()).
    const RedactionManifest& manifest() const { return m_manifest; }
    // Where the manifest of a jsonl or csv export to `target` goes: "<target>.redaction.json".
    static QString sidecarPath(const QString& target);
    // The sidecar's text: {"export": "<file name>", "format": ..., "redaction": manifest}.
    QByteArray sidecarText(const QString& target) const;

    // Writes what comes before the first session; false when the device refuses it.
    bool begin();
    // `text`, the session file's text when at hand, is written instead of the object where the
    // format copies events whole (json, jsonl): a tree would round integers above 2^53. otlp
    // reads its spans from it.
    bool add(const QJsonObject& session, QByteArrayView text = {});
    // Writes what comes after the last session.
    bool finish();

    Format format() const { return m_format; }
    int sessionsWritten() const { return m_sessions; }
    qint64 eventsWritten() const { return m_events; }
    QString errorString() const { return m_error; }

    // One CSV row (without the line end) for an event of a saved session.
    // result: the outcome of the tool call a pre_tool/post_tool row belongs to
    // (ToolOperation::outcomeOf); tokens: on a Stop row, what its turn used, so summing the
    // column gives the session's tokens without counting token_usage_updated twice.
    struct RowFacts
    {
        QString result;
        QJsonObject tokens;
    };
    static QString csvRow(const QString& sessionId, const QJsonObject& event,
                          const RowFacts& facts = {});

private:
    bool write(const QByteArray& bytes);
    bool addOtlp(const QJsonObject& session, QByteArrayView text);

    Format m_format;
    QIODevice* m_device;
    Redactor m_redactor;
    RedactionManifest m_manifest;
    int m_sessions = 0;
    qint64 m_events = 0;
    QString m_error;
    QString m_otlpServiceName = QStringLiteral("claude-code");

public:
    // service.name of the otlp format's resources.
    void setOtlpServiceName(const QString& name) { m_otlpServiceName = name; }
};

} // namespace ea
