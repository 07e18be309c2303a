#include "presentation/ToolOperationModel.h"

#include "model/SessionSummary.h"
#include "model/ToolOperation.h"
#include "presentation/SessionListModel.h"

#include <QBrush>
#include <QColor>

namespace ea {

ToolOperationModel::ToolOperationModel(QObject* parent) : QAbstractTableModel(parent) {}

void ToolOperationModel::setOperations(const QJsonArray& operations)
{
    beginResetModel();
    m_operations = operations;
    m_failures = 0;
    for (const QJsonValue& v : operations)
        m_failures += isFailure(v.toObject()) ? 1 : 0;
    endResetModel();
}

bool ToolOperationModel::isFailure(const QJsonObject& op)
{
    return ToolOperation::outcomeOf(op) == ToolOperation::Outcome::Failure;
}

QString ToolOperationModel::targetOf(const QJsonObject& op)
{
    const QString file = op.value(QLatin1String("file_path")).toString();
    if (!file.isEmpty())
        return file;
    const QJsonObject input = op.value(QLatin1String("input_data")).toObject();
    for (const char* key : {"command", "pattern", "url", "query", "description", "path"}) {
        const QString v = input.value(QLatin1String(key)).toString();
        if (!v.isEmpty())
            return v.simplified();
    }
    return {};
}

int ToolOperationModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_operations.size());
}

int ToolOperationModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ToolOperationModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject op = m_operations.at(index.row()).toObject();
    if (role == OperationRole)
        return op;
    const bool failed = isFailure(op);
    const bool finished = op.value(QLatin1String("finished")).toBool(true);
    const QJsonValue duration = op.value(QLatin1String("duration_ms"));
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole || role == SortRole) {
        switch (index.column()) {
        case ToolColumn:
            return op.value(QLatin1String("tool_name")).toString();
        case AgentColumn:
            return op.value(QLatin1String("agent_type")).toString();
        case TargetColumn:
            return targetOf(op);
        case StartColumn: {
            const QDateTime t =
                SessionSummary::parseTime(op.value(QLatin1String("start_time")).toString());
            if (role == SortRole)
                return t.isValid() ? t.toMSecsSinceEpoch() : qint64(0);
            return t.isValid() ? t.toLocalTime().toString(QStringLiteral("HH:mm:ss")) : QString();
        }
        case DurationColumn:
            if (role == SortRole)
                return duration.isDouble() ? qint64(duration.toDouble()) : qint64(-1);
            if (!duration.isDouble())
                return QString();
            return duration.toDouble() < 1000
                       ? QStringLiteral("%1 ms").arg(qint64(duration.toDouble()))
                       : SessionListModel::formatDuration(qint64(duration.toDouble()));
        case ResultColumn: {
            if (op.value(QLatin1String("orphan")).toBool())
                return tr("result only");
            if (!finished)
                return tr("no result yet");
            if (ToolOperation::outcomeOf(op) == ToolOperation::Outcome::Unknown)
                return tr("no result");
            if (!failed)
                return tr("ok");
            const QString error = op.value(QLatin1String("error")).toString();
            const QJsonValue exit = op.value(QLatin1String("exit_code"));
            QString text =
                exit.isDouble() ? tr("failed (exit %1)").arg(exit.toInt()) : tr("failed");
            if (!error.isEmpty())
                text += QStringLiteral(": ") + error.simplified();
            return text;
        }
        }
        return {};
    }
    if (role == Qt::ForegroundRole && failed)
        return QBrush(QColor(0xc6, 0x28, 0x28));
    if (role == Qt::TextAlignmentRole && index.column() == DurationColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ToolOperationModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ToolColumn:
        return tr("Tool");
    case AgentColumn:
        return tr("Agent");
    case TargetColumn:
        return tr("Target");
    case StartColumn:
        return tr("Start");
    case DurationColumn:
        return tr("Duration");
    case ResultColumn:
        return tr("Result");
    }
    return {};
}

} // namespace ea

#include "moc_ToolOperationModel.cpp"
