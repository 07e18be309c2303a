#include "EventNormalizer.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLoggingCategory>
#include <QtEndian>

#include <cmath>
#include <initializer_list>

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
    static constexpr const char16_t* kWrappers[] = {
        u"hook",        u"claude_event",   u"tool_event", u"hook_event",   u"session_event",
        u"agent_event", u"response_event", u"file_event", u"system_event", u"mpm_event",
    };
    for (const char16_t* w : kWrappers) {
        if (type == QStringView(w))
            return true;
    }
    return false;
}

QString stringAt(const QJsonObject& object, const char* key)
{
    const QJsonValue v = object.value(QLatin1String(key));
    return v.isString() ? v.toString() : QString();
}

QJsonObject objectAt(const QJsonObject& object, const char* key)
{
    const QJsonValue v = object.value(QLatin1String(key));
    return v.isObject() ? v.toObject() : QJsonObject();
}

// A (object, key) lookup list: the first non-empty string wins. Wrong types are skipped, not
// coerced: a numeric session id is as good as none.
struct Source
{
    const QJsonObject* object;
    const char* key;
};

QString firstString(std::initializer_list<Source> sources)
{
    for (const Source& s : sources) {
        QString value = stringAt(*s.object, s.key);
        if (!value.isEmpty())
            return value;
    }
    return {};
}

QString subtypeOf(const QJsonObject& top, const QJsonObject& data)
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
    const QString hook = firstString({{&top, "hook_event_name"}, {&data, "hook_event_name"}});
    if (!hook.isEmpty())
        return EventNormalizer::normalizeSubtype(hook);
    if (!type.isEmpty() && !isWrapperType(type))
        return EventNormalizer::normalizeSubtype(type);
    return knownSubtypes().last(); // "unknown"
}

bool readDigits(QStringView text, qsizetype& pos, int count, int& out)
{
    if (pos + count > text.size())
        return false;
    int value = 0;
    for (int i = 0; i < count; ++i) {
        const char16_t c = text[pos + i].unicode();
        if (c < u'0' || c > u'9')
            return false;
        value = value * 10 + (c - u'0');
    }
    pos += count;
    out = value;
    return true;
}

bool at(QStringView text, qsizetype pos, char16_t c)
{
    return pos < text.size() && text[pos].unicode() == c;
}

} // namespace

bool EventNormalizer::isChatter(QStringView eventName)
{
    static constexpr const char16_t* kChatter[] = {
        u"heartbeat", u"dashboard:welcome", u"dashboard:client:count", u"status", u"welcome",
        u"reload",    u"config_event",
    };
    for (const char16_t* name : kChatter) {
        if (eventName == QStringView(name))
            return true;
    }
    return false;
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
    text = text.trimmed();
    qsizetype pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, msec = 0;
    if (!readDigits(text, pos, 4, year) || !at(text, pos++, u'-') ||
        !readDigits(text, pos, 2, month) || !at(text, pos++, u'-') ||
        !readDigits(text, pos, 2, day))
        return std::nullopt;
    if (!(at(text, pos, u'T') || at(text, pos, u't') || at(text, pos, u' ')))
        return std::nullopt;
    ++pos;
    if (!readDigits(text, pos, 2, hour) || !at(text, pos++, u':') ||
        !readDigits(text, pos, 2, minute))
        return std::nullopt;
    if (at(text, pos, u':')) {
        ++pos;
        if (!readDigits(text, pos, 2, second))
            return std::nullopt;
        if (at(text, pos, u'.') || at(text, pos, u',')) {
            ++pos;
            int digits = 0;
            int scale = 100;
            while (pos < text.size() && text[pos].isDigit() && text[pos].unicode() < 128) {
                // Python writes microseconds; we keep milliseconds and drop the rest.
                if (digits < 3) {
                    msec += (text[pos].unicode() - u'0') * scale;
                    scale /= 10;
                }
                ++digits;
                ++pos;
            }
            if (digits == 0 || digits > 9)
                return std::nullopt;
        }
    }
    int offsetSeconds = 0;
    if (at(text, pos, u'Z') || at(text, pos, u'z')) {
        ++pos;
    } else if (at(text, pos, u'+') || at(text, pos, u'-')) {
        const int sign = at(text, pos, u'-') ? -1 : 1;
        ++pos;
        int offH = 0, offM = 0;
        if (!readDigits(text, pos, 2, offH))
            return std::nullopt;
        if (at(text, pos, u':'))
            ++pos;
        if (pos < text.size() && text[pos].isDigit() && !readDigits(text, pos, 2, offM))
            return std::nullopt;
        if (offH > 18 || offM > 59)
            return std::nullopt;
        offsetSeconds = sign * (offH * 3600 + offM * 60);
        // A fallback path of the dashboard appends "Z" to an already zoned time: "+00:00Z".
        if (at(text, pos, u'Z') || at(text, pos, u'z'))
            ++pos;
    }
    if (pos != text.size())
        return std::nullopt;
    const QDate date(year, month, day);
    const QTime time(hour, minute, second, msec);
    if (!date.isValid() || !time.isValid())
        return std::nullopt;
    return QDateTime(date, time, Qt::UTC).addSecs(-offsetSeconds);
}

