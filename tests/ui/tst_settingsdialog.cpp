#include "config/ConfigLoader.h"
#include "presentation/AutostartEntry.h"
#include "ui/SettingsDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace ea;

// The settings dialog: validation, and the YAML round trip that keeps the file's other sections.
class TestSettingsDialog : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString copyFixture()
    {
        const QString path = m_tmp.path() + QStringLiteral("/proj/.claude-mpm/configuration.yaml");
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile::remove(path);
        QFile::copy(QStringLiteral(EA_FIXTURES_DIR "/config/full.yaml"), path);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        return path;
    }

    static QByteArray readAll(const QString& path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    // A desktop entry's key, as a launcher reads it.
    static QString entryValue(const QByteArray& entry, const QString& key)
    {
        for (const QByteArray& line : entry.split('\n')) {
            const QString l = QString::fromUtf8(line);
            if (l.startsWith(key + QLatin1Char('=')))
                return l.mid(key.size() + 1);
        }
        return {};
    }

    // Exec= split into arguments the way the Desktop Entry specification says a launcher does:
    // string escapes first, then quoting, then %% -> %.
    static QStringList execArguments(const QString& value)
    {
        QString s;
        for (qsizetype i = 0; i < value.size(); ++i) {
            if (value.at(i) == QLatin1Char('\\') && i + 1 < value.size()) {
                const QChar n = value.at(++i);
                s += n == QLatin1Char('s')   ? QChar(' ')
                     : n == QLatin1Char('n') ? QChar('\n')
                     : n == QLatin1Char('t') ? QChar('\t')
                                             : n;
                if (n != QLatin1Char('\\') && n != QLatin1Char('s') && n != QLatin1Char('n') &&
                    n != QLatin1Char('t'))
                    s.insert(s.size() - 1, QLatin1Char('\\')); // not a string escape: kept
            } else {
                s += value.at(i);
            }
        }
        QStringList args;
        QString current;
        bool quoted = false;
        bool any = false;
        for (qsizetype i = 0; i < s.size(); ++i) {
            const QChar c = s.at(i);
            if (quoted) {
                if (c == QLatin1Char('\\') && i + 1 < s.size() &&
                    QStringLiteral("\"`$\\").contains(s.at(i + 1)))
                    current += s.at(++i);
                else if (c == QLatin1Char('"'))
                    quoted = false;
                else
                    current += c;
            } else if (c == QLatin1Char(' ')) {
                if (any)
                    args.append(current);
                current.clear();
                any = false;
            } else if (c == QLatin1Char('"')) {
                quoted = any = true;
            } else {
                current += c;
                any = true;
            }
        }
        if (any)
            args.append(current);
        for (QString& a : args)
            a.replace(QStringLiteral("%%"), QStringLiteral("%"));
        return args;
    }

private Q_SLOTS:
    // Settings -> Save with only "start at login" ticked: the configuration file is not
    // rewritten at all, and the entry starts this program with that very file.
    void autostartAloneLeavesTheFileAndPointsAtIt()
    {
        // A directory with characters the Exec= quoting must get right.
        const QString project = m_tmp.path() + QStringLiteral("/my proj $HOME \\ 100% \"q\"");
        const QString path = project + QStringLiteral("/.claude-mpm/configuration.yaml");
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QFile::remove(path);
        QVERIFY(QFile::copy(QStringLiteral(EA_FIXTURES_DIR "/config/full.yaml"), path));
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        const QByteArray before = readAll(path);
        QString error;
        const auto loaded = ConfigLoader::loadFile(path, project, &error);
        QVERIFY2(loaded, qPrintable(error));
        const QString autostartPath = m_tmp.path() + QStringLiteral("/autostart/only.desktop");
        SettingsDialog dialog(*loaded, path, AutostartEntry(autostartPath));
        dialog.autostartBox()->setChecked(true);
        QVERIFY2(dialog.save(&error), qPrintable(error));
        QCOMPARE(readAll(path), before);

        const QByteArray entry = readAll(autostartPath);
        QCOMPARE(execArguments(entryValue(entry, QStringLiteral("Exec"))),
                 (QStringList{QCoreApplication::applicationFilePath(), QStringLiteral("--config"),
                              path}));
        QCOMPARE(entryValue(entry, QStringLiteral("Path")), QDir::currentPath());
    }

    // One value changed in the dialog: one token changed in the file (its comment line kept).
    void savingRewritesOnlyTheChangedValue()
    {
        const QString path = copyFixture();
        const QByteArray before = readAll(path);
        QString error;
        const auto loaded =
            ConfigLoader::loadFile(path, m_tmp.path() + QStringLiteral("/proj"), &error);
        QVERIFY2(loaded, qPrintable(error));
        SettingsDialog dialog(*loaded, path,
                              AutostartEntry(m_tmp.path() + QStringLiteral("/none.desktop")));
        dialog.portBox()->setValue(12345);
        dialog.notificationsBox()->setChecked(true);
        QVERIFY2(dialog.save(&error), qPrintable(error));
        QCOMPARE(readAll(path), QByteArray(before)
                                    .replace("dashboard_port: 9876", "dashboard_port: 12345")
                                    .replace("notifications: off", "notifications: on"));
    }

    void roundTripKeepsOtherSections()
    {
        const QString path = copyFixture();
        QString error;
        const auto loaded =
            ConfigLoader::loadFile(path, m_tmp.path() + QStringLiteral("/proj"), &error);
        QVERIFY2(loaded, qPrintable(error));
        const QString autostartPath = m_tmp.path() + QStringLiteral("/autostart/ea.desktop");
        SettingsDialog dialog(*loaded, path, AutostartEntry(autostartPath));
        QCOMPARE(dialog.portBox()->value(), 9876); // shows what the file says
        QVERIFY(!dialog.enabledBox()->isChecked());

        dialog.portBox()->setValue(12345);
        dialog.timeoutBox()->setValue(25);
        dialog.cleanupBox()->setValue(7);
        dialog.activityEdit()->setText(QStringLiteral("sessions/here"));
        dialog.enabledBox()->setChecked(true);
        dialog.notificationsBox()->setChecked(true);
        dialog.captureBox(QStringLiteral("user_prompts"))->setChecked(true);
        dialog.captureBox(QStringLiteral("responses"))->setChecked(false);
        dialog.autostartBox()->setChecked(true);
        QVERIFY2(dialog.save(&error), qPrintable(error));

        const auto again =
            ConfigLoader::loadFile(path, m_tmp.path() + QStringLiteral("/proj"), &error);
        QVERIFY2(again, qPrintable(error));
        QCOMPARE(again->dashboardPort, 12345);
        QCOMPARE(again->sessionTimeoutMinutes, 25);
        QCOMPARE(again->autoCleanupDays, 7);
        QCOMPARE(again->activityDirectory, QStringLiteral("sessions/here"));
        QVERIFY(again->enabled);
        QVERIFY(again->notifications);
        QVERIFY(again->capture.userPrompts);
        QVERIFY(!again->capture.responses);
        QVERIFY(!again->capture.toolOperations); // untouched values stay as they were
        QCOMPARE(again->dashboardHost, QStringLiteral("localhost"));
        QCOMPARE(again->events, loaded->events);

        const YAML::Node root = YAML::LoadFile(path.toStdString());
        QCOMPARE(root["response_logging"]["enabled"].as<bool>(), false);
        QCOMPARE(root["agents"]["max_parallel"].as<int>(), 3);
        QCOMPARE(root["agents"]["deploy"].size(), size_t(2));
        QCOMPARE(root["monitoring"]["port"].as<int>(), 8765);

        QFile autostart(autostartPath);
        QVERIFY(autostart.open(QIODevice::ReadOnly));
        QVERIFY(autostart.readAll().contains("Exec="));
        dialog.autostartBox()->setChecked(false);
        QVERIFY(dialog.save(&error));
        QVERIFY(!QFile::exists(autostartPath));
    }

    void invalidValuesAreRefused()
    {
        const QString path = copyFixture();
        QString error;
        const auto loaded = ConfigLoader::loadFile(path, m_tmp.path(), &error);
        QVERIFY(loaded);
        SettingsDialog dialog(*loaded, path,
                              AutostartEntry(m_tmp.path() + QStringLiteral("/a.desktop")));
        auto* save = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save);
        QVERIFY(dialog.validate().isEmpty());
        QVERIFY(save->isEnabled());

        dialog.hostEdit()->setText(QStringLiteral("dashboard.example.com"));
        QVERIFY(dialog.validate().contains(QStringLiteral("not this computer")));
        QVERIFY(!save->isEnabled());
        dialog.hostEdit()->setText(QStringLiteral("127.0.0.1"));

        QFile file(m_tmp.path() + QStringLiteral("/a-file"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        dialog.activityEdit()->setText(file.fileName());
        QVERIFY(dialog.validate().contains(QStringLiteral("not a directory")));
        const QByteArray before = [&] {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        QVERIFY(!dialog.save(&error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before); // nothing written
        dialog.activityEdit()->clear();
        QVERIFY(!dialog.validate().isEmpty());
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
