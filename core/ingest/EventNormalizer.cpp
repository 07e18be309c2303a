#include "ingest/EventNormalizer.h"

#include "util/IsoTime.h"
#include "json/UnreadableNumbers.h"

#include "json/JsonView.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLoggingCategory>
#include <QVarLengthArray>
#include <QtEndian>

#include <atomic>
#include <cmath>
#include <cstring>
#include <initializer_list>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define EA_HAVE_SHANI_CODE 1
#endif

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
    const char16_t* from;
    const char16_t* to;
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
bool isWrapperType(QStringView type)
{
    // QStringViews built at compile time: no length to compute per call.
    static constexpr QStringView kWrappers[] = {
        u"hook",        u"claude_event",   u"tool_event", u"hook_event",   u"session_event",
        u"agent_event", u"response_event", u"file_event", u"system_event", u"mpm_event",
    };
    for (const QStringView w : kWrappers) {
        if (type == w)
            return true;
    }
    return false;
}

// Payloads are read through QJsonObject (history entries, reopened session files) or through
// a JsonView of the received bytes (the live path); JsonViewObject/JsonViewValue have the same
// reading API, so every rule below is written once and reads both the same way.
template <typename Object> QString stringAt(const Object& object, const char* key)
{
    const auto v = object.value(QLatin1String(key));
    return v.isString() ? v.toString() : QString();
}

template <typename Object> Object objectAt(const Object& object, const char* key)
{
    const auto v = object.value(QLatin1String(key));
    return v.isObject() ? v.toObject() : Object();
}

// A (object, key) lookup list: the first non-empty string wins. Wrong types are skipped, not
// coerced: a numeric session id is as good as none.
template <typename Object> struct Source
{
    const Object* object;
    const char* key;
};

template <typename Object> QString firstString(std::initializer_list<Source<Object>> sources)
{
    for (const Source<Object>& s : sources) {
        QString value = stringAt(*s.object, s.key);
        if (!value.isEmpty())
            return value;
    }
    return {};
}

template <typename Object> QString subtypeOf(const Object& top, const Object& data)
{
    const QString type = stringAt(top, "type");
    const QString subtype = stringAt(top, "subtype");
    if (!subtype.isEmpty()) {
        if (type == u"memory" && !subtype.startsWith(u"memory"))
            return EventNormalizer::normalizeSubtype(QStringLiteral("memory_") + subtype);
        return EventNormalizer::normalizeSubtype(subtype);
    }
    // The oldest format packed both into the type: "hook.pre_tool", "memory.updated".
    const qsizetype dot = type.indexOf(QLatin1Char('.'));
    if (dot > 0) {
        const QStringView prefix = QStringView(type).left(dot);
        const QStringView rest = QStringView(type).mid(dot + 1);
        if (prefix == u"hook")
            return EventNormalizer::normalizeSubtype(rest);
        if (prefix == u"memory")
            return EventNormalizer::normalizeSubtype(QStringLiteral("memory_") + rest.toString());
        return EventNormalizer::normalizeSubtype(type);
    }
    const QString hook =
        firstString<Object>({{&top, "hook_event_name"}, {&data, "hook_event_name"}});
    if (!hook.isEmpty())
        return EventNormalizer::normalizeSubtype(hook);
    if (!type.isEmpty() && !isWrapperType(type))
        return EventNormalizer::normalizeSubtype(type);
    return knownSubtypes().last(); // "unknown"
}

template <typename Object> QString correlationIdIn(const Object& payload)
{
    const Object data = objectAt(payload, "data");
    return firstString<Object>({{&payload, "correlation_id"},
                                {&data, "correlation_id"},
                                {&payload, "tool_use_id"},
                                {&data, "tool_use_id"},
                                {&payload, "tool_call_id"},
                                {&data, "tool_call_id"}});
}

template <typename Value> std::optional<QDateTime> timestampOf(const Value& value)
{
    if (value.isString())
        return EventNormalizer::parseIsoTimestamp(value.toString());
    if (value.isDouble())
        return IsoTime::fromNumber(value.toDouble());
    return std::nullopt;
}

