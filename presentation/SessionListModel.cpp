#include "presentation/SessionListModel.h"

#include "aggregation/Aggregator.h"
#include "presentation/ReadableLabel.h"

#include <QBrush>
#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QLocale>
#include <QLoggingCategory>
#include <QPainter>
#include <QPolygonF>

namespace ea {

Q_LOGGING_CATEGORY(lcListModel, "ea.ui.sessionlist")

SessionListModel::SessionListModel(QObject* parent) : QAbstractTableModel(parent)
{
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, &SessionListModel::tickLiveDurations);
}

int SessionListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString SessionListModel::shortId(const QString& sessionId)
{
    return sessionId.left(8);
}

QString SessionListModel::projectName(const QString& workingDirectory)
{
    if (workingDirectory.isEmpty())
        return {};
    const QString name = QFileInfo(QDir::cleanPath(workingDirectory)).fileName();
    return name.isEmpty() ? workingDirectory : name;
}

QString SessionListModel::formatDuration(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("–");
    const qint64 secs = ms / 1000;
    if (secs < 60)
        return QStringLiteral("%1 s").arg(secs);
    if (secs < 3600)
        return QStringLiteral("%1:%2").arg(secs / 60).arg(secs % 60, 2, 10, QLatin1Char('0'));
    if (secs < 24 * 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(secs / 3600)
            .arg((secs / 60) % 60, 2, 10, QLatin1Char('0'))
            .arg(secs % 60, 2, 10, QLatin1Char('0'));
    // "3024:32:30" reads as nothing; days and hours do.
    return QStringLiteral("%1 d %2 h").arg(secs / 86400).arg((secs / 3600) % 24);
}

qint64 SessionListModel::durationMs(const Row& row) const
{
    const SessionSummary& s = row.shown();
    if (!s.startTime.isValid())
        return -1;
    if (row.live) // elapsed so far, by the wall clock
        return std::max<qint64>(0, s.startTime.msecsTo(QDateTime::currentDateTimeUtc()));
    QDateTime end = s.endTime;
    if (!end.isValid() && row.hasLive)
        end = row.current.lastEventTime;
    return end.isValid() ? std::max<qint64>(0, s.startTime.msecsTo(end)) : -1;
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows.at(index.row());
    const SessionSummary& s = row.shown();
    switch (role) {
    case SessionIdRole:
        return s.sessionId;
    case FilePathRole:
        return row.saved.filePath;
    case IsLiveRole:
        return row.live;
    case StatusRole:
        return s.status;
    case SearchTextRole:
        return row.hasLive ? row.current.searchText() : QString();
    case LiveStateRole: {
        const std::optional<LiveState> state = stateOf(row);
        return state ? LiveState::name(state->kind) : QString();
    }
    case NeedsAttentionRole: {
        const std::optional<LiveState> state = stateOf(row);
        return state && state->needsAttention();
    }
    default:
        break;
    }
    if (index.column() == StateColumn) {
        const std::optional<LiveState> state = stateOf(row);
        if (!state)
            return {};
        switch (role) {
        case Qt::DisplayRole:
            return ReadableLabel::liveState(state->kind);
        case Qt::DecorationRole:
            return stateIcon(state->kind);
        case Qt::ToolTipRole:
            return state->since.isValid()
                       ? tr("%1 since %2")
                             .arg(state->reason, QLocale().toString(state->since.toLocalTime(),
                                                                    QLocale::ShortFormat))
                       : state->reason;
        case SortRole:
            // Those needing you first, then by state.
            return QStringLiteral("%1 %2")
                .arg(state->needsAttention() ? 0 : 1)
                .arg(int(state->kind));
        case Qt::FontRole:
            if (state->needsAttention()) {
                QFont f;
                f.setBold(true);
                return f;
            }
            return {};
        default:
            return {};
        }
    }
    const int column = index.column();
    if (role == Qt::DisplayRole) {
        switch (column) {
        case SessionColumn:
            return shortId(s.sessionId);
        case ProjectColumn:
            // The record of events that named no session is not a project of its own.
            if (s.sessionId == Aggregator::UnattributedId && s.workingDirectory.isEmpty())
                return tr("Events without a session");
            return projectName(s.workingDirectory);
        case BranchColumn:
            return s.gitBranch;
        case StartColumn:
            // ISO-like: compact, unambiguous in every locale, and it reads in sort order.
            return s.startTime.isValid()
                       ? s.startTime.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                       : QString();
        case DurationColumn:
            return formatDuration(durationMs(row));
        case EventsColumn:
            return s.totalEvents;
        case ToolsColumn:
            return s.toolCalls;
        case DelegationsColumn:
            return s.delegations;
        case FailuresColumn:
            return s.failures;
        case StatusColumn:
            return row.live ? tr("Live") : ReadableLabel::status(s.status);
        case TokensColumn:
            return s.totalTokens >= 0 ? QVariant(QLocale().toString(s.totalTokens)) : QVariant();
        }
        return {};
    }
    if (role == SortRole) {
        switch (column) {
        case SessionColumn:
            return s.sessionId;
        case ProjectColumn:
            return projectName(s.workingDirectory).toLower();
        case BranchColumn:
            return s.gitBranch;
        case StartColumn:
            return s.startTime.isValid() ? s.startTime.toMSecsSinceEpoch() : qint64(0);
        case DurationColumn:
            return durationMs(row);
        case EventsColumn:
            return s.totalEvents;
        case ToolsColumn:
            return s.toolCalls;
        case DelegationsColumn:
            return s.delegations;
        case FailuresColumn:
            return s.failures;
        case StatusColumn:
            return row.live ? QStringLiteral(" live") : s.status;
        case TokensColumn:
            return s.totalTokens;
        }
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (column == SessionColumn)
            return s.sessionId;
        if (column == ProjectColumn)
            return s.workingDirectory;
        if (column == StartColumn && s.startTime.isValid())
            return QLocale().toString(s.startTime.toLocalTime(), QLocale::LongFormat);
        if (column == StatusColumn)
            return row.saved.filePath.isEmpty()
                       ? (row.live ? QStringLiteral("active") : s.status)
                       : QStringLiteral("%1 — %2").arg(s.status, row.saved.filePath);
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        if ((column >= DurationColumn && column <= FailuresColumn) || column == TokensColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::ForegroundRole) {
        if (column == FailuresColumn && s.failures > 0)
            return QBrush(QColor(0xc6, 0x28, 0x28));
        if (column == StatusColumn && row.live)
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        return {};
    }
    if (role == Qt::FontRole && row.live && column == StatusColumn) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant SessionListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return columnName(section);
}

QString SessionListModel::columnName(int section)
{
    switch (section) {
    case SessionColumn:
        return tr("Session");
    case ProjectColumn:
        return tr("Project");
    case BranchColumn:
        return tr("Branch");
    case StartColumn:
        return tr("Start");
    case DurationColumn:
        return tr("Duration");
    case EventsColumn:
        return tr("Events");
    case ToolsColumn:
        return tr("Tools");
    case DelegationsColumn:
        return tr("Delegations");
    case FailuresColumn:
        return tr("Failures");
    case StatusColumn:
        return tr("Status");
    case TokensColumn:
        return tr("Tokens");
    case StateColumn:
        return tr("State");
    }
    return {};
}

std::optional<LiveState> SessionListModel::stateOf(const Row& row) const
{
    if (m_stateLookup)
        return m_stateLookup(row.shown().sessionId);
    return row.hasLive ? row.current.state : std::nullopt;
}

void SessionListModel::stateChanged(const QString& sessionId)
{
    const int row = rowOf(sessionId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

QIcon SessionListModel::pinIcon()
{
    static const QIcon icon = [] {
        QPixmap pixmap(16, 16);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(QColor(0x30, 0x30, 0x30), 1));
        painter.setBrush(QColor(0xc6, 0x28, 0x28));
        painter.drawEllipse(QRectF(4, 1.5, 8, 8)); // the head
        painter.setPen(QPen(QColor(0x30, 0x30, 0x30), 1.6));
        painter.drawLine(QPointF(8, 9.5), QPointF(8, 15)); // the needle
        painter.end();
        return QIcon(pixmap);
    }();
    return icon;
}

QIcon SessionListModel::stateIcon(LiveState::Kind kind)
{
    static QHash<int, QIcon> cache;
    if (const auto it = cache.constFind(int(kind)); it != cache.cend())
        return *it;
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(QColor(0x30, 0x30, 0x30), 1));
    switch (kind) {
    case LiveState::Kind::NeedsPermission:
    case LiveState::Kind::Blocked: {
        // A triangle: the shape says "needs you" without the colour.
        painter.setBrush(kind == LiveState::Kind::NeedsPermission ? QColor(0xff, 0x8c, 0x00)
                                                                  : QColor(0xc6, 0x28, 0x28));
        const QPolygonF triangle{QPointF(8, 1.5), QPointF(14.5, 14.5), QPointF(1.5, 14.5)};
        painter.drawPolygon(triangle);
        break;
    }
    case LiveState::Kind::Working:
        painter.setBrush(QColor(0x2e, 0x7d, 0x32));
        painter.drawEllipse(QRectF(2.5, 2.5, 11, 11));
        break;
    case LiveState::Kind::Waiting:
        painter.setBrush(QColor(0x1e, 0x88, 0xe5));
        painter.drawRect(QRectF(3, 3, 10, 10)); // a square: stopped, your turn
        break;
    case LiveState::Kind::Idle:
    case LiveState::Kind::Ended:
        painter.setBrush(QColor(0xbd, 0xbd, 0xbd));
        painter.drawEllipse(QRectF(4.5, 4.5, 7, 7));
        break;
    }
    painter.end();
    return *cache.insert(int(kind), QIcon(pixmap));
}

QString SessionListModel::sessionIdAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).shown().sessionId : QString();
}

