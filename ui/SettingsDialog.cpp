#include "ui/SettingsDialog.h"

#include "config/ConfigWriter.h"
#include "util/LoopbackHost.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ea {

Q_LOGGING_CATEGORY(lcSettings, "ea.ui.settings")

namespace {
struct Switch
{
    const char* key;
    const char* label;
    bool AggregatorConfig::Capture::*member;
};
const Switch kSwitches[] = {
    {"user_prompts", QT_TRANSLATE_NOOP("SettingsDialog", "User prompts"),
     &AggregatorConfig::Capture::userPrompts},
    {"responses", QT_TRANSLATE_NOOP("SettingsDialog", "Responses"),
     &AggregatorConfig::Capture::responses},
    {"tool_operations", QT_TRANSLATE_NOOP("SettingsDialog", "Tool calls"),
     &AggregatorConfig::Capture::toolOperations},
    {"file_operations", QT_TRANSLATE_NOOP("SettingsDialog", "File operations"),
     &AggregatorConfig::Capture::fileOperations},
    {"agent_delegations", QT_TRANSLATE_NOOP("SettingsDialog", "Agent delegations"),
     &AggregatorConfig::Capture::agentDelegations},
    {"todo_updates", QT_TRANSLATE_NOOP("SettingsDialog", "Todo updates"),
     &AggregatorConfig::Capture::todoUpdates},
    {"memory_events", QT_TRANSLATE_NOOP("SettingsDialog", "Memory events"),
     &AggregatorConfig::Capture::memoryEvents},
};
} // namespace

SettingsDialog::SettingsDialog(const AggregatorConfig& config, const QString& targetFile,
                               AutostartEntry autostart, QWidget* parent)
    : QDialog(parent), m_original(config), m_target(targetFile), m_autostart(std::move(autostart))
{
    setWindowTitle(tr("Settings")); // Qt appends the application name

    auto* connection = new QGroupBox(tr("Dashboard"), this);
    auto* connectionForm = new QFormLayout(connection);
    m_host = new QLineEdit(config.dashboardHost, connection);
    m_port = new QSpinBox(connection);
    m_port->setRange(1, 65535);
    m_port->setValue(config.dashboardPort);
    m_allowRemote = new QCheckBox(tr("Allow a host other than this computer"), connection);
    m_allowRemote->setChecked(config.allowRemote);
    m_allowRemote->setToolTip(tr("The dashboard has no authentication: anyone who can reach it "
                                 "can read what it sends"));
    connectionForm->addRow(tr("&Host:"), m_host);
    connectionForm->addRow(tr("&Port:"), m_port);
    connectionForm->addRow(QString(), m_allowRemote);

    auto* storage = new QGroupBox(tr("Sessions"), this);
    auto* storageForm = new QFormLayout(storage);
    m_activity = new QLineEdit(config.activityDirectory, storage);
    m_activity->setToolTip(tr("Relative paths are taken from the project directory (%1)")
                               .arg(config.projectDirectory));
    auto* browse = new QPushButton(tr("Browse…"), storage);
    connect(browse, &QPushButton::clicked, this, &SettingsDialog::browseActivity);
    auto* activityRow = new QHBoxLayout;
    activityRow->addWidget(m_activity, 1);
    activityRow->addWidget(browse);
    m_timeout = new QSpinBox(storage);
    m_timeout->setRange(1, 24 * 60);
    m_timeout->setSuffix(tr(" min"));
    m_timeout->setValue(config.sessionTimeoutMinutes);
    m_timeout->setToolTip(tr("A session with no events for this long is saved as timed out"));
    m_cleanup = new QSpinBox(storage);
    m_cleanup->setRange(0, 3650);
    m_cleanup->setSuffix(tr(" days"));
    m_cleanup->setSpecialValueText(tr("Never"));
    m_cleanup->setValue(config.autoCleanupDays);
    m_cleanup->setToolTip(tr("Ended sessions older than this are deleted"));
    auto* activityLabel = new QLabel(tr("&Activity directory:"), storage);
    activityLabel->setBuddy(m_activity); // a layout row gets no buddy from addRow()
    storageForm->addRow(activityLabel, activityRow);
    storageForm->addRow(tr("Session &timeout:"), m_timeout);
    storageForm->addRow(tr("Delete sessions &after:"), m_cleanup);

    auto* capture = new QGroupBox(tr("Keep in saved sessions"), this);
    auto* grid = new QGridLayout(capture);
    int i = 0;
    for (const Switch& s : kSwitches) {
        auto* box = new QCheckBox(tr(s.label), capture);
        box->setChecked(config.capture.*(s.member));
        m_capture.insert(QString::fromLatin1(s.key), box);
        grid->addWidget(box, i / 2, i % 2);
        ++i;
    }

    auto* desktop = new QGroupBox(tr("Desktop"), this);
    auto* desktopLayout = new QVBoxLayout(desktop);
    m_enabled = new QCheckBox(tr("&Capture when the application starts"), desktop);
    m_enabled->setChecked(config.enabled);
    m_notifications = new QCheckBox(tr("Show &notifications (sessions that need you, finished "
                                       "turns, connection lost)"),
                                    desktop);
    m_notifications->setChecked(config.notifications);
    // One switch per kind of live-state notification, under the main one.
    auto* kinds = new QWidget(desktop);
    auto* kindsLayout = new QHBoxLayout(kinds);
    kindsLayout->setContentsMargins(24, 0, 0, 0);
    m_notifyPermission = new QCheckBox(tr("Needs &permission"), kinds);
    m_notifyPermission->setChecked(config.notifyPermission);
    m_notifyBlocked = new QCheckBox(tr("Probably &blocked"), kinds);
    m_notifyBlocked->setChecked(config.notifyBlocked);
    m_notifyFinished = new QCheckBox(tr("&Finished its turn"), kinds);
    m_notifyFinished->setChecked(config.notifyFinished);
    for (QCheckBox* box : {m_notifyPermission, m_notifyBlocked, m_notifyFinished})
        kindsLayout->addWidget(box);
    kindsLayout->addStretch();
    kinds->setEnabled(config.notifications);
    connect(m_notifications, &QCheckBox::toggled, kinds, &QWidget::setEnabled);
    m_autostartBox = new QCheckBox(tr("Start Event Aggregator when I &log in"), desktop);
    m_autostartBox->setChecked(m_autostart.isEnabled());
    desktopLayout->addWidget(m_enabled);
    desktopLayout->addWidget(m_notifications);
    desktopLayout->addWidget(kinds);
    desktopLayout->addWidget(m_autostartBox);

    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #c62828;"));
    auto* where = new QLabel(tr("Saved to %1").arg(QDir::toNativeSeparators(m_target)), this);
    where->setWordWrap(true);
    where->setEnabled(false);
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(connection);
    layout->addWidget(storage);
    layout->addWidget(capture);
    layout->addWidget(desktop);
    layout->addWidget(m_problem);
    layout->addWidget(where);
    layout->addWidget(m_buttons);

    connect(m_host, &QLineEdit::textChanged, this, &SettingsDialog::revalidate);
    connect(m_activity, &QLineEdit::textChanged, this, &SettingsDialog::revalidate);
    connect(m_allowRemote, &QCheckBox::toggled, this, &SettingsDialog::revalidate);
    revalidate();
}

