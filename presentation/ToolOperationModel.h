// The tool calls of one session document: what ran, on what, how long, and whether it failed.
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>

namespace ea {

class ToolOperationModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        ToolColumn,
        AgentColumn,
        TargetColumn,
        StartColumn,
        DurationColumn,
        ResultColumn,
        ColumnCount
    };
    static constexpr int OperationRole = Qt::UserRole + 1;
    static constexpr int SortRole = Qt::UserRole + 2;

    explicit ToolOperationModel(QObject* parent = nullptr);

    void setOperations(const QJsonArray& operations);
    int failureCount() const { return m_failures; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static bool isFailure(const QJsonObject& operation);
    static QString targetOf(const QJsonObject& operation);

private:
    QJsonArray m_operations;
    int m_failures = 0;
};

} // namespace ea