bool SessionListModel::isLive(int row) const
{
    return row >= 0 && row < m_rows.size() && m_rows.at(row).live;
}

SessionSummary SessionListModel::summaryAt(int row) const
{
    if (row < 0 || row >= m_rows.size())
        return {};
    SessionSummary s = m_rows.at(row).shown();
    s.filePath = m_rows.at(row).saved.filePath;
    return s;
}

int SessionListModel::liveCount() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Row& r) { return r.live; }));
}

void SessionListModel::appendRow(Row row)
{
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_rowById.insert(row.shown().sessionId, at);
    m_rows.append(std::move(row));
    endInsertRows();
}

void SessionListModel::removeRowAt(int row)
{
    beginRemoveRows({}, row, row);
    m_rowById.remove(m_rows.at(row).shown().sessionId);
    m_rows.removeAt(row);
    for (int i = row; i < m_rows.size(); ++i)
        m_rowById.insert(m_rows.at(i).shown().sessionId, i);
    endRemoveRows();
}

void SessionListModel::emitRowChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void SessionListModel::setSavedSessions(const QList<SessionSummary>& sessions)
{
    QHash<QString, const SessionSummary*> incoming;
    incoming.reserve(sessions.size());
    for (const SessionSummary& s : sessions) {
        // Two files may claim one id (a Python-era name and ours): the store lists the newest
        // start first, and that is the one shown.
        if (!s.damaged && !s.sessionId.isEmpty() && !incoming.contains(s.sessionId))
            incoming.insert(s.sessionId, &s);
    }
    // Rows whose file is gone: removed from the bottom up, so indices above stay valid; a
    // session still live keeps its row, only without the saved copy.
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        Row& r = m_rows[row];
        if (r.saved.sessionId.isEmpty() || incoming.contains(r.saved.sessionId))
            continue;
        if (r.live) {
            r.saved = SessionSummary();
            emitRowChanged(row);
        } else {
            removeRowAt(row);
        }
    }
    QList<Row> added;
    for (auto it = incoming.constBegin(); it != incoming.constEnd(); ++it) {
        const SessionSummary& s = *it.value();
        const int row = m_rowById.value(s.sessionId, -1);
        if (row < 0) {
            Row r;
            r.saved = s;
            added.append(std::move(r));
            continue;
        }
        Row& r = m_rows[row];
        bool changed = r.saved.filePath != s.filePath || r.saved.modified != s.modified ||
                       r.saved.fileSize != s.fileSize || r.saved.status != s.status;
        r.saved = s;
        // Once saved and no longer live, the file is the truth (its counts are the store's).
        if (!r.live && r.hasLive) {
            r.hasLive = false;
            r.current = {};
            changed = true;
        }
        if (changed)
            emitRowChanged(row);
    }
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (Row& r : added) {
            m_rowById.insert(r.saved.sessionId, int(m_rows.size()));
            m_rows.append(std::move(r));
        }
        endInsertRows();
    }
}

