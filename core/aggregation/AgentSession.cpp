#include "AgentSession.h"

#include "EventNormalizer.h"
#include "IsoTime.h"
#include "JsonView.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>
#include <numeric>
#include <type_traits>
#include <utility>

Q_LOGGING_CATEGORY(lcSession, "ea.aggregation.session")

// What a tool result says about its call.
struct ToolOutcome
{
    bool success = true;
    std::optional<int> exitCode;
    QString error;
    qint64 durationMs = -1;
};

namespace {

// Caller-recorded gaps and unmatched stops are capped: a flapping connection must not grow
// a session without bound.
constexpr qsizetype kMaxRecordedGaps = 1000;
constexpr qsizetype kMaxUnmatchedStops = 100;
// Events re-derived by rebuilds, per held event (plus a base): claude-mpm's traffic needs a
// rebuild about once per delegation.
constexpr qint64 kRebuildBudgetPerEvent = 32;
constexpr qint64 kRebuildBudgetBase = 50000;

QString mainAgent()
{
    return QStringLiteral("main");
}

// Payload readers work on QJsonObject and on JsonViewObject (the same reading API over the
// held bytes, without building a document), so each rule is written once for both.
template <typename Object> Object objectAt(const Object& object, const char* key)
{
    const auto v = object.value(QLatin1String(key));
    return v.isObject() ? v.toObject() : Object();
}

template <typename Object> QString stringAt(const Object& object, const char* key)
{
    const auto v = object.value(QLatin1String(key));
    return v.isString() ? v.toString() : QString();
}

template <typename Object>
QString firstString(std::initializer_list<std::pair<const Object*, const char*>> sources)
{
    for (const auto& [object, key] : sources) {
        QString value = stringAt(*object, key);
        if (!value.isEmpty())
            return value;
    }
    return {};
}

QString firstString(std::initializer_list<std::pair<const QJsonObject*, const char*>> sources)
{
    return firstString<QJsonObject>(sources);
}

QJsonObject parseObject(const QByteArray& raw)
{
    return QJsonDocument::fromJson(raw).object();
}

// The hook's own fields: the wrapper's "data", or the whole payload of a raw hook.
QJsonObject dataOf(const QJsonObject& payload)
{
    const QJsonValue inner = payload.value(QLatin1String("data"));
    return inner.isObject() ? inner.toObject() : payload;
}

// The wrapper's "data" object, or the whole payload, read through a view.
JsonViewObject dataOf(const JsonViewObject& payload)
{
    const JsonViewValue inner = payload.value(QLatin1String("data"));
    return inner.isObject() ? inner.toObject() : payload;
}

QJsonValue stringOrNull(const QString& s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QStringList sorted(QSet<QString> set)
{
    QStringList list(set.begin(), set.end());
    std::sort(list.begin(), list.end());
    return list;
}

QJsonObject countsJson(const QMap<QString, int>& counts)
{
    QJsonObject o;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

// What a post_tool says about the call. Current servers send success/status/exit_code; raw
// Claude Code hooks only a tool_response, which may carry success or is_error.
template <typename Object> ToolOutcome outcomeOf(const Object& data)
{
    ToolOutcome out;
    const Object summary = objectAt(data, "result_summary");
    const Object response = objectAt(data, "tool_response");
    const auto exit = data.contains(QLatin1String("exit_code"))
                          ? data.value(QLatin1String("exit_code"))
                          : summary.value(QLatin1String("exit_code"));
    if (exit.isDouble())
        out.exitCode = exit.toInt();
    const QString status = stringAt(data, "status");
    if (data.value(QLatin1String("success")).isBool())
        out.success = data.value(QLatin1String("success")).toBool();
    else if (!status.isEmpty())
        out.success = status == u"success";
    else if (response.value(QLatin1String("success")).isBool())
        out.success = response.value(QLatin1String("success")).toBool();
    else if (response.value(QLatin1String("is_error")).isBool())
        out.success = !response.value(QLatin1String("is_error")).toBool();
    else if (out.exitCode)
        out.success = *out.exitCode == 0;
    if (!out.success) {
        out.error = firstString<Object>({{&data, "error"},
                                         {&data, "error_message"},
                                         {&summary, "error"},
                                         {&summary, "error_preview"},
                                         {&response, "error"}});
        if (out.error.isEmpty())
            out.error =
                !status.isEmpty() && status != u"success" ? status : QStringLiteral("failed");
    }
    const auto duration = data.value(QLatin1String("duration_ms"));
    if (duration.isDouble() && duration.toDouble() >= 0)
        out.durationMs = qint64(duration.toDouble());
    return out;
}

// Text a subagent or Task result hands back, if the payload carries any.
template <typename Object> QString resultText(const Object& data)
{
    const Object structured = objectAt(data, "structured_response");
    QString text = firstString<Object>({{&structured, "results"},
                                        {&data, "response"},
                                        {&data, "result"},
                                        {&data, "output"},
                                        {&data, "response_text"}});
    if (!text.isEmpty())
        return text;
    // Claude Code's Task tool_response: {"content":[{"type":"text","text":"..."}]}
    const auto content = objectAt(data, "tool_response").value(QLatin1String("content")).toArray();
    for (qsizetype i = 0; i < content.size(); ++i) {
        const QString t = content.at(i).toObject().value(QLatin1String("text")).toString();
        if (!t.isEmpty())
            return t;
    }
    return {};
}

// A value read through a view, as the QJsonValue parsing its bytes gives.
QJsonValue toQt(const JsonViewValue& v, const JsonView& view)
{
    if (v.isUndefined())
        return QJsonValue(QJsonValue::Undefined);
    const QByteArray text = '[' + view.text(v.node()).toByteArray() + ']';
    return QJsonDocument::fromJson(text).array().at(0);
}

} // namespace

AgentSession::AgentSession(QString sessionId, CaptureFilter filter)
    : m_sessionId(std::move(sessionId)), m_filter(filter)
{}

quint16 AgentSession::nameIndex(const QString& name)
{
    const qsizetype found = m_names.indexOf(name);
    if (found >= 0)
        return quint16(found);
    // Names come from a small vocabulary; a hostile stream inventing thousands shares the last
    // slot.
    if (m_names.size() >= 0xFFFF) {
        qCWarning(lcSession) << "too many distinct event names in session" << m_sessionId;
        return 0xFFFE;
    }
    m_names.append(name);
    m_nameRanks.append(qint8(rankOf(name)));
    return quint16(m_names.size() - 1);
}

QString AgentSession::intern(const QString& value)
{
    const auto it = m_strings.constFind(value);
    if (it != m_strings.cend())
        return *it;
    m_strings.insert(value);
    return value;
}

int AgentSession::currentDelegation() const
{
    return m_openDelegations.isEmpty() ? -1 : m_openDelegations.last();
}

QString AgentSession::agentTypeOf(int delegation) const
{
    if (delegation < 0 || delegation >= m_delegations.size())
        return mainAgent();
    return m_delegations.at(delegation).agentType;
}

AgentSession::AddResult AgentSession::addEvent(const ClaudeEvent& event)
{
    // A session we stopped waiting for (timed out, stopped, interrupted) goes on with any new
    // event; a completed one only when a new turn starts (see below).
    if (m_status != Status::Active && m_status != Status::Completed) {
        qCInfo(lcSession) << "session" << m_sessionId << "reopened by a later" << event.subtype
                          << "event";
        setStatus(Status::Active);
    }

    // An event without any usable time sorts with the one before it.
    const QDateTime at = event.timestamp.isValid()
                             ? event.timestamp.toUTC()
                             : (m_lastEventTime.isValid() ? m_lastEventTime : QDateTime());
    const qint64 atMs = at.isValid() ? at.toMSecsSinceEpoch() : 0;
    if (at.isValid()) {
        if (!m_startTime.isValid() || at < m_startTime)
            m_startTime = at;
        if (!m_lastEventTime.isValid() || at > m_lastEventTime)
            m_lastEventTime = at;
    }
    // Chosen by event time, not arrival, so the same events give the same session.
    if (!event.workingDirectory.isEmpty() &&
        (m_workingDirectory.isEmpty() || atMs < m_workingDirectoryMs)) {
        m_workingDirectory = event.workingDirectory;
        m_workingDirectoryMs = atMs;
    }
    if (!event.gitBranch.isEmpty() && (m_gitBranch.isEmpty() || atMs >= m_gitBranchMs)) {
        m_gitBranch = event.gitBranch; // branches change; the latest is the useful one
        m_gitBranchMs = atMs;
    }

    if (!m_filter.accepts(event.category)) {
        ++m_filteredCounts[event.category];
        return AddResult::Filtered;
    }

    const qsizetype eventIndex = m_events.size();
    static_assert(sizeof(HeldEvent) <= 56, "held events are the bulk of a session's memory");
    HeldEvent held;
    held.raw = event.raw;
    held.timestampMs = atMs;
    held.identity = event.identity;
    held.delegation = kContextFromSteps;
    held.eventName = nameIndex(event.eventName);
    held.subtype = nameIndex(event.subtype);
    held.category = event.category;
    held.timestampFromReceipt = event.timestampFromReceipt;
    m_events.append(std::move(held));

    ++m_categoryCounts[event.category];
    const quint16 subtypeIndex = m_events.last().subtype;
    if (m_subtypeCounts.size() <= subtypeIndex)
        m_subtypeCounts.resize(subtypeIndex + 1);
    ++m_subtypeCounts[subtypeIndex];

    if (isStructural(event)) {
        // Tool calls, delegations and turns are derived from the events in time order. An
        // event that arrived after a later one (claude-mpm posts each hook's events from two
        // threads) makes the derived state be rebuilt in time order, so arrival order never
        // changes the result.
        const OrderKey key = keyOf(eventIndex);
        // A rebuild costs the whole session; a stream that is out of order all the time
        // (hostile, or a broken clock) gets a bounded budget, then arrival order.
        const bool affordable =
            m_rebuildWork < kRebuildBudgetPerEvent * m_events.size() + kRebuildBudgetBase;
        if (m_lastStructural && key < *m_lastStructural && affordable) {
            m_rebuildWork += m_events.size();
            rebuildDerived();
        } else {
            if (m_lastStructural && key < *m_lastStructural && !m_arrivalOrderLogged) {
                m_arrivalOrderLogged = true;
                qCWarning(lcSession) << "session" << m_sessionId
                                     << "arrives out of order too often; keeping arrival order";
            }
            if (!m_lastStructural || *m_lastStructural < key)
                m_lastStructural = key; // context steps stay sorted
            derive(event, eventIndex);
        }
    } else {
        noteFact(event, eventIndex);
    }
    updateStatusFromTurns();
    return AddResult::Stored;
}

void AgentSession::updateStatusFromTurns()
{
    if (m_openTurn >= 0) {
        if (m_status != Status::Active) {
            qCInfo(lcSession) << "session" << m_sessionId << "reopened by a new turn";
            setStatus(Status::Active);
        }
        return;
    }
    if (m_turns.isEmpty() || (m_status != Status::Active && m_status != Status::Completed))
        return;
    // The last turn ended: the session is complete until a new turn starts. Events that
    // belong to the ended turn (its token counts, hook timings, late results) join it.
    setStatus(Status::Completed,
              m_sessionEndSeen ? QStringLiteral("session end") : QStringLiteral("stop event"),
              m_turns.last().end);
}

bool AgentSession::isStructural(const ClaudeEvent& event)
{
    const QString& s = event.subtype;
    return s == u"pre_tool" || s == u"post_tool" || s == u"user_prompt" || s == u"subagent_start" ||
           s == u"subagent_stop" || s == u"stop" || s == u"session_end" || s == u"todo_updated" ||
           event.category == EventCategory::Memory;
}

int AgentSession::rankOf(QStringView subtype)
{
    // Ties within a millisecond are broken in the order Claude Code fires the hooks.
    static constexpr std::pair<QStringView, int> kRanks[] = {
        {u"session_start", 0},       {u"user_prompt", 1},   {u"command_acknowledged", 1},
        {u"subagent_start", 2},      {u"pre_tool", 3},      {u"todo_updated", 4},
        {u"post_tool", 5},           {u"subagent_stop", 6}, {u"stop", 7},
        {u"token_usage_updated", 8}, {u"session_end", 9},
    };
    for (const auto& [name, rank] : kRanks) {
        if (subtype == name)
            return rank;
    }
    return 10;
}

AgentSession::OrderKey AgentSession::keyOf(qsizetype index) const
{
    const HeldEvent& held = m_events.at(index);
    return OrderKey{held.timestampMs, m_nameRanks.value(held.subtype, 10), held.identity};
}

void AgentSession::noteFact(const ClaudeEvent& event, qsizetype eventIndex)
{
    // Facts that do not depend on the order of events: kept as they come, never rebuilt.
    const QString& subtype = event.subtype;
    if (subtype == u"hook_execution") {
        const QJsonObject data = event.data();
        QString hook = stringAt(data, "hook_name");
        if (hook.isEmpty())
            hook = stringAt(data, "hook_type");
        const QJsonValue duration = data.value(QLatin1String("duration_ms"));
        if (!hook.isEmpty() && m_hookDurations.size() < 256) {
            QList<qint64>& list = m_hookDurations[intern(hook)];
            list.append(duration.isDouble() && duration.toDouble() >= 0
                            ? qint64(duration.toDouble())
                            : qint64(-1));
        }
    } else if (subtype == u"token_usage_updated") {
        if (const auto usage = TokenUsage::fromUpdateData(event.data()))
            m_usageSamples.append(UsageSample{keyOf(eventIndex), *usage, false});
    } else if (subtype == u"assistant_response") {
        const QJsonObject data = event.data();
        const QString text = firstString({{&data, "response_text"}, {&data, "response"}});
        const OrderKey key = keyOf(eventIndex);
        if (!text.isEmpty() && (!m_finalResponseKey || *m_finalResponseKey < key)) {
            m_finalResponse = text;
            m_finalResponseKey = key;
        }
    } else if (subtype == u"session_start") {
        const QJsonObject payload = event.payload();
        const QJsonObject data = dataOf(payload);
        const QString launch = stringAt(data, "launch_method");
        if (!launch.isEmpty())
            m_launchMethod = launch;
        else if (!payload.value(QLatin1String("data")).isObject() && m_launchMethod.isEmpty())
            m_launchMethod = stringAt(payload, "source"); // raw SessionStart: startup, resume...
        const QJsonValue pid = data.contains(QLatin1String("claude_pid"))
                                   ? data.value(QLatin1String("claude_pid"))
                                   : data.value(QLatin1String("pid"));
        if (pid.isDouble())
            m_claudePid = qint64(pid.toDouble());
        const QJsonObject instance = objectAt(data, "instance_info");
        const QString root = firstString({{&data, "project_root"}, {&instance, "working_dir"}});
        if (!root.isEmpty())
            m_projectRoot = root;
    } else if (subtype == u"file_read") {
        if (!event.filePath.isEmpty())
            m_fileEventReads.insert(event.filePath);
    } else if (subtype == u"file_write" || subtype == u"file_edit") {
        if (!event.filePath.isEmpty())
            m_fileEventWrites.insert(event.filePath);
    }
}

void AgentSession::resetDerived()
{
    m_initialPrompt.clear();
    m_sessionEndSeen = false;
    m_toolOperations.clear();
    m_pendingOperations.clear();
    m_orphanOperations.clear();
    m_unknownOperations.clear();
    m_delegations.clear();
    m_openDelegations.clear();
    m_pendingSubagentStarts.clear();
    m_toolCounts.clear();
    m_unmatchedStops.clear();
    m_turns.clear();
    m_openTurn = -1;
    m_contextSteps.clear();
    m_lastStructural.reset();
    m_usageSamples.removeIf([](const UsageSample& u) { return u.fromStop; });
}

void AgentSession::rebuildDerived()
{
    QList<qsizetype> order;
    for (qsizetype i = 0; i < m_events.size(); ++i) {
        if (m_events.at(i).delegation != kContextFromSteps)
            order.append(i);
    }
    // The newest event is structural but still marked as a fact until derived.
    const qsizetype newest = m_events.size() - 1;
    if (newest >= 0 && m_events.at(newest).delegation == kContextFromSteps)
        order.append(newest);
    std::sort(order.begin(), order.end(),
              [this](qsizetype a, qsizetype b) { return keyOf(a) < keyOf(b); });
    resetDerived();
    for (const qsizetype i : order) {
        m_lastStructural = keyOf(i);
        // The held bytes are canonical already: normalizing them again reads them through a
        // view, far cheaper than eventAt()'s QJsonDocument round trip.
        const HeldEvent& held = m_events.at(i);
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(held.timestampMs, Qt::UTC);
        ClaudeEvent event =
            EventNormalizer::normalize(m_names.value(held.eventName), held.raw, at).events.value(0);
        if (event.subtype.isEmpty())
            event = eventAt(i);
        event.raw = held.raw;
        event.identity = held.identity;
        event.timestamp = at;
        derive(event, i);
    }
}

int AgentSession::contextOf(qsizetype index) const
{
    const HeldEvent& held = m_events.at(index);
    if (held.delegation != kContextFromSteps)
        return held.delegation;
    // The agent at work when the event happened: the context after the last structural event
    // at or before it in time order.
    const OrderKey key = keyOf(index);
    const auto it = std::upper_bound(
        m_contextSteps.cbegin(), m_contextSteps.cend(), key,
        [](const OrderKey& k, const std::pair<OrderKey, int>& step) { return k < step.first; });
    return it == m_contextSteps.cbegin() ? -1 : std::prev(it)->second;
}

void AgentSession::openTurn(const QDateTime& at, const QString& prompt)
{
    Turn t;
    t.index = int(m_turns.size());
    t.start = at;
    t.prompt = prompt;
    m_turns.append(std::move(t));
    m_openTurn = int(m_turns.size() - 1);
}

void AgentSession::endTurn(const QDateTime& at, const QString& endedBy)
{
    if (m_openTurn < 0)
        return;
    Turn& t = m_turns[m_openTurn];
    t.end = at.isValid() ? at : m_lastEventTime;
    t.endedBy = endedBy;
    // Calls still waiting for a result close with the turn: claude-mpm sends no post_tool for
    // a failed call, so the result is unknown, neither a success nor a failure.
    for (const int index : std::as_const(m_pendingOperations)) {
        ToolOperation& op = m_toolOperations[index];
        op.noResult = true;
        op.endTime = t.end;
        if (op.startTime.isValid())
            op.durationMs = qMax<qint64>(0, op.startTime.msecsTo(t.end));
        m_unknownOperations.append(index);
    }
    m_pendingOperations.clear();
    while (!m_openDelegations.isEmpty()) {
        const int d = m_openDelegations.last(); // innermost first: children are not failures
        m_delegations[d].noResult = !m_delegations.at(d).resultReceived;
        closeDelegation(d, t.end);
        if (m_delegations.at(d).noResult)
            m_delegations[d].completed = false;
    }
    m_pendingSubagentStarts.clear();
    m_openTurn = -1;
}

void AgentSession::derive(const ClaudeEvent& event, qsizetype eventIndex)
{
    const QDateTime at =
        m_events.at(eventIndex).timestampMs != 0 || event.timestamp.isValid()
            ? QDateTime::fromMSecsSinceEpoch(m_events.at(eventIndex).timestampMs, Qt::UTC)
            : QDateTime();
    const QString& subtype = event.subtype;

    // The payload is parsed into a QJsonObject only when a rule needs more than a field or two
    // (delegations, todos, prompts...). Tool calls and results, the bulk of any session, read
    // what they need through a JsonView of the held bytes.
    std::optional<QJsonObject> payloadCache;
    std::optional<QJsonObject> dataCache;
    const auto payloadObject = [&]() -> const QJsonObject& {
        if (!payloadCache)
            payloadCache = parseObject(event.raw);
        return *payloadCache;
    };
    const auto dataObject = [&]() -> const QJsonObject& {
        if (!dataCache)
            dataCache = dataOf(payloadObject());
        return *dataCache;
    };

    // Turns: a prompt (or the first activity after a Stop) starts one, a Stop ends it.
    if (subtype == u"user_prompt") {
        const QString prompt = firstString({{&dataObject(), "prompt_text"},
                                            {&dataObject(), "prompt"},
                                            {&payloadObject(), "prompt"}});
        if (m_initialPrompt.isEmpty())
            m_initialPrompt = prompt;
        if (m_openTurn >= 0 && !m_turns.at(m_openTurn).prompt.isEmpty())
            endTurn(at, QStringLiteral("next_prompt")); // its Stop never came
        if (m_openTurn < 0)
            openTurn(at, prompt);
        else
            m_turns[m_openTurn].prompt = prompt;
    } else if ((subtype == u"pre_tool" || subtype == u"subagent_start") && m_openTurn < 0) {
        openTurn(at, QString());
    }

    // The closing event of a delegation belongs to it; a Task result belongs to the caller.
    int context = currentDelegation();
    int target = -1;
    if (subtype == u"subagent_stop") {
        target = delegationForStop(event);
        if (target >= 0)
            context = target;
    } else if (event.isPreTool() && event.isDelegationTool()) {
        context = delegationCaller(context);
    } else if (event.isPostTool() && event.isDelegationTool()) {
        target = delegationForResult(event);
        if (target >= 0)
            context = m_delegations.at(target).parent;
    }
    m_events[eventIndex].delegation = context;

    // Reads the data object through a JsonView of the held bytes when it can, else through
    // the parsed QJsonObject: the same rules either way (see the templates above).
    thread_local JsonView view;
    const auto withData = [&](auto&& f) {
        if (view.parse(event.raw) && view.isObject(view.root()))
            return f(dataOf(view.object(view.root())));
        return f(dataObject());
    };

    if (subtype == u"pre_tool") {
        if (event.isDelegationTool())
            withData([&](const auto& data) { openDelegation(event, data, at, context); });
        else
            addToolPre(event, event.toolName == u"TodoWrite" ? &dataObject() : nullptr, at,
                       eventIndex, context);
    } else if (subtype == u"post_tool") {
        if (event.isDelegationTool()) {
            if (target >= 0)
                withData([&](const auto& data) { applyDelegationResult(target, event, data, at); });
            else
                qCDebug(lcSession) << "Task result without its delegation in" << m_sessionId;
        } else {
            withData([&](const auto& data) {
                addToolPost(event, outcomeOf(data), at, eventIndex, context);
            });
        }
    } else if (subtype == u"subagent_start") {
        const QString agentId = stringAt(dataObject(), "agent_id");
        if (context >= 0 && !m_delegations.at(context).subagentStarted &&
            (event.agentType.isEmpty() || m_delegations.at(context).agentType.compare(
                                              event.agentType, Qt::CaseInsensitive) == 0)) {
            Delegation& d = m_delegations[context];
            d.subagentStarted = true;
            if (d.agentId.isEmpty())
                d.agentId = agentId;
        } else if (m_pendingSubagentStarts.size() < kMaxUnmatchedStops) {
            // claude-mpm sends SubagentStart before the Task's pre_tool: kept for it.
            m_pendingSubagentStarts.append({event.agentType, agentId});
        }
    } else if (subtype == u"subagent_stop") {
        if (target >= 0) {
            withData([&](const auto& data) { applySubagentStop(target, event, data, at); });
        } else {
            if (m_unmatchedStops.size() < kMaxUnmatchedStops)
                m_unmatchedStops.append(at);
            qCDebug(lcSession) << "SubagentStop without an open delegation in" << m_sessionId;
        }
    } else if (subtype == u"todo_updated") {
        if (context >= 0) { // todos are kept per delegation only
            noteTodos(context, withData([](const auto& data) {
                          const auto todos = data.value(QLatin1String("todos"));
                          if constexpr (std::is_same_v<std::decay_t<decltype(data)>, QJsonObject>)
                              return QJsonValue(todos);
                          else
                              return todos.isArray() ? toQt(todos, view) : QJsonValue();
                      }));
        }
    } else if (event.category == EventCategory::Memory) {
        if (context >= 0)
            m_delegations[context].memoryUpdates.append(dataObject());
    } else if (subtype == u"stop" || subtype == u"session_end") {
        if (subtype == u"stop") {
            if (const auto usage = TokenUsage::fromStopData(dataObject()))
                m_usageSamples.append(UsageSample{keyOf(eventIndex), *usage, true});
            if (m_openTurn < 0 && m_turns.isEmpty())
                openTurn(at, QString());         // a Stop whose turn left no other event
            endTurn(at, QStringLiteral("stop")); // a repeated Stop changes nothing
        } else {
            m_sessionEndSeen = true;
            endTurn(at, QStringLiteral("session_end"));
        }
    }

    const int after = currentDelegation();
    if (m_contextSteps.isEmpty() || m_contextSteps.last().second != after)
        m_contextSteps.append({m_lastStructural.value_or(keyOf(eventIndex)), after});
}

int AgentSession::delegationCaller(int current) const
{
    // Hooks do not say which agent called Task. Parallel Task calls of one agent arrive back
    // to back, before the first subagent has done anything; a nested call comes from a
    // subagent that is already at work.
    if (current >= 0 && m_delegations.at(current).toolOperations.isEmpty() &&
        std::none_of(m_delegations.cbegin(), m_delegations.cend(),
                     [current](const Delegation& other) { return other.parent == current; }))
        return m_delegations.at(current).parent;
    return current;
}

int AgentSession::delegationForStop(const ClaudeEvent& event) const
{
    if (m_openDelegations.isEmpty())
        return -1;
    // Parallel subagents are told apart by type; otherwise the innermost one is stopping.
    if (!event.agentType.isEmpty()) {
        for (qsizetype i = m_openDelegations.size() - 1; i >= 0; --i) {
            const int d = m_openDelegations.at(i);
            if (m_delegations.at(d).agentType.compare(event.agentType, Qt::CaseInsensitive) == 0)
                return d;
        }
    }
    return m_openDelegations.last();
}

int AgentSession::delegationForResult(const ClaudeEvent& event) const
{
    if (!event.correlationId.isEmpty()) {
        for (int d = 0; d < m_delegations.size(); ++d) {
            const Delegation& del = m_delegations.at(d);
            if (del.correlationId == event.correlationId)
                return del.resultReceived ? -1 : d;
        }
    }
    const auto compatible = [&](const Delegation& del) {
        return !del.resultReceived &&
               (del.correlationId.isEmpty() || event.correlationId.isEmpty());
    };
    // A result usually follows the SubagentStop, so the delegation is a closed child of the
    // current context; failing that, the current delegation itself has not stopped yet.
    const int current = currentDelegation();
    for (int d = 0; d < m_delegations.size(); ++d) {
        const Delegation& del = m_delegations.at(d);
        if (compatible(del) && !del.isOpen() && del.parent == current)
            return d;
    }
    if (current >= 0 && compatible(m_delegations.at(current)))
        return current;
    return -1;
}

template <typename Object>
void AgentSession::openDelegation(const ClaudeEvent& event, const Object& data, const QDateTime& at,
                                  int parent)
{
    const Object details = objectAt(data, "delegation_details");
    const Object params = objectAt(data, "tool_parameters");
    const Object input = objectAt(data, "tool_input");
    Delegation d;
    d.agentType = intern(event.agentType.isEmpty() ? QStringLiteral("unknown") : event.agentType);
    d.taskDescription = firstString<Object>(
        {{&details, "description"}, {&params, "description"}, {&input, "description"}});
    d.prompt = firstString<Object>({{&details, "prompt"}, {&params, "prompt"}, {&input, "prompt"}});
    d.correlationId = event.correlationId;
    d.startTime = at;
    d.parent = parent;
    d.depth = parent >= 0 ? m_delegations.at(parent).depth + 1 : 0;
    d.turn = m_openTurn;
    for (qsizetype i = 0; i < m_pendingSubagentStarts.size(); ++i) {
        const PendingSubagentStart& start = m_pendingSubagentStarts.at(i);
        if (start.agentType.isEmpty() ||
            start.agentType.compare(d.agentType, Qt::CaseInsensitive) == 0) {
            d.subagentStarted = true;
            d.agentId = start.agentId;
            m_pendingSubagentStarts.removeAt(i);
            break;
        }
    }
    m_delegations.append(std::move(d));
    m_openDelegations.append(int(m_delegations.size() - 1));
}

void AgentSession::closeDelegation(int index, const QDateTime& at)
{
    Delegation& d = m_delegations[index];
    if (!d.isOpen())
        return;
    d.endTime = at.isValid() ? at : m_lastEventTime;
    d.completed = true;
    m_openDelegations.removeAll(index);
    // Nested delegations cannot outlive their parent; siblings running in parallel can.
    for (qsizetype i = m_openDelegations.size() - 1; i >= 0; --i) {
        const int child = m_openDelegations.at(i);
        int up = m_delegations.at(child).parent;
        while (up >= 0 && up != index)
            up = m_delegations.at(up).parent;
        if (up != index)
            continue;
        Delegation& c = m_delegations[child];
        c.endTime = d.endTime;
        c.completed = false;
        c.success = false;
        c.error = QStringLiteral("Delegation ended with its parent");
        m_openDelegations.removeAt(i);
    }
}

template <typename Object>
void AgentSession::applyDelegationResult(int index, const ClaudeEvent& event, const Object& data,
                                         const QDateTime& at)
{
    Q_UNUSED(event)
    const ToolOutcome outcome = outcomeOf(data);
    Delegation& d = m_delegations[index];
    d.resultReceived = true;
    d.noResult = false;
    // The Task result is the evidence of the delegation's outcome.
    d.success = outcome.success;
    if (!outcome.success && d.error.isEmpty())
        d.error = outcome.error;
    if (d.response.isEmpty())
        d.response = resultText(data);
    closeDelegation(index, at);
}

template <typename Object>
void AgentSession::applySubagentStop(int index, const ClaudeEvent& event, const Object& data,
                                     const QDateTime& at)
{
    Q_UNUSED(event)
    Delegation& d = m_delegations[index];
    d.subagentStopped = true;
    // Claude Code's own id, whichever of SubagentStart and SubagentStop came first.
    const QString agentId = stringAt(data, "agent_id");
    if (!agentId.isEmpty())
        d.agentId = agentId;
    // claude-mpm always says reason "unknown" and is_successful_completion false: that is no
    // evidence of failure. Only a clear error termination is; the Task result decides
    // otherwise.
    const bool errored = data.value(QLatin1String("is_error_termination")).toBool(false);
    if (errored && !d.resultReceived) {
        d.success = false;
        if (d.error.isEmpty()) {
            d.error = stringAt(data, "reason");
            if (d.error.isEmpty() || d.error == u"unknown")
                d.error = QStringLiteral("subagent stopped with an error");
        }
    }
    const QString text = resultText(data);
    if (!text.isEmpty())
        d.response = text;
    const auto files =
        objectAt(data, "structured_response").value(QLatin1String("files_modified")).toArray();
    for (qsizetype i = 0; i < files.size(); ++i) {
        const QString path = files.at(i).toString();
        if (!path.isEmpty() && !d.fileChanges.contains(path))
            d.fileChanges.append(path);
    }
    closeDelegation(index, at);
}

void AgentSession::noteTodos(int context, const QJsonValue& todos)
{
    if (context >= 0 && todos.isArray())
        m_delegations[context].todosModified.append(todos);
}

void AgentSession::addToolPre(const ClaudeEvent& event, const QJsonObject* todoData,
                              const QDateTime& at, qsizetype eventIndex, int context)
{
    const QString toolName =
        intern(event.toolName.isEmpty() ? QStringLiteral("unknown") : event.toolName);
    if (toolName == u"TodoWrite" && todoData) {
        const QJsonObject& data = *todoData;
        const QJsonObject params = objectAt(data, "tool_parameters");
        const QJsonObject input = objectAt(data, "tool_input");
        noteTodos(context, params.contains(QLatin1String("todos"))
                               ? params.value(QLatin1String("todos"))
                               : input.value(QLatin1String("todos")));
    }

    // A result that overtook its call (out-of-order delivery) is completed, not duplicated.
    for (qsizetype i = 0; i < m_orphanOperations.size(); ++i) {
        ToolOperation& op = m_toolOperations[m_orphanOperations.at(i)];
        const bool byId = !event.correlationId.isEmpty() && op.correlationId == event.correlationId;
        const bool byName = (event.correlationId.isEmpty() || op.correlationId.isEmpty()) &&
                            op.toolName == toolName && op.delegation == context &&
                            (!at.isValid() || op.endTime >= at);
        if (!byId && !byName)
            continue;
        op.orphan = false;
        op.startTime = at;
        op.preEvent = eventIndex;
        if (op.correlationId.isEmpty())
            op.correlationId = event.correlationId;
        if (op.filePath.isEmpty())
            op.filePath = event.filePath;
        if (op.durationMs < 0 && at.isValid() && op.endTime.isValid())
            op.durationMs = qMax<qint64>(0, at.msecsTo(op.endTime));
        m_orphanOperations.removeAt(i);
        return;
    }

    ToolOperation op;
    op.toolName = toolName;
    op.agentType = agentTypeOf(context);
    op.correlationId = event.correlationId;
    op.filePath = event.filePath;
    op.startTime = at;
    op.preEvent = eventIndex;
    op.delegation = context;
    op.turn = m_openTurn;
    m_toolOperations.append(std::move(op));
    const int index = int(m_toolOperations.size() - 1);
    m_pendingOperations.append(index);
    if (context >= 0)
        m_delegations[context].toolOperations.append(index);
    ++m_toolCounts[toolName];
}

void AgentSession::addToolPost(const ClaudeEvent& event, const ToolOutcome& outcome,
                               const QDateTime& at, qsizetype eventIndex, int context)
{
    const QString toolName =
        intern(event.toolName.isEmpty() ? QStringLiteral("unknown") : event.toolName);

    // By correlation id when there is one, else the oldest unmatched call of the same tool by
    // the same agent: parallel calls of one tool are only told apart by their ids.
    qsizetype match = -1;
    if (!event.correlationId.isEmpty()) {
        for (qsizetype i = 0; i < m_pendingOperations.size() && match < 0; ++i) {
            if (m_toolOperations.at(m_pendingOperations.at(i)).correlationId == event.correlationId)
                match = i;
        }
    }
    for (qsizetype i = 0; i < m_pendingOperations.size() && match < 0; ++i) {
        const ToolOperation& op = m_toolOperations.at(m_pendingOperations.at(i));
        if (op.toolName == toolName && op.delegation == context &&
            (op.correlationId.isEmpty() || event.correlationId.isEmpty()))
            match = i;
    }

    int index = -1;
    if (match >= 0) {
        index = m_pendingOperations.takeAt(match);
    } else if (!event.correlationId.isEmpty()) {
        // A result after its turn ended (closed as unknown) still tells the outcome.
        for (qsizetype i = 0; i < m_unknownOperations.size() && index < 0; ++i) {
            if (m_toolOperations.at(m_unknownOperations.at(i)).correlationId ==
                event.correlationId) {
                index = m_unknownOperations.takeAt(i);
                m_toolOperations[index].noResult = false;
            }
        }
    }
    if (index < 0) {
        ToolOperation orphan;
        orphan.toolName = toolName;
        orphan.agentType = agentTypeOf(context);
        orphan.correlationId = event.correlationId;
        orphan.delegation = context;
        orphan.orphan = true;
        orphan.turn = m_openTurn >= 0 ? m_openTurn : int(m_turns.size()) - 1;
        m_toolOperations.append(std::move(orphan));
        index = int(m_toolOperations.size() - 1);
        m_orphanOperations.append(index);
        if (context >= 0)
            m_delegations[context].toolOperations.append(index);
        ++m_toolCounts[toolName];
        qCDebug(lcSession) << "result of" << toolName << "without its call in" << m_sessionId;
    }

    ToolOperation& op = m_toolOperations[index];
    op.endTime = at;
    op.postEvent = eventIndex;
    op.success = outcome.success;
    op.exitCode = outcome.exitCode;
    op.error = outcome.error;
    if (op.correlationId.isEmpty())
        op.correlationId = event.correlationId;
    if (op.filePath.isEmpty())
        op.filePath = event.filePath;
    if (outcome.durationMs >= 0)
        op.durationMs = outcome.durationMs;
    else if (op.startTime.isValid() && at.isValid())
        op.durationMs = qMax<qint64>(0, op.startTime.msecsTo(at));
    if (op.delegation >= 0 && !op.filePath.isEmpty() && op.success &&
        EventCategory::isFileModifyTool(op.toolName)) {
        QStringList& changes = m_delegations[op.delegation].fileChanges;
        if (!changes.contains(op.filePath))
            changes.append(op.filePath);
    }
}

ClaudeEvent AgentSession::eventAt(qsizetype index) const
{
    if (index < 0 || index >= m_events.size())
        return {};
    const HeldEvent& held = m_events.at(index);
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(held.timestampMs, Qt::UTC);
    ClaudeEvent event =
        EventNormalizer::normalizeObject(m_names.value(held.eventName), parseObject(held.raw), at);
    event.raw = held.raw; // share the held bytes rather than a re-serialized copy
    event.identity = held.identity;
    event.timestamp = at;
    event.timestampFromReceipt = held.timestampFromReceipt;
    return event;
}

QMap<QString, int> AgentSession::eventCounts() const
{
    QMap<QString, int> counts;
    for (qsizetype i = 0; i < m_subtypeCounts.size(); ++i) {
        if (m_subtypeCounts.at(i) > 0)
            counts.insert(m_names.at(i), m_subtypeCounts.at(i));
    }
    return counts;
}

QString AgentSession::eventAgentContext(qsizetype index) const
{
    if (index < 0 || index >= m_events.size())
        return {};
    const int d = contextOf(index);
    return d >= 0 ? agentTypeOf(d) : QString();
}

QList<quint64> AgentSession::eventIdentities() const
{
    QList<quint64> ids;
    ids.reserve(m_events.size());
    for (const HeldEvent& held : m_events)
        ids.append(held.identity);
    return ids;
}

ToolOperation AgentSession::materialize(const ToolOperation& source) const
{
    ToolOperation op = source;
    // Fast path: find the input/output object in the held bytes and parse only that object.
    thread_local JsonView view;
    const auto viewed = [this](qsizetype index) {
        return view.parse(m_events.at(index).raw) && view.isObject(view.root());
    };
    const auto firstNonEmpty = [](std::initializer_list<JsonViewObject> candidates) {
        for (const JsonViewObject& c : candidates) {
            if (!c.isEmpty())
                return QJsonDocument::fromJson(view.text(c.node()).toByteArray()).object();
        }
        return QJsonObject();
    };
    if (op.preEvent >= 0 && op.preEvent < m_events.size()) {
        if (viewed(op.preEvent)) {
            const JsonViewObject payload = view.object(view.root());
            const JsonViewObject data = dataOf(payload);
            const QJsonObject found =
                firstNonEmpty({objectAt(data, "tool_parameters"), objectAt(data, "tool_input"),
                               objectAt(payload, "tool_input")});
            if (!found.isEmpty())
                op.inputData = found;
        } else {
            const QJsonObject payload = parseObject(m_events.at(op.preEvent).raw);
            const QJsonObject data = dataOf(payload);
            for (const QJsonObject& candidate :
                 {objectAt(data, "tool_parameters"), objectAt(data, "tool_input"),
                  objectAt(payload, "tool_input")}) {
                if (!candidate.isEmpty()) {
                    op.inputData = candidate;
                    break;
                }
            }
        }
    }
    if (op.postEvent >= 0 && op.postEvent < m_events.size()) {
        if (viewed(op.postEvent)) {
            const JsonViewObject payload = view.object(view.root());
            const JsonViewObject data = dataOf(payload);
            const QJsonObject found =
                firstNonEmpty({objectAt(data, "result_summary"), objectAt(data, "tool_response"),
                               objectAt(data, "tool_output"), objectAt(payload, "tool_response")});
            if (!found.isEmpty())
                op.outputData = found;
        } else {
            const QJsonObject payload = parseObject(m_events.at(op.postEvent).raw);
            const QJsonObject data = dataOf(payload);
            for (const QJsonObject& candidate :
                 {objectAt(data, "result_summary"), objectAt(data, "tool_response"),
                  objectAt(data, "tool_output"), objectAt(payload, "tool_response")}) {
                if (!candidate.isEmpty()) {
                    op.outputData = candidate;
                    break;
                }
            }
        }
    }
    if (!isActive() && !op.isFinished() && !op.orphan) {
        // No result before the session ended: unknown, closed at the session's end.
        op.endTime = m_endTime;
        op.noResult = true;
        if (op.startTime.isValid() && m_endTime.isValid())
            op.durationMs = qMax<qint64>(0, op.startTime.msecsTo(m_endTime));
    }
    return op;
}

QList<ToolOperation> AgentSession::toolOperations() const
{
    QList<ToolOperation> list;
    list.reserve(m_toolOperations.size());
    for (const ToolOperation& op : m_toolOperations)
        list.append(materialize(op));
    return list;
}

QList<Delegation> AgentSession::delegations() const
{
    QList<Delegation> list = m_delegations;
    if (!isActive()) {
        for (Delegation& d : list) {
            if (!d.isOpen())
                continue;
            d.endTime = m_endTime;
            d.completed = false;
            d.noResult = !d.resultReceived;
        }
    }
    return list;
}

QStringList AgentSession::filesRead() const
{
    QSet<QString> files = m_fileEventReads;
    for (const ToolOperation& op : m_toolOperations) {
        if (!op.filePath.isEmpty() && EventCategory::isFileReadTool(op.toolName) && !op.failed())
            files.insert(op.filePath);
    }
    return sorted(std::move(files));
}

QStringList AgentSession::filesModified() const
{
    QSet<QString> files = m_fileEventWrites;
    for (const ToolOperation& op : m_toolOperations) {
        if (!op.filePath.isEmpty() && EventCategory::isFileModifyTool(op.toolName) && !op.failed())
            files.insert(op.filePath);
    }
    return sorted(std::move(files));
}

QStringList AgentSession::agentsUsed() const
{
    QSet<QString> agents;
    for (const Delegation& d : m_delegations)
        agents.insert(d.agentType);
    return sorted(std::move(agents));
}

int AgentSession::toolFailures() const
{
    return int(std::count_if(m_toolOperations.cbegin(), m_toolOperations.cend(),
                             [](const ToolOperation& op) { return op.failed(); }));
}

int AgentSession::orphanResults() const
{
    return int(m_orphanOperations.size());
}

qint64 AgentSession::sessionDurationMs() const
{
    const QDateTime end = m_endTime.isValid() ? m_endTime : m_lastEventTime;
    if (!m_startTime.isValid() || !end.isValid())
        return -1;
    return qMax<qint64>(0, m_startTime.msecsTo(end));
}

std::optional<qint64> AgentSession::toolDurationP50Ms() const
{
    QList<qint64> durations;
    for (const ToolOperation& op : m_toolOperations) {
        if (op.durationMs >= 0 && !op.orphan && !op.noResult)
            durations.append(op.durationMs);
    }
    if (durations.isEmpty())
        return std::nullopt;
    // Nearest-rank median: always a duration that really occurred.
    const qsizetype middle = (durations.size() - 1) / 2;
    std::nth_element(durations.begin(), durations.begin() + middle, durations.end());
    return durations.at(middle);
}

std::optional<qint64> AgentSession::toolDurationMaxMs() const
{
    std::optional<qint64> longest;
    for (const ToolOperation& op : m_toolOperations) {
        if (op.durationMs >= 0 && !op.orphan && !op.noResult &&
            (!longest || op.durationMs > *longest))
            longest = op.durationMs;
    }
    return longest;
}

int AgentSession::filteredTotal() const
{
    return std::accumulate(m_filteredCounts.cbegin(), m_filteredCounts.cend(), 0);
}

void AgentSession::addPossibleGap(const QDateTime& from, const QDateTime& to, const QString& reason)
{
    if (m_gaps.size() >= kMaxRecordedGaps) {
        qCWarning(lcSession) << "gap list of" << m_sessionId << "is full; dropped:" << reason;
        return;
    }
    m_gaps.append({from.toUTC(), to.toUTC(), reason, false});
}

QList<AgentSession::PossibleGap> AgentSession::possibleGaps() const
{
    QList<PossibleGap> gaps = m_gaps;
    for (const int index : m_orphanOperations) {
        const ToolOperation& op = m_toolOperations.at(index);
        gaps.append({QDateTime(), op.endTime,
                     QStringLiteral("%1 result arrived without its call").arg(op.toolName), true});
    }
    for (const QDateTime& at : m_unmatchedStops)
        gaps.append(
            {QDateTime(), at, QStringLiteral("subagent stop without its delegation"), true});
    return gaps;
}

void AgentSession::setStatus(Status status, const QString& reason, const QDateTime& endTime)
{
    m_status = status;
    if (status == Status::Active) {
        m_completionReason.clear();
        m_endTime = QDateTime();
        return;
    }
    m_completionReason = reason;
    m_endTime = endTime.isValid() ? endTime.toUTC()
                                  : (m_lastEventTime.isValid() ? m_lastEventTime : m_startTime);
}

QString AgentSession::statusName(Status status)
{
    switch (status) {
    case Status::Active:
        return QStringLiteral("active");
    case Status::Completed:
        return QStringLiteral("completed");
    case Status::TimedOut:
        return QStringLiteral("timed_out");
    case Status::Stopped:
        return QStringLiteral("stopped");
    case Status::Interrupted:
        return QStringLiteral("interrupted");
    }
    return QStringLiteral("active");
}

std::optional<AgentSession::Status> AgentSession::statusFromName(QStringView name)
{
    for (const Status s : {Status::Active, Status::Completed, Status::TimedOut, Status::Stopped,
                           Status::Interrupted}) {
        if (name == statusName(s))
            return s;
    }
    return std::nullopt;
}

QJsonObject AgentSession::eventJson(qsizetype index) const
{
    const HeldEvent& held = m_events.at(index);
    const int context = contextOf(index);
    const QJsonObject payload = parseObject(held.raw);
    QJsonObject o;
    o.insert(QLatin1String("timestamp"),
             IsoTime::toJson(QDateTime::fromMSecsSinceEpoch(held.timestampMs, Qt::UTC)));
    o.insert(QLatin1String("event_type"), m_names.value(held.subtype));
    o.insert(QLatin1String("category"), EventCategory(EventCategory::Value(held.category)).name());
    o.insert(QLatin1String("data"), dataOf(payload));
    o.insert(QLatin1String("session_id"), m_sessionId);
    o.insert(QLatin1String("agent_context"),
             context >= 0 ? QJsonValue(agentTypeOf(context)) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("correlation_id"),
             stringOrNull(EventNormalizer::correlationIdOf(payload)));
    o.insert(QLatin1String("event_name"), m_names.value(held.eventName));
    o.insert(QLatin1String("id"),
             QStringLiteral("%1").arg(held.identity, 16, 16, QLatin1Char('0')));
    if (held.timestampFromReceipt)
        o.insert(QLatin1String("timestamp_from_receipt"), true);
    return o;
}

QJsonArray AgentSession::eventsJson(const QList<qsizetype>& order) const
{
    QJsonArray events;
    // Building thousands of QJsonObjects key by key is slow: the events are written as JSON
    // text and every few thousand are parsed in one go (the same objects, built by the parser).
    constexpr qsizetype Chunk = 4096;
    QByteArray text;
    for (qsizetype from = 0; from < order.size(); from += Chunk) {
        const qsizetype to = std::min(order.size(), from + Chunk);
        text.clear();
        text.reserve((to - from) * 640);
        text.append('[');
        for (qsizetype k = from; k < to; ++k) {
            if (k > from)
                text.append(',');
            appendEventText(order.at(k), &text);
        }
        text.append(']');
        QJsonParseError error;
        const QJsonArray chunk = QJsonDocument::fromJson(text, &error).array();
        if (error.error != QJsonParseError::NoError || chunk.size() != to - from) {
            qCWarning(lcSession) << "falling back to building events one by one:"
                                 << error.errorString();
            for (qsizetype k = from; k < to; ++k)
                events.append(eventJson(order.at(k)));
            continue;
        }
        if (from == 0 && to == order.size())
            return chunk;
        for (const QJsonValue& e : chunk)
            events.append(e);
    }
    return events;
}

QByteArray AgentSession::eventsJsonText() const
{
    const QList<qsizetype> order = timeOrder();
    QByteArray text;
    text.reserve(order.size() * 640 + 2);
    text.append('[');
    for (qsizetype k = 0; k < order.size(); ++k) {
        if (k > 0)
            text.append(',');
        appendEventText(order.at(k), &text);
    }
    text.append(']');
    return text;
}

// One event as compact JSON with QJsonDocument's key order; its "data" is a slice of the held
// canonical bytes (validated when they were parsed), so nothing is rebuilt.
void AgentSession::appendEventText(qsizetype index, QByteArray* text) const
{
    const HeldEvent& held = m_events.at(index);
    const int context = contextOf(index);
    thread_local JsonView view;
    if (!view.parse(held.raw) || !view.isObject(view.root())) {
        text->append(QJsonDocument(eventJson(index)).toJson(QJsonDocument::Compact));
        return;
    }
    const JsonViewObject payload = view.object(view.root());
    const JsonViewObject data = dataOf(payload);
    text->append("{\"agent_context\":");
    if (context >= 0)
        JsonView::appendString(agentTypeOf(context), text);
    else
        text->append("null");
    text->append(",\"category\":");
    JsonView::appendString(EventCategory(EventCategory::Value(held.category)).name(), text);
    text->append(",\"correlation_id\":");
    const QString correlation = EventNormalizer::correlationIdOf(payload);
    if (correlation.isEmpty())
        text->append("null");
    else
        JsonView::appendString(correlation, text);
    text->append(",\"data\":");
    text->append(view.text(data.node()));
    text->append(",\"event_name\":");
    JsonView::appendString(m_names.value(held.eventName), text);
    text->append(",\"event_type\":");
    JsonView::appendString(m_names.value(held.subtype), text);
    text->append(",\"id\":\"");
    text->append(QByteArray::number(held.identity, 16).rightJustified(16, '0'));
    text->append("\",\"session_id\":");
    JsonView::appendString(m_sessionId, text);
    text->append(",\"timestamp\":");
    const qsizetype before = text->size();
    text->append('"');
    if (IsoTime::appendUtc(held.timestampMs, text)) {
        text->append('"');
    } else {
        text->truncate(before);
        const QJsonValue t =
            IsoTime::toJson(QDateTime::fromMSecsSinceEpoch(held.timestampMs, Qt::UTC));
        if (t.isString())
            JsonView::appendString(t.toString(), text);
        else
            text->append("null");
    }
    if (held.timestampFromReceipt)
        text->append(",\"timestamp_from_receipt\":true");
    text->append('}');
}

QList<Turn> AgentSession::turns() const
{
    QList<Turn> list = m_turns;
    if (!isActive() && !list.isEmpty() && list.last().isOpen()) {
        list.last().end = m_endTime;
        list.last().endedBy = statusName(m_status);
    }
    for (const ToolOperation& op : m_toolOperations) {
        if (op.turn < 0 || op.turn >= list.size())
            continue;
        Turn& t = list[op.turn];
        ++t.toolCalls;
        const ToolOperation::Outcome outcome = op.outcome();
        if (outcome == ToolOperation::Outcome::Failure)
            ++t.toolFailures;
        else if (outcome == ToolOperation::Outcome::Unknown ||
                 (outcome == ToolOperation::Outcome::Pending && !isActive() && !op.orphan))
            ++t.toolUnknown;
    }
    for (const Delegation& d : m_delegations) {
        if (d.turn >= 0 && d.turn < list.size())
            ++list[d.turn].delegations;
    }
    // Token counts: a turn's Stop usage, else its token_usage_updated (the same numbers).
    QList<UsageSample> samples = m_usageSamples;
    std::sort(samples.begin(), samples.end(),
              [](const UsageSample& a, const UsageSample& b) { return a.key < b.key; });
    QList<std::optional<UsageSample>> chosen(list.size());
    for (const UsageSample& sample : samples) {
        int turn = -1;
        for (qsizetype i = list.size() - 1; i >= 0; --i) {
            if (list.at(i).start.isValid() &&
                list.at(i).start.toMSecsSinceEpoch() <= sample.key.ms) {
                turn = int(i);
                break;
            }
        }
        if (turn < 0)
            continue;
        std::optional<UsageSample>& slot = chosen[turn];
        // Running sums: a later report is as good or better; a Stop's beats an update's.
        if (!slot || sample.fromStop || !slot->fromStop)
            slot = sample;
    }
    std::optional<TokenUsage> previous;
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (!chosen.at(i))
            continue;
        list[i].cumulative = chosen.at(i)->usage;
        list[i].tokens = previous ? chosen.at(i)->usage.since(*previous) : chosen.at(i)->usage;
        previous = chosen.at(i)->usage;
    }
    return list;
}

std::optional<TokenUsage> AgentSession::tokenUsage(const QList<Turn>& turns)
{
    std::optional<TokenUsage> total;
    for (const Turn& t : turns) {
        if (!t.tokens)
            continue;
        if (!total)
            total = TokenUsage();
        *total += *t.tokens;
    }
    return total;
}

QJsonObject AgentSession::hookOverheadJson() const
{
    QJsonObject o;
    for (auto it = m_hookDurations.cbegin(); it != m_hookDurations.cend(); ++it) {
        QList<qint64> durations;
        for (const qint64 d : it.value()) {
            if (d >= 0)
                durations.append(d);
        }
        QJsonObject h;
        h.insert(QLatin1String("count"), int(it.value().size()));
        if (durations.isEmpty()) {
            h.insert(QLatin1String("p50_ms"), QJsonValue(QJsonValue::Null));
            h.insert(QLatin1String("max_ms"), QJsonValue(QJsonValue::Null));
        } else {
            const qsizetype middle = (durations.size() - 1) / 2;
            std::nth_element(durations.begin(), durations.begin() + middle, durations.end());
            h.insert(QLatin1String("p50_ms"), durations.at(middle));
            h.insert(QLatin1String("max_ms"),
                     *std::max_element(durations.cbegin(), durations.cend()));
        }
        o.insert(it.key(), h);
    }
    return o;
}

QJsonObject AgentSession::metricsJson(const QList<ToolOperation>& operations,
                                      const QList<Delegation>& delegations,
                                      const QList<Turn>& turns) const
{
    int failedCalls = 0;
    int unknownCalls = 0;
    for (const ToolOperation& op : operations) {
        if (op.outcome() == ToolOperation::Outcome::Failure)
            ++failedCalls;
        else if (op.outcome() == ToolOperation::Outcome::Unknown)
            ++unknownCalls;
    }
    const int delegationFailures =
        int(std::count_if(delegations.cbegin(), delegations.cend(), [](const Delegation& d) {
            return d.outcome() == ToolOperation::Outcome::Failure;
        }));
    const std::optional<TokenUsage> tokens = tokenUsage(turns);
    int fileOperations = 0;
    for (const ToolOperation& op : operations) {
        if (EventCategory::classify(u"pre_tool", op.toolName, !op.filePath.isEmpty()) ==
            EventCategory::File)
            ++fileOperations;
    }
    QJsonObject byCategory;
    for (const EventCategory::Value c : EventCategory::all())
        byCategory.insert(EventCategory(c).name(), m_categoryCounts[c]);
    const qint64 duration = sessionDurationMs();
    const std::optional<qint64> p50 = toolDurationP50Ms();
    const std::optional<qint64> longest = toolDurationMaxMs();

    QJsonObject m;
    m.insert(QLatin1String("total_events"), totalEvents());
    m.insert(QLatin1String("event_counts"), countsJson(eventCounts()));
    m.insert(QLatin1String("agents_used"), QJsonArray::fromStringList(agentsUsed()));
    m.insert(QLatin1String("tools_used"), QJsonArray::fromStringList(m_toolCounts.keys()));
    m.insert(QLatin1String("files_modified"), QJsonArray::fromStringList(filesModified()));
    m.insert(QLatin1String("total_delegations"), int(m_delegations.size()));
    m.insert(QLatin1String("total_tool_calls"), int(operations.size()));
    m.insert(QLatin1String("total_file_operations"), fileOperations);
    m.insert(QLatin1String("session_duration_ms"),
             duration >= 0 ? QJsonValue(duration) : QJsonValue(QJsonValue::Null));
    m.insert(QLatin1String("files_read"), QJsonArray::fromStringList(filesRead()));
    m.insert(QLatin1String("tool_failures"), failedCalls);
    m.insert(QLatin1String("tool_unknown_results"), unknownCalls);
    m.insert(QLatin1String("delegation_failures"), delegationFailures);
    m.insert(QLatin1String("total_failures"), failedCalls + delegationFailures);
    m.insert(QLatin1String("turns"), int(turns.size()));
    m.insert(QLatin1String("token_usage"),
             tokens ? QJsonValue(tokens->toJson()) : QJsonValue(QJsonValue::Null));
    m.insert(QLatin1String("hook_overhead"), hookOverheadJson());
    m.insert(QLatin1String("orphan_tool_results"), orphanResults());
    m.insert(QLatin1String("tool_counts"), countsJson(m_toolCounts));
    m.insert(QLatin1String("events_by_category"), byCategory);
    m.insert(QLatin1String("tool_duration_p50_ms"),
             p50 ? QJsonValue(*p50) : QJsonValue(QJsonValue::Null));
    m.insert(QLatin1String("tool_duration_max_ms"),
             longest ? QJsonValue(*longest) : QJsonValue(QJsonValue::Null));
    return m;
}

QList<qsizetype> AgentSession::timeOrder() const
{
    // Arrival order can differ from event time (history replays, recovery); readers want time.
    QList<qsizetype> order(m_events.size());
    std::iota(order.begin(), order.end(), qsizetype(0));
    // The same order the derived state is built in, so arrival order leaves no trace.
    std::sort(order.begin(), order.end(),
              [this](qsizetype a, qsizetype b) { return keyOf(a) < keyOf(b); });
    return order;
}

QJsonObject AgentSession::toJson() const
{
    QJsonObject o = toJsonWithoutEvents();
    o.insert(QLatin1String("events"), eventsJson(timeOrder()));
    return o;
}

QJsonObject AgentSession::toJsonWithoutEvents() const
{
    const QList<ToolOperation> operations = toolOperations();
    QJsonArray operationsJson;
    for (const ToolOperation& op : operations)
        operationsJson.append(op.toJson());
    const QList<Delegation> delegationList = delegations();
    QJsonArray delegationsJson;
    for (const Delegation& d : delegationList)
        delegationsJson.append(d.toJson(operations));
    const QList<Turn> turnList = turns();
    QJsonArray turnsJson;
    for (const Turn& t : turnList)
        turnsJson.append(t.toJson());

    QJsonArray gaps;
    for (const PossibleGap& gap : possibleGaps()) {
        QJsonObject g;
        g.insert(QLatin1String("from"), IsoTime::toJson(gap.from));
        g.insert(QLatin1String("to"), IsoTime::toJson(gap.to));
        g.insert(QLatin1String("reason"), gap.reason);
        g.insert(QLatin1String("derived"), gap.derived);
        gaps.append(g);
    }
    QJsonObject filtered;
    for (const EventCategory::Value c : EventCategory::all())
        filtered.insert(EventCategory(c).name(), m_filteredCounts[c]);
    QJsonObject capture;
    capture.insert(QLatin1String("switches"), m_filter.toJson());
    capture.insert(QLatin1String("filtered"), filtered);
    capture.insert(QLatin1String("filtered_total"), filteredTotal());
    capture.insert(QLatin1String("possible_gaps"), gaps);

    QJsonObject metadata;
    metadata.insert(QLatin1String("claude_pid"),
                    m_claudePid ? QJsonValue(*m_claudePid) : QJsonValue(QJsonValue::Null));
    metadata.insert(QLatin1String("git_branch"), stringOrNull(m_gitBranch));
    metadata.insert(QLatin1String("project_root"), stringOrNull(m_projectRoot));

    QJsonObject o;
    o.insert(QLatin1String("schema_version"), SchemaVersion);
    o.insert(QLatin1String("session_id"), m_sessionId);
    o.insert(QLatin1String("status"), statusName(m_status));
    o.insert(QLatin1String("completion_reason"), stringOrNull(m_completionReason));
    o.insert(QLatin1String("start_time"), IsoTime::toJson(m_startTime));
    o.insert(QLatin1String("end_time"), IsoTime::toJson(m_endTime));
    o.insert(QLatin1String("last_event_time"), IsoTime::toJson(m_lastEventTime));
    o.insert(QLatin1String("working_directory"), m_workingDirectory);
    o.insert(QLatin1String("launch_method"), m_launchMethod);
    o.insert(QLatin1String("initial_prompt"), stringOrNull(m_initialPrompt));
    o.insert(QLatin1String("final_response"), stringOrNull(m_finalResponse));
    o.insert(QLatin1String("session_ended"), m_sessionEndSeen);
    o.insert(QLatin1String("delegations"), delegationsJson);
    o.insert(QLatin1String("tool_operations"), operationsJson);
    o.insert(QLatin1String("turns"), turnsJson);
    o.insert(QLatin1String("metrics"), metricsJson(operations, delegationList, turnList));
    o.insert(QLatin1String("metadata"), metadata);
    o.insert(QLatin1String("capture"), capture);
    return o;
}

std::optional<AgentSession> AgentSession::fromJson(const QJsonObject& object, QString* error)
{
    const auto fail = [error](const QString& why) -> std::optional<AgentSession> {
        if (error)
            *error = why;
        qCWarning(lcSession) << "cannot reopen session:" << why;
        return std::nullopt;
    };
    const QString sessionId = stringAt(object, "session_id");
    if (sessionId.isEmpty())
        return fail(QStringLiteral("no session_id"));
    const QJsonValue version = object.value(QLatin1String("schema_version"));
    const bool ours = !version.isUndefined();
    if (ours && (!version.isDouble() || version.toInt() < 1 || version.toInt() > SchemaVersion))
        return fail(QStringLiteral("unsupported schema_version %1")
                        .arg(QString::fromUtf8(
                            QJsonDocument(QJsonArray{version}).toJson(QJsonDocument::Compact))));
    const QJsonValue eventsValue = object.value(QLatin1String("events"));
    if (!eventsValue.isUndefined() && !eventsValue.isArray())
        return fail(QStringLiteral("events is not an array"));

    AgentSession session(sessionId);
    int skipped = 0;
    for (const QJsonValue& value : eventsValue.toArray()) {
        const QJsonObject saved = value.toObject();
        const QDateTime at = IsoTime::fromJson(saved.value(QLatin1String("timestamp")));
        if (saved.isEmpty() || !at.isValid()) {
            ++skipped;
            continue;
        }
        // Rebuild an event in the current server's shape around the saved data, so the one
        // code path that aggregates live events also rebuilds tool calls and delegations.
        const QString eventType = stringAt(saved, "event_type");
        QJsonObject envelope;
        envelope.insert(QLatin1String("type"), eventType);
        if (ours)
            envelope.insert(QLatin1String("subtype"), eventType);
        envelope.insert(QLatin1String("timestamp"), IsoTime::toString(at));
        envelope.insert(QLatin1String("session_id"), sessionId);
        const QString correlation = stringAt(saved, "correlation_id");
        if (!correlation.isEmpty())
            envelope.insert(QLatin1String("correlation_id"), correlation);
        const QJsonValue data = saved.value(QLatin1String("data"));
        envelope.insert(QLatin1String("data"), data.isObject() ? data : QJsonValue(QJsonObject()));
        QString eventName = stringAt(saved, "event_name");
        if (eventName.isEmpty())
            eventName = QStringLiteral("claude_event");
        ClaudeEvent event = EventNormalizer::normalizeObject(eventName, envelope, at);
        event.timestamp = at;
        event.timestampFromReceipt = saved.value(QLatin1String("timestamp_from_receipt")).toBool();
        bool ok = false;
        const quint64 id = stringAt(saved, "id").toULongLong(&ok, 16);
        if (ok)
            event.identity = id;
        session.addEvent(event);
    }
    if (skipped)
        qCWarning(lcSession) << "reopened" << sessionId << "without" << skipped
                             << "unreadable events";

    const QDateTime start = IsoTime::fromJson(object.value(QLatin1String("start_time")));
    if (start.isValid() && (!session.m_startTime.isValid() || start < session.m_startTime))
        session.m_startTime = start;
    const QDateTime last = IsoTime::fromJson(object.value(QLatin1String("last_event_time")));
    if (last.isValid() && (!session.m_lastEventTime.isValid() || last > session.m_lastEventTime))
        session.m_lastEventTime = last;
    for (const auto& [key, member] :
         {std::pair{"working_directory", &AgentSession::m_workingDirectory},
          std::pair{"launch_method", &AgentSession::m_launchMethod},
          std::pair{"initial_prompt", &AgentSession::m_initialPrompt},
          std::pair{"final_response", &AgentSession::m_finalResponse}}) {
        const QString saved = stringAt(object, key);
        if (!saved.isEmpty())
            session.*member = saved;
    }
    if (object.value(QLatin1String("session_ended")).toBool())
        session.m_sessionEndSeen = true;

    const QJsonObject metadata = objectAt(object, "metadata");
    const QJsonValue pid = metadata.value(QLatin1String("claude_pid"));
    if (pid.isDouble())
        session.m_claudePid = qint64(pid.toDouble());
    if (!stringAt(metadata, "git_branch").isEmpty())
        session.m_gitBranch = stringAt(metadata, "git_branch");
    if (!stringAt(metadata, "project_root").isEmpty())
        session.m_projectRoot = stringAt(metadata, "project_root");

    const QJsonObject capture = objectAt(object, "capture");
    session.m_filter = CaptureFilter::fromJson(objectAt(capture, "switches"));
    const QJsonObject filtered = objectAt(capture, "filtered");
    for (const EventCategory::Value c : EventCategory::all())
        session.m_filteredCounts[c] = qMax(0, filtered.value(EventCategory(c).name()).toInt());
    for (const QJsonValue& value : capture.value(QLatin1String("possible_gaps")).toArray()) {
        const QJsonObject gap = value.toObject();
        if (gap.value(QLatin1String("derived")).toBool())
            continue; // recomputed from the replayed events
        session.addPossibleGap(IsoTime::fromJson(gap.value(QLatin1String("from"))),
                               IsoTime::fromJson(gap.value(QLatin1String("to"))),
                               stringAt(gap, "reason"));
    }

    const QString statusText = stringAt(object, "status");
    const std::optional<Status> status = statusFromName(statusText);
    const QDateTime end = IsoTime::fromJson(object.value(QLatin1String("end_time")));
    if (status && *status != Status::Active) {
        session.setStatus(*status, stringAt(object, "completion_reason"), end);
    } else if (!status && end.isValid()) {
        // A Python aggregator file is written when its session is finalized.
        session.setStatus(Status::Completed, QStringLiteral("imported"), end);
    }
    return session;
}
