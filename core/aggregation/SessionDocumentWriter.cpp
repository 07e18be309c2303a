#include "aggregation/SessionDocumentWriter.h"

#include "aggregation/AgentSession.h"
#include "util/IsoTime.h"

#include <QJsonArray>
#include <QLoggingCategory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace ea {

Q_LOGGING_CATEGORY(lcWriter, "ea.aggregation.writer")

// JSON text with commas and indentation kept track of. A container opened inline keeps
// everything inside it on one line.
class SessionDocumentWriter::Out
{
public:
    Out(QByteArray* text, bool indent) : m_text(text), m_indent(indent), m_size(text->size()) {}

    // Where the text written so far ends.
    qsizetype size() const { return m_size; }
    // Gives the text its size: past it lies room reserved for what was still to come.
    void finish() { m_text->resize(m_size); }

    void beginObject(bool inlined = false) { open('{', inlined); }
    void endObject() { close('}'); }
    void beginArray(bool inlined = false) { open('[', inlined); }
    void endArray() { close(']'); }

    // A name written here, never one that needs escaping; its length is known when compiled.
    template <size_t N> Out& key(const char (&name)[N])
    {
        separate();
        reserve(qsizetype(N) + 3);
        putReserved('"');
        std::memcpy(m_data + m_size, name, N - 1);
        m_size += qsizetype(N) - 1;
        putReserved('"');
        putReserved(':');
        if (broken())
            putReserved(' ');
        m_afterKey = true;
        return *this;
    }
    Out& key(QStringView name)
    {
        separate();
        appendString(name);
        broken() ? put(": ", 2) : put(':');
        m_afterKey = true;
        return *this;
    }

    void null() { literal("null"); }
    void boolean(bool b) { literal(b ? "true" : "false"); }
    void number(qint64 n)
    {
        separate();
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        put(digits, end - digits);
    }
    void number(double d)
    {
        if (!std::isfinite(d))
            return null();
        separate();
        const QByteArray text = QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
        put(text.constData(), text.size());
    }
    void string(QStringView s)
    {
        separate();
        appendString(s);
    }
    void stringOrNull(const QString& s) { s.isEmpty() ? null() : string(s); }
    void time(const QDateTime& t) { t.isValid() ? timeMs(t.toMSecsSinceEpoch()) : null(); }
    void timeMs(qint64 ms)
    {
        separate();
        char b[IsoTime::UtcLength + 2];
        if (IsoTime::writeUtc(ms, b + 1)) {
            b[0] = b[IsoTime::UtcLength + 1] = '"';
            return put(b, sizeof b);
        }
        const QString s = IsoTime::toString(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC));
        if (s.isEmpty())
            put("null", 4);
        else
            appendString(s);
    }
    void optionalNumber(const std::optional<qint64>& n) { n ? number(*n) : null(); }
    // Indexes, durations and turns use -1 for "none": written as null.
    void numberOrNull(qint64 n) { n >= 0 ? number(n) : null(); }
    // "success" is a boolean only for a known outcome; "result" names it in every case.
    void outcome(ToolOperation::Outcome result)
    {
        const bool known =
            result == ToolOperation::Outcome::Success || result == ToolOperation::Outcome::Failure;
        key("success");
        known ? boolean(result == ToolOperation::Outcome::Success) : null();
        key("result").string(ToolOperation::outcomeName(result));
    }
    // Valid JSON text as it is.
    void raw(std::string_view json)
    {
        separate();
        put(json.data(), qsizetype(json.size()));
    }
    void raw(QByteArrayView json)
    {
        separate();
        put(json.data(), json.size());
    }
    // A string as a JSON string literal, for text written many times in one document.
    static QByteArray stringJson(QStringView s)
    {
        QByteArray text;
        Out out(&text, false);
        out.appendString(s);
        out.finish();
        return text;
    }
    // A 64-bit number as sixteen lower-case hex digits in quotes (an event's id).
    void hex16(quint64 v)
    {
        separate();
        reserve(18);
        static constexpr char digits[] = "0123456789abcdef";
        putReserved('"');
        for (int shift = 60; shift >= 0; shift -= 4)
            putReserved(digits[(v >> shift) & 0xf]);
        putReserved('"');
    }
    void json(const QJsonValue& v)
    {
        switch (v.type()) {
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            return null();
        case QJsonValue::Bool:
            return boolean(v.toBool());
        case QJsonValue::Double: {
            const double d = v.toDouble();
            if (std::abs(d) < 9007199254740992.0 && d == double(qint64(d)))
                return number(qint64(d));
            return number(d);
        }
        case QJsonValue::String:
            return string(v.toString());
        case QJsonValue::Array: {
            beginArray(true);
            const QJsonArray a = v.toArray();
            for (const QJsonValue& e : a)
                json(e);
            return endArray();
        }
        case QJsonValue::Object: {
            const QJsonObject o = v.toObject();
            beginObject(true);
            for (auto it = o.begin(); it != o.end(); ++it)
                key(it.key()).json(it.value());
            return endObject();
        }
        }
    }
    void strings(const QStringList& list)
    {
        beginArray(true);
        for (const QString& s : list)
            string(s);
        endArray();
    }
    void counts(const QMap<QString, int>& map)
    {
        beginObject(true);
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            key(it.key()).number(qint64(it.value()));
        endObject();
    }

