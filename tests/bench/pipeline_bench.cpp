// Feeds a benchmark stream (gen_stream.js output, one claude_event payload per line) through
// the real capture pipeline, CaptureService::ingest(): journal append, normalization,
// aggregation into live sessions. No network: this isolates the pipeline's own cost and lets
// resident memory be read before and after.
//
//   ea-bench-pipeline --stream FILE --dir DIR [--no-journal] [--turn N] [--save]
//
// --turn N: events handed over per event-loop turn (default 64; 1 for one at a time).
//
// --save (or --shutdown): then saves every held session the way a shutdown does
// (CaptureService::shutdown(), spilled sessions read back first) and adds save_us_per_event
// (CPU of this process, all threads), shutdown_seconds (wall), save_peak_rss (the peak resident
// memory during the save, bytes) and rss_after_save; then, once the session database has
// taken in the saved sessions, rss_after_index and heap_in_use_after_index.
//
// Prints one JSON line: events, seconds, rate, RSS before/after and peak (bytes), bytes per
// 1,000 events held, live and spilled sessions, counters. The number of sessions is the
// stream's (gen_stream.js --sessions N); limits are the defaults unless EA_MAX_* say otherwise. The
// stream is read line by line, so it does not count against the resident memory measured.
#include "capture/CaptureService.h"
#include "index/SessionIndexWriter.h"
#include "ingest/EventNormalizer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QThread>

#include <cstdio>
#include <ctime>
#include <malloc.h>
#include <unistd.h>

using namespace ea;

