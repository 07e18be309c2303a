# Sources of core/capture: the pipeline from a socket or recording to saved sessions.
target_sources(eacore PRIVATE
    capture/Aggregator.h capture/Aggregator.cpp
    capture/CaptureSettings.h capture/CaptureSettings.cpp
    capture/CaptureService.h capture/CaptureService.cpp
    capture/Clock.h capture/Clock.cpp
    capture/EventRecorder.h capture/EventRecorder.cpp
    capture/RateLimitedLog.h capture/RateLimitedLog.cpp
    capture/RecordingReader.h capture/RecordingReader.cpp
    capture/SessionSaver.h capture/SessionSaver.cpp
    capture/SessionSpill.h capture/SessionSpill.cpp
    capture/SystemClock.h capture/SystemClock.cpp
)
target_include_directories(eacore PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/capture)
