// Edits the event_aggregator section of configuration.yaml, validated, and writes it back.
#pragma once

#include "config/AggregatorConfig.h"
#include "presentation/AutostartEntry.h"

#include <QDialog>
#include <QMap>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace ea {

// Only the values that changed are written: ConfigWriter keeps every other byte of the file
// (comments, order, other sections).
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    SettingsDialog(const AggregatorConfig& config, const QString& targetFile,
                   AutostartEntry autostart = AutostartEntry(), QWidget* parent = nullptr);

    // The configuration as edited (the original's other values carried over).
    AggregatorConfig config() const;
    // Empty when the values are acceptable; otherwise what to fix.
    QString validate() const;
    // validate(), then write the file and the autostart entry. False with *error.
    bool save(QString* error);
    QString targetFile() const { return m_target; }
    // How the autostart entry starts the app: this program, with the file just saved.
    AutostartEntry::Launch autostartLaunch() const;

    QLineEdit* hostEdit() const { return m_host; }
    QSpinBox* portBox() const { return m_port; }
    QLineEdit* activityEdit() const { return m_activity; }
    QSpinBox* timeoutBox() const { return m_timeout; }
    QSpinBox* cleanupBox() const { return m_cleanup; }
    QCheckBox* enabledBox() const { return m_enabled; }
    QCheckBox* notificationsBox() const { return m_notifications; }
    QCheckBox* notifyFinishedBox() const { return m_notifyFinished; }
    QCheckBox* autostartBox() const { return m_autostartBox; }
    QCheckBox* captureBox(const QString& key) const { return m_capture.value(key); }

public Q_SLOTS:
    void accept() override;

private:
    void revalidate();
    void browseActivity();

    AggregatorConfig m_original;
    QString m_target;
    AutostartEntry m_autostart;
    QLineEdit* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QCheckBox* m_allowRemote = nullptr;
    QLineEdit* m_activity = nullptr;
    QSpinBox* m_timeout = nullptr;
    QSpinBox* m_cleanup = nullptr;
    QCheckBox* m_enabled = nullptr;
    QCheckBox* m_notifications = nullptr;
    QCheckBox* m_notifyPermission = nullptr;
    QCheckBox* m_notifyBlocked = nullptr;
    QCheckBox* m_notifyFinished = nullptr;
    QCheckBox* m_autostartBox = nullptr;
    QMap<QString, QCheckBox*> m_capture; // YAML key -> box
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace ea
