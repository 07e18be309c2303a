# Sources of the shared test helpers
target_sources(eatestsupport PRIVATE
    support/PeerServer.h support/PeerServer.cpp
    support/MissingPrerequisite.h
    support/TestClock.h support/TestClock.cpp
    support/AppProcess.h support/AppProcess.cpp
    support/SessionFactory.h
    support/RecordedStream.h
    support/OtlpReceiver.h support/OtlpReceiver.cpp
)
