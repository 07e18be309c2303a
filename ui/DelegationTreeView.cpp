#include "ui/DelegationTreeView.h"

#include "model/EventCategory.h"
#include "presentation/CategoryPalette.h"
#include "presentation/SessionListModel.h"
#include "presentation/ToolOperationModel.h"

#include <QHeaderView>
#include <QJsonObject>

namespace ea {

DelegationTreeView::DelegationTreeView(QWidget* parent) : QTreeWidget(parent)
{
    setColumnCount(5);
    setHeaderLabels({tr("Agent / Tool"), tr("Description / Target"), tr("Tools"), tr("Duration"),
                     tr("Result")});
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(1, QHeaderView::Stretch);
}

void DelegationTreeView::setDelegations(const QJsonArray& delegations)
{
    clear();
    QList<QTreeWidgetItem*> items;
    items.reserve(delegations.size());
    const QIcon agentIcon =
        CategoryPalette::swatch(CategoryPalette::color(EventCategory::Delegation));
    const QIcon toolIcon = CategoryPalette::swatch(CategoryPalette::color(EventCategory::Tool));
    const QIcon fileIcon = CategoryPalette::swatch(CategoryPalette::color(EventCategory::File));
    for (const QJsonValue& v : delegations) {
        const QJsonObject d = v.toObject();
        auto* item = new QTreeWidgetItem;
        const QJsonArray ops = d.value(QLatin1String("tool_operations")).toArray();
        const QJsonValue duration = d.value(QLatin1String("duration_ms"));
        const bool success = d.value(QLatin1String("success")).toBool(true);
        const bool completed = d.value(QLatin1String("completed")).toBool(true);
        item->setIcon(0, agentIcon);
        item->setText(0, d.value(QLatin1String("agent_type")).toString());
        item->setText(1, d.value(QLatin1String("task_description")).toString());
        item->setToolTip(1, d.value(QLatin1String("prompt")).toString().left(2000));
        item->setText(2, QString::number(ops.size()));
        item->setText(3, duration.isDouble()
                             ? SessionListModel::formatDuration(qint64(duration.toDouble()))
                             : QString());
        item->setText(4, !completed ? tr("did not complete") : success ? tr("ok") : tr("failed"));
        if (!success)
            item->setForeground(4, QColor(0xc6, 0x28, 0x28));
        QJsonObject withoutOps = d;
        withoutOps.remove(QLatin1String("tool_operations"));
        item->setData(0, JsonRole, withoutOps);
        for (const QJsonValue& o : ops) {
            const QJsonObject op = o.toObject();
            auto* child = new QTreeWidgetItem(item);
            child->setIcon(0, toolIcon);
            child->setText(0, op.value(QLatin1String("tool_name")).toString());
            child->setText(1, ToolOperationModel::targetOf(op));
            const QJsonValue ms = op.value(QLatin1String("duration_ms"));
            child->setText(3, ms.isDouble() ? QStringLiteral("%1 ms").arg(qint64(ms.toDouble()))
                                            : QString());
            const bool failed = ToolOperationModel::isFailure(op);
            child->setText(4, failed ? tr("failed") : QString());
            if (failed)
                child->setForeground(4, QColor(0xc6, 0x28, 0x28));
            child->setData(0, JsonRole, op);
        }
        const QJsonArray files = d.value(QLatin1String("file_changes")).toArray();
        if (!files.isEmpty()) {
            auto* filesItem = new QTreeWidgetItem(item);
            filesItem->setIcon(0, fileIcon);
            filesItem->setText(0, tr("Files changed"));
            filesItem->setText(2, QString::number(files.size()));
            for (const QJsonValue& f : files) {
                auto* fileItem = new QTreeWidgetItem(filesItem);
                fileItem->setText(1, f.toString());
            }
        }
        items.append(item);
    }
    // Nested delegations hang under the one that started them.
    QList<QTreeWidgetItem*> roots;
    for (int i = 0; i < items.size(); ++i) {
        const QJsonValue parent = delegations.at(i).toObject().value(QLatin1String("parent"));
        const int p = parent.isDouble() ? parent.toInt() : -1;
        if (p >= 0 && p < i) // parents come first; anything else would make a cycle
            items.at(p)->insertChild(0, items.at(i));
        else
            roots.append(items.at(i));
    }
    addTopLevelItems(roots);
    for (QTreeWidgetItem* root : std::as_const(roots))
        root->setExpanded(roots.size() <= 20);
    resizeColumnToContents(0);
}

} // namespace ea

#include "moc_DelegationTreeView.cpp"
