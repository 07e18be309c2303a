// The journal reader: what a crash, a full disk or an editor may leave in a segment file.
#include "FuzzSupport.h"
#include "storage/Journal.h"

#include <QDir>

#include <cstdlib>

using namespace ea;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::initOnce();
    QByteArray input = fuzz::bytes(data, size);
    fuzz::clearScratch();
    const QString dir = fuzz::scratchDirectory() + QStringLiteral("/.journal");
    QDir().mkpath(dir);
    // A form feed splits the input into two consecutive segments, so misplaced and
    // cross-segment seqs and releases are reachable.
    const qsizetype split = input.indexOf('\f');
    if (split >= 0) {
        fuzz::writeFile(dir + QStringLiteral("/journal-00000000000000000001.jsonl"),
                        input.left(split));
        fuzz::writeFile(dir + QStringLiteral("/journal-00000000000000000050.jsonl"),
                        input.mid(split + 1));
    } else {
        fuzz::writeFile(dir + QStringLiteral("/journal-00000000000000000001.jsonl"), input);
    }
    {
        Journal journal(dir);
        if (!journal.open())
            return 0;
        const qint64 unreleased = journal.unreleasedCount();
        qint64 delivered = 0;
        QList<qint64> seqs;
        const auto stats =
            journal.replay([&](qint64 seq, const QDateTime&, const QString&, const QByteArray&) {
                ++delivered;
                seqs.append(seq);
            });
        if (stats.records != delivered || delivered != unreleased)
            std::abort(); // replay delivers exactly what open() counted as unreleased
        // Carry on as the application would: numbering continues, releases are accepted.
        const qint64 next = journal.nextSeq();
        for (const qint64 seq : seqs) {
            if (seq >= next)
                std::abort();
        }
        const qint64 appended = journal.append(QStringLiteral("claude_event"), "{\"a\":1}");
        if (appended >= 0 && appended != next)
            std::abort();
        journal.release(seqs);
        journal.releaseUpTo(next - 1);
        if (journal.unreleasedCount() != (appended >= 0 ? 1 : 0))
            std::abort();
    }
    // Whatever it left must open again with only the appended record outstanding.
    Journal again(dir);
    if (again.open() && again.unreleasedCount() > 1)
        std::abort();
    return 0;
}