std::optional<QDateTime> EventNormalizer::parseTimestamp(const QJsonValue& value)
{
    if (value.isString())
        return parseIsoTimestamp(value.toString());
    if (value.isDouble()) {
        const double number = value.toDouble();
        if (!std::isfinite(number) || number < 0)
            return std::nullopt;
        // Seconds since 1970 stay below 1e11 until the year 5138; milliseconds are above it
        // from 1973 on, so the magnitude tells the unit.
        const double ms = number >= 1e11 ? number : number * 1000.0;
        if (ms > 253402300799999.0) // 9999-12-31T23:59:59.999Z
            return std::nullopt;
        return QDateTime::fromMSecsSinceEpoch(qint64(ms), Qt::UTC);
    }
    return std::nullopt;
}

quint64 EventNormalizer::identityOf(const QByteArray& compactRaw, const QDateTime& receiptTime)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(compactRaw);
    if (receiptTime.isValid()) {
        const QByteArray stamp = QByteArray::number(receiptTime.toMSecsSinceEpoch());
        hash.addData(QByteArrayView("\n@", 2));
        hash.addData(stamp);
    }
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
    const QJsonObject data = objectAt(payload, "data");
    return firstString({{&payload, "correlation_id"},
                        {&data, "correlation_id"},
                        {&payload, "tool_use_id"},
                        {&data, "tool_use_id"},
                        {&payload, "tool_call_id"},
                        {&data, "tool_call_id"}});
}

ClaudeEvent EventNormalizer::normalizeObject(const QString& eventName, const QJsonObject& payload,
                                             const QDateTime& receivedAt)
{
    const QJsonObject& top = payload;
    const QJsonObject data = objectAt(top, "data");
    const QJsonObject params = objectAt(data, "tool_parameters");
    const QJsonObject dataInput = objectAt(data, "tool_input");
    const QJsonObject topInput = objectAt(top, "tool_input");
    const QJsonObject dataDelegation = objectAt(data, "delegation_details");
    const QJsonObject topDelegation = objectAt(top, "delegation_details");

    ClaudeEvent event;
    event.raw = QJsonDocument(top).toJson(QJsonDocument::Compact);
    event.raw.squeeze(); // toJson leaves up to 2x slack; held events must not carry it
    event.eventName = intern(eventName, knownEventNames());
    event.sessionId = firstString(
        {{&top, "session_id"}, {&top, "sessionId"}, {&data, "session_id"}, {&data, "sessionId"}});
    event.subtype = subtypeOf(top, data);
    event.toolName =
        intern(firstString({{&data, "tool_name"}, {&top, "tool_name"}}), knownToolNames());
    event.correlationId = correlationIdOf(top);
    event.agentType = firstString({{&dataDelegation, "agent_type"},
                                   {&data, "agent_type"},
                                   {&params, "subagent_type"},
                                   {&dataInput, "subagent_type"},
                                   {&topDelegation, "agent_type"},
                                   {&top, "agent_type"},
                                   {&topInput, "subagent_type"}});
    event.filePath = firstString({{&params, "file_path"},
                                  {&params, "notebook_path"},
                                  {&dataInput, "file_path"},
                                  {&dataInput, "notebook_path"},
                                  {&topInput, "file_path"},
                                  {&topInput, "notebook_path"},
                                  {&data, "file_path"},
                                  {&top, "file_path"}});
    event.workingDirectory = firstString(
        {{&data, "working_directory"}, {&top, "cwd"}, {&data, "cwd"}, {&top, "working_directory"}});
    event.gitBranch = firstString({{&data, "git_branch"}, {&top, "git_branch"}});

    std::optional<QDateTime> stamp = parseTimestamp(top.value(QLatin1String("timestamp")));
    if (!stamp)
        stamp = parseTimestamp(data.value(QLatin1String("timestamp")));
    if (stamp) {
        event.timestamp = *stamp;
        event.identity = identityOf(event.raw);
    } else {
        event.timestamp = receivedAt.toUTC();
        event.timestampFromReceipt = true;
        event.identity = identityOf(event.raw, event.timestamp);
    }
    event.category =
        EventCategory::classify(event.subtype, event.toolName, !event.filePath.isEmpty());
    return event;
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
    const int depth = nestingDepth(payloadJson, depthLimit);
    if (depth > depthLimit)
        return NormalizeResult::failure(NormalizeResult::Error::TooDeep,
                                        QStringLiteral("%1 payload nests deeper than %2 levels")
                                            .arg(eventName)
                                            .arg(depthLimit));

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(payloadJson, &parseError);
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