private:
    struct Level
    {
        bool first = true;
        bool inlined = false;
    };

    bool broken() const { return m_indent && !m_levels.empty() && !m_levels.back().inlined; }

    void literal(const char* text)
    {
        separate();
        put(text, qsizetype(std::strlen(text)));
    }
    void open(char bracket, bool inlined)
    {
        separate();
        put(bracket);
        const bool parentInline = !m_levels.empty() && m_levels.back().inlined;
        m_levels.push_back({true, inlined || parentInline || !m_indent});
    }
    void close(char bracket)
    {
        const Level level = m_levels.back();
        m_levels.pop_back();
        if (!level.inlined && !level.first)
            newline();
        put(bracket);
    }
    void newline()
    {
        put('\n');
        for (size_t i = 0; i < m_levels.size(); ++i)
            put("    ", 4);
    }
    // Before a value or a key: the comma and line break it needs.
    void separate()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (m_levels.empty())
            return;
        Level& level = m_levels.back();
        if (!level.first)
            put(',');
        level.first = false;
        if (!level.inlined)
            newline();
    }
    void appendString(QStringView s)
    {
        put('"');
        // Mostly ASCII: written as it is read, without a UTF-8 copy first.
        const char16_t* u = s.utf16();
        qsizetype i = 0;
        reserve(s.size());
#if defined(__SSE2__)
        // Eight units at a time while none needs an escape or a second byte: narrowed as is.
        for (; i + 8 <= s.size(); i += 8) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u + i));
            // Signed: a unit from 0x8000 up compares below 0x20, so it is not plain either.
            const __m128i printable = _mm_and_si128(_mm_cmpgt_epi16(v, _mm_set1_epi16(0x1f)),
                                                    _mm_cmplt_epi16(v, _mm_set1_epi16(0x80)));
            const __m128i special = _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16('"')),
                                                 _mm_cmpeq_epi16(v, _mm_set1_epi16('\\')));
            if (_mm_movemask_epi8(_mm_andnot_si128(special, printable)) != 0xffff)
                break;
            _mm_storel_epi64(reinterpret_cast<__m128i*>(m_data + m_size), _mm_packus_epi16(v, v));
            m_size += 8;
        }