namespace {
// VmHWM: the peak resident memory since the start or the last reset (clear_refs).
qint64 peakResidentBytes()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

qint64 residentBytes()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().simplified().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * sysconf(_SC_PAGESIZE) : -1;
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false")); // as the app does
    QString stream;
    QString dir;
    bool journal = true;
    bool save = false;
    bool redact = false; // redact_at_capture: true
    int turnEvents = 64; // events per event-loop turn; 1: each alone, as before
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--stream") && i + 1 < args.size())
            stream = args[++i];
        else if (args[i] == QLatin1String("--dir") && i + 1 < args.size())
            dir = args[++i];
        else if (args[i] == QLatin1String("--shutdown"))
            save = true;
        else if (args[i] == QLatin1String("--no-journal"))
            journal = false;
        else if (args[i] == QLatin1String("--turn") && i + 1 < args.size())
            turnEvents = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--save"))
            save = true;
        else if (args[i] == QLatin1String("--redact"))
            redact = true;
        else {
            std::fprintf(stderr, "usage: ea-bench-pipeline --stream FILE --dir DIR [--no-journal] "
                                 "[--turn N] [--save] [--redact]\n");
            return 2;
        }
    }
    if (stream.isEmpty() || dir.isEmpty()) {
        std::fprintf(stderr, "usage: ea-bench-pipeline --stream FILE --dir DIR [--no-journal]\n");
        return 2;
    }

    CaptureSettings settings;
    settings.activityDirectory = dir;
    settings.events = {QStringLiteral("claude_event")};
    settings.useJournal = journal;
    settings.redactAtCapture = redact;
    settings.autoCleanupDays = 0;
    settings.sessionTimeoutMs = qint64(24) * 3600 * 1000; // every session stays live
    CaptureService capture(settings);
    if (!capture.initialize()) {
        std::fprintf(stderr, "cannot initialize: %s\n", qPrintable(capture.lastError()));
        return 1;
    }
    QFile in(stream);
    if (!in.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(stream));
        return 1;
    }
    const QString name = QStringLiteral("claude_event");
    malloc_trim(0);
    const qint64 before = residentBytes();
    qint64 events = 0;
    qint64 ingestNs = 0;
    qint64 cpuNs = 0; // this thread's CPU time in the same calls: steadier on a busy machine
    QElapsedTimer timer;
    // Events are fed as the socket delivers them, a turn's worth at a time (one journal
    // write each); the clock is read per turn, so the harness's own system calls stay out of
    // the figures.
    QList<CaptureService::Incoming> turn;
    turn.reserve(turnEvents);
    const auto ingestTurn = [&] {
        if (turn.isEmpty())
            return;
        timespec c0{}, c1{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        timer.start();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (CaptureService::Incoming& in : turn)
            in.receivedAt = now;
        capture.ingest(turn);
        ingestNs += timer.nsecsElapsed();
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        cpuNs += (c1.tv_sec - c0.tv_sec) * 1000000000LL + (c1.tv_nsec - c0.tv_nsec);
        events += turn.size();
        turn.clear();
        // What the app's event loop does between two socket reads: the calls queued meanwhile
        // (the capture's own end-of-turn call finds nothing left). Left queued, tens of
        // thousands of them stayed in the heap among the sessions' memory.
        QCoreApplication::sendPostedEvents();
    };
    // Big reads, split here: the stream must cost next to nothing outside the timed calls.
    QByteArray buffer;
    qsizetype at = 0;
    for (;;) {
        qsizetype nl = buffer.indexOf('\n', at);
        if (nl < 0) {
            const QByteArray more = in.read(4 << 20);
            if (more.isEmpty() && at >= buffer.size())
                break;
            buffer = buffer.mid(at) + more;
            at = 0;
            nl = buffer.indexOf('\n');
            if (nl < 0) {
                if (!more.isEmpty())
                    continue;
                nl = buffer.size(); // last line without a newline
            }
        }
        const QByteArray line = buffer.mid(at, nl - at);
        at = nl + 1;
        if (line.isEmpty())
            continue;
        turn.append({name, line, {}});
        if (turn.size() >= turnEvents)
            ingestTurn();
    }
    ingestTurn();
    buffer = QByteArray();
    malloc_trim(0);
    const qint64 after = residentBytes();
    const double seconds = double(ingestNs) / 1e9;

    QJsonObject o;
    o.insert(QStringLiteral("events"), double(events));
    o.insert(QStringLiteral("journal"), journal);
    o.insert(QStringLiteral("redact"), redact);
    o.insert(QStringLiteral("seconds"), seconds);
    o.insert(QStringLiteral("rate"), seconds > 0 ? double(events) / seconds : 0.0);
    o.insert(QStringLiteral("cpu_us_per_event"),
             events > 0 ? double(cpuNs) / 1e3 / double(events) : 0.0);
    o.insert(QStringLiteral("rss_before"), double(before));
    o.insert(QStringLiteral("rss_after"), double(after));
    o.insert(QStringLiteral("rss_peak"), double(peakResidentBytes()));
    o.insert(QStringLiteral("bytes_per_1000_events"),
             events > 0 ? double(after - before) / double(events) * 1000.0 : 0.0);
    o.insert(QStringLiteral("live_sessions"), capture.aggregator().liveCount());
    o.insert(QStringLiteral("spilled_sessions"), capture.aggregator().spilledCount());
    if (save) {
        // The peak from here on: Linux resets VmHWM when 5 is written to clear_refs.
        QFile clear(QStringLiteral("/proc/self/clear_refs"));
        if (clear.open(QIODevice::WriteOnly))
            clear.write("5");
        clear.close();
        timespec p0{}, p1{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
        QElapsedTimer wall;
        wall.start();
        const bool ok = capture.shutdown(QStringLiteral("benchmark"));
        o.insert(QStringLiteral("shutdown_seconds"), double(wall.nsecsElapsed()) / 1e9);
        o.insert(QStringLiteral("shutdown_ok"), ok);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
        const double saveNs = double(p1.tv_sec - p0.tv_sec) * 1e9 + double(p1.tv_nsec - p0.tv_nsec);
        o.insert(QStringLiteral("save_us_per_event"),
                 events > 0 ? saveNs / 1e3 / double(events) : 0.0);
        o.insert(QStringLiteral("save_peak_rss"), double(peakResidentBytes()));
        o.insert(QStringLiteral("rss_after_save"), double(residentBytes()));
        o.insert(QStringLiteral("live_bytes_after_save"), double(capture.aggregator().liveBytes()));
        // What the heap really holds (glibc): resident memory beyond it is freed memory glibc
        // kept.
        const struct mallinfo2 heap = mallinfo2();
        o.insert(QStringLiteral("heap_in_use_after_save"), double(heap.uordblks + heap.hblkhd));
        malloc_trim(0); // what an explicit trim would still return
        o.insert(QStringLiteral("rss_after_save_trimmed"), double(residentBytes()));
        // The session database indexes the saved sessions on its own thread afterwards, and
        // lets go of its parser a second after it has nothing left to do: what stays then.
        if (SessionIndexWriter* index = capture.index()) {
            QElapsedTimer settle;
            settle.start();
            index->waitForIdle(600000);
            o.insert(QStringLiteral("index_settle_seconds"), double(settle.elapsed()) / 1e3);
            QThread::msleep(1500);
            const struct mallinfo2 settled = mallinfo2();
            o.insert(QStringLiteral("heap_in_use_after_index"),
                     double(settled.uordblks + settled.hblkhd));
            o.insert(QStringLiteral("rss_after_index"), double(residentBytes()));
            malloc_trim(0);
            o.insert(QStringLiteral("rss_after_index_trimmed"), double(residentBytes()));
        }
    }
    o.insert(QStringLiteral("counters"), capture.countersJson());
    std::fprintf(stdout, "%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    // Saving 100 sessions of 10,000 events is not what is measured here: leave without it.
    std::_Exit(0);
}