AggregatorConfig SettingsDialog::config() const
{
    AggregatorConfig c = m_original;
    c.dashboardHost = m_host->text().trimmed();
    c.dashboardPort = m_port->value();
    c.allowRemote = m_allowRemote->isChecked();
    c.activityDirectory = m_activity->text().trimmed();
    c.sessionTimeoutMinutes = m_timeout->value();
    c.autoCleanupDays = m_cleanup->value();
    c.enabled = m_enabled->isChecked();
    c.notifications = m_notifications->isChecked();
    c.notifyPermission = m_notifyPermission->isChecked();
    c.notifyBlocked = m_notifyBlocked->isChecked();
    c.notifyFinished = m_notifyFinished->isChecked();
    for (const Switch& s : kSwitches)
        c.capture.*(s.member) = m_capture.value(QString::fromLatin1(s.key))->isChecked();
    return c;
}

QString SettingsDialog::validate() const
{
    const AggregatorConfig c = config();
    if (c.dashboardHost.isEmpty())
        return tr("Enter the dashboard host (127.0.0.1 for this computer).");
    if (c.dashboardHost.contains(QLatin1Char(' ')) || c.dashboardHost.contains(QLatin1Char('/')))
        return tr("The host is a name or an address, without spaces, scheme or path.");
    if (!c.allowRemote && !LoopbackHost::matches(c.dashboardHost))
        return tr("%1 is not this computer. Tick \"Allow a host other than this computer\" to "
                  "connect to it anyway.")
            .arg(c.dashboardHost);
    if (c.activityDirectory.isEmpty())
        return tr("Enter the directory sessions are saved in.");
    const QFileInfo dir(c.resolvedActivityDirectory());
    if (dir.exists() && !dir.isDir())
        return tr("%1 exists and is not a directory.").arg(dir.filePath());
    if (dir.exists() && !dir.isWritable())
        return tr("%1 is not writable.").arg(dir.filePath());
    return {};
}

void SettingsDialog::revalidate()
{
    const QString problem = validate();
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(problem.isEmpty());
}

bool SettingsDialog::save(QString* error)
{
    const QString problem = validate();
    if (!problem.isEmpty()) {
        *error = problem;
        return false;
    }
    if (!ConfigWriter::write(m_target, config(), error))
        return false;
    // An entry written by an older version, or for another file, is brought up to date too.
    const bool wanted = m_autostartBox->isChecked();
    const AutostartEntry::Launch launch = autostartLaunch();
    if ((wanted != m_autostart.isEnabled() || (wanted && !m_autostart.isUpToDate(launch))) &&
        !m_autostart.setEnabled(wanted, launch, error))
        return false;
    qCInfo(lcSettings).noquote() << "settings written to" << m_target;
    return true;
}

AutostartEntry::Launch SettingsDialog::autostartLaunch() const
{
    // Nothing to point at while the file does not exist (nothing differed from the defaults):
    // the working directory then finds the same configuration, none.
    const QFileInfo target(m_target);
    return {QCoreApplication::applicationFilePath(),
            target.exists() ? target.absoluteFilePath() : QString(), QDir::currentPath()};
}

void SettingsDialog::accept()
{
    QString error;
    if (!save(&error)) {
        QMessageBox::warning(this, windowTitle(),
                             tr("The settings were not saved:\n%1").arg(error));
        return;
    }
    QDialog::accept();
}

void SettingsDialog::browseActivity()
{
    const QString start = config().resolvedActivityDirectory();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Activity Directory"), start);
    if (!dir.isEmpty())
        m_activity->setText(dir);
}

} // namespace ea

#include "moc_SettingsDialog.cpp"
