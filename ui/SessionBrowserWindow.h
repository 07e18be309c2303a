// The session browser: the table of sessions, search, the detail pane, export and delete.
#pragma once

#include "presentation/CaptureState.h"

#include "model/SessionSummary.h"
#include "presentation/SessionIndexClient.h"

#include <QFutureWatcher>
#include <QJsonObject>

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <optional>

class QAction;
class QCheckBox;
class QCompleter;
class QLabel;
class QLineEdit;
class QSplitter;
class QStringListModel;
class QTabWidget;
class QTableView;

namespace ea {

class CaptureController;
class LiveSessionFeed;
class IndexedSessionListModel;
class QueryAssist;
class SessionDetailView;
class SessionExportJob;
class SessionIndexClient;
class StatisticsView;

class SessionBrowserWindow : public QMainWindow
{
    Q_OBJECT
public:
    SessionBrowserWindow(CaptureController* capture, LiveSessionFeed* feed,
                         QWidget* parent = nullptr);
    ~SessionBrowserWindow() override;

    // Where no system tray exists this window is the application: it says why, and
    // closing it quits instead of hiding. An empty reason ends that mode (a tray appeared).
    void setMainWindowMode(const QString& reason);
    bool isMainWindowMode() const { return m_mainWindowMode; }
    // Shows, raises and focuses the window (a second launch, the tray menu).
    void bringForward();
    // Selects the session (live or saved) and shows its details.
    bool selectSession(const QString& sessionId);
    // Reads the session database again (counts and the rows shown).
    void refreshSaved();

    IndexedSessionListModel* model() const { return m_model; }
    SessionIndexClient* indexClient() const { return m_client; }
    QTableView* table() const { return m_table; }
    SessionDetailView* detailView() const { return m_detail; }
    StatisticsView* statisticsView() const { return m_stats; }
    QTabWidget* tabs() const { return m_tabs; }
    QLineEdit* searchField() const { return m_search; }
    QLabel* searchError() const { return m_searchError; }
    QCompleter* completer() const { return m_completer; }
    QLabel* emptyNote() const { return m_emptyNote; }
    QLabel* stateLabel() const { return m_stateLabel; }
    QCheckBox* needsAttentionBox() const { return m_needsAttention; }
    QAction* pinAction() const { return m_pinAction; }
    QAction* unpinAction() const { return m_unpinAction; }
    QAction* cleanupAction() const { return m_cleanupAction; }
    // Runs the pending search now instead of after the typing pause.
    void applySearchNow();
    // Shows the Statistics tab (computed for the current query).
    void showStatistics();
    // The sessions of a group of the statistics: the query narrowed to it, on the Sessions tab.
    void openGroup(int grouping, const QString& key);
    // Pins (or unpins) the selected saved sessions: no cleanup removes a pinned session.
    void pinSelected(bool pin);
    // What a cleanup would remove now, and why, in a dialog.
    void previewCleanup();
    QStringList selectedSessionIds() const;
    // Exports the selected sessions to `path` (the format from its suffix or `format`).
    SessionExportJob* exportSelected(const QString& path, const QString& format);

Q_SIGNALS:
    void quitRequested();
    void settingsRequested();

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildActions();
    void buildLayout();
    void scheduleRefresh();
    void runSearch();
    void updateCompletions();
    void requestStatistics();
    void reselect();
    void updateStatus();
    void updateEmptyNote();
    void selectCurrentRow();
    void onCaptureState(CaptureState state);
    void onCurrentChanged();
    void showDetails(bool focus);
    void loadDetail(const QString& sessionId);
    void refreshLiveDetail();
    void exportInteractive();
    void deleteSelected();
    void showInFileManager();
    void copySessionId();
    void restoreWindowState();
    void fitToScreen();
    void saveWindowState();
    QList<int> selectedSourceRows() const;

    QPointer<CaptureController> m_capture;
    LiveSessionFeed* m_feed = nullptr;
    SessionIndexClient* m_client = nullptr;
    IndexedSessionListModel* m_model = nullptr;
    QueryAssist* m_assist = nullptr;
    QTableView* m_table = nullptr;
    QTabWidget* m_tabs = nullptr;
    StatisticsView* m_stats = nullptr;
    quint64 m_statsTicket = 0;
    bool m_statsStale = true;
    quint64 m_completionTicket = 0;
    QCompleter* m_completer = nullptr;
    QStringListModel* m_completions = nullptr;
    QLabel* m_searchError = nullptr;
    QString m_appliedQuery;  // the last query that parsed
    QString m_wantedSession; // selected before the rows were re-read: selected again
    SessionDetailView* m_detail = nullptr;
    QSplitter* m_splitter = nullptr;
    QLineEdit* m_search = nullptr;
    QCheckBox* m_needsAttention = nullptr;
    QLabel* m_countLabel = nullptr;
    QLabel* m_indexLabel = nullptr;
    QLabel* m_stateLabel = nullptr;
    QLabel* m_emptyNote = nullptr; // over the empty table: why it is empty
    QTimer m_problemTimer;
    QAction* m_toggleCapture = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_showFileAction = nullptr;
    QAction* m_pinAction = nullptr;
    QAction* m_unpinAction = nullptr;
    QAction* m_cleanupAction = nullptr;
    QTimer m_searchDelay;
    QTimer m_refreshDelay;
    QTimer m_liveDetailTimer;
    struct DetailLoad
    {
        QString sessionId;
        QJsonObject document;
        QString error; // empty: document is valid
    };
    QFutureWatcher<DetailLoad> m_loader;
    QString m_loadingId;
    int m_liveDetailEvents = -1;
    bool m_mainWindowMode = false;
    QLabel* m_modeNote = nullptr;
    bool m_listingStale = true;
    QPointer<SessionExportJob> m_export;
};

} // namespace ea
