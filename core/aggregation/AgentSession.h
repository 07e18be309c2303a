// Everything one Claude session did: its events, tool calls, delegation tree and metrics.
#pragma once

#include "aggregation/DelegationTracker.h"
#include "aggregation/EventOrder.h"
#include "aggregation/HeldBytes.h"
#include "aggregation/ToolCallMatcher.h"
#include "aggregation/TurnTracker.h"
#include "model/CaptureFilter.h"
#include "model/ClaudeEvent.h"
#include "model/Delegation.h"
#include "model/EventCategory.h"
#include "model/SessionSummary.h"
#include "model/ToolOperation.h"
#include "model/Turn.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>

namespace ea {

class AgentSession
{
public:
    enum class Status
    {
        Active,
        Completed,
        TimedOut,
        Stopped,
        Interrupted
    };
    enum class AddResult
    {
        Stored,
        Filtered
    };
    static constexpr int SchemaVersion = 1;

    // A stretch of time in which events may have been lost (reconnect, orphan results, ...).
    struct PossibleGap
    {
        QDateTime from; // invalid: unknown
        QDateTime to;   // invalid: unknown
        QString reason;
        bool derived = false; // recomputed from the events, not recorded by the caller
    };

    explicit AgentSession(QString sessionId, CaptureFilter filter = {});

    // Adds one event, whatever its session id says: the caller routes. Tool calls, delegations
    // and turns are derived from the events in time order, whatever order they arrive in.
    // A Stop ends the turn and completes the session; events of the ended turn join it, and
    // only a new turn (a prompt, a tool call, a subagent start) reopens it. A timed out,
    // stopped or interrupted session goes on with any event. Events the capture filter
    // rejects are counted, not stored.
    AddResult addEvent(const ClaudeEvent& event);

    const QString& sessionId() const { return m_sessionId; }

    Status status() const { return m_status; }
    bool isActive() const { return m_status == Status::Active; }
    QString completionReason() const { return m_completionReason; }
    // Active reopens. Otherwise the end time defaults to the last event's time; delegations
    // and tool calls still open then read as not completed until the session reopens.
    void setStatus(Status status, const QString& reason = {}, const QDateTime& endTime = {});
    static QString statusName(Status status);
    // What a listing shows of this session, as read back from its saved file.
    SessionSummary summary() const;
    static std::optional<Status> statusFromName(QStringView name);

    QDateTime startTime() const { return m_startTime; }
    QDateTime endTime() const { return m_endTime; } // invalid while active
    QDateTime lastEventTime() const { return m_lastEventTime; }
    QString workingDirectory() const { return m_workingDirectory; }
    QString gitBranch() const { return m_gitBranch; }
    QString launchMethod() const { return m_launchMethod; }
    QString initialPrompt() const { return m_initialPrompt; }
    QString finalResponse() const { return m_finalResponse; }
    bool sessionEndSeen() const { return m_sessionEndSeen; }

    // Stored events in arrival order; eventAt() rebuilds the full value from the held bytes.
    qsizetype eventCount() const { return qsizetype(m_events.size()); }
    ClaudeEvent eventAt(qsizetype index) const;
    QString eventAgentContext(qsizetype index) const; // empty: the main agent
    QList<quint64> eventIdentities() const;           // to seed a Deduplicator after reopening
    // The memory its held events take (payload blocks and per-event records).
    qsizetype heldBytes() const;

    // Copies with input/output data filled in and, once the session is over, open calls and
    // delegations closed as not completed.
    QList<ToolOperation> toolOperations() const;
    QList<Delegation> delegations() const;
    qsizetype openDelegationCount() const { return m_delegations.openCount(); }
    // Turns in time order, with their tool counts and token usage filled in.
    QList<Turn> turns() const;
    bool turnOpen() const { return m_turns.isOpen(); }
    // The session's tokens: the sum of what its turns used; nullopt when no turn reported any.
    static std::optional<TokenUsage> tokenUsage(const QList<Turn>& turns);
    // hook_execution events folded per hook: {name: {count, p50_ms, max_ms}}.
    QJsonObject hookOverheadJson() const;

