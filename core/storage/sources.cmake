# Sources of core/storage
target_sources(eacore PRIVATE
    storage/ActivityLock.h storage/ActivityLock.cpp
    storage/AtomicFile.h storage/AtomicFile.cpp
    storage/JsonText.h storage/JsonText.cpp
    storage/SystemReason.h storage/SystemReason.cpp
    storage/GzipCodec.h storage/GzipCodec.cpp
    storage/SessionFileName.h storage/SessionFileName.cpp
    storage/SessionSummary.h storage/SessionSummary.cpp
    storage/PrivateDirectory.h storage/PrivateDirectory.cpp
    storage/SessionStore.h storage/SessionStore.cpp
    storage/Journal.h storage/Journal.cpp
    storage/SessionExporter.h storage/SessionExporter.cpp
)
