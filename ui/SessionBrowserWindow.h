// The session browser: the table of sessions, search, the detail pane, export and delete.
#pragma once

#include "presentation/CaptureState.h"

#include "model/SessionSummary.h"
#include <QFutureWatcher>
#include <QJsonObject>

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;

namespace ea {

class CaptureController;
class LiveSessionFeed;
class SessionDetailView;
class SessionExportJob;
class SessionFilterProxy;
class SessionListModel;
class SessionSearchIndex;

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
    // Where the search index keeps its cache; empty: in memory only.
    void setSearchCacheFile(const QString& path);

    // Shows, raises and focuses the window (a second launch, the tray menu).
    void bringForward();
    // Selects the session (live or saved) and shows its details.
    bool selectSession(const QString& sessionId);
    // Reads the store's listing now and updates the table and the search index.
    void refreshSaved();

    SessionListModel* model() const { return m_model; }
    SessionFilterProxy* proxy() const { return m_proxy; }
    QTableView* table() const { return m_table; }
    SessionDetailView* detailView() const { return m_detail; }
    SessionSearchIndex* searchIndex() const { return m_index; }
    QLineEdit* searchField() const { return m_search; }
    QLabel* emptyNote() const { return m_emptyNote; }
    QLabel* stateLabel() const { return m_stateLabel; }
    QComboBox* categoryBox() const { return m_category; }
    QCheckBox* needsAttentionBox() const { return m_needsAttention; }
    // Runs the pending search now instead of after the typing pause.
    void applySearchNow();
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
    void showSaved(const QList<SessionSummary>& listing);
    void scheduleRefresh();
    void runSearch();
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
    SessionListModel* m_model = nullptr;
    SessionFilterProxy* m_proxy = nullptr;
    SessionSearchIndex* m_index = nullptr;
    QTableView* m_table = nullptr;
    SessionDetailView* m_detail = nullptr;
    QSplitter* m_splitter = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_category = nullptr;
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
