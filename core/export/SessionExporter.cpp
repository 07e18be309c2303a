#include "export/SessionExporter.h"

#include "storage/SessionStore.h"

#include "model/ToolOperation.h"
#include "otlp/OtlpTraceBuilder.h"
#include "util/SystemReason.h"
#include "json/CanonicalJson.h"
#include "json/JsonArraySpans.h"
#include "json/JsonParser.h"
#include "json/JsonText.h"

#include <QHash>

#include <QFileInfo>
#include <QHostInfo>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QStringList>

#include <initializer_list>

#include <simdjson.h>

namespace ea {

Q_LOGGING_CATEGORY(lcExporter, "ea.storage.exporter")

namespace {
// The text of each element of a session file's "events" array, and whether it is a non-empty
// object without its own session_id (what a JSON Lines row adds). Empty unless the file parses
// and holds exactly `count` events with no number out of a double's range.
struct EventTexts
{
    QList<QByteArrayView> spans;
    QList<bool> needsId;
};

EventTexts eventTextsOf(QByteArrayView text, qsizetype count)
{
    // Its own parser: a session file may be far bigger than one payload, and the buffers go
    // with it.
    JsonParser json(std::max<qsizetype>(text.size(), 1));
    simdjson::dom::object root;
    simdjson::dom::array array;
    if (json.parse(text) != JsonParser::Status::Ok || json.numbersAsText() > 0 ||
        json.root().get_object().get(root) || root["events"].get_array().get(array) ||
        qsizetype(array.size()) != count)
        return {};
    EventTexts out;
    QList<JsonArraySpans::Kind> kinds;
    kinds.reserve(count);
    out.needsId.reserve(count);
    for (const simdjson::dom::element e : array) {
        simdjson::dom::object o;
        const bool object = !e.get_object().get(o);
        kinds.append(object || e.is_array() ? JsonArraySpans::Kind::Container
                     : e.is_string()        ? JsonArraySpans::Kind::String
                                            : JsonArraySpans::Kind::Scalar);
        out.needsId.append(object && o.size() > 0 && o["session_id"].error() != simdjson::SUCCESS);
    }
    out.spans = JsonArraySpans::split(JsonArraySpans::member(text, "events"), kinds);
    return out;
}

QString csvField(QString v)
{
    // Spreadsheets run a cell that starts like a formula (=HYPERLINK(...), +cmd|...): a leading
    // apostrophe makes it text, which is what it was.
    if (!v.isEmpty() && QStringView(u"=+-@\t\r").contains(v.front()))
        v.prepend(QLatin1Char('\''));
    if (v.contains(QLatin1Char(',')) || v.contains(QLatin1Char('"')) ||
        v.contains(QLatin1Char('\n')) || v.contains(QLatin1Char('\r'))) {
        v.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + v + QLatin1Char('"');
    }
    return v;
}

QString firstString(const QJsonObject& data, std::initializer_list<const char*> keys)
{
    for (const char* k : keys) {
        const QJsonValue v = data.value(QLatin1String(k));
        if (v.isString() && !v.toString().isEmpty())
            return v.toString();
    }
    return {};
}
} // namespace

std::optional<SessionExporter::Format> SessionExporter::formatFromName(QStringView name)
{
    if (name == QStringLiteral("json"))
        return Format::Json;
    if (name == QStringLiteral("jsonl"))
        return Format::Jsonl;
    if (name == QStringLiteral("csv"))
        return Format::Csv;
    if (name == QStringLiteral("otlp"))
        return Format::Otlp;
    return std::nullopt;
}

QString SessionExporter::formatName(Format format)
{
    switch (format) {
    case Format::Json:
        return QStringLiteral("json");
    case Format::Jsonl:
        return QStringLiteral("jsonl");
    case Format::Csv:
        return QStringLiteral("csv");
    case Format::Otlp:
        return QStringLiteral("otlp");
    }
    return {};
}

std::optional<QJsonObject> SessionExporter::readSession(const QString& path, QString* error)
{
    return SessionStore(QFileInfo(path).absolutePath()).load(path, error);
}

QString SessionExporter::csvHeader()
{
    return QStringLiteral("session_id,timestamp,event_type,category,agent_context,correlation_id,"
                          "tool_name,file_path,text,result,input_tokens,output_tokens,"
                          "cache_creation_input_tokens,cache_read_input_tokens,total_tokens");
}

SessionExporter::SessionExporter(Format format, QIODevice* device, Redactor redactor)
    : m_format(format), m_device(device), m_redactor(std::move(redactor))
{}

QString SessionExporter::sidecarPath(const QString& target)
{
    return target + QStringLiteral(".redaction.json");
}

QByteArray SessionExporter::sidecarText(const QString& target) const
{
    const QJsonObject o{{QStringLiteral("export"), QFileInfo(target).fileName()},
                        {QStringLiteral("format"), formatName(m_format)},
                        {QStringLiteral("sessions"), m_sessions},
                        {QStringLiteral("redaction"), m_manifest.toJson()}};
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

bool SessionExporter::write(const QByteArray& bytes)
{
    if (m_device->write(bytes) == bytes.size())
        return true;
    const auto* file = qobject_cast<const QFileDevice*>(m_device);
    m_error = file ? SystemReason::forFile(*file) : m_device->errorString();
    qCWarning(lcExporter).noquote() << "export write failed:" << m_error;
    return false;
}

bool SessionExporter::begin()
{
    if (m_format == Format::Json)
        return write("[\n");
    if (m_format == Format::Csv)
        return write(csvHeader().toUtf8() + '\n');
    if (m_format == Format::Otlp)
        return write("{\"resourceSpans\":[\n");
    return true;
}

QString SessionExporter::csvRow(const QString& sessionId, const QJsonObject& e,
                                const RowFacts& facts)
{
    const auto tokens = [&facts](const char* key) {
        const QJsonValue v = facts.tokens.value(QLatin1String(key));
        return v.isDouble() ? QString::number(qint64(v.toDouble())) : QString();
    };
    const QJsonObject data = e.value(QLatin1String("data")).toObject();
    // Legacy documents nest the hook's fields one level deeper.
    const QJsonObject inner = data.value(QLatin1String("data")).isObject()
                                  ? data.value(QLatin1String("data")).toObject()
                                  : data;
    const QJsonObject params = inner.value(QLatin1String("tool_parameters")).toObject();
    const QStringList row{
        sessionId,
        e.value(QLatin1String("timestamp")).toString(),
        e.value(QLatin1String("event_type")).toString(),
        e.value(QLatin1String("category")).toString(),
        e.value(QLatin1String("agent_context")).toString(),
        e.value(QLatin1String("correlation_id")).toString(),
        firstString(inner, {"tool_name"}),
        firstString(params, {"file_path"}),
        firstString(inner, {"prompt_text", "prompt", "response_text", "message"}).left(500),
        facts.result,
        tokens("input_tokens"),
        tokens("output_tokens"),
        tokens("cache_creation_input_tokens"),
        tokens("cache_read_input_tokens"),
        tokens("total_tokens")};
    QStringList cells;
    cells.reserve(row.size());
    for (const QString& c : row)
        cells.append(csvField(c));
    return cells.join(QLatin1Char(','));
}

bool SessionExporter::addOtlp(const QJsonObject& session, QByteArrayView text)
{
    OtlpTraceBuilder::Options options;
    options.serviceName = m_otlpServiceName;
    options.hostName = QHostInfo::localHostName();
    options.redactor = m_redactor;
    const OtlpTraceBuilder builder(options);
    const QByteArray own =
        text.isEmpty() ? QJsonDocument(session).toJson(QJsonDocument::Compact) : QByteArray();
    QList<OtlpTraceBuilder::Trace> traces;
    QJsonObject resource;
    QString why;
    if (!builder.build(text.isEmpty() ? QByteArrayView(own) : text, &traces, &resource, &why,
                       &m_manifest)) {
        qCWarning(lcExporter).noquote() << "not exported as otlp:" << why;
        return true; // one unreadable session does not cost the others
    }
    QJsonArray spans;
    for (const OtlpTraceBuilder::Trace& t : std::as_const(traces)) {
        for (const QJsonValue& s : t.spans)
            spans.append(s);
    }
    const QByteArray entry =
        QJsonDocument(builder.resourceSpans(resource, spans)).toJson(QJsonDocument::Compact);
    if (!write(m_sessions > 0 ? ",\n" + entry : entry))
        return false;
    m_events += spans.size();
    ++m_sessions;
    return true;
}

bool SessionExporter::add(const QJsonObject& original, QByteArrayView originalText)
{
    if (m_format == Format::Otlp)
        return addOtlp(original, originalText); // redacted as its spans are built
    // Redacted as text, where every number keeps its digits; the tree is read again from it
    // only when something changed.
    const QByteArray source = originalText.isEmpty()
                                  ? QJsonDocument(original).toJson(QJsonDocument::Compact)
                                  : originalText.toByteArray();
    RedactionManifest found;
    const QByteArray redacted = m_redactor.redactJson(source, &found);
    m_manifest.merge(found);
    const QJsonObject session =
        found.isEmpty() ? original : QJsonDocument::fromJson(redacted).object();
    const QByteArrayView text = found.isEmpty() ? originalText : QByteArrayView(redacted);
    if (m_format == Format::Json) {
        QByteArray doc = text.isEmpty() ? QJsonDocument(session).toJson(QJsonDocument::Compact)
                                        : JsonText::compact(text);
        // The document says what was taken out of it (and that it was looked at: total 0).
        if (doc.endsWith('}')) {
            doc.chop(1);
            if (doc.size() > 1)
                doc.append(',');
            doc.append("\"redaction\":")
                .append(QJsonDocument(found.toJson()).toJson(QJsonDocument::Compact))
                .append('}');
        }
        if (!write(m_sessions > 0 ? ",\n" + doc : doc))
            return false;
        ++m_sessions;
        return true;
    }
    const QString sid = session.value(QLatin1String("session_id")).toString();
    const QJsonArray events = session.value(QLatin1String("events")).toArray();
    QHash<QString, QString> results;        // correlation id -> outcome of its call
    QHash<QString, QJsonObject> turnTokens; // Stop time -> tokens of the turn it ended
    if (m_format == Format::Csv) {
        for (const QJsonValue& v : session.value(QLatin1String("tool_operations")).toArray()) {
            const QJsonObject op = v.toObject();
            const QString id = op.value(QLatin1String("correlation_id")).toString();
            if (!id.isEmpty())
                results.insert(id, ToolOperation::outcomeName(ToolOperation::outcomeOf(op)));
        }
        for (const QJsonValue& v : session.value(QLatin1String("turns")).toArray()) {
            const QJsonObject t = v.toObject();
            if (t.value(QLatin1String("ended_by")).toString() == QLatin1String("stop") &&
                t.value(QLatin1String("token_usage")).isObject())
                turnTokens.insert(t.value(QLatin1String("end_time")).toString(),
                                  t.value(QLatin1String("token_usage")).toObject());
        }
    }
    // Each event's own text where the file's text is at hand: numbers keep their digits.
    const EventTexts own = m_format == Format::Jsonl && !text.isEmpty()
                               ? eventTextsOf(text, events.size())
                               : EventTexts();
    const bool exact = !own.spans.isEmpty();
    QByteArray quotedId;
    const QByteArray sidUtf8 = sid.toUtf8();
    CanonicalJson::appendString(std::string_view(sidUtf8.constData(), size_t(sidUtf8.size())),
                                &quotedId);
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QJsonObject e = events.at(i).toObject();
        QByteArray line;
        if (m_format == Format::Jsonl && exact && own.needsId.at(i) && !own.spans.at(i).isEmpty()) {
            line = JsonText::compact(own.spans.at(i));
            line.chop(1);
            line.append(",\"session_id\":").append(quotedId).append('}');
        } else if (m_format == Format::Jsonl) {
            QJsonObject withId = e;
            withId.insert(QStringLiteral("session_id"), sid);
            line = QJsonDocument(withId).toJson(QJsonDocument::Compact);
        } else {
            RowFacts facts;
            const QString type = e.value(QLatin1String("event_type")).toString();
            if (type == QLatin1String("pre_tool") || type == QLatin1String("post_tool"))
                facts.result = results.value(e.value(QLatin1String("correlation_id")).toString());
            else if (type == QLatin1String("stop"))
                facts.tokens = turnTokens.take(e.value(QLatin1String("timestamp")).toString());
            line = csvRow(sid, e, facts).toUtf8();
        }
        if (!write(line + '\n'))
            return false;
        ++m_events;
    }
    ++m_sessions;
    return true;
}

bool SessionExporter::finish()
{
    if (m_format == Format::Json)
        return write("\n]\n");
    if (m_format == Format::Otlp)
        return write("\n]}\n");
    return true;
}

} // namespace ea
