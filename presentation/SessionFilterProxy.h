// Sorts the session table (newest first by default) and filters it by search hits and category.
#pragma once

#include "presentation/SessionSearchIndex.h"

#include <QSet>
#include <QSortFilterProxyModel>

#include <functional>
#include <optional>

namespace ea {

// The search itself runs in SessionSearchIndex once per query; this proxy only looks up
// the resulting id set per row, so filtering 10,000 rows costs 10,000 hash lookups.
class SessionFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    // What the category filter offers; each maps to a search field and an event category.
    enum class Category
    {
        All,
        Prompts,
        Responses,
        Tools,
        Files,
        Agents,
        Failures // sessions with failed tool calls; the search looks at everything
    };

    explicit SessionFilterProxy(QObject* parent = nullptr);

    // Saved rows match when their id is in `hits`; nullopt: no search is active.
    void setSearch(const QString& query, std::optional<QSet<QString>> hits);
    void setCategory(Category category);
    Category category() const { return m_category; }
    QString query() const { return m_query; }
    // Only sessions that need the user now (needs permission, probably blocked).
    void setNeedsAttentionOnly(bool on);
    bool needsAttentionOnly() const { return m_needsAttentionOnly; }
    // Which event categories a saved session has (bits), -1 when unknown yet.
    void setCategoryLookup(std::function<int(const QString& sessionId)> lookup);

    static SessionSearchIndex::Fields fieldsFor(Category category);
    static int eventCategoryFor(Category category); // an EventCategory value, -1: none

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_query;
    std::optional<QSet<QString>> m_hits;
    Category m_category = Category::All;
    bool m_needsAttentionOnly = false;
    std::function<int(const QString&)> m_categories;
};

} // namespace ea
