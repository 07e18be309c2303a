# Sources of core/aggregation: pure values and rules that turn dashboard events into sessions.
target_sources(eacore PRIVATE
    aggregation/HookFields.h
    aggregation/EventCategory.h aggregation/EventCategory.cpp
    aggregation/CaptureFilter.h aggregation/CaptureFilter.cpp
    aggregation/ClaudeEvent.h aggregation/ClaudeEvent.cpp
    aggregation/NormalizeResult.h aggregation/NormalizeResult.cpp
    aggregation/EventNormalizer.h aggregation/EventNormalizer.cpp
    aggregation/IsoTime.h aggregation/IsoTime.cpp
    aggregation/ToolOperation.h aggregation/ToolOperation.cpp
    aggregation/Delegation.h aggregation/Delegation.cpp
    aggregation/TokenUsage.h aggregation/TokenUsage.cpp
    aggregation/Turn.h aggregation/Turn.cpp
    aggregation/EventOrder.h
    aggregation/ToolCallMatcher.h aggregation/ToolCallMatcher.cpp
    aggregation/DelegationTracker.h aggregation/DelegationTracker.cpp
    aggregation/TurnTracker.h aggregation/TurnTracker.cpp
    aggregation/HeldPayload.h aggregation/HeldPayload.cpp
    aggregation/SessionDocumentWriter.h aggregation/SessionDocumentWriter.cpp
    aggregation/SessionDocumentReader.h aggregation/SessionDocumentReader.cpp
    aggregation/AgentSession.h aggregation/AgentSession.cpp aggregation/AgentSessionSpill.cpp
    aggregation/Deduplicator.h aggregation/Deduplicator.cpp
)
target_include_directories(eacore PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/aggregation)
