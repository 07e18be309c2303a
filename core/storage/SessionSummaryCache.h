// Where a session store's listing may start from instead of parsing every file.
#pragma once

#include "model/SessionSummary.h"

#include <QHash>
#include <QString>

namespace ea {

// Summaries as they were when each file had the given size and mtime. The store trusts an
// entry only while its file still has both; everything else it parses. The session database
// keeps such a table (index/IndexedSummaryCache), so storage needs no listing file of its own.
class SessionSummaryCache
{
public:
    struct Entry
    {
        qint64 size = 0;
        qint64 mtimeMs = 0;
        SessionSummary summary; // damaged files: damaged and error set, sessionId empty
    };

    virtual ~SessionSummaryCache() = default;
    // By file name (no directory); empty when there is nothing usable.
    virtual QHash<QString, Entry> load() = 0;
};

} // namespace ea