void SessionListModel::applyLive(const QList<LiveSessionSnapshot>& snapshots)
{
    // The same session may come twice in a batch (completed, then reopened): the last wins,
    // and its row changes once.
    QList<int> changed;
    for (const LiveSessionSnapshot& snap : snapshots) {
        const QString& id = snap.summary.sessionId;
        const int row = m_rowById.value(id, -1);
        if (row < 0) {
            Row r;
            r.current = snap;
            r.hasLive = true;
            r.live = snap.live;
            appendRow(std::move(r));
            continue;
        }
        Row& r = m_rows[row];
        r.current = snap;
        r.hasLive = true;
        r.live = snap.live;
        if (!changed.contains(row))
            changed.append(row);
    }
    for (int row : std::as_const(changed))
        emitRowChanged(row);
    const bool anyLive = liveCount() > 0;
    if (anyLive && !m_clock.isActive())
        m_clock.start();
    else if (!anyLive)
        m_clock.stop();
}

void SessionListModel::removeSaved(const QString& sessionId)
{
    const int row = m_rowById.value(sessionId, -1);
    if (row < 0)
        return;
    if (m_rows.at(row).live) {
        m_rows[row].saved = SessionSummary();
        emitRowChanged(row);
        return;
    }
    removeRowAt(row);
}

void SessionListModel::tickLiveDurations()
{
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).live)
            Q_EMIT dataChanged(index(row, DurationColumn), index(row, DurationColumn),
                               {Qt::DisplayRole, SortRole});
    }
}

} // namespace ea

#include "moc_SessionListModel.cpp"
