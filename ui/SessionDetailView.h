// The detail pane: a session's header, timeline, tool calls, delegation tree and raw JSON.
#pragma once

#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace ea {

class DelegationTreeView;
class EventTimelineModel;
class ToolOperationModel;

class SessionDetailView : public QWidget
{
    Q_OBJECT
public:
    explicit SessionDetailView(QWidget* parent = nullptr);

    // Shows a session document (as saved, or a live session's toJson()).
    void setDocument(const QJsonObject& session);
    // Shows a message instead (nothing selected, loading, unreadable file).
    void showMessage(const QString& text);
    QString sessionId() const { return m_sessionId; }
    // The words a search matched: marked in the prompt, the response, the timeline and the
    // JSON; a newly shown session opens at its first matching event.
    void setHighlight(const QStringList& terms);
    QStringList highlight() const { return m_terms; }
    QLabel* promptLabel() const { return m_prompt; }

    EventTimelineModel* timelineModel() const { return m_timeline; }
    ToolOperationModel* toolModel() const { return m_tools; }
    DelegationTreeView* delegationTree() const { return m_delegations; }
    QTableView* timelineView() const { return m_timelineView; }
    QTabWidget* tabs() const { return m_tabs; }
    QCheckBox* hookExecutionsToggle() const { return m_showHooks; }
    QTableView* toolView() const { return m_toolView; }
    QPlainTextEdit* rawView() const { return m_raw; }
    QString rawJson() const;

    QByteArray saveState() const;
    void restoreState(const QByteArray& state);

private:
    void showRaw(const QJsonObject& object);
    void fillHeader(const QJsonObject& session);
    void fillPromptAndResponse();
    void markRaw();

    QString m_sessionId;
    QStringList m_terms;
    QString m_promptText;
    QString m_responseText;
    QStackedWidget* m_stack = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_facts = nullptr;
    QLabel* m_prompt = nullptr;
    QLabel* m_response = nullptr;
    QTabWidget* m_tabs = nullptr;
    EventTimelineModel* m_timeline = nullptr;
    QCheckBox* m_showHooks = nullptr;
    QTableView* m_timelineView = nullptr;
    ToolOperationModel* m_tools = nullptr;
    QSortFilterProxyModel* m_toolsSorted = nullptr;
    QTableView* m_toolView = nullptr;
    DelegationTreeView* m_delegations = nullptr;
    QPlainTextEdit* m_raw = nullptr;
    QSplitter* m_splitter = nullptr;
};

} // namespace ea
