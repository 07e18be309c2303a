#include "presentation/SessionIndexClient.h"

#include "index/SessionIndexReader.h"
#include "index/SessionQuery.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>

namespace ea {

Q_LOGGING_CATEGORY(lcIndexClient, "ea.ui.index")

namespace {
SessionIndexClient::Row rowOf(const IndexedSession& s)
{
    SessionIndexClient::Row r;
    r.summary = s.summary();
    if (s.damaged) {
        // The list shows a damaged file by the id in its name.
        r.summary.sessionId = s.sessionId;
        r.summary.status = s.status;
        r.summary.startTime = s.start;
    }
    r.project = s.project;
    r.pinned = s.pinned;
    return r;
}

SessionStatistics::Group groupOf(const StatsRow& row)
{
    SessionStatistics::Group g;
    g.key = row.key;
    g.sessions = row.sessions;
    g.turns = row.turns;
    g.toolCalls = row.toolCalls;
    g.failures = row.failures;
    g.p50Ms = row.p50DurationMs;
    g.p95Ms = row.p95DurationMs;
    g.tokens = row.tokens;
    g.rate = row.failureRate;
    return g;
}

std::optional<SessionIndexReader::SortColumn> columnOf(SessionIndexClient::SortKey key)
{
    using K = SessionIndexClient::SortKey;
    using C = SessionIndexReader::SortColumn;
    switch (key) {
    case K::Relevance:
    case K::Start:
        return C::Start;
    case K::Project:
        return C::Project;
    case K::Branch:
        return C::Branch;
    case K::Duration:
        return C::Duration;
    case K::Events:
        return C::Events;
    case K::Tools:
        return C::ToolCalls;
    case K::Failures:
        return C::Failures;
    case K::Status:
        return C::Status;
    case K::Tokens:
        return C::Tokens;
    case K::Session:
    case K::Delegations:
        break;
    }
    return std::nullopt;
}

// Most sessions first, then by name: what completion offers first.
QStringList keysByUse(StatsTable rows, int limit)
{
    std::stable_sort(rows.begin(), rows.end(),
                     [](const StatsRow& a, const StatsRow& b) { return a.sessions > b.sessions; });
    QStringList out;
    for (const StatsRow& r : std::as_const(rows)) {
        if (!r.key.isEmpty())
            out.append(r.key);
        if (out.size() >= limit)
            break;
    }
    return out;
}
} // namespace

// Lives on the client's thread and owns the read-only connection; every method runs there.
class SessionIndexClient::Worker : public QObject
{
public:
    explicit Worker(SessionIndexClient* client) : m_client(client) {}

    void setDirectory(const QString& directory)
    {
        if (directory == m_directory)
            return;
        m_directory = directory;
        m_reader.reset();
    }

    void count(Ticket ticket, quint64 serial, const QString& query, const QStringList& excluded);
    void rows(Ticket ticket, quint64 serial, const QString& query, const QStringList& excluded,
              SortKey key, Qt::SortOrder order, int offset, int limit);
    void statistics(Ticket ticket, const QString& query);
    void completions(Ticket ticket);

    std::atomic<quint64> latestListing{0}; // count and rows requests of older queries are skipped

private:
    // Results go back to the client's thread, queued: if the client is gone they are dropped.
    template <typename F> void reply(F&& f)
    {
        QMetaObject::invokeMethod(m_client, std::forward<F>(f), Qt::QueuedConnection);
    }
    void fail(Ticket ticket, const QString& error)
    {
        reply([c = m_client, ticket, error] { Q_EMIT c->failed(ticket, error); });
    }
    // The reader, opened (again) if need be; null with *error when there is no database yet
    // (the capture builds it) or it cannot be read.
    SessionIndexReader* reader(QString* error);
    std::optional<SessionQuery> parse(Ticket ticket, const QString& text);