    int totalEvents() const { return int(m_events.size()); }
    // Events re-derived so far to put late arrivals in time order; bounded, so linear in the
    // session's size however out of order it arrives.
    qint64 rebuildWork() const { return m_rebuildWork; }
    QMap<QString, int> eventCounts() const; // by normalized subtype
    int categoryCount(EventCategory category) const { return m_categoryCounts[category]; }
    QMap<QString, int> toolCounts() const { return m_toolCalls.toolCounts(); } // Task excluded
    QStringList filesRead() const;     // sorted; reads that failed do not count
    QStringList filesModified() const; // sorted; failed writes and edits do not count
    QStringList agentsUsed() const;    // sorted agent types of delegations
    int toolFailures() const;          // results that reported failure (ToolOperation::failed())
    // Calls without a result: closed with their turn, or still open when the session ended.
    int unknownResults() const;
    int delegationFailures() const;
    int orphanResults() const;
    qint64 sessionDurationMs() const; // -1 without events
    std::optional<qint64> toolDurationP50Ms() const;
    std::optional<qint64> toolDurationMaxMs() const;

    const CaptureFilter& captureFilter() const { return m_filter; }
    void setCaptureFilter(const CaptureFilter& filter) { m_filter = filter; }
    int filteredCount(EventCategory category) const { return m_filteredCounts[category]; }
    int filteredTotal() const;
    void addPossibleGap(const QDateTime& from, const QDateTime& to, const QString& reason);
    QList<PossibleGap> possibleGaps() const; // recorded ones, then derived ones

    void setClaudePid(qint64 pid) { m_claudePid = pid; }
    void setProjectRoot(const QString& root) { m_projectRoot = root; }
    QString projectRoot() const { return m_projectRoot; }
    qsizetype toolCallCount() const { return m_toolCalls.operations().size(); }
    qsizetype delegationCount() const { return m_delegations.list().size(); }

    // Moving a live session's events out of memory and back (the aggregator's spill, see
    // AgentSessionSpill.cpp): one stored event as held, rebuilt without the session; and what
    // the session holds besides its events (filter counts, recorded gaps, file metadata).
    struct StoredEvent
    {
        QString eventName;
        QByteArray raw;
        qint64 timestampMs = 0;
        quint64 identity = 0;
        bool timestampFromReceipt = false;
    };
    StoredEvent storedEvent(qsizetype index) const;
    static ClaudeEvent eventFromStored(const StoredEvent& stored);
    struct UnstoredState
    {
        std::array<int, EventCategory::Count> filtered{};
        QList<PossibleGap> gaps; // recorded ones only
        std::optional<qint64> claudePid;
        QString projectRoot;
    };
    UnstoredState unstoredState() const;
    void restoreUnstoredState(const UnstoredState& state); // adds to what the events told

    // claude-mpm's AgentSession.to_dict layout plus schema_version, status, completion_reason,
    // last_event_time, tool_operations, capture and extra metrics. Events sorted by time.
    QJsonObject toJson() const;
    // The same document in two pieces, for saving without building a tree of every event:
    // everything but "events", and the "events" array as compact JSON text (time order).
    QJsonObject toJsonWithoutEvents() const;
    QByteArray eventsJsonText() const;
    // Rebuilds the session by replaying the saved events, then restores what events cannot
    // tell (status, capture counts, recorded gaps, metadata). Files of the Python aggregator
    // load too, as far as their content allows.
    static std::optional<AgentSession> fromJson(const QJsonObject& object, QString* error);

private:
    // What is kept per event: the bytes plus what sorting and output need without re-parsing.
    // 48 bytes next to the payload bytes, where a whole ClaudeEvent would take 264.
    struct HeldEvent
    {
        HeldBytes::Span raw; // the payload, in m_bytes
        qint64 timestampMs = 0;
        quint64 identity = 0;
        qint32 delegation = -1; // agent context: index into m_delegations, -1 main, or
                                // kContextFromSteps for events that do not change it
        quint16 eventName = 0;  // index into m_names
        quint16 subtype = 0;    // index into m_names
        quint8 category = EventCategory::Meta;
        bool timestampFromReceipt = false;
        qint8 rank = 10; // rankOf() the subtype: an event's order key without m_nameRanks
    };

