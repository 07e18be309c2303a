// The JSON Lines recording reader (--replay files, the samples format), line by line and whole.
#include "FuzzSupport.h"
#include "capture/RecordingReader.h"

#include <QByteArrayList>

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    const QByteArray input = fuzz::bytes(data, size);
    for (const QByteArray& line : input.split('\n')) {
        QString error;
        const auto entry = RecordingReader::parseLine(line, &error);
        if (!entry && error.isEmpty() && !line.trimmed().isEmpty())
            std::abort();
    }
    // The reader over a file, as --replay uses it.
    fuzz::clearScratch();
    const QString path = fuzz::scratchDirectory() + QStringLiteral("/recording.jsonl");
    fuzz::writeFile(path, input);
    RecordingReader reader(path);
    QString error;
    if (!reader.open(&error))
        std::abort();
    qint64 good = 0;
    while (auto entry = reader.next()) {
        if (entry->name.isEmpty() && entry->lineNumber <= 0)
            std::abort();
        if (++good > input.size() + 1)
            std::abort(); // more entries than lines: the reader is looping
    }
    return 0;
}