    SessionIndexClient* m_client;
    QString m_directory;
    std::unique_ptr<SessionIndexReader> m_reader;
};

SessionIndexReader* SessionIndexClient::Worker::reader(QString* error)
{
    if (m_directory.isEmpty()) {
        *error = tr("no activity directory");
        return nullptr;
    }
    if (!m_reader)
        m_reader = std::make_unique<SessionIndexReader>(m_directory);
    if (!m_reader->isOpen() && !m_reader->open()) {
        *error = tr("the session database is not readable yet: %1").arg(m_reader->error());
        return nullptr;
    }
    return m_reader.get();
}

std::optional<SessionQuery> SessionIndexClient::Worker::parse(Ticket ticket, const QString& text)
{
    QueryError error;
    SessionQuery q = SessionQuery::parse(text, &error);
    if (error.isError()) {
        fail(ticket, tr("at %1: %2").arg(error.position + 1).arg(error.message));
        return std::nullopt;
    }
    return q;
}

void SessionIndexClient::Worker::count(Ticket ticket, quint64 serial, const QString& query,
                                       const QStringList& excluded)
{
    if (serial < latestListing)
        return; // a newer query was asked for meanwhile
    QString error;
    SessionIndexReader* r = reader(&error);
    if (!r)
        return fail(ticket, error);
    std::optional<SessionQuery> q = parse(ticket, query);
    if (!q)
        return;
    q->excludeSessions(excluded);
    QElapsedTimer t;
    t.start();
    const int n = r->count(*q);
    qCDebug(lcIndexClient) << "count" << query << n << "in" << t.elapsed() << "ms";
    if (n < 0)
        return fail(ticket, r->error());
    reply([c = m_client, ticket, n] { Q_EMIT c->countReady(ticket, n); });
}

void SessionIndexClient::Worker::rows(Ticket ticket, quint64 serial, const QString& query,
                                      const QStringList& excluded, SortKey key, Qt::SortOrder order,
                                      int offset, int limit)
{
    if (serial < latestListing)
        return;
    QString error;
    SessionIndexReader* r = reader(&error);
    if (!r)
        return fail(ticket, error);
    std::optional<SessionQuery> q = parse(ticket, query);
    if (!q)
        return;
    q->excludeSessions(excluded);
    QElapsedTimer t;
    t.start();
    QList<Row> out;
    if (key == SortKey::Relevance && q->hasText()) {
        // Ranked: the best match first, each with the text around its match.
        const QList<SearchHit> hits = r->search(*q, offset, limit);
        out.reserve(hits.size());
        for (const SearchHit& hit : hits) {
            const IndexedSession s = r->session(hit.rowId);
            if (s.rowId == 0)
                continue; // removed between the two reads
            Row row = rowOf(s);
            row.snippet = hit.snippet;
            out.append(row);
        }
    } else {
        const QList<IndexedSession> sessions =
            r->sessions(*q, columnOf(key).value_or(SessionIndexReader::SortColumn::Start), order,
                        offset, limit);
        out.reserve(sessions.size());
        for (const IndexedSession& s : sessions)
            out.append(rowOf(s));
    }
    qCDebug(lcIndexClient) << "rows" << query << offset << "+" << out.size() << "in" << t.elapsed()
                           << "ms";
    reply([c = m_client, ticket, offset, out] { Q_EMIT c->rowsReady(ticket, offset, out); });
}

void SessionIndexClient::Worker::statistics(Ticket ticket, const QString& query)
{
    QString error;
    SessionIndexReader* r = reader(&error);
    if (!r)
        return fail(ticket, error);
    const std::optional<SessionQuery> q = parse(ticket, query);
    if (!q)
        return;
    QElapsedTimer t;
    t.start();
    SessionStatistics stats;
    stats.where = query;
    const auto groups = [&](const StatsTable& rows) {
        QList<SessionStatistics::Group> out;
        out.reserve(rows.size());
        for (const StatsRow& row : rows) {
            if (!row.key.isEmpty())
                out.append(groupOf(row));
        }
        return out;
    };
    stats.days = groups(r->stats(*q, SessionIndexReader::GroupBy::Day));
    // The most used first: the charts show the top of each list.
    const auto byUse = [](QList<SessionStatistics::Group> g, bool delegations) {
        std::stable_sort(g.begin(), g.end(), [delegations](const auto& a, const auto& b) {
            return delegations ? a.sessions > b.sessions : a.toolCalls > b.toolCalls;
        });
        return g;
    };
    stats.tools = byUse(groups(r->stats(*q, SessionIndexReader::GroupBy::Tool)), false);
    stats.agents = byUse(groups(r->stats(*q, SessionIndexReader::GroupBy::Agent)), true);
    stats.files = groups(r->topFiles(*q, 8));
    qCDebug(lcIndexClient) << "statistics" << query << "in" << t.elapsed() << "ms";
    reply([c = m_client, ticket, stats] { Q_EMIT c->statisticsReady(ticket, stats); });
}

void SessionIndexClient::Worker::completions(Ticket ticket)
{
    QString error;
    SessionIndexReader* r = reader(&error);
    if (!r)
        return fail(ticket, error);
    const SessionQuery all;
    constexpr int kMax = 200;
    const QStringList projects =
        keysByUse(r->stats(all, SessionIndexReader::GroupBy::Project), kMax);
    const QStringList agents = keysByUse(r->stats(all, SessionIndexReader::GroupBy::Agent), kMax);
    const QStringList tools = keysByUse(r->stats(all, SessionIndexReader::GroupBy::Tool), kMax);
    reply([c = m_client, ticket, projects, agents, tools] {
        Q_EMIT c->completionsReady(ticket, projects, agents, tools);
    });
}

SessionIndexClient::SessionIndexClient(QObject* parent) : QObject(parent)
{
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("session-db-reader"));
    m_worker = new Worker(this);
    m_worker->moveToThread(m_thread);
    // The worker (and its connection) goes on its own thread, after the last request.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

SessionIndexClient::~SessionIndexClient()
{
    // Listings not started yet are skipped; the request running ends, then the thread.
    m_worker->latestListing = std::numeric_limits<quint64>::max();
    m_thread->quit();
    m_thread->wait();
}

void SessionIndexClient::setActivityDirectory(const QString& directory)
{
    m_directory = directory;
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, directory] { w->setDirectory(directory); }, Qt::QueuedConnection);
}

