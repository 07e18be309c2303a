#include "ingest/EventNormalizer.h"

#include "util/IsoTime.h"

#include "model/HookFields.h"
#include "util/Sha256.h"
#include "json/CanonicalJson.h"
#include "json/JsonParser.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QVarLengthArray>
#include <QtEndian>

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>

namespace ea {

Q_LOGGING_CATEGORY(lcNormalizer, "ea.aggregation.normalizer")

namespace {

constexpr int kMaxSubtypeLength = 64;

// Strings built from literals point at static data: copies of them never allocate, which is
// what keeps thousands of held events cheap.
const QList<QString>& knownSubtypes()
{
    static const QList<QString> list = {
        QStringLiteral("pre_tool"),
        QStringLiteral("post_tool"),
        QStringLiteral("user_prompt"),
        QStringLiteral("stop"),
        QStringLiteral("subagent_start"),
        QStringLiteral("subagent_stop"),
        QStringLiteral("session_start"),
        QStringLiteral("session_end"),
        QStringLiteral("notification"),
        QStringLiteral("assistant_response"),
        QStringLiteral("todo_updated"),
        QStringLiteral("memory_loaded"),
        QStringLiteral("memory_created"),
        QStringLiteral("memory_updated"),
        QStringLiteral("memory_injected"),
        QStringLiteral("token_usage_updated"),
        QStringLiteral("response_started"),
        QStringLiteral("response_ended"),
        QStringLiteral("agent_delegated"),
        QStringLiteral("agent_returned"),
        QStringLiteral("agent_start"),
        QStringLiteral("agent_end"),
        QStringLiteral("file_read"),
        QStringLiteral("file_write"),
        QStringLiteral("file_edit"),
        QStringLiteral("system_ready"),
        QStringLiteral("system_shutdown"),
        QStringLiteral("hook_execution"),
        QStringLiteral("command_acknowledged"),
        QStringLiteral("pre_compact"),
        QStringLiteral("post_compact"),
        QStringLiteral("permission_request"),
        QStringLiteral("worktree_create"),
        QStringLiteral("worktree_remove"),
        QStringLiteral("config_change"),
        QStringLiteral("teammate_idle"),
        QStringLiteral("task_completed"),
        QStringLiteral("stop_failure"),
        QStringLiteral("post_tool_use_failure"),
        QStringLiteral("unknown"),
    };
    return list;
}

const QList<QString>& knownToolNames()
{
    static const QList<QString> list = {
        QStringLiteral("Read"),         QStringLiteral("Write"),
        QStringLiteral("Edit"),         QStringLiteral("MultiEdit"),
        QStringLiteral("NotebookEdit"), QStringLiteral("Bash"),
        QStringLiteral("Grep"),         QStringLiteral("Glob"),
        QStringLiteral("LS"),           QStringLiteral("WebFetch"),
        QStringLiteral("WebSearch"),    QStringLiteral("Task"),
        QStringLiteral("Agent"),        QStringLiteral("TodoWrite"),
        QStringLiteral("BashOutput"),   QStringLiteral("KillShell"),
        QStringLiteral("ExitPlanMode"), QStringLiteral("SlashCommand"),
        QStringLiteral("NotebookRead"),
    };
    return list;
}

const QList<QString>& knownEventNames()
{
    static const QList<QString> list = {
        QStringLiteral("claude_event"),   QStringLiteral("tool_event"),
        QStringLiteral("hook_event"),     QStringLiteral("session_event"),
        QStringLiteral("response_event"), QStringLiteral("agent_event"),
        QStringLiteral("file_event"),     QStringLiteral("system_event"),
    };
    return list;
}

QString intern(const QString& value, const QList<QString>& table)
{
    for (const QString& known : table) {
        if (known == value)
            return known;
    }
    return value;
}

// Spellings of the same subtype across servers and Claude Code versions, after snake-casing.
struct Alias
{
    QStringView from; // lengths known when compiled: no strlen per comparison
    QStringView to;
};
constexpr Alias kAliases[] = {
    {u"pre_tool_use", u"pre_tool"},
    {u"post_tool_use", u"post_tool"},
    {u"tool_use", u"pre_tool"},
    {u"tool_result", u"post_tool"},
    {u"tool_start", u"pre_tool"},
    {u"tool_end", u"post_tool"},
    {u"user_prompt_submit", u"user_prompt"},
    {u"session_started", u"session_start"},
    {u"session_ended", u"session_end"},
    {u"response_start", u"response_started"},
    {u"response_end", u"response_ended"},
};

// Wrapper types that say which channel carried the event, not what happened.
// Wrapper types that say which channel carried the event, not what happened.
bool isWrapperType(std::string_view type)
{
    static constexpr std::string_view kWrappers[] = {
        "hook",        "claude_event",   "tool_event", "hook_event",   "session_event",
        "agent_event", "response_event", "file_event", "system_event", "mpm_event",
    };
    for (const std::string_view w : kWrappers) {
        if (type == w)
            return true;
    }
    return false;
}

using Element = simdjson::dom::element;

QString utf8(std::string_view text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

// Working directories and branch names repeat in every event of a session, and a few of them
// across all sessions: each event gets the string the last one with the same bytes got, so it
// allocates nothing, and comparing it with a copy held elsewhere (the session's, the live-state
// monitor's) is decided by address instead of by reading that copy, cold when thousands of
// sessions take turns. A cache, direct-mapped: a miss (or a sender of many distinct values)
// costs what building the string costs anyway. Per thread, as the normalizer is used from any.
class RepeatedStrings
{
public:
    QString get(std::string_view bytes)
    {
        if (bytes.empty() || bytes.size() > kLongest)
            return utf8(bytes);
        Slot& slot = m_slots[std::hash<std::string_view>{}(bytes) % m_slots.size()];
        if (slot.bytes != bytes) {
            slot.bytes.assign(bytes);
            slot.text = utf8(bytes);
        }
        return slot.text;
    }

private:
    static constexpr size_t kLongest = 512;
    struct Slot
    {
        std::string bytes;
        QString text;
    };
    std::array<Slot, 256> m_slots;
};

QString repeatedString(std::string_view bytes)
{
    thread_local RepeatedStrings cache;
    return cache.get(bytes);
}

// One payload object read in place: fields are byte views into the parse, and only what an
// event holds becomes a QString. An absent object reads as empty.
class Fields
{
public:
    Fields() = default;
    // One walk over the members: the lookups that follow compare keys in a flat array.
    explicit Fields(const simdjson::dom::object& object)
    {
        for (const auto field : object)
            m_members.append(Member{field.key, field.value});
    }

    // The last member named key: of duplicate keys the last counts, as in the canonical bytes.
    bool find(std::string_view key, Element* out) const
    {
        for (qsizetype i = m_members.size() - 1; i >= 0; --i) {
            const std::string_view k = m_members[i].key;
            // Length and first byte inline: most members differ there, without a memcmp call.
            if (k.size() == key.size() && (k.empty() || k[0] == key[0]) && k == key) {
                *out = m_members[i].value;
                return true;
            }
        }
        return false;
    }
    // Empty when absent or not a string: a numeric session id is as good as none.
    std::string_view string(std::string_view key) const
    {
        Element e;
        std::string_view s;
        return find(key, &e) && !e.get_string().get(s) ? s : std::string_view();
    }
    Fields object(std::string_view key) const
    {
        Element e;
        simdjson::dom::object o;
        return find(key, &e) && !e.get_object().get(o) ? Fields(o) : Fields();
    }
    bool hasObject(std::string_view key) const
    {
        Element e;
        return find(key, &e) && e.is_object();
    }
    // False when absent or not a boolean.
    bool boolean(std::string_view key, bool* out) const
    {
        Element e;
        return find(key, &e) && !e.get_bool().get(*out);
    }
    // The array named key, or false.
    bool array(std::string_view key, simdjson::dom::array* out) const
    {
        Element e;
        return find(key, &e) && !e.get_array().get(*out);
    }

private:
    struct Member
    {
        std::string_view key;
        Element value;
    };
    QVarLengthArray<Member, 24> m_members;
};

// A (object, key) lookup list: the first non-empty string wins.
struct Source
{
    const Fields* object;
    std::string_view key;
};

std::string_view firstView(std::initializer_list<Source> sources)
{
    for (const Source& s : sources) {
        const std::string_view value = s.object->string(s.key);
        if (!value.empty())
            return value;
    }
    return {};
}

QString firstString(std::initializer_list<Source> sources)
{
    return utf8(firstView(sources));
}

QString subtypeOf(const Fields& top, const Fields& data)
{
    using namespace ea;
    const std::string_view type = top.string(hook::type);
    const std::string_view subtype = top.string(hook::subtype);
    if (!subtype.empty()) {
        if (type == "memory" && subtype.substr(0, 6) != "memory")
            return EventNormalizer::normalizeSubtype(QStringLiteral("memory_") + utf8(subtype));
        return EventNormalizer::normalizeSubtype(utf8(subtype));
    }
    // The oldest format packed both into the type: "hook.pre_tool", "memory.updated".
    const size_t dot = type.find('.');
    if (dot != std::string_view::npos && dot > 0) {
        const std::string_view prefix = type.substr(0, dot);
        const std::string_view rest = type.substr(dot + 1);
        if (prefix == "hook")
            return EventNormalizer::normalizeSubtype(utf8(rest));
        if (prefix == "memory")
            return EventNormalizer::normalizeSubtype(QStringLiteral("memory_") + utf8(rest));
        return EventNormalizer::normalizeSubtype(utf8(type));
    }
    const std::string_view hookName =
        firstView({{&top, hook::hookEventName}, {&data, hook::hookEventName}});
    if (!hookName.empty())
        return EventNormalizer::normalizeSubtype(utf8(hookName));
    if (!type.empty() && !isWrapperType(type))
        return EventNormalizer::normalizeSubtype(utf8(type));
    return knownSubtypes().last(); // "unknown"
}

QString correlationIdIn(const Fields& payload)
{
    using namespace ea;
    const Fields data = payload.object(hook::data);
    return firstString({{&payload, hook::correlationId},
                        {&data, hook::correlationId},
                        {&payload, hook::toolUseId},
                        {&data, hook::toolUseId},
                        {&payload, hook::toolCallId},
                        {&data, hook::toolCallId}});
}

std::optional<QDateTime> timestampIn(const Fields& object)
{
    Element value;
    if (!object.find(ea::hook::timestamp, &value))
        return std::nullopt;
    std::string_view text;
    if (!value.get_string().get(text)) {
        // An ISO time is short and ASCII: widened on the stack rather than into a QString.
        char16_t wide[64];
        if (text.size() <= std::size(wide) &&
            std::all_of(text.begin(), text.end(), [](char c) { return uchar(c) < 0x80; })) {
            std::copy(text.begin(), text.end(), wide);
            return EventNormalizer::parseIsoTimestamp(QStringView(wide, qsizetype(text.size())));
        }
        return EventNormalizer::parseIsoTimestamp(utf8(text));
    }
    double number = 0;
    if (value.is_number() && !value.get_double().get(number))
        return IsoTime::fromNumber(number);
    return std::nullopt;
}

// A number as QJsonValue::toInt() reads it (0 when it is not an int), or nullopt when the
// value is no number at all.
std::optional<int> intOf(const Element& value)
{
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    if (!value.get_int64().get(i))
        return i >= INT_MIN && i <= INT_MAX ? int(i) : 0;
    if (!value.get_uint64().get(u))
        return u <= uint64_t(INT_MAX) ? int(u) : 0;
    if (!value.get_double().get(d))
        return d == std::trunc(d) && d >= INT_MIN && d <= INT_MAX ? int(d) : 0;
    return std::nullopt;
}

// What a post_tool says about the call. Current servers send success/status/exit_code; raw
// Claude Code hooks only a tool_response, which may carry success or is_error.
void readOutcome(const Fields& data, HookDetails* out)
{
    using namespace ea;
    const Fields summary = data.object(hook::resultSummary);
    const Fields response = data.object(hook::toolResponse);
    Element exit;
    if (data.find(hook::exitCode, &exit) || summary.find(hook::exitCode, &exit))
        out->exitCode = intOf(exit);
    const std::string_view status = data.string(hook::status);
    bool flag = false;
    if (data.boolean(hook::success, &flag))
        out->success = flag;
    else if (!status.empty())
        out->success = status == "success";
    else if (response.boolean(hook::success, &flag))
        out->success = flag;
    else if (response.boolean(hook::isError, &flag))
        out->success = !flag;
    else if (out->exitCode)
        out->success = *out->exitCode == 0;
    if (!out->success) {
        out->error = firstString({{&data, hook::error},
                                  {&data, hook::errorMessage},
                                  {&summary, hook::error},
                                  {&summary, hook::errorPreview},
                                  {&response, hook::error}});
        if (out->error.isEmpty())
            out->error =
                !status.empty() && status != "success" ? utf8(status) : QStringLiteral("failed");
    }
    Element duration;
    double ms = 0;
    if (data.find(hook::durationMs, &duration) && duration.is_number() &&
        !duration.get_double().get(ms) && ms >= 0)
        out->durationMs = qint64(ms);
}

// Text a subagent or Task result hands back, if the payload carries any.
QString resultTextOf(const Fields& data)
{
    using namespace ea;
    const Fields structured = data.object(hook::structuredResponse);
    QString text = firstString({{&structured, hook::results},
                                {&data, hook::response},
                                {&data, hook::result},
                                {&data, hook::output},
                                {&data, hook::responseText}});
    if (!text.isEmpty())
        return text;
    // Claude Code's Task tool_response: {"content":[{"type":"text","text":"..."}]}
    simdjson::dom::array content;
    if (!data.object(hook::toolResponse).array(hook::content, &content))
        return {};
    for (const Element item : content) {
        simdjson::dom::object o;
        if (item.get_object().get(o))
            continue;
        text = utf8(Fields(o).string(hook::text));
        if (!text.isEmpty())
            return text;
    }
    return {};
}

// What the session model derives from, for the kinds of event it derives from. `data` is the
// hook's own fields: the wrapper's "data" object, or the whole payload of a raw hook.
QExplicitlySharedDataPointer<const HookDetails> detailsOf(const ClaudeEvent& event,
                                                          const Fields& top, const Fields& data)
{
    using namespace ea;
    const QString& subtype = event.subtype;
    if (!event.hasSession()) {
        // What the aggregator attributes it by (command_acknowledged): the prompt it quotes,
        // the project it names.
        auto* details = new HookDetails;
        details->promptPreview =
            firstString({{&data, hook::promptPreview}, {&data, hook::promptText}});
        details->project = utf8(data.string(hook::project));
        return QExplicitlySharedDataPointer<const HookDetails>(details);
    }
    if (subtype != QStringLiteral("post_tool") && subtype != QStringLiteral("user_prompt") &&
        subtype != QStringLiteral("subagent_start") && subtype != QStringLiteral("subagent_stop") &&
        !(subtype == QStringLiteral("pre_tool") && event.isDelegationTool()))
        return {};
    auto* details = new HookDetails;
    HookDetails& d = *details;
    if (subtype == QStringLiteral("post_tool")) {
        readOutcome(data, &d);
        if (event.isDelegationTool())
            d.resultText = resultTextOf(data);
    } else if (subtype == QStringLiteral("pre_tool")) {
        if (event.isDelegationTool()) {
            const Fields details = data.object(hook::delegationDetails);
            const Fields params = data.object(hook::toolParameters);
            const Fields input = data.object(hook::toolInput);
            d.taskDescription = firstString({{&details, hook::description},
                                             {&params, hook::description},
                                             {&input, hook::description}});
            d.prompt = firstString(
                {{&details, hook::prompt}, {&params, hook::prompt}, {&input, hook::prompt}});
        }
    } else if (subtype == QStringLiteral("user_prompt")) {
        d.prompt =
            firstString({{&data, hook::promptText}, {&data, hook::prompt}, {&top, hook::prompt}});
        d.promptPreview = firstString({{&data, hook::promptPreview}, {&data, hook::promptText}});
    } else if (subtype == QStringLiteral("subagent_start")) {
        d.agentId = utf8(data.string(hook::agentId));
    } else if (subtype == QStringLiteral("subagent_stop")) {
        d.agentId = utf8(data.string(hook::agentId));
        bool flag = false;
        d.errorTermination = data.boolean(hook::isErrorTermination, &flag) && flag;
        d.reason = utf8(data.string(hook::reason));
        d.resultText = resultTextOf(data);
        simdjson::dom::array files;
        if (data.object(hook::structuredResponse).array(hook::filesModified, &files)) {
            for (const Element file : files) {
                std::string_view path;
                d.filesModified.append(!file.get_string().get(path) ? utf8(path) : QString());
            }
        }
    }
    return QExplicitlySharedDataPointer<const HookDetails>(details);
}

// Everything but the fallback timestamp, read from the payload object.
ClaudeEvent eventFrom(const QString& eventName, const Fields& top, QByteArray raw,
                      const QDateTime& receivedAt)
{
    using namespace ea;
    const Fields data = top.object(hook::data);
    const Fields params = data.object(hook::toolParameters);
    const Fields dataInput = data.object(hook::toolInput);
    const Fields topInput = top.object(hook::toolInput);
    const Fields dataDelegation = data.object(hook::delegationDetails);
    const Fields topDelegation = top.object(hook::delegationDetails);
    static constexpr char camelSessionId[] = "sessionId"; // older servers

    ClaudeEvent event;
    event.raw = std::move(raw);
    event.eventName = intern(eventName, knownEventNames());
    event.sessionId = firstString({{&top, hook::sessionId},
                                   {&top, camelSessionId},
                                   {&data, hook::sessionId},
                                   {&data, camelSessionId}});
    event.subtype = subtypeOf(top, data);
    event.toolName =
        intern(firstString({{&data, hook::toolName}, {&top, hook::toolName}}), knownToolNames());
    event.correlationId = correlationIdIn(top);
    event.agentType = firstString({{&dataDelegation, hook::agentType},
                                   {&data, hook::agentType},
                                   {&params, hook::subagentType},
                                   {&dataInput, hook::subagentType},
                                   {&topDelegation, hook::agentType},
                                   {&top, hook::agentType},
                                   {&topInput, hook::subagentType}});
    event.filePath = firstString({{&params, hook::filePath},
                                  {&params, hook::notebookPath},
                                  {&dataInput, hook::filePath},
                                  {&dataInput, hook::notebookPath},
                                  {&topInput, hook::filePath},
                                  {&topInput, hook::notebookPath},
                                  {&data, hook::filePath},
                                  {&top, hook::filePath}});
    event.workingDirectory = repeatedString(firstView({{&data, hook::workingDirectory},
                                                       {&top, hook::cwd},
                                                       {&data, hook::cwd},
                                                       {&top, hook::workingDirectory}}));
    event.gitBranch =
        repeatedString(firstView({{&data, hook::gitBranch}, {&top, hook::gitBranch}}));

    std::optional<QDateTime> stamp = timestampIn(top);
    if (!stamp)
        stamp = timestampIn(data);
    if (stamp) {
        event.timestamp = *stamp;
        event.identity = EventNormalizer::identityOf(event.raw);
    } else {
        event.timestamp = receivedAt.toUTC();
        event.timestampFromReceipt = true;
        event.identity = EventNormalizer::identityOf(event.raw, event.timestamp);
    }
    event.category =
        EventCategory::classify(event.subtype, event.toolName, !event.filePath.isEmpty());
    event.hookDetails = detailsOf(event, top, top.hasObject(hook::data) ? data : top);
    return event;
}

} // namespace

bool EventNormalizer::isChatter(QStringView eventName)
{
    static constexpr QStringView kChatter[] = {
        u"heartbeat", u"status", u"welcome", u"ping", u"pong", u"reload", u"config_event",
    };
    for (const QStringView name : kChatter) {
        if (eventName == name)
            return true;
    }
    // dashboard:welcome, dashboard:client:count, ...
    return eventName.startsWith(u"dashboard:");
}

QString EventNormalizer::normalizeSubtype(QStringView subtype)
{
    QString snake;
    snake.reserve(subtype.size() + 4);
    char16_t previous = 0;
    for (const QChar qc : subtype) {
        const char16_t c = qc.unicode();
        char16_t out = 0;
        if (c >= u'A' && c <= u'Z') {
            // CamelCase boundaries: "PreToolUse" -> "pre_tool_use".
            if ((previous >= u'a' && previous <= u'z') || (previous >= u'0' && previous <= u'9'))
                snake.append(QLatin1Char('_'));
            out = char16_t(c - u'A' + u'a');
        } else if ((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9')) {
            out = c;
        } else if (c == u'_' || c == u'.' || c == u'-' || c == u':' || c == u' ' || c == u'/') {
            out = u'_';
        } else {
            continue; // anything else carries no meaning and must not reach file names or keys
        }
        if (out == u'_' && (snake.isEmpty() || snake.endsWith(QLatin1Char('_'))))
            continue;
        snake.append(QChar(out));
        previous = c;
        if (snake.size() >= kMaxSubtypeLength)
            break;
    }
    while (snake.endsWith(QLatin1Char('_')))
        snake.chop(1);
    if (snake.isEmpty())
        return knownSubtypes().last();
    for (const Alias& alias : kAliases) {
        if (snake == alias.from) {
            snake = alias.to.toString();
            break;
        }
    }
    return intern(snake, knownSubtypes());
}

std::optional<QDateTime> EventNormalizer::parseIsoTimestamp(QStringView text)
{
    return IsoTime::parse(text);
}

std::optional<QDateTime> EventNormalizer::parseTimestamp(const QJsonValue& value)
{
    if (value.isString())
        return parseIsoTimestamp(value.toString());
    if (value.isDouble())
        return IsoTime::fromNumber(value.toDouble());
    return std::nullopt;
}

quint64 EventNormalizer::identityOf(const QByteArray& compactRaw, const QDateTime& receiptTime)
{
    if (!receiptTime.isValid())
        return Sha256::prefix64(compactRaw);
    const QByteArray suffix = "\n@" + QByteArray::number(receiptTime.toMSecsSinceEpoch());
    return Sha256::prefix64(compactRaw, suffix);
}

int EventNormalizer::nestingDepth(const QByteArray& json, int stopAbove)
{
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : json) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > stopAbove)
                    return deepest;
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return deepest;
}

ClaudeEvent EventNormalizer::normalizeObject(const QString& eventName, const QJsonObject& payload,
                                             const QDateTime& receivedAt)
{
    // Qt's compact form is the canonical form already: those bytes are held as they are.
    QByteArray raw = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    JsonParser& json = JsonParser::forThisThread();
    simdjson::dom::object object;
    Fields top;
    if (json.parse(raw) == JsonParser::Status::Ok && !json.root().get_object().get(object))
        top = Fields(object);
    return eventFrom(eventName, top, std::move(raw), receivedAt);
}

NormalizeResult EventNormalizer::normalize(const QString& eventName, const QByteArray& payloadJson,
                                           const QDateTime& receivedAt)
{
    return normalize(eventName, payloadJson, receivedAt, ParsedJson(), Limits{});
}

NormalizeResult EventNormalizer::normalize(const QString& eventName, const QByteArray& payloadJson,
                                           const QDateTime& receivedAt, const Limits& limits)
{
    return normalize(eventName, payloadJson, receivedAt, ParsedJson(), limits);
}

NormalizeResult EventNormalizer::normalize(const QString& eventName, const QByteArray& payloadJson,
                                           const QDateTime& receivedAt, const ParsedJson& parsed)
{
    return normalize(eventName, payloadJson, receivedAt, parsed, Limits{});
}

NormalizeResult EventNormalizer::normalize(const QString& eventName, const QByteArray& payloadJson,
                                           const QDateTime& receivedAt, const ParsedJson& parsed,
                                           const Limits& limits)
{
    if (isChatter(eventName))
        return NormalizeResult::chatter();

    const auto oversized = [&] {
        return NormalizeResult::failure(
            NormalizeResult::Error::Oversized,
            QStringLiteral("%1 payload of %2 bytes exceeds the limit of %3 bytes")
                .arg(eventName)
                .arg(payloadJson.size())
                .arg(limits.maxPayloadBytes));
    };
    const auto empty = [&] {
        return NormalizeResult::failure(
            NormalizeResult::Error::Empty,
            QStringLiteral("%1 event without a payload").arg(eventName));
    };
    if (payloadJson.size() > limits.maxPayloadBytes)
        return oversized();

    const bool history = eventName == QStringLiteral("history");
    // A history batch wraps each event in {"events":[...]}: two more levels than the event.
    const int depthLimit = limits.maxDepth + (history ? 2 : 0);
    const auto tooDeep = [&] {
        return NormalizeResult::failure(NormalizeResult::Error::TooDeep,
                                        QStringLiteral("%1 payload nests deeper than %2 levels")
                                            .arg(eventName)
                                            .arg(depthLimit));
    };

    // The client's parse of the frame when it is still current; else parsed here, once.
    Element root;
    int numbersAsText = 0;
    if (parsed.get(&root)) {
        numbersAsText = parsed.numbersAsText();
    } else {
        JsonParser& json = JsonParser::forThisThread();
        switch (json.parse(payloadJson)) {
        case JsonParser::Status::Ok:
            break;
        case JsonParser::Status::Empty:
            return empty();
        case JsonParser::Status::TooBig:
            return oversized();
        case JsonParser::Status::TooDeep:
            return tooDeep();
        case JsonParser::Status::Invalid:
            return NormalizeResult::failure(NormalizeResult::Error::InvalidJson,
                                            QStringLiteral("%1 payload is not valid JSON: %2")
                                                .arg(eventName, json.errorMessage()));
        }
        root = json.root();
        numbersAsText = json.numbersAsText();
    }

    simdjson::dom::object object;
    if (root.get_object().get(object)) {
        if (CanonicalJson::depth(root, depthLimit) > depthLimit)
            return tooDeep();
        return NormalizeResult::failure(NormalizeResult::Error::NotAnObject,
                                        QStringLiteral("%1 payload is %2, not an object")
                                            .arg(eventName, root.is_array()
                                                                ? QStringLiteral("an array")
                                                                : QStringLiteral("a JSON scalar")));
    }
    if (object.size() == 0)
        return NormalizeResult::failure(
            NormalizeResult::Error::Empty,
            QStringLiteral("%1 payload is an empty object").arg(eventName));
    const auto keptAsText = [&](NormalizeResult result) {
        if (numbersAsText > 0) {
            // One number no reader can hold (1e999) would cost the whole event: it is kept as
            // the string of its text instead, which every reader of the saved file accepts.
            qCWarning(lcNormalizer).noquote()
                << eventName.left(64) << "payload:" << numbersAsText
                << "number(s) out of range kept as text (JSON strings)";
            result.numbersAsText = numbersAsText;
        }
        return result;
    };

    if (!history) {
        int depth = 0;
        QByteArray raw = CanonicalJson::bytes(root, &depth);
        if (depth > depthLimit)
            return tooDeep();
        return keptAsText(NormalizeResult::fromEvents(
            {eventFrom(eventName, Fields(object), std::move(raw), receivedAt)}));
    }

    if (CanonicalJson::depth(root, depthLimit) > depthLimit)
        return tooDeep();
    Element entries;
    simdjson::dom::array array;
    if (!Fields(object).find(ea::hook::events, &entries) || entries.get_array().get(array))
        return NormalizeResult::failure(NormalizeResult::Error::BadHistory,
                                        QStringLiteral("history payload has no \"events\" array"));
    QList<ClaudeEvent> events;
    int skipped = 0;
    events.reserve(qsizetype(array.size()));
    for (const Element entry : array) {
        simdjson::dom::object eventObject;
        if (entry.get_object().get(eventObject) || eventObject.size() == 0) {
            ++skipped;
            continue;
        }
        int depth = 0;
        QByteArray raw = CanonicalJson::bytes(entry, &depth);
        // The legacy server sends history entries exactly as it emitted them live, under
        // claude_event; naming them so makes a replay indistinguishable from the original.
        events.append(eventFrom(QStringLiteral("claude_event"), Fields(eventObject), std::move(raw),
                                receivedAt));
    }
    if (skipped)
        qCWarning(lcNormalizer) << "history batch:" << skipped << "entries were not event objects";
    return keptAsText(NormalizeResult::fromEvents(std::move(events), skipped));
}

} // namespace ea
