// The system tray icon: shows the capture state at a glance and is the app's main menu.
#pragma once

#include "presentation/CaptureState.h"

#include <QList>
#include <QObject>
#include <QPixmap>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QSystemTrayIcon>
#include <QTimer>

#include <functional>
#include <memory>

class QAction;
class QMenu;

namespace ea {

class CaptureController;

class TrayController : public QObject
{
    Q_OBJECT
public:
    // How one state looks: kept apart from the widgets so it can be checked directly.
    struct Presentation
    {
        QString iconPath;   // an SVG in the resources
        QString stateText;  // "Capturing", "Connecting…", ...
        QString toggleText; // the Start/Stop action
        bool capturing = false;
    };
    static Presentation present(CaptureState state);
    static constexpr int MaxLiveMenuEntries = 10;

    explicit TrayController(CaptureController* capture, QObject* parent = nullptr);
    ~TrayController() override;

    void show();
    QSystemTrayIcon* trayIcon() const { return m_tray.get(); }
    QMenu* menu() const { return m_menu.get(); }
    QMenu* liveMenu() const { return m_liveMenu; }
    QAction* toggleAction() const { return m_toggle; }
    QString toolTip() const;
    // A line about trace forwarding (the outbox) for the tooltip; empty: none.
    void setForwardingSummary(const QString& line);
    // The line at the top of the menu: state, live sessions and events, or what is wrong.
    QString statusLine() const;
    QAction* statusAction() const { return m_status; }
    QString currentIconPath() const { return m_iconPath; }

    // Fills the "Live sessions" submenu from the aggregator (done each time it opens).
    void refreshLiveMenu();
    // The sessions that need the user (needs permission, probably blocked): the icon's mark
    // and count, the tooltip's first lines and the "Needs you (N)" entries atop the menu.
    void refreshAttention();
    int attentionCount() const { return m_attentionIds.size(); }
    QStringList attentionIds() const { return m_attentionIds; }
    QList<QAction*> attentionActions() const { return m_attentionActions; }
    // The state icon with an attention mark: an orange warning triangle carrying the count,
    // in the lower right corner (a shape, not only a colour). count 0: the icon as is.
    static QPixmap iconPixmap(const QString& iconPath, int count, int size = 64);
    QAction* doNotDisturbAction() const { return m_dnd; }
    // Opens the activity directory in the file manager, or says why it cannot.
    void openActivityFolder();
    // A balloon message from the icon; while the menu is open it waits until the menu closes
    // (it would cover the menu being read).
    void showMessage(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);
    // A balloon about a session: clicking it opens the session.
    void showSessionMessage(const QString& title, const QString& text, const QString& sessionId);

Q_SIGNALS:
    void openBrowserRequested();
    void openSessionRequested(const QString& sessionId);
    void openSettingsRequested();
    void quitRequested();
    // Open Activity Folder found no file manager (also shown as a tray message).
    void folderOpenFailed(const QString& message);
    // A balloon was shown (after the menu closed, if it was open).
    void messageShown(const QString& title);
    void menuOpenChanged(bool open);
    void doNotDisturbChanged(bool on);

private:
    void updateState();
    void updateToolTip();
    void updateStatusLine();
    void onActivated(QSystemTrayIcon::ActivationReason reason);

    QPointer<CaptureController> m_capture;
    std::unique_ptr<QSystemTrayIcon> m_tray;
    std::unique_ptr<QMenu> m_menu;
    QMenu* m_liveMenu = nullptr;
    QAction* m_toggle = nullptr;
    QAction* m_status = nullptr;
    QStringList m_liveMenuIds; // what the submenu lists now, in order
    qsizetype m_liveMenuTotal = -1;
    QString m_iconPath;
    QStringList m_attentionIds;
    QList<QAction*> m_attentionActions; // the header, one per session, a separator
    QStringList m_attentionLines;       // for the tooltip
    QString m_forwarding;               // for the tooltip
    QAction* m_dnd = nullptr;
    QString m_balloonSession; // opened when the last balloon is clicked
    QTimer m_tooltipTimer;
    std::function<void()> m_heldMessage; // shown when the menu closes
};

} // namespace ea
