// The delegation tree of one session: which agent was asked what, and its tools and files.
#pragma once

#include <QJsonArray>
#include <QTreeWidget>

namespace ea {

class DelegationTreeView : public QTreeWidget
{
    Q_OBJECT
public:
    static constexpr int JsonRole = Qt::UserRole + 1; // the delegation or tool call

    explicit DelegationTreeView(QWidget* parent = nullptr);

    // delegations as saved: each with "parent" (index or null) and its tool_operations.
    void setDelegations(const QJsonArray& delegations);
};

} // namespace ea
