// Tests ConfigLoader: defaults, every key, errors with key and line, discovery.
#include "config/ConfigLoader.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

class TstConfigLoader : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_home;
    QString m_project;

    static bool writeFile(const QString& path, const QByteArray& data)
    {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
    }

    static QByteArray readFile(const QString& path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static QString fixture(const char* name)
    {
        return QStringLiteral(EA_FIXTURES_DIR "/config/") + QLatin1String(name);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_home = m_tmp.path() + QStringLiteral("/home");
        m_project = m_tmp.path() + QStringLiteral("/project");
        QVERIFY(QDir().mkpath(m_home));
        QVERIFY(QDir().mkpath(m_project));
        qputenv("HOME", QFile::encodeName(m_home));
        QCOMPARE(QDir::homePath(), m_home);
    }

    void init()
    {
        QDir(m_home + "/.claude-mpm").removeRecursively();
        QDir(m_project + "/.claude-mpm").removeRecursively();
    }

    void defaultsWithoutAFile()
    {
        QString error;
        const std::optional<AggregatorConfig> c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QVERIFY(c->enabled);
        QCOMPARE(c->activityDirectory, QStringLiteral(".claude-mpm/activity"));
        QCOMPARE(c->dashboardPort, 8765);
        QCOMPARE(c->dashboardHost, QStringLiteral("127.0.0.1"));
        QVERIFY(!c->allowRemote);
        QCOMPARE(c->sessionTimeoutMinutes, 60);
        QCOMPARE(c->autoCleanupDays, 30);
        QCOMPARE(c->capture, AggregatorConfig::Capture{});
        QVERIFY(c->capture.userPrompts && c->capture.memoryEvents && c->capture.todoUpdates);
        QCOMPARE(c->events, (QStringList{"claude_event", "mpm_event", "tool_event", "hook_event",
                                         "session_event", "response_event", "agent_event",
                                         "file_event", "system_event", "history"}));
        QVERIFY(c->notifications);
        QVERIFY(c->configFile.isEmpty());
        QCOMPARE(c->projectDirectory, m_project);
        QCOMPARE(c->resolvedActivityDirectory(), m_project + "/.claude-mpm/activity");
    }

    void emptyOrSectionlessFilesGiveDefaults_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("comment only") << QByteArray("# nothing here\n");
        QTest::newRow("other sections") << QByteArray("agents:\n  x: 1\nmonitoring: [1, 2]\n");
        QTest::newRow("empty section") << QByteArray("event_aggregator:\n");
        QTest::newRow("empty capture") << QByteArray("event_aggregator:\n  capture:\n");
    }

    void emptyOrSectionlessFilesGiveDefaults()
    {
        QFETCH(QByteArray, yaml);
        QString error;
        const std::optional<AggregatorConfig> c =
            ConfigLoader::parse(yaml, QStringLiteral("configuration.yaml"), m_project, &error);
        QVERIFY2(c, qPrintable(error));
        AggregatorConfig expected;
        expected.projectDirectory = m_project;
        QCOMPARE(*c, expected);
    }

    void readsEveryKey()
    {
        QString error;
        const std::optional<AggregatorConfig> c =
            ConfigLoader::load(fixture("full.yaml"), m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QVERIFY(!c->enabled);
        QCOMPARE(c->activityDirectory, QStringLiteral("logs/activity"));
        QCOMPARE(c->dashboardPort, 9876);
        QCOMPARE(c->dashboardHost, QStringLiteral("localhost"));
        QCOMPARE(c->sessionTimeoutMinutes, 15);
        QCOMPARE(c->autoCleanupDays, 0);
        QVERIFY(!c->notifications);
        QCOMPARE(c->events, (QStringList{"claude_event", "hook_event"})); // duplicates dropped
        AggregatorConfig::Capture capture;
        capture.userPrompts = false;
        capture.toolOperations = false;
        capture.todoUpdates = false;
        capture.memoryEvents = false;
        QCOMPARE(c->capture, capture);
        QCOMPARE(c->configFile, QFileInfo(fixture("full.yaml")).absoluteFilePath());
        // Not inside a .claude-mpm directory: relative paths are taken from the working dir.
        QCOMPARE(c->projectDirectory, m_project);
        QCOMPARE(c->resolvedActivityDirectory(), m_project + "/logs/activity");
    }

    // A long events list loads in linear time: 50,000 names took 6.5 s when each name was
    // looked up in the list so far. Measured as a ratio (10x the names must not cost 100x the
    // time), so a slow or busy machine does not matter.
    // The live-state thresholds and the notification switches (issue 14).
    void readsLiveStateKeys()
    {
        QString error;
        std::optional<AggregatorConfig> c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->blockedAfterSeconds, 20);
        QCOMPARE(c->idleAfterMinutes, 10);
        QVERIFY(c->notifyPermission && c->notifyBlocked && c->notifyFinished);
        const QString path = m_project + QStringLiteral("/.claude-mpm/configuration.yaml");
        QVERIFY(writeFile(path, "event_aggregator:\n  blocked_after_seconds: 45\n"
                                "  idle_after_minutes: 3\n  notify_finished: false\n"));
        c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->blockedAfterSeconds, 45);
        QCOMPARE(c->idleAfterMinutes, 3);
        QVERIFY(!c->notifyFinished && c->notifyPermission);
        QVERIFY(writeFile(path, "event_aggregator:\n  blocked_after_seconds: 0\n"));
        QVERIFY(!ConfigLoader::load({}, m_project, &error));
        QVERIFY2(
            error.contains(QStringLiteral(":2:")) &&
                error.contains(QStringLiteral("blocked_after_seconds must be a positive integer")),
            qPrintable(error));
    }

    void longEventListsLoadInLinearTime()
    {
        const auto loadMs = [this](int names) {
            QByteArray yaml = "event_aggregator:\n  events:\n";
            for (int i = 0; i < names; ++i)
                yaml += "    - event_name_" + QByteArray::number(i) + "\n";
            const QString path = m_tmp.path() + QStringLiteral("/long-events.yaml");
            writeFile(path, yaml);
            QElapsedTimer t;
            t.start();
            QString error;
            const std::optional<AggregatorConfig> c = ConfigLoader::load(path, m_project, &error);
            const qint64 ms = t.elapsed();
            return c && c->events.size() == names ? std::max<qint64>(ms, 1) : qint64(-1);
        };
        qint64 small = loadMs(5000);
        small = std::min(small, loadMs(5000)); // the better of two: less noise
        const qint64 large = loadMs(50000);
        QVERIFY(small > 0 && large > 0);
        qInfo("5,000 names: %lld ms, 50,000 names: %lld ms", small, large);
        QVERIFY2(large < 30 * std::max<qint64>(small, 20),
                 qPrintable(QStringLiteral("%1 ms vs %2 ms").arg(large).arg(small)));
    }

    void acceptsThePythonDocumentationExample()
    {
        QString error;
        QStringList warnings;
        const std::optional<AggregatorConfig> c =
            ConfigLoader::load(fixture("python-example.yaml"), m_project, &error, &warnings);
        QVERIFY2(c, qPrintable(error));
        QVERIFY(c->compressSessions);
        QVERIFY(!c->autoStart);
        QCOMPARE(c->fileFormat, QStringLiteral("{date}_{session_id}.json"));
        QVERIFY(!c->capture.memoryEvents);
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(warnings.first().contains(QStringLiteral("event_aggregator.file_format")),
                 qPrintable(warnings.first()));
        QVERIFY(warnings.first().contains(QStringLiteral("line 19")));
    }

    void rejectsBadValuesNamingKeyAndLine_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");
        const QByteArray head = "agents:\n  x: 1\nevent_aggregator:\n  enabled: true\n";
        QTest::newRow("negative timeout")
            << head + "  session_timeout_minutes: -5\n"
            << "configuration.yaml:5: event_aggregator.session_timeout_minutes must be a positive "
               "integer, got \"-5\"";
        QTest::newRow("zero timeout")
            << head + "  session_timeout_minutes: 0\n"
            << "configuration.yaml:5: event_aggregator.session_timeout_minutes";
        QTest::newRow("fractional timeout")
            << head + "  session_timeout_minutes: 1.5\n"
            << "configuration.yaml:5: event_aggregator.session_timeout_minutes must be a positive "
               "integer, got \"1.5\"";
        QTest::newRow("huge timeout")
            << head + "  session_timeout_minutes: 99999999999999999999\n"
            << "configuration.yaml:5: event_aggregator.session_timeout_minutes";
        QTest::newRow("port zero")
            << head + "  dashboard_port: 0\n"
            << "configuration.yaml:5: event_aggregator.dashboard_port must be "
               "an integer from 1 to 65535, got \"0\"";
        QTest::newRow("port too big") << head + "\n\n  dashboard_port: 65536\n"
                                      << "configuration.yaml:7: event_aggregator.dashboard_port";
        QTest::newRow("port text")
            << head + "  dashboard_port: http\n"
            << "configuration.yaml:5: event_aggregator.dashboard_port must be "
               "an integer from 1 to 65535, got \"http\"";
        QTest::newRow("port quoted") << head + "  dashboard_port: \"8765\"\n"
                                     << "got \"8765\" (a quoted string)";
        QTest::newRow("negative cleanup")
            << head + "  auto_cleanup_days: -1\n"
            << "configuration.yaml:5: event_aggregator.auto_cleanup_days must be a non-negative "
               "integer (0 = never), got \"-1\"";
        QTest::newRow("bool word") << QByteArray("event_aggregator:\n  enabled: maybe\n")
                                   << "configuration.yaml:2: event_aggregator.enabled must be true "
                                      "or false, got \"maybe\"";
        QTest::newRow("bool quoted") << QByteArray("event_aggregator:\n  notifications: \"true\"\n")
                                     << "configuration.yaml:2: event_aggregator.notifications must "
                                        "be true or false, got \"true\" (a quoted string)";
        QTest::newRow("bool number") << QByteArray("event_aggregator:\n  allow_remote: 1\n")
                                     << "configuration.yaml:2: event_aggregator.allow_remote";
        QTest::newRow("bool list") << QByteArray("event_aggregator:\n  enabled: [true]\n")
                                   << "event_aggregator.enabled must be true or false, got a list";
        QTest::newRow("unknown key")
            << head + "  sesion_timeout_minutes: 5\n"
            << "configuration.yaml:5: event_aggregator.sesion_timeout_minutes "
               "is not a known key";
        QTest::newRow("unknown capture key")
            << QByteArray(
                   "event_aggregator:\n  capture:\n    user_prompts: true\n    todos: true\n")
            << "configuration.yaml:4: event_aggregator.capture.todos is not a known key";
        QTest::newRow("capture value")
            << QByteArray("event_aggregator:\n  capture:\n    todo_updates: 3\n")
            << "configuration.yaml:3: event_aggregator.capture.todo_updates must be true or false, "
               "got \"3\"";
        QTest::newRow("capture not a map")
            << QByteArray("event_aggregator:\n  capture: all\n")
            << "configuration.yaml:2: event_aggregator.capture must be "
               "a mapping";
        QTest::newRow("empty events") << QByteArray("event_aggregator:\n  events: []\n")
                                      << "configuration.yaml:2: event_aggregator.events must be a "
                                         "non-empty list of event names, got a list";
        QTest::newRow("events scalar") << QByteArray("event_aggregator:\n  events: claude_event\n")
                                       << "configuration.yaml:2: event_aggregator.events";
        QTest::newRow("event entry")
            << QByteArray("event_aggregator:\n  events:\n    - claude_event\n    - {a: 1}\n")
            << "configuration.yaml:4: event_aggregator.events entries must be event names, got a "
               "mapping";
        QTest::newRow("null directory")
            << QByteArray("event_aggregator:\n  activity_directory:\n")
            << "configuration.yaml:2: event_aggregator.activity_directory "
               "must be a non-empty string, got nothing";
        QTest::newRow("list directory")
            << QByteArray("event_aggregator:\n  activity_directory: [a]\n")
            << "event_aggregator.activity_directory must be a non-empty "
               "string, got a list";
        QTest::newRow("duplicate key")
            << QByteArray("event_aggregator:\n  dashboard_port: 1\n  dashboard_port: 2\n")
            << "configuration.yaml:3: event_aggregator.dashboard_port appears twice";
        QTest::newRow("section scalar")
            << QByteArray("x: 1\nevent_aggregator: yes\n")
            << "configuration.yaml:2: event_aggregator must be a mapping";
        QTest::newRow("top level list")
            << QByteArray("- a\n- b\n") << "configuration.yaml:1: the top level must be a mapping";
        QTest::newRow("remote host")
            << QByteArray("event_aggregator:\n  dashboard_host: 192.168.1.5\n")
            << "configuration.yaml:2: event_aggregator.dashboard_host \"192.168.1.5\" is not a "
               "loopback address";
        QTest::newRow("bad indentation")
            << QByteArray("event_aggregator:\n  enabled: true\n   dashboard_port: 1\n")
            << "configuration.yaml:3: invalid YAML";
        QTest::newRow("unclosed flow")
            << QByteArray("a: 1\nb: 2\nevent_aggregator: {enabled: true\n")
            << "configuration.yaml:4: invalid YAML";
        QTest::newRow("tab indentation") << QByteArray("event_aggregator:\n\tenabled: true\n")
                                         << "configuration.yaml:2: invalid YAML";
        QTest::newRow("deep nesting") << QByteArray("event_aggregator: ") + QByteArray(100000, '[')
                                      << "configuration.yaml:1: invalid YAML";
        QTest::newRow("otlp endpoint not http")
            << head + "  otlp:\n    endpoint: ftp://collector/v1/traces\n"
            << "configuration.yaml:6: event_aggregator.otlp.endpoint must be an http:// or "
               "https:// URL, got \"ftp://collector/v1/traces\"";
        QTest::newRow("otlp compression")
            << head + "  otlp:\n    endpoint: http://127.0.0.1:4318/v1/traces\n"
                      "    compression: zstd\n"
            << "configuration.yaml:7: event_aggregator.otlp.compression must be gzip or none";
        QTest::newRow("otlp timeout")
            << head + "  otlp:\n    timeout: 0\n"
            << "configuration.yaml:6: event_aggregator.otlp.timeout must be a number of seconds";
        QTest::newRow("otlp header list")
            << head + "  otlp:\n    headers: [a, b]\n"
            << "configuration.yaml:6: event_aggregator.otlp.headers must be a mapping";
        QTest::newRow("otlp unknown key")
            << head + "  otlp:\n    endpiont: http://127.0.0.1:4318/v1/traces\n"
            << "configuration.yaml:6: event_aggregator.otlp.endpiont is not a known key";
        const QByteArray rules("event_aggregator:\n  redaction:\n    rules:\n");
        QTest::newRow("redaction regex")
            << rules + "      - name: ok\n        pattern: 'a'\n      - name: bad\n"
                       "        pattern: '[unclosed'\n"
            << "configuration.yaml:6: event_aggregator.redaction.rules: rule \"bad\": pattern "
               "does not compile at offset";
        QTest::newRow("redaction backtracking")
            << rules + "      - name: slow\n        pattern: '(\\w+\\s?)+$'\n"
            << "configuration.yaml:4: event_aggregator.redaction.rules: rule \"slow\": pattern "
               "repeats a group that holds a repetition";
        QTest::newRow("redaction pattern and keys")
            << rules + "      - name: both\n        pattern: x\n        keys: [y]\n"
            << "rule \"both\" needs either a pattern or keys (not both)";
        QTest::newRow("redaction unknown field")
            << rules + "      - name: x\n        regex: y\n"
            << "configuration.yaml:5: event_aggregator.redaction.rules[].regex is not a known key";
        QTest::newRow("redaction same name twice")
            << rules + "      - {name: a, pattern: x}\n      - {name: a, keys: [k]}\n"
            << "configuration.yaml:5: event_aggregator.redaction.rules: two rules are named \"a\"";
        QTest::newRow("redaction rules not a list")
            << rules.chopped(1) + " all\n"
            << "event_aggregator.redaction.rules must be a list of rules";
        QTest::newRow("redact_at_capture word")
            << QByteArray("event_aggregator:\n  redact_at_capture: sometimes\n")
            << "configuration.yaml:2: event_aggregator.redact_at_capture must be true or false";
    }

    void readsTheOtlpSection()
    {
        const std::optional<AggregatorConfig> c =
            ConfigLoader::parse("event_aggregator:\n"
                                "  otlp:\n"
                                "    endpoint: https://otel.example.com/v1/traces\n"
                                "    headers:\n"
                                "      Authorization: Bearer ${OTLP_TOKEN}\n"
                                "      x-team: agents\n"
                                "    timeout: 5\n"
                                "    compression: gzip\n"
                                "    service_name: team-agents\n"
                                "    outbox_max_mb: 8\n",
                                QStringLiteral("configuration.yaml"), m_project, nullptr);
        QVERIFY(c);
        QCOMPARE(c->otlp.endpoint, QStringLiteral("https://otel.example.com/v1/traces"));
        QCOMPARE(c->otlp.headers.size(), 2);
        QCOMPARE(c->otlp.headers.at(0).first, QStringLiteral("Authorization"));
        QCOMPARE(c->otlp.headers.at(0).second, QStringLiteral("Bearer ${OTLP_TOKEN}"));
        QCOMPARE(c->otlp.timeoutSeconds, 5);
        QVERIFY(c->otlp.gzip);
        QCOMPARE(c->otlp.serviceName, QStringLiteral("team-agents"));
        QCOMPARE(c->otlp.outboxMaxMegabytes, 8);
        QVERIFY(AggregatorConfig().otlp.endpoint.isEmpty()); // off unless configured
    }

    void readsRedactionRules()
    {
        const QString path = m_project + QStringLiteral("/.claude-mpm/configuration.yaml");
        QVERIFY(writeFile(path, "event_aggregator:\n  redact_at_capture: yes\n  redaction:\n"
                                "    rules:\n      - name: ticket\n"
                                "        pattern: 'TK-(?<secret>[0-9]+)'\n"
                                "        replacement: '<t>'\n      - name: pii\n"
                                "        keys: [ssn, '*_pin']\n      - name: one\n"
                                "        keys: card\n"));
        QString error;
        const std::optional<AggregatorConfig> c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QVERIFY(c->redactAtCapture);
        QCOMPARE(c->redactionRules.size(), 3);
        QCOMPARE(c->redactionRules.at(0).pattern, QStringLiteral("TK-(?<secret>[0-9]+)"));
        QCOMPARE(c->redactionRules.at(0).label(), QStringLiteral("<t>"));
        QCOMPARE(c->redactionRules.at(1).keys,
                 (QStringList{QStringLiteral("ssn"), QStringLiteral("*_pin")}));
        QCOMPARE(c->redactionRules.at(1).label(), QStringLiteral("[REDACTED:pii]"));
        QCOMPARE(c->redactionRules.at(2).keys, QStringList{QStringLiteral("card")});
        QVERIFY(writeFile(path, "event_aggregator:\n  enabled: true\n"));
        const std::optional<AggregatorConfig> d = ConfigLoader::load({}, m_project, &error);
        QVERIFY(d && !d->redactAtCapture && d->redactionRules.isEmpty());
    }

    void rejectsBadValuesNamingKeyAndLine()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        const QString path = m_project + QStringLiteral("/.claude-mpm/configuration.yaml");
        QVERIFY(writeFile(path, yaml));
        QString error;
        const std::optional<AggregatorConfig> c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(!c, "a bad file must not load");
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.startsWith(path + QLatin1Char(':')), qPrintable(error));
    }

    void allowsARemoteHostOnlyWhenAsked()
    {
        QString error;
        const std::optional<AggregatorConfig> c = ConfigLoader::parse(
            "event_aggregator:\n  dashboard_host: 10.0.0.2\n  allow_remote: yes\n",
            QStringLiteral("c.yaml"), m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->dashboardHost, QStringLiteral("10.0.0.2"));
        QVERIFY(ConfigLoader::parse("event_aggregator:\n  dashboard_host: \"::1\"\n",
                                    QStringLiteral("c.yaml"), m_project, &error));
    }

    void findsTheFileLikeClaudeMpm()
    {
        const QString homeFile = m_home + "/.claude-mpm/configuration.yaml";
        const QString projectFile = m_project + "/.claude-mpm/configuration.yaml";
        const QString explicitFile = m_tmp.path() + "/elsewhere/custom.yaml";
        QVERIFY(writeFile(homeFile, "event_aggregator:\n  dashboard_port: 1111\n"));
        QVERIFY(writeFile(projectFile, "event_aggregator:\n  dashboard_port: 2222\n"));
        QVERIFY(writeFile(explicitFile, "event_aggregator:\n  dashboard_port: 3333\n"));
        QString error;

        QCOMPARE(ConfigLoader::locate({}, m_project), projectFile);
        std::optional<AggregatorConfig> c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->dashboardPort, 2222);
        QCOMPARE(c->configFile, projectFile);
        QCOMPARE(c->projectDirectory, m_project);
        QCOMPARE(c->resolvedActivityDirectory(), m_project + "/.claude-mpm/activity");

        c = ConfigLoader::load(explicitFile, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->dashboardPort, 3333);
        // A relative --config is taken from the working directory.
        c = ConfigLoader::load(QStringLiteral("../elsewhere/custom.yaml"), m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->dashboardPort, 3333);

        QVERIFY(QFile::remove(projectFile));
        QCOMPARE(ConfigLoader::locate({}, m_project), homeFile);
        c = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->dashboardPort, 1111);
        // The home file's project directory is home: activity goes to ~/.claude-mpm/activity.
        QCOMPARE(c->projectDirectory, m_home);
        QCOMPARE(c->resolvedActivityDirectory(), m_home + "/.claude-mpm/activity");

        QVERIFY(QFile::remove(homeFile));
        QCOMPARE(ConfigLoader::locate({}, m_project), QString());
        c = ConfigLoader::load({}, m_project, &error);
        QVERIFY(c);
        QCOMPARE(c->dashboardPort, 8765);

        // An explicit file that is missing is an error, not a silent fallback.
        c = ConfigLoader::load(m_tmp.path() + "/missing.yaml", m_project, &error);
        QVERIFY(!c);
        QVERIFY2(error.contains(m_tmp.path() + "/missing.yaml") &&
                     error.contains(QStringLiteral("no such file")),
                 qPrintable(error));
        // So is a directory.
        QVERIFY(!ConfigLoader::load(m_tmp.path(), m_project, &error));
        QVERIFY(error.contains(QStringLiteral("not a regular file")));
    }

    void resolvesActivityDirectories()
    {
        AggregatorConfig c;
        c.projectDirectory = m_project;
        c.activityDirectory = QStringLiteral("a/../b/activity");
        QCOMPARE(c.resolvedActivityDirectory(), m_project + "/b/activity");
        c.activityDirectory = QStringLiteral("/var/tmp/act");
        QCOMPARE(c.resolvedActivityDirectory(), QStringLiteral("/var/tmp/act"));
        c.activityDirectory = QStringLiteral("~/act");
        QCOMPARE(c.resolvedActivityDirectory(), m_home + "/act");
    }
};

QTEST_GUILESS_MAIN(TstConfigLoader)
#include "tst_configloader.moc"
