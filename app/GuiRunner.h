// Runs the desktop application: one instance per user, the tray (or a main window), capture.
#pragma once

#include "config/AggregatorConfig.h"
#include "model/CaptureSettings.h"
#include "otlp/OtlpForwarder.h"
#include "presentation/StartupProblem.h"

#include <QObject>
#include <QString>
#include <QSystemTrayIcon>

#include <functional>
#include <optional>

namespace ea {

class AttentionNotifier;
class CaptureController;
class DesktopNotifier;
class ControlServer;
class LiveSessionFeed;
class SessionBrowserWindow;
class TrayAvailabilityWatcher;
class TrayController;
class TrayNotifier;

class GuiRunner : public QObject
{
    Q_OBJECT
public:
    struct Setup
    {
        AggregatorConfig config;
        CaptureSettings settings;
        std::optional<OtlpForwarder::Settings> otlp; // forwarding, when configured
    };
    // Reads the configuration again (after the settings dialog wrote it), command-line
    // flags still winning; nullopt with *error when it is now invalid.
    using Reload = std::function<std::optional<Setup>(QString* error)>;

    GuiRunner(Setup setup, Reload reload, QObject* parent = nullptr);
    ~GuiRunner() override;

    // Returns an exit code to end with now (another instance was asked to come forward, or
    // it failed), or -1 to enter the event loop. When it cannot start, startupProblem() says
    // why, for the user.
    int start();
    const std::optional<StartupProblem>& startupProblem() const { return m_problem; }

    CaptureController* capture() const { return m_capture; }
    TrayController* tray() const { return m_tray; }
    SessionBrowserWindow* browser() const { return m_browser; }
    TrayNotifier* notifier() const { return m_notifier; }
    AttentionNotifier* attention() const { return m_attention; }
    DesktopNotifier* desktopNotifier() const { return m_desktop; }

public Q_SLOTS:
    void openBrowser();
    void openSession(const QString& sessionId);
    void openSettings();
    // Saves live sessions as interrupted and leaves the event loop.
    void quit();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Moves into the tray when one exists, else runs as a window (and back when it changes).
    void useTray(bool available);
    void showMessage(const QString& title, const QString& text, QSystemTrayIcon::MessageIcon icon);
    void applyNotificationSettings();
    // Another instance holds the lock: bring a desktop one forward, or explain a headless one.
    int handOver();

    Setup m_setup;
    std::optional<StartupProblem> m_problem;
    Reload m_reload;
    ControlServer* m_control = nullptr;
    CaptureController* m_capture = nullptr;
    LiveSessionFeed* m_feed = nullptr;
    TrayNotifier* m_notifier = nullptr;
    AttentionNotifier* m_attention = nullptr;
    DesktopNotifier* m_desktop = nullptr;
    TrayController* m_tray = nullptr;
    SessionBrowserWindow* m_browser = nullptr; // owned; no parent, it is a top-level window
    TrayAvailabilityWatcher* m_trayWatch = nullptr;
    OtlpForwarder* m_forwarder = nullptr; // taken at start; a settings change keeps it
    bool m_modeChosen = false;
    bool m_windowStoodIn = false; // shown because there was no tray, not asked for
    bool m_windowUsed = false;    // clicked or typed in since
    bool m_settingsOpen = false;
    bool m_quitting = false;
};

} // namespace ea
