#include "aggregation/AgentSession.h"

#include "model/SessionSummary.h"

#include "aggregation/HeldPayload.h"
#include "aggregation/SessionDocumentReader.h"
#include "aggregation/SessionDocumentWriter.h"
#include "ingest/EventNormalizer.h"
#include "model/HookFields.h"
#include "util/IsoTime.h"
#include "json/QtJsonFields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>
#include <numeric>
#include <utility>

namespace ea {

Q_LOGGING_CATEGORY(lcSession, "ea.aggregation.session")

namespace {

namespace hook = ea::hook;

// Caller-recorded gaps and unmatched stops are capped: a flapping connection must not grow
// a session without bound.
constexpr qsizetype kMaxRecordedGaps = 1000;
// Events re-derived by rebuilds, per held event (plus a base): claude-mpm's traffic needs a
// rebuild about once per delegation.
constexpr qint64 kRebuildBudgetPerEvent = 32;
constexpr qint64 kRebuildBudgetBase = 50000;

// Readers of the payload parsed into a QJsonObject, for the rare events whose structure is
// kept (todos, memory updates, token usage, session starts). Tool calls, delegations and
// prompts read what the normalizer extracted (ClaudeEvent::details).
using qtjson::objectAt;
using qtjson::stringAt;

QString firstString(std::initializer_list<std::pair<const QJsonObject*, const char*>> sources)
{
    for (const auto& [object, key] : sources) {
        QString value = stringAt(*object, key);
        if (!value.isEmpty())
            return value;
    }
    return {};
}

QJsonObject parseObject(const QByteArray& raw)
{
    return QJsonDocument::fromJson(raw).object();
}

// The hook's own fields: the wrapper's "data", or the whole payload of a raw hook.
QJsonObject dataOf(const QJsonObject& payload)
{
    const QJsonValue inner = payload.value(QLatin1String(hook::data));
    return inner.isObject() ? inner.toObject() : payload;
}

QStringList sorted(QSet<QString> set)
{
    QStringList list(set.begin(), set.end());
    std::sort(list.begin(), list.end());
    return list;
}

ToolOutcome outcomeOf(const HookDetails& d)
{
    ToolOutcome out;
    out.success = d.success;
    out.exitCode = d.exitCode;
    out.error = d.error;
    out.durationMs = d.durationMs;
    return out;
}

DelegationTracker::Stop subagentStopOf(const HookDetails& d)
{
    DelegationTracker::Stop s;
    s.agentId = d.agentId;
    s.errorTermination = d.errorTermination;
    s.reason = d.reason;
    s.resultText = d.resultText;
    s.filesModified = d.filesModified;
    return s;
}

} // namespace

AgentSession::AgentSession(QString sessionId, CaptureFilter filter)
    : m_filter(filter), m_sessionId(std::move(sessionId))
{}

quint16 AgentSession::nameIndex(const QString& name, qint8* rank)
{
    const bool literal = !name.data_ptr().isMutable() && !name.isEmpty();
    if (literal) {
        for (const NameHint& hint : m_nameHints) {
            if (hint.text == name.constData() && hint.size == quint32(name.size())) {
                if (rank)
                    *rank = hint.rank;
                return hint.index;
            }
        }
    }
    qsizetype found = m_names.indexOf(name);
    if (found < 0) {
        // Names come from a small vocabulary; a hostile stream inventing thousands shares the
        // last slot.
        if (m_names.size() >= 0xFFFF) {
            qCWarning(lcSession) << "too many distinct event names in session" << m_sessionId;
            found = 0xFFFE;
        } else {
            m_names.append(name);
            m_nameRanks.append(qint8(rankOf(name)));
            found = m_names.size() - 1;
        }
    }
    const qint8 r = m_nameRanks.value(found, 10);
    if (rank)
        *rank = r;
    if (literal) {
        m_nameHints[m_nextNameHint] =
            NameHint{name.constData(), quint32(name.size()), quint16(found), r};
        m_nextNameHint = quint8((m_nextNameHint + 1) % m_nameHints.size());
    }
    return quint16(found);
}

QString AgentSession::intern(const QString& value)
{
    // The normalizer gives known names as literals (static data, no heap): already one copy.
    if (!value.data_ptr().isMutable())
        return value;
    const auto it = m_strings.constFind(value);
    if (it != m_strings.cend())
        return *it;
    m_strings.insert(value);
    return value;
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

    const qsizetype eventIndex = qsizetype(m_events.size());
    static_assert(sizeof(HeldEvent) <= 48, "held events are the bulk of a session's memory");
    HeldEvent held;
    held.raw = m_bytes.append(event.raw);
    held.timestampMs = atMs;
    held.identity = event.identity;
    held.delegation = kContextFromSteps;
    held.eventName = nameIndex(event.eventName);
    held.subtype = nameIndex(event.subtype, &held.rank);
    held.category = event.category;
    held.timestampFromReceipt = event.timestampFromReceipt;
    m_events.push_back(std::move(held));

    ++m_categoryCounts[event.category];
    const quint16 subtypeIndex = m_events.back().subtype;
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
            m_rebuildWork <
            kRebuildBudgetPerEvent * qsizetype(m_events.size()) + kRebuildBudgetBase;
        if (m_lastStructural && key < *m_lastStructural && affordable) {
            m_rebuildWork += qsizetype(m_events.size());
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
    if (m_turns.isOpen()) {
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
              m_turns.list().last().end);
}

bool AgentSession::isStructural(const ClaudeEvent& event)
{
    const QString& s = event.subtype;
    return s == QStringLiteral("pre_tool") || s == QStringLiteral("post_tool") ||
           s == QStringLiteral("user_prompt") || s == QStringLiteral("subagent_start") ||
           s == QStringLiteral("subagent_stop") || s == QStringLiteral("stop") ||
           s == QStringLiteral("session_end") || s == QStringLiteral("todo_updated") ||
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
    return OrderKey{held.timestampMs, held.rank, held.identity};
}

void AgentSession::noteFact(const ClaudeEvent& event, qsizetype eventIndex)
{
    // Facts that do not depend on the order of events: kept as they come, never rebuilt.
    const QString& subtype = event.subtype;
    if (subtype == QStringLiteral("hook_execution")) {
        const QJsonObject data = event.data();
        QString hook = stringAt(data, hook::hookName);
        if (hook.isEmpty())
            hook = stringAt(data, hook::hookType);
        const QJsonValue duration = data.value(QLatin1String(hook::durationMs));
        if (!hook.isEmpty() && m_hookDurations.size() < 256) {
            QList<qint64>& list = m_hookDurations[intern(hook)];
            list.append(duration.isDouble() && duration.toDouble() >= 0
                            ? qint64(duration.toDouble())
                            : qint64(-1));
        }
    } else if (subtype == QStringLiteral("token_usage_updated")) {
        if (const auto usage = TokenUsage::fromUpdateData(event.data()))
            m_turns.addUsage({keyOf(eventIndex), *usage, false});
    } else if (subtype == QStringLiteral("assistant_response")) {
        const QJsonObject data = event.data();
        const QString text = firstString({{&data, hook::responseText}, {&data, hook::response}});
        const OrderKey key = keyOf(eventIndex);
        if (!text.isEmpty() && (!m_finalResponseKey || *m_finalResponseKey < key)) {
            m_finalResponse = text;
            m_finalResponseKey = key;
        }
    } else if (subtype == QStringLiteral("session_start")) {
        const QJsonObject payload = event.payload();
        const QJsonObject data = dataOf(payload);
        const QString launch = stringAt(data, hook::launchMethod);
        if (!launch.isEmpty())
            m_launchMethod = launch;
        else if (!payload.value(QLatin1String(hook::data)).isObject() && m_launchMethod.isEmpty())
            m_launchMethod =
                stringAt(payload, hook::source); // raw SessionStart: startup, resume...
        const QJsonValue pid = data.contains(QLatin1String(hook::claudePid))
                                   ? data.value(QLatin1String(hook::claudePid))
                                   : data.value(QLatin1String(hook::pid));
        if (pid.isDouble())
            m_claudePid = qint64(pid.toDouble());
        const QJsonObject instance = objectAt(data, hook::instanceInfo);
        const QString root =
            firstString({{&data, hook::projectRoot}, {&instance, hook::workingDir}});
        if (!root.isEmpty())
            m_projectRoot = root;
    } else if (subtype == QStringLiteral("file_read")) {
        if (!event.filePath.isEmpty())
            m_fileEventReads.insert(event.filePath);
    } else if (subtype == QStringLiteral("file_write") || subtype == QStringLiteral("file_edit")) {
        if (!event.filePath.isEmpty())
            m_fileEventWrites.insert(event.filePath);
    }
}

void AgentSession::resetDerived()
{
    m_initialPrompt.clear();
    m_sessionEndSeen = false;
    m_toolCalls.clear();
    m_delegations.clear();
    m_turns.reset();
    m_contextSteps.clear();
    m_lastStructural.reset();
}

void AgentSession::rebuildDerived()
{
    QList<qsizetype> order;
    for (qsizetype i = 0; i < qsizetype(m_events.size()); ++i) {
        if (m_events.at(i).delegation != kContextFromSteps)
            order.append(i);
    }
    // The newest event is structural but still marked as a fact until derived.
    const qsizetype newest = qsizetype(m_events.size()) - 1;
    if (newest >= 0 && m_events.at(newest).delegation == kContextFromSteps)
        order.append(newest);
    std::sort(order.begin(), order.end(),
              [this](qsizetype a, qsizetype b) { return keyOf(a) < keyOf(b); });
    resetDerived();
    for (const qsizetype i : order) {
        m_lastStructural = keyOf(i);
        // Normalized again from the held bytes (one simdjson parse, which also gives the
        // details derive() reads), far cheaper than eventAt()'s QJsonDocument round trip.
        const HeldEvent& held = m_events.at(i);
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(held.timestampMs, Qt::UTC);
        const QByteArray raw = m_bytes.copy(held.raw);
        ClaudeEvent event =
            EventNormalizer::normalize(m_names.value(held.eventName), raw, at).events.value(0);
        if (event.subtype.isEmpty())
            event = eventAt(i);
        event.raw = raw;
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

void AgentSession::endTurn(const QDateTime& at, const QString& endedBy)
{
    const std::optional<QDateTime> end = m_turns.end(at, m_lastEventTime, endedBy);
    if (!end)
        return;
    m_toolCalls.closePending(*end);
    m_delegations.closeAll(*end);
}

void AgentSession::derive(const ClaudeEvent& event, qsizetype eventIndex)
{
    const QDateTime at =
        m_events.at(eventIndex).timestampMs != 0 || event.timestamp.isValid()
            ? QDateTime::fromMSecsSinceEpoch(m_events.at(eventIndex).timestampMs, Qt::UTC)
            : QDateTime();
    const QString& subtype = event.subtype;

    // Tool calls, delegations and prompts read what the normalizer extracted from its one
    // parse; the payload is parsed into a QJsonObject only for what keeps its structure
    // (todos, memory updates, token usage).
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
    if (subtype == QStringLiteral("user_prompt")) {
        const QString& prompt = event.details().prompt;
        if (m_initialPrompt.isEmpty())
            m_initialPrompt = prompt;
        if (m_turns.isOpen() && !m_turns.openPrompt().isEmpty())
            endTurn(at, QStringLiteral("next_prompt")); // its Stop never came
        if (!m_turns.isOpen())
            m_turns.open(at, prompt);
        else
            m_turns.setOpenPrompt(prompt);
    } else if ((subtype == QStringLiteral("pre_tool") ||
                subtype == QStringLiteral("subagent_start")) &&
               !m_turns.isOpen()) {
        m_turns.open(at, QString());
    }

    // The closing event of a delegation belongs to it; a Task result belongs to the caller.
    int context = m_delegations.current();
    int target = -1;
    if (subtype == QStringLiteral("subagent_stop")) {
        target = m_delegations.forStop(event.agentType);
        if (target >= 0)
            context = target;
    } else if (event.isPreTool() && event.isDelegationTool()) {
        context = m_delegations.callerOf(context);
    } else if (event.isPostTool() && event.isDelegationTool()) {
        target = m_delegations.forResult(event.correlationId);
        if (target >= 0)
            context = m_delegations.at(target).parent;
    }
    m_events[eventIndex].delegation = context;

    if (subtype == QStringLiteral("pre_tool")) {
        if (event.isDelegationTool()) {
            DelegationTracker::Start start;
            start.taskDescription = event.details().taskDescription;
            start.prompt = event.details().prompt;
            start.agentType =
                intern(event.agentType.isEmpty() ? QStringLiteral("unknown") : event.agentType);
            start.correlationId = event.correlationId;
            start.at = at;
            start.parent = context;
            start.turn = m_turns.openIndex();
            m_delegations.open(start);
        } else {
            addToolCall(event,
                        event.toolName == QStringLiteral("TodoWrite") ? &dataObject() : nullptr, at,
                        eventIndex, context);
        }
    } else if (subtype == QStringLiteral("post_tool")) {
        if (event.isDelegationTool()) {
            if (target >= 0)
                m_delegations.applyResult(target, outcomeOf(event.details()),
                                          event.details().resultText, at, m_lastEventTime);
            else
                qCDebug(lcSession) << "Task result without its delegation in" << m_sessionId;
        } else {
            addToolResult(event, outcomeOf(event.details()), at, eventIndex, context);
        }
    } else if (subtype == QStringLiteral("subagent_start")) {
        m_delegations.noteSubagentStart(context, event.agentType, event.details().agentId);
    } else if (subtype == QStringLiteral("subagent_stop")) {
        if (target >= 0) {
            m_delegations.applySubagentStop(target, subagentStopOf(event.details()), at,
                                            m_lastEventTime);
        } else {
            m_delegations.noteUnmatchedStop(at);
            qCDebug(lcSession) << "SubagentStop without an open delegation in" << m_sessionId;
        }
    } else if (subtype == QStringLiteral("todo_updated")) {
        if (context >= 0) { // todos are kept per delegation only
            m_delegations.addTodos(context, dataObject().value(QLatin1String(hook::todos)));
        }
    } else if (event.category == EventCategory::Memory) {
        if (context >= 0)
            m_delegations.addMemoryUpdate(context, dataObject());
    } else if (subtype == QStringLiteral("stop") || subtype == QStringLiteral("session_end")) {
        if (subtype == QStringLiteral("stop")) {
            if (const auto usage = TokenUsage::fromStopData(dataObject()))
                m_turns.addUsage({keyOf(eventIndex), *usage, true});
            if (!m_turns.isOpen() && m_turns.isEmpty())
                m_turns.open(at, QString());     // a Stop whose turn left no other event
            endTurn(at, QStringLiteral("stop")); // a repeated Stop changes nothing
        } else {
            m_sessionEndSeen = true;
            endTurn(at, QStringLiteral("session_end"));
        }
    }

    const int after = m_delegations.current();
    if (m_contextSteps.isEmpty() || m_contextSteps.last().second != after)
        m_contextSteps.append({m_lastStructural.value_or(keyOf(eventIndex)), after});
}

void AgentSession::addToolCall(const ClaudeEvent& event, const QJsonObject* todoData,
                               const QDateTime& at, qsizetype eventIndex, int context)
{
    ToolCallMatcher::Half call;
    call.toolName = intern(event.toolName.isEmpty() ? QStringLiteral("unknown") : event.toolName);
    if (call.toolName == QStringLiteral("TodoWrite") && todoData) {
        const QJsonObject& data = *todoData;
        const QJsonObject params = objectAt(data, hook::toolParameters);
        const QJsonObject input = objectAt(data, hook::toolInput);
        m_delegations.addTodos(context, params.contains(QLatin1String(hook::todos))
                                            ? params.value(QLatin1String(hook::todos))
                                            : input.value(QLatin1String(hook::todos)));
    }
    call.agentType = m_delegations.agentTypeOf(context);
    call.correlationId = event.correlationId;
    call.filePath = event.filePath;
    call.at = at;
    call.eventIndex = eventIndex;
    call.delegation = context;
    call.turn = m_turns.openIndex();
    bool created = false;
    const int index = m_toolCalls.addCall(call, &created);
    if (created)
        m_delegations.addToolOperation(context, index);
}

void AgentSession::addToolResult(const ClaudeEvent& event, const ToolOutcome& outcome,
                                 const QDateTime& at, qsizetype eventIndex, int context)
{
    ToolCallMatcher::Half result;
    result.toolName = intern(event.toolName.isEmpty() ? QStringLiteral("unknown") : event.toolName);
    result.agentType = m_delegations.agentTypeOf(context);
    result.correlationId = event.correlationId;
    result.filePath = event.filePath;
    result.at = at;
    result.eventIndex = eventIndex;
    result.delegation = context;
    result.turn = m_turns.currentOrLast();
    bool created = false;
    const int index = m_toolCalls.addResult(result, outcome, &created);
    if (created)
        m_delegations.addToolOperation(context, index);
    const ToolOperation& op = m_toolCalls.operations().at(index);
    if (op.delegation >= 0 && !op.filePath.isEmpty() && op.success &&
        EventCategory::isFileModifyTool(op.toolName))
        m_delegations.addFileChange(op.delegation, op.filePath);
}

ClaudeEvent AgentSession::eventAt(qsizetype index) const
{
    if (index < 0 || index >= qsizetype(m_events.size()))
        return {};
    const HeldEvent& held = m_events.at(index);
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(held.timestampMs, Qt::UTC);
    const QByteArray raw = m_bytes.copy(held.raw); // the held bytes, not a re-serialized copy
    ClaudeEvent event =
        EventNormalizer::normalizeObject(m_names.value(held.eventName), parseObject(raw), at);
    event.raw = raw;
    event.identity = held.identity;
    event.timestamp = at;
    event.timestampFromReceipt = held.timestampFromReceipt;
    return event;
}

QMap<QString, int> AgentSession::eventCounts() const
{
    QMap<QString, int> counts;
    for (size_t i = 0; i < m_subtypeCounts.size(); ++i) {
        if (m_subtypeCounts[i] > 0)
            counts.insert(m_names.at(qsizetype(i)), m_subtypeCounts[i]);
    }
    return counts;
}

QString AgentSession::eventAgentContext(qsizetype index) const
{
    if (index < 0 || index >= qsizetype(m_events.size()))
        return {};
    const int d = contextOf(index);
    return d >= 0 ? m_delegations.agentTypeOf(d) : QString();
}

QList<quint64> AgentSession::eventIdentities() const
{
    QList<quint64> ids;
    ids.reserve(qsizetype(m_events.size()));
    for (const HeldEvent& held : m_events)
        ids.append(held.identity);
    return ids;
}

qsizetype AgentSession::heldBytes() const
{
    return m_bytes.capacityBytes() + qsizetype(m_events.capacity()) * qsizetype(sizeof(HeldEvent));
}

ToolOperation AgentSession::materialize(const ToolOperation& source) const
{
    ToolOperation op = source;
    // Only the input or output object is parsed into a tree, found in the held bytes.
    thread_local HeldPayload payload;
    const auto object = [](std::string_view text) {
        return QJsonDocument::fromJson(QByteArray(text.data(), qsizetype(text.size()))).object();
    };
    if (op.preEvent >= 0 && op.preEvent < qsizetype(m_events.size()) &&
        payload.read(m_bytes.view(m_events.at(op.preEvent).raw)) && !payload.toolInput().empty())
        op.inputData = object(payload.toolInput());
    if (op.postEvent >= 0 && op.postEvent < qsizetype(m_events.size()) &&
        payload.read(m_bytes.view(m_events.at(op.postEvent).raw)) && !payload.toolOutput().empty())
        op.outputData = object(payload.toolOutput());
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
    list.reserve(m_toolCalls.operations().size());
    for (const ToolOperation& op : m_toolCalls.operations())
        list.append(materialize(op));
    return list;
}

QList<Delegation> AgentSession::delegations() const
{
    QList<Delegation> list = m_delegations.list();
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
    for (const ToolOperation& op : m_toolCalls.operations()) {
        if (!op.filePath.isEmpty() && EventCategory::isFileReadTool(op.toolName) && !op.failed())
            files.insert(op.filePath);
    }
    return sorted(std::move(files));
}

QStringList AgentSession::filesModified() const
{
    QSet<QString> files = m_fileEventWrites;
    for (const ToolOperation& op : m_toolCalls.operations()) {
        if (!op.filePath.isEmpty() && EventCategory::isFileModifyTool(op.toolName) && !op.failed())
            files.insert(op.filePath);
    }
    return sorted(std::move(files));
}

QStringList AgentSession::agentsUsed() const
{
    QSet<QString> agents;
    for (const Delegation& d : m_delegations.list())
        agents.insert(d.agentType);
    return sorted(std::move(agents));
}

int AgentSession::toolFailures() const
{
    const QList<ToolOperation>& operations = m_toolCalls.operations();
    return int(std::count_if(operations.cbegin(), operations.cend(),
                             [](const ToolOperation& op) { return op.failed(); }));
}

int AgentSession::unknownResults() const
{
    const bool ended = !isActive();
    const QList<ToolOperation>& operations = m_toolCalls.operations();
    return int(
        std::count_if(operations.cbegin(), operations.cend(), [ended](const ToolOperation& op) {
            const ToolOperation::Outcome outcome = op.outcome();
            return outcome == ToolOperation::Outcome::Unknown ||
                   (ended && outcome == ToolOperation::Outcome::Pending && !op.orphan);
        }));
}

int AgentSession::delegationFailures() const
{
    const QList<Delegation>& list = m_delegations.list();
    return int(std::count_if(list.cbegin(), list.cend(), [](const Delegation& d) {
        return d.outcome() == ToolOperation::Outcome::Failure;
    }));
}

int AgentSession::orphanResults() const
{
    return int(m_toolCalls.orphans().size());
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
    for (const ToolOperation& op : m_toolCalls.operations()) {
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
    for (const ToolOperation& op : m_toolCalls.operations()) {
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
    for (const int index : m_toolCalls.orphans()) {
        const ToolOperation& op = m_toolCalls.operations().at(index);
        gaps.append({QDateTime(), op.endTime,
                     QStringLiteral("%1 result arrived without its call").arg(op.toolName), true});
    }
    for (const QDateTime& at : m_delegations.unmatchedStops())
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

QList<Turn> AgentSession::turns() const
{
    return m_turns.summarize(m_toolCalls.operations(), m_delegations.list(), isActive(), m_endTime,
                             statusName(m_status));
}

std::optional<TokenUsage> AgentSession::tokenUsage(const QList<Turn>& turns)
{
    return TurnTracker::tokenUsage(turns);
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

QList<qsizetype> AgentSession::timeOrder() const
{
    // Arrival order can differ from event time (history replays, recovery); readers want time.
    QList<qsizetype> order(qsizetype(m_events.size()));
    std::iota(order.begin(), order.end(), qsizetype(0));
    // The same order the derived state is built in, so arrival order leaves no trace.
    std::sort(order.begin(), order.end(),
              [this](qsizetype a, qsizetype b) { return keyOf(a) < keyOf(b); });
    return order;
}

QJsonObject AgentSession::toJson() const
{
    return QJsonDocument::fromJson(SessionDocumentWriter::write(*this)).object();
}

QJsonObject AgentSession::toJsonWithoutEvents() const
{
    QJsonObject o = toJson();
    o.remove(QLatin1String("events"));
    return o;
}

QByteArray AgentSession::eventsJsonText() const
{
    return SessionDocumentWriter::eventsText(*this);
}

std::optional<AgentSession> AgentSession::fromJson(const QJsonObject& object, QString* error)
{
    return SessionDocumentReader::read(object, error);
}

SessionSummary AgentSession::summary() const
{
    SessionSummary s;
    s.sessionId = sessionId();
    // Through the saved text's precision (milliseconds, UTC), as a listing reads it back.
    const auto saved = [](const QDateTime& t) {
        return t.isValid() ? QDateTime::fromMSecsSinceEpoch(t.toMSecsSinceEpoch(), Qt::UTC)
                           : QDateTime();
    };
    s.startTime = saved(startTime());
    s.endTime = saved(endTime());
    s.status = statusName(status());
    s.totalEvents = totalEvents();
    const QList<Turn> allTurns = turns();
    s.toolCalls = int(toolCallCount());
    s.delegations = int(delegationCount());
    s.failures = toolFailures() + delegationFailures();
    s.unknownResults = unknownResults();
    s.turns = int(allTurns.size());
    if (const std::optional<TokenUsage> tokens = AgentSession::tokenUsage(allTurns))
        s.totalTokens = tokens->total();
    s.workingDirectory = workingDirectory();
    if (s.workingDirectory.isEmpty())
        s.workingDirectory = projectRoot();
    s.gitBranch = gitBranch();
    return s;
}

} // namespace ea