// Everything but raw, identity and the fallback timestamp, read from the payload object.
template <typename Object>
ClaudeEvent eventFrom(const QString& eventName, const Object& top, QByteArray raw,
                      const QDateTime& receivedAt)
{
    const Object data = objectAt(top, "data");
    const Object params = objectAt(data, "tool_parameters");
    const Object dataInput = objectAt(data, "tool_input");
    const Object topInput = objectAt(top, "tool_input");
    const Object dataDelegation = objectAt(data, "delegation_details");
    const Object topDelegation = objectAt(top, "delegation_details");

    ClaudeEvent event;
    event.raw = std::move(raw);
    event.raw.squeeze(); // serializing leaves slack; held events must not carry it
    event.eventName = intern(eventName, knownEventNames());
    event.sessionId = firstString<Object>(
        {{&top, "session_id"}, {&top, "sessionId"}, {&data, "session_id"}, {&data, "sessionId"}});
    event.subtype = subtypeOf(top, data);
    event.toolName =
        intern(firstString<Object>({{&data, "tool_name"}, {&top, "tool_name"}}), knownToolNames());
    event.correlationId = correlationIdIn(top);
    event.agentType = firstString<Object>({{&dataDelegation, "agent_type"},
                                           {&data, "agent_type"},
                                           {&params, "subagent_type"},
                                           {&dataInput, "subagent_type"},
                                           {&topDelegation, "agent_type"},
                                           {&top, "agent_type"},
                                           {&topInput, "subagent_type"}});
    event.filePath = firstString<Object>({{&params, "file_path"},
                                          {&params, "notebook_path"},
                                          {&dataInput, "file_path"},
                                          {&dataInput, "notebook_path"},
                                          {&topInput, "file_path"},
                                          {&topInput, "notebook_path"},
                                          {&data, "file_path"},
                                          {&top, "file_path"}});
    event.workingDirectory = firstString<Object>(
        {{&data, "working_directory"}, {&top, "cwd"}, {&data, "cwd"}, {&top, "working_directory"}});
    event.gitBranch = firstString<Object>({{&data, "git_branch"}, {&top, "git_branch"}});

    std::optional<QDateTime> stamp = timestampOf(top.value(QLatin1String("timestamp")));
    if (!stamp)
        stamp = timestampOf(data.value(QLatin1String("timestamp")));
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
    return event;
}

std::atomic<bool> g_fastPath{true};

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
        if (snake == QStringView(alias.from)) {
            snake = QString::fromUtf16(alias.to);
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
    return timestampOf(value);
}

namespace {

#ifdef EA_HAVE_SHANI_CODE
// SHA-256 with the x86 SHA extensions: the identity of every received event is a hash, and
// this makes it about ten times cheaper than the portable code. Same digest, of course; the
// portable path is used where the CPU lacks the instructions.
alignas(16) constexpr quint32 kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

__attribute__((target("sha,sse4.1,ssse3"))) void sha256Blocks(quint32 state[8], const uchar* data,
                                                              size_t blocks)
{
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[0]));
    __m128i state1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[4]));
    tmp = _mm_shuffle_epi32(tmp, 0xB1);               // CDAB
    state1 = _mm_shuffle_epi32(state1, 0x1B);         // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8); // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);      // CDGH
    for (; blocks > 0; --blocks, data += 64) {
        const __m128i abefSave = state0;
        const __m128i cdghSave = state1;
        __m128i w[16];
        for (int g = 0; g < 16; ++g) {
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), byteSwap);
            } else {
                // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time.
                const __m128i s0 = _mm_sha256msg1_epu32(w[g - 4], w[g - 3]);
                const __m128i mid = _mm_add_epi32(s0, _mm_alignr_epi8(w[g - 1], w[g - 2], 4));
                w[g] = _mm_sha256msg2_epu32(mid, w[g - 1]);
            }
            __m128i msg = _mm_add_epi32(
                w[g], _mm_load_si128(reinterpret_cast<const __m128i*>(&kSha256K[4 * g])));
            state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
        }
        state0 = _mm_add_epi32(state0, abefSave);
        state1 = _mm_add_epi32(state1, cdghSave);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);       // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);    // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0); // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);    // ABEF
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), state0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), state1);
}

bool cpuHasShaExtensions()
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    const bool ssse3 = c & (1u << 9);
    const bool sse41 = c & (1u << 19);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    const bool sha = b & (1u << 29);
    return ssse3 && sse41 && sha;
}

