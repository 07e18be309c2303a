// Shared by the libFuzzer targets and their standalone replay build.
#pragma once

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>

namespace ea {

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fuzz {

// Once per process: a QCoreApplication (timers, QSaveFile) and silenced logging, so the
// targets spend their time on input rather than on warnings about it.
void initOnce();

// The input as a QByteArray that owns a copy (libFuzzer's buffer is only valid for the call).
inline QByteArray bytes(const uint8_t* data, size_t size)
{
    return QByteArray(reinterpret_cast<const char*>(data), qsizetype(size));
}

// A private scratch directory for this process, emptied by clearScratch().
QString scratchDirectory();
void clearScratch();
void writeFile(const QString& path, const QByteArray& data);

} // namespace fuzz

} // namespace ea