#endif
        for (; i < s.size() && u[i] < 0x80; ++i) {
            const auto c = static_cast<unsigned char>(u[i]);
            if (c >= 0x20 && c != '"' && c != '\\')
                putReserved(char(c));
            else {
                escape(c);
                reserve(s.size() - i); // the escape took more than the one byte reserved
            }
        }
        if (i < s.size()) {
            const QByteArray utf8 = s.sliced(i).toUtf8();
            const char* p = utf8.constData();
            const qsizetype n = utf8.size();
            qsizetype run = 0;
            for (qsizetype j = 0; j < n; ++j) {
                const auto c = static_cast<unsigned char>(p[j]);
                if (c >= 0x20 && c != '"' && c != '\\')
                    continue;
                put(p + run, j - run);
                run = j + 1;
                escape(c);
            }
            put(p + run, n - run);
        }
        put('"');
    }
    void escape(unsigned char c)
    {
        switch (c) {
        case '"':
            return put("\\\"", 2);
        case '\\':
            return put("\\\\", 2);
        case '\n':
            return put("\\n", 2);
        case '\r':
            return put("\\r", 2);
        case '\t':
            return put("\\t", 2);
        case '\b':
            return put("\\b", 2);
        case '\f':
            return put("\\f", 2);
        default: {
            static const char hex[] = "0123456789abcdef";
            const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            return put(esc, 6);
        }
        }
    }

    // Appends go straight into the QByteArray's storage: its append() checks for sharing and
    // room on every call, and a save made hundreds of calls per event (a fifth of its work).
    void reserve(qsizetype n)
    {
        if (n <= m_capacity - m_size)
            return;
        const qsizetype want =
            std::max({m_size + n, 2 * m_capacity, m_text->capacity(), qsizetype(4096)});
        m_text->resize(want);
        m_data = m_text->data();
        m_capacity = want;
    }
    void putReserved(char c)
    {
        m_data[m_size++] = c;
    }
    void put(char c)
    {
        reserve(1);
        m_data[m_size++] = c;
    }
    void put(const char* p, qsizetype n)
    {
        if (n <= 0)
            return;
        reserve(n);
        std::memcpy(m_data + m_size, p, size_t(n));
        m_size += n;
    }

    QByteArray* m_text;
    char* m_data = nullptr;
    qsizetype m_capacity = 0; // bytes at m_data the text may grow into
    bool m_indent;
    bool m_afterKey = false;
    // Not a QList: every token asked it for its last level, and QList checks for sharing first.
    std::vector<Level> m_levels;
    qsizetype m_size;
};

SessionDocumentWriter::SessionDocumentWriter(const AgentSession& session, QByteArray* text,
                                             bool indent)
    : m_s(session), m_out(std::make_unique<Out>(text, indent))
{}

SessionDocumentWriter::~SessionDocumentWriter() = default;

QByteArray SessionDocumentWriter::write(const AgentSession& session, const QJsonObject& extra,
                                        Layout layout)
{
    QByteArray text;
    write(session, extra, layout, &text);
    return text;
}

qsizetype SessionDocumentWriter::write(const AgentSession& session, const QJsonObject& extra,
                                       Layout layout, QByteArray* text)
{
    text->resize(0);
    SessionDocumentWriter writer(session, text, layout == Layout::Readable);
    writer.document(extra);
    if (layout == Layout::Readable)
        text->append('\n');
    return writer.m_eventsAt;
}

QByteArray SessionDocumentWriter::writeSized(const AgentSession& session, const QJsonObject& extra,
                                             qint64 readableUpTo)
{
    QByteArray text;
    writeSized(session, extra, readableUpTo, &text);
    return text;
}

qsizetype SessionDocumentWriter::writeSized(const AgentSession& session, const QJsonObject& extra,
                                            qint64 readableUpTo, QByteArray* text)
{
    // Compact first: a readable text is longer, so a compact one past the bound settles it in
    // one pass. (Trying readable first wrote most big sessions twice: their held bytes
    // understate the document by half.)
    const qsizetype compactEventsAt = write(session, extra, Layout::Compact, text);
    if (text->size() > readableUpTo)
        return compactEventsAt;
    QByteArray readable;
    const qsizetype eventsAt = write(session, extra, Layout::Readable, &readable);
    if (readable.size() > readableUpTo)
        return compactEventsAt;
    text->resize(0); // a copy, not a swap: the buffer keeps its capacity for the next save
    text->append(readable);
    return eventsAt;
}

QByteArray SessionDocumentWriter::eventsText(const AgentSession& session)
{
    QByteArray text;
    SessionDocumentWriter writer(session, &text, false);
    writer.events();
    writer.m_out->finish();
    return text;
}