    using OrderKey = EventOrder;
    static constexpr qint32 kContextFromSteps = -2;

    static bool isStructural(const ClaudeEvent& event);
    static int rankOf(QStringView subtype);
    OrderKey keyOf(qsizetype index) const;
    void noteFact(const ClaudeEvent& event, qsizetype eventIndex);
    void derive(const ClaudeEvent& event, qsizetype eventIndex);
    void resetDerived();
    void rebuildDerived();
    void updateStatusFromTurns();
    int contextOf(qsizetype index) const;
    void endTurn(const QDateTime& at, const QString& endedBy);
    // *rank, when given, is the name's rankOf().
    quint16 nameIndex(const QString& name, qint8* rank = nullptr);
    QString intern(const QString& value);
    void addToolCall(const ClaudeEvent& event, const QJsonObject* todoData, const QDateTime& at,
                     qsizetype eventIndex, int context);
    void addToolResult(const ClaudeEvent& event, const ToolOutcome& outcome, const QDateTime& at,
                       qsizetype eventIndex, int context);
    ToolOperation materialize(const ToolOperation& op) const;
    QList<qsizetype> timeOrder() const;

    // The session's file format: written from, and read back into, the private state.
    friend class SessionDocumentWriter;
    friend class SessionDocumentReader;

    // What each event reads or writes comes first, together (addEvent, derive): with many
    // sessions taking turns the session is cold, and each cache line it spans is a miss (it
    // was 896 bytes with those fields in 13 of its 14 lines).
    Status m_status = Status::Active;
    CaptureFilter m_filter;
    QDateTime m_startTime;
    QDateTime m_lastEventTime;
    QString m_workingDirectory;
    qint64 m_workingDirectoryMs = 0;
    QString m_gitBranch;
    qint64 m_gitBranchMs = 0;
    std::vector<HeldEvent> m_events; // not QList: no shared header to check per append
    HeldBytes m_bytes;               // the held events' payloads
    // The last names looked up, by the address of their text: the normalizer gives known
    // names as literals (static, never freed, so an address is one name for good), found here
    // without reading m_names and m_nameRanks, two more cold blocks per event.
    struct NameHint
    {
        const QChar* text = nullptr;
        quint32 size = 0;
        quint16 index = 0;
        qint8 rank = 10;
    };
    std::array<NameHint, 4> m_nameHints{};
    quint8 m_nextNameHint = 0;
    std::array<int, EventCategory::Count> m_categoryCounts{};
    std::vector<int> m_subtypeCounts; // stored events by subtype, indexed like m_names
    std::optional<OrderKey> m_lastStructural;
    qint64 m_rebuildWork = 0; // events re-derived so far
    ToolCallMatcher m_toolCalls;
    TurnTracker m_turns;
    // The agent context after each structural event that changed it, in time order.
    QList<std::pair<OrderKey, int>> m_contextSteps;
    DelegationTracker m_delegations;
    // Read when a name is not among m_nameHints (its first time, or names given as text).
    QList<QString> m_names;   // event names and subtypes, shared by all held events
    QList<qint8> m_nameRanks; // rankOf() of each name

    QString m_sessionId;
    QString m_completionReason;
    QDateTime m_endTime;
    QString m_launchMethod;
    QString m_initialPrompt;
    QString m_finalResponse;
    std::optional<OrderKey> m_finalResponseKey;
    std::optional<qint64> m_claudePid;
    QString m_projectRoot;
    bool m_sessionEndSeen = false;
    bool m_arrivalOrderLogged = false;
    QSet<QString> m_strings;                       // one copy of each agent type and tool name
    QHash<QString, QList<qint64>> m_hookDurations; // hook_execution duration_ms by hook name
    std::array<int, EventCategory::Count> m_filteredCounts{};
    QSet<QString> m_fileEventReads; // from file_event, which names no tool
    QSet<QString> m_fileEventWrites;
    QList<PossibleGap> m_gaps;
};

} // namespace ea
