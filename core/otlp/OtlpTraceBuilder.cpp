#include "otlp/OtlpTraceBuilder.h"

#include "util/IsoTime.h"
#include "util/Sha256.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <optional>

namespace ea {

namespace {

// What a main-agent span is called: Claude Code's own agent, which delegates to the others.
const QString kMainAgent = QStringLiteral("claude-code");
constexpr int kPreviewChars = 200;
constexpr int kSpanKindInternal = 1;
constexpr int kStatusError = 2;

QString str(const QJsonObject& o, const char* key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isString() ? v.toString() : QString();
}

std::optional<qint64> nanos(const QJsonValue& v)
{
    if (!v.isString())
        return std::nullopt;
    const std::optional<QDateTime> t = IsoTime::parse(v.toString());
    if (!t || !t->isValid())
        return std::nullopt;
    return t->toMSecsSinceEpoch() * 1000000;
}

QJsonObject attr(const QString& key, const QJsonObject& value)
{
    return {{QStringLiteral("key"), key}, {QStringLiteral("value"), value}};
}

class Attributes
{
public:
    void text(const char* key, const QString& v)
    {
        if (!v.isNull())
            m_list.append(attr(QLatin1String(key), {{QStringLiteral("stringValue"), v}}));
    }
    void integer(const char* key, qint64 v)
    {
        m_list.append(attr(QLatin1String(key), {{QStringLiteral("intValue"), QString::number(v)}}));
    }
    // A JSON number of the document, when it is one.
    void integer(const char* key, const QJsonValue& v)
    {
        if (v.isDouble())
            integer(key, qint64(v.toDouble()));
    }
    void boolean(const char* key, bool v)
    {
        m_list.append(attr(QLatin1String(key), {{QStringLiteral("boolValue"), v}}));
    }
    const QJsonArray& list() const { return m_list; }

private:
    QJsonArray m_list;
};

QString preview(const QString& text)
{
    return text.size() > kPreviewChars ? text.left(kPreviewChars) + QStringLiteral("…") : text;
}

QByteArray hexId(QByteArrayView seed, QByteArrayView part, int bytes)
{
    return Sha256::digest(seed, part).left(bytes).toHex();
}

// An event's fields, from the wrapped (data.data) or flat shape the dashboards send.
QString firstString(const QJsonObject& data, std::initializer_list<const char*> keys)
{
    const QJsonObject inner = data.value(QLatin1String("data")).toObject();
    for (const QJsonObject& o : {data, inner}) {
        for (const char* k : keys) {
            const QString v = str(o, k);
            if (!v.isEmpty())
                return v;
        }
    }
    return {};
}

// Gives each identity an occurrence number, so two calls alike in every field still get two ids.
class IdentityCounter
{
public:
    QByteArray next(const QByteArray& identity)
    {
        const int n = m_seen[identity]++;
        return n == 0 ? identity : identity + '#' + QByteArray::number(n);
    }

private:
    QHash<QByteArray, int> m_seen;
};

QByteArray identity(std::initializer_list<QString> parts)
{
    QByteArray out;
    for (const QString& p : parts)
        out += p.toUtf8() + '\0';
    return out;
}

struct SpanTimes
{
    qint64 start = 0;
    qint64 end = 0;
};

} // namespace

OtlpTraceBuilder::OtlpTraceBuilder() = default;

OtlpTraceBuilder::OtlpTraceBuilder(Options options) : m_options(std::move(options)) {}

bool OtlpTraceBuilder::build(QByteArrayView sessionJson, QList<Trace>* traces,
                             QJsonObject* resource, QString* error, RedactionManifest* manifest,
                             const std::function<bool(const QByteArray&)>& skip) const
{
    // Nothing leaves the machine unredacted: the spans are read from the redacted text only.
    RedactionManifest found;
    const QByteArray text = m_options.redactor.redactJson(sessionJson, &found);
    if (manifest)
        manifest->merge(found);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (!doc.isObject()) {
        if (error)
            *error = doc.isNull() ? QStringLiteral("not JSON: %1").arg(parseError.errorString())
                                  : QStringLiteral("not a session document");
        return false;
    }
    const QJsonObject session = doc.object();
    // A session split into parts keeps its Claude session id as parent_session_id: the
    // conversation (and a turn's identity) is that one, whichever part holds the turn.
    const QString sessionId = str(session, "parent_session_id").isEmpty()
                                  ? str(session, "session_id")
                                  : str(session, "parent_session_id");
    if (sessionId.isEmpty() || !session.value(QLatin1String("turns")).isArray()) {
        if (error)
            *error = QStringLiteral("not a session document (no session_id or turns)");
        return false;
    }
    const QJsonObject metadata = session.value(QLatin1String("metadata")).toObject();
    Attributes res;
    res.text("service.name", m_options.serviceName);
    if (!m_options.hostName.isEmpty())
        res.text("host.name", m_options.hostName);
    QString project = str(metadata, "project_root");
    if (project.isEmpty())
        project = str(session, "working_directory");
    if (!project.isEmpty())
        res.text("claude_code.project.path", project);
    const QString branch = str(metadata, "git_branch");
    if (!branch.isEmpty())
        res.text("vcs.ref.head.name", branch);
    *resource = QJsonObject{{QStringLiteral("attributes"), res.list()}};

    const QByteArray sid = sessionId.toUtf8();
    const QJsonArray turns = session.value(QLatin1String("turns")).toArray();
    const QJsonArray delegations = session.value(QLatin1String("delegations")).toArray();
    const QJsonArray tools = session.value(QLatin1String("tool_operations")).toArray();
    const QJsonArray events = session.value(QLatin1String("events")).toArray();

    // What belongs to which turn, in one pass each (a session of thousands of turns must not
    // cost turns x calls): by the turn an entry names, else by its time.
    QList<std::pair<qint64, int>> starts; // settled turns' start, index; in order of start
    QHash<int, qint64> ends;
    for (const QJsonValue& tv : turns) {
        const QJsonObject turn = tv.toObject();
        const std::optional<qint64> s = nanos(turn.value(QLatin1String("start_time")));
        const std::optional<qint64> e = nanos(turn.value(QLatin1String("end_time")));
        if (s && e) {
            starts.append({*s, turn.value(QLatin1String("index")).toInt()});
            ends.insert(starts.last().second, *e);
        }
    }
    std::sort(starts.begin(), starts.end());
    const auto turnAt = [&](std::optional<qint64> at) -> int {
        if (!at)
            return -1;
        auto it = std::upper_bound(starts.cbegin(), starts.cend(),
                                   std::pair<qint64, int>{*at, std::numeric_limits<int>::max()});
        if (it == starts.cbegin())
            return -1;
        --it;
        return *at <= ends.value(it->second) ? it->second : -1;
    };
    const auto turnOf = [&](const QJsonObject& o, const char* timeKey) {
        const QJsonValue t = o.value(QLatin1String("turn"));
        return t.isDouble() ? t.toInt() : turnAt(nanos(o.value(QLatin1String(timeKey))));
    };
    QHash<int, QList<qsizetype>> delegationsOf, toolsOf, eventsOf;
    for (qsizetype i = 0; i < delegations.size(); ++i)
        delegationsOf[turnOf(delegations.at(i).toObject(), "start_time")].append(i);
    for (qsizetype i = 0; i < tools.size(); ++i)
        toolsOf[turnOf(tools.at(i).toObject(), "start_time")].append(i);
    for (qsizetype i = 0; i < events.size(); ++i)
        eventsOf[turnAt(nanos(events.at(i).toObject().value(QLatin1String("timestamp"))))].append(
            i);

    for (const QJsonValue& tv : turns) {
        const QJsonObject turn = tv.toObject();
        const std::optional<qint64> start = nanos(turn.value(QLatin1String("start_time")));
        const std::optional<qint64> end = nanos(turn.value(QLatin1String("end_time")));
        if (!start || !end)
            continue; // not settled: sent once it is
        const int index = turn.value(QLatin1String("index")).toInt();
        Trace trace;
        trace.sessionId = sessionId;
        trace.turnIndex = index;
        // A turn is known by its session and the time of the prompt that opened it: the same
        // in every later save of the session, whichever part of it the file is.
        const QByteArray turnIdentity =
            QByteArray("ea.turn") + '\0' + sid + '\0' + str(turn, "start_time").toUtf8();
        trace.traceId = hexId(turnIdentity, {}, 16);
        if (skip && skip(trace.traceId))
            continue;
        const QByteArray rootId = hexId(trace.traceId, "root", 8);
        const auto span = [&](const QByteArray& spanId, const QByteArray& parentId,
                              const QString& name, SpanTimes times, const Attributes& attributes) {
            QJsonObject s{
                {QStringLiteral("traceId"), QString::fromLatin1(trace.traceId)},
                {QStringLiteral("spanId"), QString::fromLatin1(spanId)},
                {QStringLiteral("name"), name},
                {QStringLiteral("kind"), kSpanKindInternal},
                {QStringLiteral("startTimeUnixNano"), QString::number(times.start)},
                {QStringLiteral("endTimeUnixNano"),
                 QString::number(std::max(times.start, times.end))},
                {QStringLiteral("attributes"), attributes.list()},
            };
            if (!parentId.isEmpty())
                s.insert(QStringLiteral("parentSpanId"), QString::fromLatin1(parentId));
            return s;
        };

        // The root: the main agent's turn.
        Attributes root;
        root.text("gen_ai.operation.name", QStringLiteral("invoke_agent"));
        root.text("gen_ai.provider.name", QStringLiteral("anthropic"));
        root.text("gen_ai.agent.name", kMainAgent);
        root.text("gen_ai.conversation.id", sessionId);
        const QJsonObject tokens = turn.value(QLatin1String("token_usage")).toObject();
        root.integer("gen_ai.usage.input_tokens", tokens.value(QLatin1String("input_tokens")));
        root.integer("gen_ai.usage.output_tokens", tokens.value(QLatin1String("output_tokens")));
        root.integer("gen_ai.usage.cache_read.input_tokens",
                     tokens.value(QLatin1String("cache_read_input_tokens")));
        root.integer("gen_ai.usage.cache_creation.input_tokens",
                     tokens.value(QLatin1String("cache_creation_input_tokens")));
        root.integer("claude_code.turn.index", index);
        root.text("claude_code.turn.ended_by", str(turn, "ended_by"));
        root.text("claude_code.prompt.preview", preview(str(turn, "prompt")));
        root.integer("claude_code.turn.tool_calls", turn.value(QLatin1String("tool_calls")));
        root.integer("claude_code.turn.tool_failures", turn.value(QLatin1String("tool_failures")));
        QJsonObject rootSpan =
            span(rootId, {}, QStringLiteral("invoke_agent ") + kMainAgent, {*start, *end}, root);

        // Delegations: child invoke_agent spans, nested as they were.
        IdentityCounter ids;
        QHash<int, QByteArray> delegationSpan; // index in delegations[] -> span id
        QHash<int, QJsonObject> delegationSpans;
        QList<int> delegationOrder;
        for (const qsizetype i : delegationsOf.value(index)) {
            const QJsonObject d = delegations.at(i).toObject();
            const QString agent =
                str(d, "agent_type").isEmpty() ? QStringLiteral("unknown") : str(d, "agent_type");
            const QByteArray id =
                hexId(trace.traceId,
                      ids.next(identity({QStringLiteral("delegation"), agent, str(d, "start_time"),
                                         str(d, "correlation_id"), str(d, "agent_id")})),
                      8);
            delegationSpan.insert(int(i), id);
            delegationOrder.append(int(i));
        }
        for (const int i : delegationOrder) {
            const QJsonObject d = delegations.at(i).toObject();
            const QString agent =
                str(d, "agent_type").isEmpty() ? QStringLiteral("unknown") : str(d, "agent_type");
            const QJsonValue parent = d.value(QLatin1String("parent"));
            const QByteArray parentId = parent.isDouble() && delegationSpan.contains(parent.toInt())
                                            ? delegationSpan.value(parent.toInt())
                                            : rootId;
            Attributes a;
            a.text("gen_ai.operation.name", QStringLiteral("invoke_agent"));
            a.text("gen_ai.provider.name", QStringLiteral("anthropic"));
            a.text("gen_ai.agent.name", agent);
            a.text("gen_ai.conversation.id", sessionId);
            if (!str(d, "agent_id").isEmpty())
                a.text("gen_ai.agent.id", str(d, "agent_id"));
            const QString result =
                str(d, "result").isEmpty() ? QStringLiteral("unknown") : str(d, "result");
            a.text("claude_code.delegation.result", result);
            if (!str(d, "task_description").isEmpty())
                a.text("claude_code.delegation.task", preview(str(d, "task_description")));
            const qint64 s = nanos(d.value(QLatin1String("start_time"))).value_or(*start);
            const qint64 e = nanos(d.value(QLatin1String("end_time"))).value_or(*end);
            if (result == QLatin1String("failure"))
                a.text("error.type", str(d, "error").isEmpty() ? QStringLiteral("_OTHER")
                                                               : QStringLiteral("agent_error"));
            QJsonObject ds = span(delegationSpan.value(i), parentId,
                                  QStringLiteral("invoke_agent ") + agent, {s, e}, a);
            if (result == QLatin1String("failure"))
                ds.insert(QStringLiteral("status"),
                          QJsonObject{{QStringLiteral("code"), kStatusError},
                                      {QStringLiteral("message"), preview(str(d, "error"))}});
            delegationSpans.insert(i, ds);
        }

        // Tool calls: execute_tool spans under the agent that made them.
        QJsonArray toolSpans;
        for (const qsizetype i : toolsOf.value(index)) {
            const QJsonObject op = tools.at(i).toObject();
            const QString name = str(op, "tool_name");
            const QString callId = str(op, "correlation_id");
            const QByteArray id = hexId(
                trace.traceId,
                ids.next(identity({QStringLiteral("tool"), name, str(op, "start_time"), callId})),
                8);
            const QJsonValue inDelegation = op.value(QLatin1String("delegation"));
            const QByteArray parentId =
                inDelegation.isDouble() && delegationSpan.contains(inDelegation.toInt())
                    ? delegationSpan.value(inDelegation.toInt())
                    : rootId;
            Attributes a;
            a.text("gen_ai.operation.name", QStringLiteral("execute_tool"));
            a.text("gen_ai.tool.name", name);
            a.text("gen_ai.tool.type", QStringLiteral("function"));
            if (!callId.isEmpty())
                a.text("gen_ai.tool.call.id", callId);
            QString result = str(op, "result");
            if (result.isEmpty()) {
                const QJsonValue ok = op.value(QLatin1String("success"));
                result = ok.isBool()
                             ? (ok.toBool() ? QStringLiteral("success") : QStringLiteral("failure"))
                             : QStringLiteral("unknown");
            }
            a.text("claude_code.tool.result", result);
            a.integer("claude_code.tool.exit_code", op.value(QLatin1String("exit_code")));
            if (!str(op, "file_path").isEmpty())
                a.text("claude_code.tool.file_path", str(op, "file_path"));
            if (result == QLatin1String("failure"))
                a.text("error.type", op.value(QLatin1String("exit_code")).isDouble()
                                         ? QStringLiteral("exit_code_%1")
                                               .arg(op.value(QLatin1String("exit_code")).toInt())
                                         : QStringLiteral("tool_error"));
            const qint64 s = nanos(op.value(QLatin1String("start_time"))).value_or(*start);
            // No result: no end either; the span marks the call's start only.
            const qint64 e = nanos(op.value(QLatin1String("end_time"))).value_or(s);
            QJsonObject ts = span(id, parentId, QStringLiteral("execute_tool ") + name, {s, e}, a);
            if (result == QLatin1String("failure"))
                ts.insert(QStringLiteral("status"),
                          QJsonObject{{QStringLiteral("code"), kStatusError},
                                      {QStringLiteral("message"), preview(str(op, "error"))}});
            toolSpans.append(ts);
        }

        // Prompts, notifications and todo updates: events on the span of their agent.
        QHash<QByteArray, QJsonArray> spanEvents;
        for (const qsizetype i : eventsOf.value(index)) {
            const QJsonObject e = events.at(i).toObject();
            const std::optional<qint64> at = nanos(e.value(QLatin1String("timestamp")));
            const QString type = str(e, "event_type");
            const QString category = str(e, "category");
            const QJsonObject data = e.value(QLatin1String("data")).toObject();
            QString name;
            Attributes a;
            if (type == QLatin1String("user_prompt")) {
                name = QStringLiteral("claude_code.user_prompt");
                a.text("claude_code.prompt.preview",
                       preview(firstString(data, {"prompt_text", "prompt", "prompt_preview"})));
            } else if (type == QLatin1String("notification")) {
                name = QStringLiteral("claude_code.notification");
                a.text("claude_code.notification.type",
                       firstString(data, {"notification_type", "type"}));
                a.text("claude_code.notification.message", preview(firstString(data, {"message"})));
            } else if (category == QLatin1String("todo")) {
                name = QStringLiteral("claude_code.todo_update");
                const QJsonObject inner = data.value(QLatin1String("data")).toObject();
                for (const QJsonObject& o : {data, inner}) {
                    if (o.value(QLatin1String("todos")).isArray()) {
                        a.integer("claude_code.todo.count",
                                  o.value(QLatin1String("todos")).toArray().size());
                        break;
                    }
                }
            } else {
                continue;
            }
            // On the delegation of its agent (the first one of that agent running then), else
            // on the turn.
            QByteArray target = rootId;
            const QString agent = str(e, "agent_context");
            if (!agent.isEmpty()) {
                for (const int i : delegationOrder) {
                    const QJsonObject d = delegations.at(i).toObject();
                    const qint64 s = nanos(d.value(QLatin1String("start_time"))).value_or(*start);
                    const qint64 en = nanos(d.value(QLatin1String("end_time"))).value_or(*end);
                    if (str(d, "agent_type") == agent && *at >= s && *at <= en) {
                        target = delegationSpan.value(i);
                        break;
                    }
                }
            }
            spanEvents[target].append(QJsonObject{
                {QStringLiteral("timeUnixNano"), QString::number(*at)},
                {QStringLiteral("name"), name},
                {QStringLiteral("attributes"), a.list()},
            });
        }
        const auto withEvents = [&spanEvents](QJsonObject s) {
            const QByteArray id = s.value(QLatin1String("spanId")).toString().toLatin1();
            if (spanEvents.contains(id))
                s.insert(QStringLiteral("events"), spanEvents.value(id));
            return s;
        };
        trace.spans.append(withEvents(rootSpan));
        for (const int i : delegationOrder)
            trace.spans.append(withEvents(delegationSpans.value(i)));
        for (const QJsonValue& s : std::as_const(toolSpans))
            trace.spans.append(s);
        traces->append(trace);
    }
    return true;
}

QJsonObject OtlpTraceBuilder::resourceSpans(const QJsonObject& resource,
                                            const QJsonArray& spans) const
{
    const QJsonObject scope{{QStringLiteral("name"), QStringLiteral("event-aggregator")},
                            {QStringLiteral("version"), m_options.scopeVersion}};
    return {
        {QStringLiteral("resource"), resource},
        {QStringLiteral("scopeSpans"),
         QJsonArray{QJsonObject{
             {QStringLiteral("scope"), scope},
             {QStringLiteral("spans"), spans},
             {QStringLiteral("schemaUrl"), QStringLiteral("https://opentelemetry.io/schemas/%1")
                                               .arg(QLatin1String(kGenAiSemconvVersion))}}}},
    };
}

QByteArray OtlpTraceBuilder::request(const QJsonArray& resourceSpans)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("resourceSpans"), resourceSpans}})
        .toJson(QJsonDocument::Compact);
}

} // namespace ea