// The first 8 bytes of SHA-256(a + b), big-endian; b may be empty.
quint64 sha256Prefix(QByteArrayView a, QByteArrayView b)
{
    quint32 state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const quint64 total = quint64(a.size()) + quint64(b.size());
    // Whole blocks straight from `a`; the tail of `a`, then `b` and the padding, from a buffer.
    const size_t direct = size_t(a.size()) / 64;
    if (direct)
        sha256Blocks(state, reinterpret_cast<const uchar*>(a.data()), direct);
    const qsizetype tail = a.size() - qsizetype(direct * 64);
    QVarLengthArray<uchar, 256> buf(tail + b.size() + 72);
    uchar* p = buf.data();
    std::memcpy(p, a.data() + direct * 64, size_t(tail));
    if (!b.isEmpty())
        std::memcpy(p + tail, b.data(), size_t(b.size()));
    size_t len = size_t(tail + b.size());
    p[len++] = 0x80;
    while (len % 64 != 56)
        p[len++] = 0;
    const quint64 bits = total * 8;
    for (int i = 7; i >= 0; --i)
        p[len++] = uchar(bits >> (8 * i));
    sha256Blocks(state, p, len / 64);
    return (quint64(state[0]) << 32) | state[1];
}
#endif

bool useShaExtensions()
{
#ifdef EA_HAVE_SHANI_CODE
    static const bool yes = cpuHasShaExtensions();
    return yes;
#else
    return false;
#endif
}

} // namespace