void SessionDocumentWriter::document(const QJsonObject& extra)
{
    const QList<ToolOperation>& operations = m_s.m_toolCalls.operations();
    const QList<Delegation> delegations = m_s.delegations();
    const QList<Turn> turns = m_s.turns();
    Out& out = *m_out;

    out.beginObject();
    out.key("schema_version").number(qint64(AgentSession::SchemaVersion));
    out.key("session_id").string(m_s.m_sessionId);
    out.key("status").string(AgentSession::statusName(m_s.m_status));
    out.key("completion_reason").stringOrNull(m_s.m_completionReason);
    out.key("start_time").time(m_s.m_startTime);
    out.key("end_time").time(m_s.m_endTime);
    out.key("last_event_time").time(m_s.m_lastEventTime);
    out.key("working_directory").string(m_s.m_workingDirectory);
    out.key("launch_method").string(m_s.m_launchMethod);
    out.key("initial_prompt").stringOrNull(m_s.m_initialPrompt);
    out.key("final_response").stringOrNull(m_s.m_finalResponse);
    out.key("session_ended").boolean(m_s.m_sessionEndSeen);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        out.key(it.key()).json(it.value());
    metadata();
    capture();
    metrics(operations, delegations, turns);

    // Each tool call once as text: delegations list theirs again in full.
    QList<QByteArray> operationText;
    operationText.reserve(operations.size());
    for (const ToolOperation& op : operations)
        operationText.append(toolOperation(op));
    out.key("tool_operations").beginArray();
    for (const QByteArray& text : std::as_const(operationText))
        out.raw(QByteArrayView(text));
    out.endArray();
    out.key("delegations").beginArray();
    for (const Delegation& d : delegations)
        delegation(d, operationText);
    out.endArray();
    out.key("turns").beginArray();
    for (const Turn& t : turns)
        turn(t);
    out.endArray();
    out.key("events");
    m_eventsAt = out.size();
    events();
    out.endObject();
    out.finish();
}

void SessionDocumentWriter::metadata()
{
    Out& out = *m_out;
    out.key("metadata").beginObject();
    out.key("claude_pid").optionalNumber(m_s.m_claudePid);
    out.key("git_branch").stringOrNull(m_s.m_gitBranch);
    out.key("project_root").stringOrNull(m_s.m_projectRoot);
    out.endObject();
}

void SessionDocumentWriter::capture()
{
    Out& out = *m_out;
    out.key("capture").beginObject();
    out.key("switches").json(m_s.m_filter.toJson());
    out.key("filtered").beginObject(true);
    for (const EventCategory::Value c : EventCategory::all())
        out.key(EventCategory(c).name()).number(qint64(m_s.m_filteredCounts[c]));
    out.endObject();
    out.key("filtered_total").number(qint64(m_s.filteredTotal()));
    out.key("possible_gaps").beginArray();
    for (const AgentSession::PossibleGap& gap : m_s.possibleGaps()) {
        out.beginObject(true);
        out.key("from").time(gap.from);
        out.key("to").time(gap.to);
        out.key("reason").string(gap.reason);
        out.key("derived").boolean(gap.derived);
        out.endObject();
    }
    out.endArray();
    out.endObject();
}

void SessionDocumentWriter::metrics(const QList<ToolOperation>& operations,
                                    const QList<Delegation>& delegations, const QList<Turn>& turns)
{
    const int failedCalls = m_s.toolFailures();
    const int unknownCalls = m_s.unknownResults();
    const int delegationFailures = m_s.delegationFailures();
    int fileOperations = 0;
    for (const ToolOperation& op : operations) {
        if (EventCategory::classify(u"pre_tool", op.toolName, !op.filePath.isEmpty()) ==
            EventCategory::File)
            ++fileOperations;
    }
    Q_UNUSED(delegations)
    const std::optional<TokenUsage> tokens = TurnTracker::tokenUsage(turns);
    const qint64 duration = m_s.sessionDurationMs();

    Out& out = *m_out;
    out.key("metrics").beginObject();
    out.key("total_events").number(qint64(m_s.totalEvents()));
    out.key("event_counts").counts(m_s.eventCounts());
    out.key("agents_used").strings(m_s.agentsUsed());
    out.key("tools_used").strings(m_s.toolCounts().keys());
    out.key("files_modified").strings(m_s.filesModified());
    out.key("total_delegations").number(qint64(delegations.size()));
    out.key("total_tool_calls").number(qint64(operations.size()));
    out.key("total_file_operations").number(qint64(fileOperations));
    out.key("session_duration_ms").numberOrNull(duration);
    out.key("files_read").strings(m_s.filesRead());
    out.key("tool_failures").number(qint64(failedCalls));
    out.key("tool_unknown_results").number(qint64(unknownCalls));
    out.key("delegation_failures").number(qint64(delegationFailures));
    out.key("total_failures").number(qint64(failedCalls + delegationFailures));
    out.key("turns").number(qint64(turns.size()));
    if (tokens)
        out.key("token_usage").json(tokens->toJson());
    else
        out.key("token_usage").null();
    out.key("hook_overhead").json(m_s.hookOverheadJson());
    out.key("orphan_tool_results").number(qint64(m_s.orphanResults()));
    out.key("tool_counts").counts(m_s.toolCounts());
    out.key("events_by_category").beginObject(true);
    for (const EventCategory::Value c : EventCategory::all())
        out.key(EventCategory(c).name()).number(qint64(m_s.m_categoryCounts[c]));
    out.endObject();
    out.key("tool_duration_p50_ms").optionalNumber(m_s.toolDurationP50Ms());
    out.key("tool_duration_max_ms").optionalNumber(m_s.toolDurationMaxMs());
    out.endObject();
}

