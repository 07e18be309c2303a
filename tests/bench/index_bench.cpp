// The session database on 100,000 generated sessions (issue 15's targets): full rebuild, the
// first page, --where and search p95, stats over everything, upkeep per saved session, size.
//   ea-bench-index [sessions, default 100000] [work dir, default a temporary one]
#include "SessionFactory.h"
#include "index/SessionIndexReader.h"
#include "index/SessionIndexSchema.h"
#include "index/SessionIndexer.h"
#include "storage/SessionFileName.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace ea;

namespace {

double percentile(QList<double> v, int p)
{
    std::sort(v.begin(), v.end());
    if (v.isEmpty())
        return 0;
    const qsizetype rank = (v.size() * p + 99) / 100;
    return v.at(std::clamp<qsizetype>(rank - 1, 0, v.size() - 1));
}

void writeSession(const QString& dir, int n, const QDateTime& base)
{
    const QDateTime start = base.addSecs(qint64(n) * 300);
    const QJsonObject doc = test::generatedSession(n, start);
    QFile f(QDir(dir).filePath(
        SessionFileName::forSession(doc.value(QStringLiteral("session_id")).toString(), start)));
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(f.fileName()));
    f.write(QJsonDocument(doc).toJson(QJsonDocument::Indented));
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 100000;
    QTemporaryDir tmp;
    const QString dir = argc > 2 ? QString::fromLocal8Bit(argv[2]) : tmp.path();
    QDir().mkpath(dir);
    const QDateTime base(QDate(2025, 12, 1), QTime(0, 0), Qt::UTC);
    QElapsedTimer t;

    if (QDir(dir).entryList({QStringLiteral("session_*")}).size() < count) {
        t.start();
        for (int n = 0; n < count; ++n)
            writeSession(dir, n, base);
        std::printf("generated %d session files in %.1f s\n", count, t.elapsed() / 1000.0);
    }
    for (const char* suffix : {"", "-wal", "-shm"})
        QFile::remove(QDir(dir).filePath(SessionIndexSchema::fileName) + QLatin1String(suffix));
    {
        SessionIndexer ix(dir);
        t.start();
        if (!ix.open())
            qFatal("rebuild failed: %s", qPrintable(ix.error()));
        std::printf("full rebuild: %.1f s (%d sessions)\n", t.elapsed() / 1000.0, count);
        ix.close();
    }
    const qint64 dbBytes =
        QFileInfo(QDir(dir).filePath(SessionIndexSchema::fileName)).size() +
        QFileInfo(QDir(dir).filePath(SessionIndexSchema::fileName + QStringLiteral("-wal"))).size();
    std::printf("database: %.1f MB, %.2f MB per 1,000 sessions\n", dbBytes / 1048576.0,
                dbBytes / 1048576.0 / (count / 1000.0));