quint64 EventNormalizer::identityOf(const QByteArray& compactRaw, const QDateTime& receiptTime)
{
    QByteArray suffix;
    if (receiptTime.isValid())
        suffix = "\n@" + QByteArray::number(receiptTime.toMSecsSinceEpoch());
#ifdef EA_HAVE_SHANI_CODE
    if (useShaExtensions())
        return sha256Prefix(compactRaw, suffix);
#endif
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(compactRaw);
    if (!suffix.isEmpty())
        hash.addData(suffix);
    const QByteArray digest = hash.result();
    return qFromBigEndian<quint64>(digest.constData());
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

QString EventNormalizer::correlationIdOf(const QJsonObject& payload)
{
    return correlationIdIn(payload);
}

QString EventNormalizer::correlationIdOf(const JsonViewObject& payload)
{
    return correlationIdIn(payload);
}

ClaudeEvent EventNormalizer::normalizeObject(const QString& eventName, const QJsonObject& payload,
                                             const QDateTime& receivedAt)
{
    return eventFrom(eventName, payload, QJsonDocument(payload).toJson(QJsonDocument::Compact),
                     receivedAt);
}

void EventNormalizer::setFastPathEnabled(bool on)
{
    g_fastPath.store(on, std::memory_order_relaxed);
}

bool EventNormalizer::fastPathEnabled()
{
    return g_fastPath.load(std::memory_order_relaxed);
}

NormalizeResult EventNormalizer::normalize(const QString& eventName, const QByteArray& payloadJson,
                                           const QDateTime& receivedAt)
{
    return normalize(eventName, payloadJson, receivedAt, Limits{});
}

NormalizeResult EventNormalizer::normalize(const QString& eventName, const QByteArray& payloadJson,
                                           const QDateTime& receivedAt, const Limits& limits)
{
    if (isChatter(eventName))
        return NormalizeResult::chatter();

    if (payloadJson.size() > limits.maxPayloadBytes)
        return NormalizeResult::failure(
            NormalizeResult::Error::Oversized,
            QStringLiteral("%1 payload of %2 bytes exceeds the limit of %3 bytes")
                .arg(eventName)
                .arg(payloadJson.size())
                .arg(limits.maxPayloadBytes));
    if (payloadJson.trimmed().isEmpty())
        return NormalizeResult::failure(
            NormalizeResult::Error::Empty,
            QStringLiteral("%1 event without a payload").arg(eventName));

    const bool history = eventName == u"history";
    // A history batch wraps each event in {"events":[...]}: two more levels than the event.
    const int depthLimit = limits.maxDepth + (history ? 2 : 0);
    const auto tooDeep = [&] {
        return NormalizeResult::failure(NormalizeResult::Error::TooDeep,
                                        QStringLiteral("%1 payload nests deeper than %2 levels")
                                            .arg(eventName)
                                            .arg(depthLimit));
    };

    if (!history && fastPathEnabled()) {
        // The live path: index the bytes instead of building a QJsonDocument, and write the
        // canonical form from the index. Whatever the view declines (not an object, empty,
        // unusual JSON, invalid JSON) takes the QJsonDocument path below, which decides.
        thread_local JsonView view;
        if (view.parse(payloadJson) && view.kind(view.root()) == JsonView::Kind::Object &&
            view.childCount(view.root()) > 0) {
            // For valid JSON the view's depth is what nestingDepth() counts.
            if (view.depth() > depthLimit)
                return tooDeep();
            QByteArray raw;
            view.writeCanonical(&raw);
            return NormalizeResult::fromEvents(
                {eventFrom(eventName, view.object(view.root()), std::move(raw), receivedAt)});
        }
    }

    const int depth = nestingDepth(payloadJson, depthLimit);
    if (depth > depthLimit)
        return tooDeep();

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(payloadJson, &parseError);
    if (parseError.error == QJsonParseError::IllegalNumber) {
        // One number no reader can hold (1e999) would cost the whole event: it is kept as the
        // string of its text instead, which every reader of the saved file accepts.
        int quoted = 0;
        const QByteArray readable = UnreadableNumbers::quote(payloadJson, &quoted);
        if (quoted > 0) {
            NormalizeResult result = normalize(eventName, readable, receivedAt, limits);
            if (!result.isError()) {
                qCWarning(lcNormalizer).noquote()
                    << eventName.left(64) << "payload:" << quoted
                    << "number(s) out of range kept as text (JSON strings)";
                result.numbersAsText = quoted;
            }
            return result;
        }
    }
    if (parseError.error != QJsonParseError::NoError) {
        // JSON scalars ("text", 42, null) fail QJsonDocument but are valid, just not events.
        const QJsonDocument wrapped =
            QJsonDocument::fromJson(QByteArray("[") + payloadJson + QByteArray("]"));
        if (wrapped.isArray() && wrapped.array().size() == 1)
            return NormalizeResult::failure(
                NormalizeResult::Error::NotAnObject,
                QStringLiteral("%1 payload is a JSON scalar, not an object").arg(eventName));
        return NormalizeResult::failure(
            NormalizeResult::Error::InvalidJson,
            QStringLiteral("%1 payload is not valid JSON: %2 at byte %3")
                .arg(eventName, parseError.errorString())
                .arg(parseError.offset));
    }
    if (!doc.isObject())
        return NormalizeResult::failure(NormalizeResult::Error::NotAnObject,
                                        QStringLiteral("%1 payload is %2, not an object")
                                            .arg(eventName, doc.isArray()
                                                                ? QStringLiteral("an array")
                                                                : QStringLiteral("a scalar")));
    const QJsonObject object = doc.object();
    if (object.isEmpty())
        return NormalizeResult::failure(
            NormalizeResult::Error::Empty,
            QStringLiteral("%1 payload is an empty object").arg(eventName));

    if (!history)
        return NormalizeResult::fromEvents({normalizeObject(eventName, object, receivedAt)});

    const QJsonValue entries = object.value(QLatin1String("events"));
    if (!entries.isArray())
        return NormalizeResult::failure(NormalizeResult::Error::BadHistory,
                                        QStringLiteral("history payload has no \"events\" array"));
    QList<ClaudeEvent> events;
    int skipped = 0;
    const QJsonArray array = entries.toArray();
    events.reserve(array.size());
    for (const QJsonValue& entry : array) {
        if (!entry.isObject() || entry.toObject().isEmpty()) {
            ++skipped;
            continue;
        }
        // The legacy server sends history entries exactly as it emitted them live, under
        // claude_event; naming them so makes a replay indistinguishable from the original.
        events.append(
            normalizeObject(QStringLiteral("claude_event"), entry.toObject(), receivedAt));
    }
    if (skipped)
        qCWarning(lcNormalizer) << "history batch:" << skipped << "entries were not event objects";
    return NormalizeResult::fromEvents(std::move(events), skipped);
}

} // namespace ea