QByteArray SessionDocumentWriter::toolOperation(const ToolOperation& source)
{
    ToolOperation op = source;
    if (!m_s.isActive() && !op.isFinished() && !op.orphan) {
        // No result before the session ended: unknown, closed at the session's end.
        op.endTime = m_s.m_endTime;
        op.noResult = true;
        if (op.startTime.isValid() && m_s.m_endTime.isValid())
            op.durationMs = qMax<qint64>(0, op.startTime.msecsTo(m_s.m_endTime));
    }
    // Written in a scratch buffer and copied out at its size: a document holds all its calls'
    // texts at once, and each with the room a buffer reserves would be ten times their bytes.
    m_scratch.resize(0);
    Out out(&m_scratch, false);
    const auto slice = [this](qsizetype event, bool input, Out& o) {
        if (event >= 0 && event < qsizetype(m_s.m_events.size())) {
            const Slices& s = slices(event);
            const std::string_view v = input ? this->slice(event, s.inputAt, s.inputSize)
                                             : this->slice(event, s.outputAt, s.outputSize);
            if (!v.empty())
                return o.raw(v);
        }
        o.null();
    };
    const ToolOperation::Outcome result = op.outcome();
    out.beginObject();
    out.key("tool_name").string(op.toolName);
    out.key("agent_type").string(op.agentType);
    out.key("start_time").time(op.startTime);
    out.key("end_time").time(op.endTime);
    out.key("input_data");
    slice(op.preEvent, true, out);
    out.key("output_data");
    slice(op.postEvent, false, out);
    out.key("duration_ms").numberOrNull(op.durationMs);
    out.outcome(result);
    out.key("turn").numberOrNull(op.turn);
    out.key("error").stringOrNull(op.error);
    out.key("correlation_id").stringOrNull(op.correlationId);
    out.key("file_path").stringOrNull(op.filePath);
    out.key("exit_code")
        .optionalNumber(op.exitCode ? std::optional<qint64>(*op.exitCode) : std::nullopt);
    out.key("orphan").boolean(op.orphan);
    out.key("finished").boolean(op.isFinished());
    out.key("delegation").numberOrNull(op.delegation);
    out.endObject();
    out.finish();
    return QByteArray(m_scratch.constData(), m_scratch.size());
}

void SessionDocumentWriter::delegation(const Delegation& d, const QList<QByteArray>& operationText)
{
    Out& out = *m_out;
    const qint64 duration = d.durationMs();
    const ToolOperation::Outcome result = d.outcome();
    out.beginObject(true);
    out.key("agent_type").string(d.agentType);
    out.key("task_description").string(d.taskDescription);
    out.key("start_time").time(d.startTime);
    out.key("end_time").time(d.endTime);
    out.key("prompt").stringOrNull(d.prompt);
    out.key("response").stringOrNull(d.response);
    out.key("tool_operations").beginArray(true);
    for (const int index : d.toolOperations) {
        if (index >= 0 && index < operationText.size())
            out.raw(QByteArrayView(operationText.at(index)));
        else
            qCWarning(lcWriter) << "delegation refers to missing tool operation" << index;
    }
    out.endArray();
    out.key("file_changes").strings(d.fileChanges);
    out.key("todos_modified").json(d.todosModified);
    out.key("memory_updates").json(d.memoryUpdates);
    out.key("duration_ms").numberOrNull(duration);
    out.outcome(result);
    out.key("turn").numberOrNull(d.turn);
    out.key("error").stringOrNull(d.error);
    out.key("completed").boolean(d.completed);
    out.key("parent").numberOrNull(d.parent);
    out.key("depth").number(qint64(d.depth));
    out.key("correlation_id").stringOrNull(d.correlationId);
    out.key("agent_id").stringOrNull(d.agentId);
    out.endObject();
}

