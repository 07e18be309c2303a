// The desktop's read-only handle on the session database: queries run on a worker thread, answers
// come as signals.
#pragma once

#include "model/SessionSummary.h"
#include "presentation/SessionStatistics.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QThread;

namespace ea {

// The GUI thread never waits on SQLite: every request is queued to one worker thread that
// owns its own read-only connection (Qt SQL connections belong to the thread that opened
// them), and comes back as a signal carrying the request's ticket. Views drop answers to
// tickets they no longer wait for. ui/ sees only this class and plain rows, never core/index.
class SessionIndexClient : public QObject
{
    Q_OBJECT
public:
    // One saved session as a row of the browser.
    struct Row
    {
        SessionSummary summary;
        QString project; // the project root's name, as the database groups it
        bool pinned = false;
        QString snippet; // a full-text query: the matched text, around the match
    };
    enum class SortKey
    {
        Relevance, // best full-text match first (a query with free text); else Start
        Start,
        Session,
        Project,
        Branch,
        Duration,
        Events,
        Tools,
        Delegations,
        Failures,
        Status,
        Tokens,
    };
    // A query's syntax, checked on the GUI thread (parsing touches no database).
    struct Check
    {
        bool ok = true;
        QString message;      // what is wrong, for the search box
        int position = -1;    // character offset of the error in the query text
        QStringList words;    // the free-text words, for highlighting what matched
        bool hasText = false; // free text: hits can be ranked
    };

    explicit SessionIndexClient(QObject* parent = nullptr);
    ~SessionIndexClient() override; // waits for the request running, drops the rest

    // The activity directory whose database is read (opened on the worker on first use).
    void setActivityDirectory(const QString& directory);
    QString activityDirectory() const { return m_directory; }

    static Check check(const QString& query);

    using Ticket = quint64;
    // excluded: session ids left out of the count and the rows (the live ones the view shows).
    Ticket requestCount(const QString& query, const QStringList& excluded = {});
    Ticket requestRows(const QString& query, const QStringList& excluded, SortKey key,
                       Qt::SortOrder order, int offset, int limit);
    Ticket requestStatistics(const QString& query);
    // Known projects, agents and tools (most used first), for completing values.
    Ticket requestCompletions();
    // Whether the database orders by this key (the Session and Delegations columns are not).
    static bool canSortBy(SortKey key);

Q_SIGNALS:
    void countReady(ea::SessionIndexClient::Ticket ticket, qint64 count);
    void rowsReady(ea::SessionIndexClient::Ticket ticket, int offset,
                   const QList<ea::SessionIndexClient::Row>& rows);
    void statisticsReady(ea::SessionIndexClient::Ticket ticket, const ea::SessionStatistics& stats);
    void completionsReady(ea::SessionIndexClient::Ticket ticket, const QStringList& projects,
                          const QStringList& agents, const QStringList& tools);
    // The request could not be answered (no database yet, a query the parser refused).
    void failed(ea::SessionIndexClient::Ticket ticket, const QString& error);

private:
    class Worker;
    Ticket post(std::function<void(Worker&, Ticket)> job);
    quint64 listingSerial(const QString& query, const QStringList& excluded);

    QString m_directory;
    QThread* m_thread = nullptr;
    Worker* m_worker = nullptr; // lives on m_thread
    Ticket m_next = 0;
    QString m_lastListing; // query and exclusions of the last count or rows request
    quint64 m_listingSerial = 0;
};

} // namespace ea
