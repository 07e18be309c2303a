// Session files as the browser and the CLI read them: SessionStore::load (plain JSON or gzip),
// the summary a listing shows, the listing taken from the session database, and
// AgentSession::fromJson for reopening.
#include "FuzzSupport.h"
#include "aggregation/AgentSession.h"
#include "index/IndexedSummaryCache.h"
#include "index/SessionIndexSchema.h"
#include "model/SessionSummary.h"
#include "storage/GzipCodec.h"
#include "storage/SessionStore.h"

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    if (size == 0)
        return 0;
    const int mode = data[0] % 4;
    const QByteArray body = fuzz::bytes(data + 1, size - 1);
    fuzz::clearScratch();
    const QString dir = fuzz::scratchDirectory();
    const QString plain = QStringLiteral("session_fuzz_2026-01-01T00-00-00.json");
    switch (mode) {
    case 0: // the bytes as a .json file
        fuzz::writeFile(dir + QLatin1Char('/') + plain, body);
        break;
    case 1: { // the bytes as the content of a .json.gz file
        const auto gz = GzipCodec::compress(body);
        if (!gz)
            std::abort();
        fuzz::writeFile(dir + QLatin1Char('/') + plain + QStringLiteral(".gz"), *gz);
        break;
    }
    case 2: // the bytes as a (possibly broken) .json.gz file
        fuzz::writeFile(dir + QLatin1Char('/') + plain + QStringLiteral(".gz"), body);
        break;
    case 3: // the bytes as the session database the listing starts from, next to one valid file
        fuzz::writeFile(dir + QLatin1Char('/') + SessionIndexSchema::fileName, body);
        fuzz::writeFile(dir + QLatin1Char('/') + plain,
                        "{\"session_id\":\"fuzz\",\"start_time\":\"2026-01-01T00:00:00Z\"}");
        break;
    }
    SessionStore store(dir);
    store.setMaxDocumentBytes(4 << 20);
    store.setSummaryCache(std::make_unique<IndexedSummaryCache>(dir));
    const QList<SessionSummary> listed = store.list();
    for (const SessionSummary& s : listed) {
        if (s.damaged && s.error.isEmpty())
            std::abort(); // a damaged file always says why
        QString error;
        const auto doc = store.load(s.filePath, &error);
        if (!doc) {
            if (error.isEmpty())
                std::abort();
            continue;
        }
        if (SessionSummary::fromDocument(*doc).filePath.size() < 0)
            std::abort();
        const auto session = AgentSession::fromJson(*doc, &error);
        if (session) {
            // What reopening does: the session takes events again and saves.
            const QJsonObject saved = session->toJson();
            const auto again = AgentSession::fromJson(saved, &error);
            if (!again || again->totalEvents() != session->totalEvents())
                std::abort();
        }
    }
    // Gzip data as such, with a small inflate bound.
    GzipCodec::decompress(body, 1 << 20);
    return 0;
}