void SessionDocumentWriter::turn(const Turn& t)
{
    Out& out = *m_out;
    const qint64 duration = t.durationMs();
    out.beginObject(true);
    out.key("index").number(qint64(t.index));
    out.key("start_time").time(t.start);
    out.key("end_time").time(t.end);
    out.key("ended_by").stringOrNull(t.endedBy);
    out.key("prompt").stringOrNull(t.prompt);
    out.key("tool_calls").number(qint64(t.toolCalls));
    out.key("tool_failures").number(qint64(t.toolFailures));
    out.key("tool_unknown_results").number(qint64(t.toolUnknown));
    out.key("delegations").number(qint64(t.delegations));
    out.key("duration_ms").numberOrNull(duration);
    if (t.tokens)
        out.key("token_usage").json(t.tokens->toJson());
    else
        out.key("token_usage").null();
    out.endObject();
}

void SessionDocumentWriter::events()
{
    m_out->beginArray();
    for (const qsizetype i : m_s.timeOrder())
        event(i);
    m_out->endArray();
}

void SessionDocumentWriter::event(qsizetype index)
{
    const AgentSession::HeldEvent& held = m_s.m_events.at(index);
    const int context = m_s.contextOf(index);
    const Slices& payload = slices(index);
    const bool parsed = payload.parsed;
    if (!parsed)
        qCWarning(lcWriter) << "held event" << index << "of" << m_s.m_sessionId
                            << "is not a JSON object; saved without its data";
    Out& out = *m_out;
    out.beginObject(true);
    if (context >= 0)
        out.key("agent_context").string(m_s.m_delegations.agentTypeOf(context));
    else
        out.key("agent_context").null();
    out.key("category").string(EventCategory(EventCategory::Value(held.category)).name());
    out.key("correlation_id").stringOrNull(payload.correlationId);
    if (parsed)
        out.key("data").raw(slice(index, payload.dataAt, payload.dataSize));
    else
        out.key("data").raw(std::string_view("{}"));
    out.key("event_name").raw(nameJson(held.eventName));
    out.key("event_type").raw(nameJson(held.subtype));
    out.key("id").hex16(held.identity);
    if (m_sessionIdJson.isEmpty())
        m_sessionIdJson = Out::stringJson(m_s.m_sessionId);
    out.key("session_id").raw(QByteArrayView(m_sessionIdJson));
    out.key("timestamp").timeMs(held.timestampMs);
    if (held.timestampFromReceipt)
        out.key("timestamp_from_receipt").boolean(true);
    out.endObject();
}

QByteArrayView SessionDocumentWriter::nameJson(quint16 index)
{
    // Events share a few names: each written as JSON once per document.
    if (m_nameJson.size() <= size_t(index))
        m_nameJson.resize(size_t(index) + 1);
    QByteArray& json = m_nameJson[size_t(index)];
    if (json.isEmpty())
        json = Out::stringJson(m_s.m_names.value(index));
    return json;
}

const SessionDocumentWriter::Slices& SessionDocumentWriter::slices(qsizetype index)
{
    if (m_slices.empty())
        m_slices.resize(size_t(qsizetype(m_s.m_events.size())));
    Slices& s = m_slices[size_t(index)];
    if (s.read)
        return s;
    s.read = true;
    const QByteArrayView raw = m_s.m_bytes.view(m_s.m_events.at(index).raw);
    s.parsed = m_payload.read(raw);
    if (!s.parsed)
        return s;
    // HeldPayload's slices point into its own padded copy of these bytes.
    const char* base = m_payload.base();
    const auto place = [base](std::string_view v, qint32* at, qint32* size) {
        *at = v.empty() ? 0 : qint32(v.data() - base);
        *size = qint32(v.size());
    };
    place(m_payload.data(), &s.dataAt, &s.dataSize);
    place(m_payload.toolInput(), &s.inputAt, &s.inputSize);
    place(m_payload.toolOutput(), &s.outputAt, &s.outputSize);
    s.correlationId = m_payload.correlationId();
    return s;
}

std::string_view SessionDocumentWriter::slice(qsizetype index, qint32 at, qint32 size) const
{
    const QByteArrayView raw = m_s.m_bytes.view(m_s.m_events.at(index).raw);
    if (size <= 0 || at < 0 || qsizetype(at) + size > raw.size())
        return {};
    return std::string_view(raw.data() + at, size_t(size));
}

} // namespace ea
