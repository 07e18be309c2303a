// The session database as the session store's listing: the summaries of the files it indexed.
#pragma once

#include "storage/SessionSummaryCache.h"

#include <QString>

namespace ea {

// Reads every row of `.sessions.db`'s sessions table, read-only, on the calling thread. A
// database of an older schema is read too (its sessions table has these columns): the first
// start after an upgrade lists from it while the index thread rebuilds it. Missing or damaged:
// nothing, and the store parses the files.
class IndexedSummaryCache : public SessionSummaryCache
{
public:
    explicit IndexedSummaryCache(const QString& activityDirectory);
    QHash<QString, Entry> load() override;

private:
    QString m_dir;
};

} // namespace ea
