#include "presentation/SessionFilterProxy.h"

#include "model/EventCategory.h"
#include "presentation/SessionListModel.h"

namespace ea {

SessionFilterProxy::SessionFilterProxy(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(SessionListModel::SortRole);
    setDynamicSortFilter(true);
    sort(SessionListModel::StartColumn, Qt::DescendingOrder);
}

void SessionFilterProxy::setSearch(const QString& query, std::optional<QSet<QString>> hits)
{
    m_query = query.trimmed().toLower();
    m_hits = std::move(hits);
    invalidateFilter();
}

void SessionFilterProxy::setCategory(Category category)
{
    if (m_category == category)
        return;
    m_category = category;
    invalidateFilter();
}

void SessionFilterProxy::setNeedsAttentionOnly(bool on)
{
    if (m_needsAttentionOnly == on)
        return;
    m_needsAttentionOnly = on;
    invalidateFilter();
}

void SessionFilterProxy::setCategoryLookup(std::function<int(const QString&)> lookup)
{
    m_categories = std::move(lookup);
    invalidateFilter();
}

SessionSearchIndex::Fields SessionFilterProxy::fieldsFor(Category category)
{
    switch (category) {
    case Category::All:
    case Category::Failures: // the filter is the failures; the query may be about anything
        return SessionSearchIndex::AllFields;
    case Category::Prompts:
        return 1u << SessionSearchIndex::Prompts;
    case Category::Responses:
        return 1u << SessionSearchIndex::Responses;
    case Category::Tools:
        return 1u << SessionSearchIndex::Tools;
    case Category::Files:
        return 1u << SessionSearchIndex::Files;
    case Category::Agents:
        return 1u << SessionSearchIndex::Agents;
    }
    return SessionSearchIndex::AllFields;
}

int SessionFilterProxy::eventCategoryFor(Category category)
{
    switch (category) {
    case Category::Prompts:
        return EventCategory::Prompt;
    case Category::Responses:
        return EventCategory::Response;
    case Category::Tools:
        return EventCategory::Tool;
    case Category::Files:
        return EventCategory::File;
    case Category::Agents:
        return EventCategory::Delegation;
    case Category::All:
    case Category::Failures:
        break;
    }
    return -1;
}

bool SessionFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QAbstractItemModel* m = sourceModel();
    const QModelIndex idx = m->index(sourceRow, 0, sourceParent);
    const bool live = idx.data(SessionListModel::IsLiveRole).toBool();
    const QString id = idx.data(SessionListModel::SessionIdRole).toString();

    if (m_needsAttentionOnly && !idx.data(SessionListModel::NeedsAttentionRole).toBool())
        return false;
    if (m_category == Category::Failures) {
        if (m->index(sourceRow, SessionListModel::FailuresColumn, sourceParent)
                .data(SessionListModel::SortRole)
                .toInt() <= 0)
            return false;
    } else if (const int wanted = eventCategoryFor(m_category); wanted >= 0) {
        // Live sessions and ones not indexed yet have no known categories: not hidden for that.
        const int bits = (live || !m_categories) ? -1 : m_categories(id);
        if (bits >= 0 && !(bits & (1 << wanted)))
            return false;
    }
    if (m_query.isEmpty())
        return true;
    if (live) {
        // Live sessions are few and not in the index: their short text is searched directly.
        const QString text = idx.data(SessionListModel::SearchTextRole).toString();
        const QStringList words = m_query.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        return std::all_of(words.cbegin(), words.cend(),
                           [&text](const QString& w) { return text.contains(w); });
    }
    if (m_hits && m_hits->contains(id))
        return true;
    // The short id and the project are searchable before the index has the session.
    const QString shortText = (id + QLatin1Char(' ') +
                               m->index(sourceRow, SessionListModel::ProjectColumn, sourceParent)
                                   .data(Qt::ToolTipRole)
                                   .toString())
                                  .toLower();
    return shortText.contains(m_query);
}

bool SessionFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());
    const int c = QVariant::compare(l, r) == QPartialOrdering::Less      ? -1
                  : QVariant::compare(l, r) == QPartialOrdering::Greater ? 1
                                                                         : 0;
    if (c != 0)
        return c < 0;
    // Ties by start time, then id, so the order is stable whatever the column.
    const QAbstractItemModel* m = left.model();
    const auto start = [m](const QModelIndex& i) {
        return m->index(i.row(), SessionListModel::StartColumn)
            .data(SessionListModel::SortRole)
            .toLongLong();
    };
    if (start(left) != start(right))
        return start(left) < start(right);
    return left.data(SessionListModel::SessionIdRole).toString() <
           right.data(SessionListModel::SessionIdRole).toString();
}

} // namespace ea
