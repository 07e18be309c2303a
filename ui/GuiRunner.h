// Runs the desktop application: one instance per user, the tray (or a main window), capture.
#pragma once

#include "AggregatorConfig.h"
#include "CaptureSettings.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class CaptureController;
class ControlServer;
class LiveSessionFeed;
class SessionBrowserWindow;
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
    };
    // Reads the configuration again (after the settings dialog wrote it), command-line
    // flags still winning; nullopt with *error when it is now invalid.
    using Reload = std::function<std::optional<Setup>(QString* error)>;

    GuiRunner(Setup setup, Reload reload, QObject* parent = nullptr);
    ~GuiRunner() override;

    // Returns an exit code to end with now (another instance was asked to come forward, or
    // it failed), or -1 to enter the event loop.
    int start();

    CaptureController* capture() const { return m_capture; }
    TrayController* tray() const { return m_tray; }
    SessionBrowserWindow* browser() const { return m_browser; }
    TrayNotifier* notifier() const { return m_notifier; }

public Q_SLOTS:
    void openBrowser();
    void openSession(const QString& sessionId);
    void openSettings();
    // Saves live sessions as interrupted and leaves the event loop.
    void quit();

private:
    Setup m_setup;
    Reload m_reload;
    ControlServer* m_control = nullptr;
    CaptureController* m_capture = nullptr;
    LiveSessionFeed* m_feed = nullptr;
    TrayNotifier* m_notifier = nullptr;
    TrayController* m_tray = nullptr;
    SessionBrowserWindow* m_browser = nullptr; // owned; no parent, it is a top-level window
    bool m_settingsOpen = false;
    bool m_quitting = false;
};