    QueryError error;
    const QDateTime now = base.addSecs(qint64(count) * 300);
    {
        // What the browser does on opening: a reader, the count and the first page.
        t.start();
        SessionIndexReader reader(dir);
        if (!reader.open())
            qFatal("%s", qPrintable(reader.error()));
        const SessionQuery all = SessionQuery::parse(u"", &error, now);
        const int total = reader.count(all);
        const auto page = reader.sessions(all, SessionIndexReader::SortColumn::Start,
                                          Qt::DescendingOrder, 0, 100);
        std::printf("first page: %.1f ms (%d of %d rows)\n", t.nsecsElapsed() / 1e6,
                    int(page.size()), total);
    }
    SessionIndexReader reader(dir);
    reader.open();
    const QStringList wheres{QStringLiteral("project:api"),
                             QStringLiteral("tool:Bash failed"),
                             QStringLiteral("agent:qa status:completed"),
                             QStringLiteral("file:src/module_7.py"),
                             QStringLiteral("since:7d"),
                             QStringLiteral("tokens>1800 branch:main"),
                             QStringLiteral("project:web until:2026-03-01 tools>6"),
                             QStringLiteral("id:sess-0123")};
    // Milliseconds for what the browser's first page of a query asks: its count, 100 rows.
    const auto whereMsOf = [&](const QString& w) {
        const SessionQuery q = SessionQuery::parse(w, &error, now);
        QElapsedTimer one;
        one.start();
        reader.count(q);
        reader.sessions(q, SessionIndexReader::SortColumn::Start, Qt::DescendingOrder, 0, 100);
        return one.nsecsElapsed() / 1e6;
    };
    QList<double> whereMs;
    for (int round = 0; round < 5; ++round) {
        for (const QString& w : wheres)
            whereMs.append(whereMsOf(w));
    }
    std::printf("--where (count + first 100 rows): p50 %.1f ms, p95 %.1f ms over %d queries\n",
                percentile(whereMs, 50), percentile(whereMs, 95), int(whereMs.size()));
    // Wildcards in names: the session's list narrows, the per-name totals decide (e*d).
    for (const QString& w : {QStringLiteral("tool:Ba* agent:q*"), QStringLiteral("tool:E*d")}) {
        QList<double> ms;
        for (int round = 0; round < 5; ++round)
            ms.append(whereMsOf(w));
        std::printf("--where %s: p50 %.1f ms over %d runs\n", qPrintable(w), percentile(ms, 50),
                    int(ms.size()));
    }
    const QStringList texts{QStringLiteral("refactor"),
                            QStringLiteral("pytest"),
                            QStringLiteral("handler_3"),
                            QStringLiteral("\"bug number 4242\""),
                            QStringLiteral("module_17 project:docs"),
                            QStringLiteral("crash*")};
    QList<double> searchMs;
    for (int round = 0; round < 5; ++round) {
        for (const QString& s : texts) {
            const SessionQuery q = SessionQuery::parse(s, &error, now);
            QElapsedTimer one;
            one.start();
            reader.search(q, 0, 50);
            searchMs.append(one.nsecsElapsed() / 1e6);
        }
    }
    std::printf("search (50 best hits with snippets): p50 %.1f ms, p95 %.1f ms over %d queries\n",
                percentile(searchMs, 50), percentile(searchMs, 95), int(searchMs.size()));
    const SessionQuery all = SessionQuery::parse(u"", &error, now);
    for (const auto& [name, by] : {std::pair{"none", SessionIndexReader::GroupBy::None},
                                   std::pair{"day", SessionIndexReader::GroupBy::Day},
                                   std::pair{"project", SessionIndexReader::GroupBy::Project},
                                   std::pair{"agent", SessionIndexReader::GroupBy::Agent},
                                   std::pair{"tool", SessionIndexReader::GroupBy::Tool}}) {
        t.start();
        const StatsTable table = reader.stats(all, by);
        std::printf("stats --by %s over everything: %.0f ms (%d groups)\n", name,
                    t.nsecsElapsed() / 1e6, int(table.size()));
    }

    // Upkeep: what the capture's index thread does per saved session.
    {
        SessionIndexer ix(dir);
        ix.setIdleCheckpoints(true); // as SessionIndexWriter runs it
        t.start();
        ix.open();
        std::printf("opening the database with its integrity check: %.0f ms\n",
                    t.nsecsElapsed() / 1e6);
        QList<double> upkeepMs;
        QList<double> checkpointMs;
        for (int n = count; n < count + 500; ++n) {
            writeSession(dir, n, base);
            const QDateTime start = base.addSecs(qint64(n) * 300);
            const QString name = SessionFileName::forSession(
                test::generatedSession(n, start).value(QStringLiteral("session_id")).toString(),
                start);
            QElapsedTimer one;
            one.start();
            ix.syncFile(name);
            upkeepMs.append(one.nsecsElapsed() / 1e6);
            // The writer checkpoints after a second without saves; here after every 20th.
            if (n % 20 == 19) {
                one.restart();
                ix.checkpoint();
                checkpointMs.append(one.nsecsElapsed() / 1e6);
            }
        }
        std::printf("upkeep per saved session (index thread): p50 %.2f ms, p95 %.2f ms\n",
                    percentile(upkeepMs, 50), percentile(upkeepMs, 95));
        std::printf("idle checkpoint after 20 saves: p50 %.1f ms, max %.1f ms\n",
                    percentile(checkpointMs, 50), percentile(checkpointMs, 100));
        t.start();
        SessionIndexer::Changes c;
        ix.reconcile(&c);
        std::printf("start-up check of %d unchanged files: %.0f ms\n", c.unchanged,
                    t.nsecsElapsed() / 1e6);
    }
    return 0;
}
