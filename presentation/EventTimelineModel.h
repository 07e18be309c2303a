// The events of one session document as a table, coloured by category.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

namespace ea {

// Reads the document's events array on demand: a 50,000-event session costs no more to show
// than the rows on screen.
class EventTimelineModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        OffsetColumn,
        CategoryColumn,
        TypeColumn,
        AgentColumn,
        DetailColumn,
        ColumnCount
    };
    static constexpr int EventRole = Qt::UserRole + 1; // the event's QJsonObject

    explicit EventTimelineModel(QObject* parent = nullptr);

    void setEvents(const QJsonArray& events);
    QJsonObject eventAt(int row) const;
    // claude-mpm follows every hook with a hook_execution event (~40 % of the traffic): hidden
    // by default, as the session's metrics.hook_overhead already sums them up.
    void setShowHookExecutions(bool show);
    bool showsHookExecutions() const { return m_showHookExecutions; }
    int hookExecutionCount() const { return int(m_events.size() - m_shown.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Marks the events whose text (any value, keys aside) contains one of `terms`: the words a
    // search matched. Empty: none marked.
    void setHighlight(const QStringList& terms);
    bool isHighlighted(int row) const;
    // The first marked row, -1 when none.
    int firstHighlightedRow() const;
    static constexpr int MatchScanLimit = 20000; // bigger sessions: the detail line only

    // One line saying what the event was about: tool and target, prompt, response, message.
    static QString detailOf(const QJsonObject& event);

private:
    void indexShownRows();
    void findMatches();

    QJsonArray m_events;
    QList<int> m_shown; // row -> index into m_events, without hook executions
    bool m_showHookExecutions = false;
    QDateTime m_start;
    QStringList m_terms;   // lower-cased
    QList<bool> m_matches; // per index into m_events, while m_terms is not empty
};

} // namespace ea