SessionIndexClient::Ticket SessionIndexClient::post(std::function<void(Worker&, Ticket)> job)
{
    const Ticket ticket = ++m_next;
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, job = std::move(job), ticket] { job(*w, ticket); },
        Qt::QueuedConnection);
    return ticket;
}

SessionIndexClient::Check SessionIndexClient::check(const QString& query)
{
    Check c;
    QueryError error;
    const SessionQuery q = SessionQuery::parse(query, &error);
    if (error.isError()) {
        c.ok = false;
        c.position = error.position;
        c.message = error.message;
        return c;
    }
    c.words = q.textTerms();
    c.hasText = q.hasText();
    return c;
}

bool SessionIndexClient::canSortBy(SortKey key)
{
    return key == SortKey::Relevance || columnOf(key).has_value();
}

quint64 SessionIndexClient::listingSerial(const QString& query, const QStringList& excluded)
{
    // A new query makes the reads of older ones pointless: the worker skips those not started.
    const QString listing = query + QChar(0) + excluded.join(QChar(0));
    if (listing != m_lastListing) {
        m_lastListing = listing;
        m_worker->latestListing = ++m_listingSerial;
    }
    return m_listingSerial;
}

SessionIndexClient::Ticket SessionIndexClient::requestCount(const QString& query,
                                                            const QStringList& excluded)
{
    const quint64 serial = listingSerial(query, excluded);
    return post([=](Worker& w, Ticket t) { w.count(t, serial, query, excluded); });
}

SessionIndexClient::Ticket SessionIndexClient::requestRows(const QString& query,
                                                           const QStringList& excluded, SortKey key,
                                                           Qt::SortOrder order, int offset,
                                                           int limit)
{
    const quint64 serial = listingSerial(query, excluded);
    return post([=](Worker& w, Ticket t) {
        w.rows(t, serial, query, excluded, key, order, offset, limit);
    });
}

SessionIndexClient::Ticket SessionIndexClient::requestStatistics(const QString& query)
{
    return post([query](Worker& w, Ticket t) { w.statistics(t, query); });
}

SessionIndexClient::Ticket SessionIndexClient::requestCompletions()
{
    return post([](Worker& w, Ticket t) { w.completions(t); });
}

} // namespace ea

#include "moc_SessionIndexClient.cpp"
