# Sources of core/control: the per-user control socket and single-instance lock.
target_sources(eacore PRIVATE
    control/ControlChannel.h control/ControlChannel.cpp
    control/ControlServer.h control/ControlServer.cpp
    control/ControlListener.h control/ControlListener.cpp
    control/StatusSnapshot.h
    control/ControlClient.h control/ControlClient.cpp
)
target_include_directories(eacore PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/control)
