#include "presentation/EventTimelineModel.h"

#include "model/SessionSummary.h"
#include "presentation/CategoryPalette.h"
#include "presentation/ReadableLabel.h"
#include "presentation/SavedEventFields.h"
#include "presentation/TextHighlight.h"

#include <QBrush>
#include <QLocale>

#include <algorithm>

namespace ea {

namespace {
QString oneLine(QString s, int max = 160)
{
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    s = s.simplified();
    return s.size() > max ? s.left(max - 1) + QChar(0x2026) : s;
}
} // namespace

EventTimelineModel::EventTimelineModel(QObject* parent) : QAbstractTableModel(parent) {}

void EventTimelineModel::setEvents(const QJsonArray& events)
{
    beginResetModel();
    m_events = events;
    indexShownRows();
    findMatches();
    m_start = m_events.isEmpty()
                  ? QDateTime()
                  : SessionSummary::parseTime(
                        m_events.first().toObject().value(QLatin1String("timestamp")).toString());
    endResetModel();
}

void EventTimelineModel::indexShownRows()
{
    m_shown.clear();
    for (int i = 0; i < m_events.size(); ++i) {
        if (m_events.at(i).toObject().value(QLatin1String("event_type")) !=
            QLatin1String("hook_execution"))
            m_shown.append(i);
    }
}

void EventTimelineModel::setShowHookExecutions(bool show)
{
    if (show == m_showHookExecutions)
        return;
    beginResetModel();
    m_showHookExecutions = show;
    endResetModel();
}

void EventTimelineModel::setHighlight(const QStringList& terms)
{
    QStringList lower;
    for (const QString& t : terms) {
        if (!t.trimmed().isEmpty())
            lower.append(t.trimmed().toLower());
    }
    if (lower == m_terms)
        return;
    m_terms = lower;
    findMatches();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::BackgroundRole});
}

namespace {
// The text values of a JSON value (not its keys), so "name" does not match every event.
void collectText(const QJsonValue& v, QString& out)
{
    if (v.isString()) {
        out += v.toString();
        out += QLatin1Char('\n');
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            collectText(it.value(), out);
    } else if (v.isArray()) {
        for (const QJsonValue& item : v.toArray())
            collectText(item, out);
    }
}
} // namespace

void EventTimelineModel::findMatches()
{
    m_matches.clear();
    if (m_terms.isEmpty())
        return;
    m_matches.resize(m_events.size());
    const bool full = m_events.size() <= MatchScanLimit;
    QString text;
    for (int i = 0; i < m_events.size(); ++i) {
        const QJsonObject e = m_events.at(i).toObject();
        text.clear();
        if (full)
            collectText(e, text);
        else
            text = detailOf(e);
        m_matches[i] = std::any_of(m_terms.cbegin(), m_terms.cend(), [&text](const QString& t) {
            return text.contains(t, Qt::CaseInsensitive);
        });
    }
}

bool EventTimelineModel::isHighlighted(int row) const
{
    if (m_matches.isEmpty() || row < 0 || row >= rowCount())
        return false;
    return m_matches.value(m_showHookExecutions ? row : m_shown.at(row));
}

int EventTimelineModel::firstHighlightedRow() const
{
    for (int row = 0; row < rowCount() && !m_matches.isEmpty(); ++row) {
        if (isHighlighted(row))
            return row;
    }
    return -1;
}

QJsonObject EventTimelineModel::eventAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return m_events.at(m_showHookExecutions ? row : m_shown.at(row)).toObject();
}

int EventTimelineModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return int(m_showHookExecutions ? m_events.size() : m_shown.size());
}

int EventTimelineModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString EventTimelineModel::detailOf(const QJsonObject& event)
{
    const QJsonObject d = savedHookData(event);
    const QString type = event.value(QLatin1String("event_type")).toString();
    const auto str = [&d](const char* key) { return d.value(QLatin1String(key)).toString(); };
    if (type == QLatin1String("pre_tool") || type == QLatin1String("post_tool")) {
        const QJsonObject params = d.value(QLatin1String("tool_parameters")).toObject();
        QString target = params.value(QLatin1String("file_path")).toString();
        if (target.isEmpty())
            target = params.value(QLatin1String("command")).toString();
        if (target.isEmpty())
            target = params.value(QLatin1String("pattern")).toString();
        if (target.isEmpty())
            target = params.value(QLatin1String("description")).toString();
        QString text = str("tool_name");
        if (!target.isEmpty())
            text += QStringLiteral("  ") + target;
        if (type == QLatin1String("post_tool")) {
            const QJsonValue exit = d.value(QLatin1String("exit_code"));
            const bool failed = d.value(QLatin1String("success")) == QJsonValue(false) ||
                                (exit.isDouble() && exit.toInt() != 0);
            text += failed ? QStringLiteral("  ✗ failed") : QStringLiteral("  ✓");
        }
        return oneLine(text);
    }
    for (const char* key :
         {"prompt_text", "prompt", "response_text", "response", "last_assistant_message", "message",
          "task_description", "agent_type", "file_path"}) {
        const QString v = str(key);
        if (!v.isEmpty())
            return oneLine(v);
    }
    return {};
}

QVariant EventTimelineModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject e = eventAt(index.row());
    if (role == EventRole)
        return e;
    const QString category = e.value(QLatin1String("category")).toString();
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case TimeColumn: {
            const QDateTime t =
                SessionSummary::parseTime(e.value(QLatin1String("timestamp")).toString());
            return t.isValid() ? t.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"))
                               : QString();
        }
        case OffsetColumn: {
            const QDateTime t =
                SessionSummary::parseTime(e.value(QLatin1String("timestamp")).toString());
            if (!t.isValid() || !m_start.isValid())
                return QString();
            return QStringLiteral("+%1 s").arg(m_start.msecsTo(t) / 1000.0, 0, 'f', 1);
        }
        case CategoryColumn:
            return category;
        case TypeColumn: {
            // The words in the list; the raw id, as in the JSON, in the tooltip.
            const QString raw = e.value(QLatin1String("event_type")).toString();
            return role == Qt::ToolTipRole ? raw : ReadableLabel::eventType(raw);
        }
        case AgentColumn: {
            const QString agent = e.value(QLatin1String("agent_context")).toString();
            return agent.isEmpty() ? tr("main") : agent;
        }
        case DetailColumn:
            return detailOf(e);
        }
        return {};
    }
    if (role == Qt::DecorationRole && index.column() == CategoryColumn)
        return CategoryPalette::swatch(CategoryPalette::colorForName(category));
    if (role == Qt::BackgroundRole && isHighlighted(index.row()))
        return QBrush(QColor(QRgb(TextHighlight::MarkRgb)));
    if (role == Qt::BackgroundRole) {
        // A light wash of the category colour, so runs of one kind stand out when scrolling.
        QColor c = CategoryPalette::colorForName(category);
        c.setAlpha(28);
        return QBrush(c);
    }
    if (role == Qt::ForegroundRole && index.column() == DetailColumn &&
        detailOf(e).endsWith(QStringLiteral("failed")))
        return QBrush(QColor(0xc6, 0x28, 0x28));
    return {};
}

QVariant EventTimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case OffsetColumn:
        return tr("Offset");
    case CategoryColumn:
        return tr("Category");
    case TypeColumn:
        return tr("Event");
    case AgentColumn:
        return tr("Agent");
    case DetailColumn:
        return tr("Details");
    }
    return {};
}

} // namespace ea

#include "moc_EventTimelineModel.cpp"
