// The session browser over a big session database: how long until its first rows show, and
// how long the reads behind scrolling, sorting, searching and the Statistics view take.
//   ea-bench-browser <work dir> [sessions, default 100000] [runs, default 7]
// Generates the sessions (tests/support/SessionFactory.h) and the database in <work dir> once;
// later runs reuse them. Prints one line per figure: median and max over the runs, in ms.
#include "SessionFactory.h"
#include "index/SessionIndexer.h"
#include "presentation/IndexedSessionListModel.h"
#include "presentation/SessionIndexClient.h"
#include "storage/SessionFileName.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace ea;

namespace {
bool waitFor(const std::function<bool()>& done, int timeoutMs = 60000)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    }
    return true;
}

void report(const char* what, QList<double> ms)
{
    std::sort(ms.begin(), ms.end());
    std::printf("%-44s median %8.1f ms   max %8.1f ms   (%lld runs)\n", what, ms.at(ms.size() / 2),
                ms.last(), static_cast<long long>(ms.size()));
    std::fflush(stdout);
}

bool generate(const QString& dir, int sessions)
{
    // Written straight to files (no store, no fsync per file): the database is what is timed.
    const QDateTime base(QDate(2025, 12, 1), QTime(8, 0), Qt::UTC);
    for (int n = 0; n < sessions; ++n) {
        const QDateTime start = base.addSecs(qint64(n) * 300);
        const QJsonObject doc = test::generatedSession(n, start);
        QFile f(QDir(dir).filePath(SessionFileName::forSession(
            doc.value(QStringLiteral("session_id")).toString(), start)));
        if (!f.open(QIODevice::WriteOnly) ||
            f.write(QJsonDocument(doc).toJson(QJsonDocument::Compact)) < 0)
            return false;
    }
    return true;
}
} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    qputenv("QT_LOGGING_RULES", "ea.ui.*.debug=false");
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: ea-bench-browser <work dir> [sessions] [runs]\n");
        return 2;
    }
    const QString dir = args.at(1);
    const int sessions = args.size() > 2 ? args.at(2).toInt() : 100000;
    const int runs = args.size() > 3 ? args.at(3).toInt() : 7;
    QDir().mkpath(dir);
    if (!QFile::exists(QDir(dir).filePath(QStringLiteral(".sessions.db")))) {
        QElapsedTimer t;
        t.start();
        if (!generate(dir, sessions))
            return 1;
        std::printf("generated %d session files in %.1f s\n", sessions, t.elapsed() / 1000.0);
        t.restart();
        SessionIndexer indexer(dir);
        if (!indexer.open()) {
            std::fprintf(stderr, "%s\n", qPrintable(indexer.error()));
            return 1;
        }
        std::printf("built the database in %.1f s\n", t.elapsed() / 1000.0);
    }

    QList<double> firstRows, middle, sorted, search, stats;
    for (int run = 0; run < runs; ++run) {
        // As the window does it: a new reader connection, a model, a table showing it.
        QElapsedTimer t;
        t.start();
        SessionIndexClient client;
        client.setActivityDirectory(dir);
        IndexedSessionListModel model(&client);
        QTableView view;
        view.resize(1200, 700);
        view.setModel(&model);
        view.show();
        const int visible = 30;
        if (!waitFor([&] {
                return !model.isCounting() && model.rowCount() > visible && model.isLoaded(0) &&
                       model.isLoaded(visible);
            }))
            return 1;
        firstRows.append(t.nsecsElapsed() / 1e6);
        if (model.savedCount() != sessions)
            std::fprintf(stderr, "counted %lld sessions, expected %d\n",
                         static_cast<long long>(model.savedCount()), sessions);

        // Dragging the scroll bar to the middle: that page is read, nothing before it.
        t.restart();
        const int mid = model.rowCount() / 2 + run * 1000;
        view.scrollTo(model.index(mid, 0));
        model.index(mid, 0).data();
        if (!waitFor([&] { return model.isLoaded(mid); }))
            return 1;
        middle.append(t.nsecsElapsed() / 1e6);

        // A header click: sorted in SQL, the first page read again.
        t.restart();
        model.sort(SessionListModel::TokensColumn,
                   run % 2 ? Qt::AscendingOrder : Qt::DescendingOrder);
        if (!waitFor([&] { return !model.isCounting() && model.isLoaded(0); }))
            return 1;
        sorted.append(t.nsecsElapsed() / 1e6);

        // A search with free text and a field, ranked.
        t.restart();
        model.setQuery(QStringLiteral("project:api refactor handler"), true);
        if (!waitFor([&] { return !model.isCounting() && model.isLoaded(0); }))
            return 1;
        search.append(t.nsecsElapsed() / 1e6);

        // The Statistics view's five queries over everything (once: it takes long at 100,000).
        if (run == 0) {
            t.restart();
            QSignalSpy ready(&client, &SessionIndexClient::statisticsReady);
            client.requestStatistics(QString());
            if (!waitFor([&] { return ready.size() > 0; }, 600000))
                return 1;
            stats.append(t.nsecsElapsed() / 1e6);
        }
    }
    std::printf("%d sessions, %d runs\n", sessions, runs);
    report("browser: first rows shown", firstRows);
    report("browser: scrolled to the middle, page read", middle);
    report("browser: sorted by tokens, first page", sorted);
    report("browser: ranked search, count + first page", search);
    report("browser: Statistics view (all sessions)", stats);
    return 0;
}
