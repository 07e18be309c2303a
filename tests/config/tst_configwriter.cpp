// Tests ConfigWriter: a hand-edited, commented configuration.yaml comes back byte for byte, with
// only the changed values rewritten where they stand.
#include "config/ConfigLoader.h"
#include "config/ConfigWriter.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

class TstConfigWriter : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_project;

    // A file as people keep it: comments everywhere, quoting and yes/On spellings of their own,
    // other programs' sections around ours.
    static QByteArray commented()
    {
        return "# claude-mpm configuration, edited by hand\n"
               "response_logging:   # keep this\n"
               "  enabled: false\n"
               "agents:\n"
               "  deploy: [engineer, qa]\n"
               "  limits: {cpu: 2, note: \"yes\", version: \"1.10\"}\n"
               "\n"
               "# Our section\n"
               "event_aggregator:\n"
               "  # where sessions go\n"
               "  activity_directory: \"logs/activity\"   # quoted on purpose\n"
               "  dashboard_port: 8765 # the monitor\n"
               "  enabled: yes\n"
               "  capture:\n"
               "    responses: true   # big\n"
               "    user_prompts: On\n"
               "# the monitor's own settings\n"
               "monitoring:\n"
               "  port: 8765\n";
    }

    static AggregatorConfig load(const QByteArray& text)
    {
        QString error;
        const auto c = ConfigLoader::parse(text, QStringLiteral("t.yaml"), QString(), &error);
        if (!c)
            qWarning("%s\n%s", qPrintable(error), text.constData());
        return c.value_or(AggregatorConfig{});
    }

    static QByteArray update(const QByteArray& text, const AggregatorConfig& c)
    {
        QString error;
        const auto out = ConfigWriter::update(text, c, &error);
        if (!out)
            qWarning("%s", qPrintable(error));
        return out.value_or(QByteArray("(refused)"));
    }

    static QByteArray replaced(QByteArray text, const QByteArray& from, const QByteArray& to)
    {
        return text.replace(from, to);
    }

    QString path() const { return m_project + QStringLiteral("/.claude-mpm/configuration.yaml"); }

    QByteArray readFile() const
    {
        QFile f(path());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_project = m_tmp.path() + QStringLiteral("/project");
    }

    void init() { QDir(m_project).removeRecursively(); }

    // Each row changes one value: the file is the original but for that value's token.
    void changesOnlyTheChangedValue_data()
    {
        QTest::addColumn<int>("what");
        QTest::addColumn<QByteArray>("from");
        QTest::addColumn<QByteArray>("to");
        QTest::newRow("port") << 0 << QByteArray("8765 # the monitor")
                              << QByteArray("9999 # the monitor");
        QTest::newRow("yes -> no") << 1 << QByteArray("enabled: yes") << QByteArray("enabled: no");
        QTest::newRow("On -> Off")
            << 2 << QByteArray("user_prompts: On") << QByteArray("user_prompts: Off");
        QTest::newRow("quoted stays quoted")
            << 3 << QByteArray("\"logs/activity\"") << QByteArray("\"a b/#c\"");
        QTest::newRow("nested with comment")
            << 4 << QByteArray("responses: true   # big") << QByteArray("responses: false   # big");
    }
    void changesOnlyTheChangedValue()
    {
        QFETCH(int, what);
        QFETCH(QByteArray, from);
        QFETCH(QByteArray, to);
        const QByteArray original = commented();
        AggregatorConfig c = load(original);
        switch (what) {
        case 0:
            c.dashboardPort = 9999;
            break;
        case 1:
            c.enabled = false;
            break;
        case 2:
            c.capture.userPrompts = false;
            break;
        case 3:
            c.activityDirectory = QStringLiteral("a b/#c");
            break;
        case 4:
            c.capture.responses = false;
            break;
        }
        const QByteArray out = update(original, c);
        QCOMPARE(out, replaced(original, from, to));
        QCOMPARE(load(out), c);
    }

    void newKeysGoAtTheEndOfTheSection()
    {
        const QByteArray original = commented();
        AggregatorConfig c = load(original);
        c.sessionTimeoutMinutes = 5;
        c.capture.memoryEvents = false;
        c.dashboardHost = QStringLiteral("localhost");
        const QByteArray out = update(original, c);
        QCOMPARE(out, replaced(original, "    user_prompts: On\n",
                               "    user_prompts: On\n"
                               "    memory_events: false\n"
                               "  dashboard_host: localhost\n"
                               "  session_timeout_minutes: 5\n"));
        QCOMPARE(load(out), c);
    }

    void missingSectionIsAppended()
    {
        const QByteArray original = "# only theirs\nagents:\n  max_parallel: 3"; // no final newline
        AggregatorConfig c;
        c.dashboardPort = 9999;
        c.capture.todoUpdates = false;
        const QByteArray out = update(original, c);
        QCOMPARE(out, original + "\nevent_aggregator:\n  dashboard_port: 9999\n  capture:\n"
                                 "    todo_updates: false\n");
        QCOMPARE(load(out), c);
    }

    void emptySectionGetsItsKeys()
    {
        const QByteArray original = "event_aggregator:   # ours\nmonitoring:\n  port: 1\n";
        AggregatorConfig c;
        c.notifications = false;
        const QByteArray out = update(original, c);
        QCOMPARE(out, QByteArray("event_aggregator:   # ours\n  notifications: false\n"
                                 "monitoring:\n  port: 1\n"));
        QCOMPARE(load(out), c);
    }

    void listsAndInlineMappings()
    {
        const QByteArray original = "event_aggregator:\n"
                                    "  events:   # ours\n"
                                    "    - claude_event\n"
                                    "    # a comment in the list\n"
                                    "    - hook_event\n"
                                    "  capture: {responses: true, user_prompts: no}\n"
                                    "other: 1\n";
        AggregatorConfig c = load(original);
        c.events = {QStringLiteral("claude_event"), QStringLiteral("yes"), QStringLiteral("a, b")};
        c.capture.responses = false;
        const QByteArray out = update(original, c);
        QCOMPARE(out, QByteArray("event_aggregator:\n"
                                 "  events: [claude_event, \"yes\", \"a, b\"]   # ours\n"
                                 "  capture: {responses: false, user_prompts: false}\n"
                                 "other: 1\n"));
        QCOMPARE(load(out), c);
    }

    void keepsWindowsLineEnds()
    {
        const QByteArray original = "event_aggregator:\r\n  enabled: true\r\n";
        AggregatorConfig c = load(original);
        c.enabled = false;
        c.autoCleanupDays = 3;
        QCOMPARE(update(original, c),
                 QByteArray("event_aggregator:\r\n  enabled: false\r\n  auto_cleanup_days: 3\r\n"));
    }

    void nothingChangedWritesNothing()
    {
        QVERIFY(QDir().mkpath(QFileInfo(path()).absolutePath()));
        {
            QFile f(path());
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(commented());
        }
        QString error;
        const auto c = ConfigLoader::loadFile(path(), m_project, &error);
        QVERIFY2(c, qPrintable(error));
        QVERIFY2(ConfigWriter::write(path(), *c, &error), qPrintable(error));
        QCOMPARE(readFile(), commented());

        // No file and nothing that differs from the defaults: still no file.
        QVERIFY(QFile::remove(path()));
        QVERIFY(ConfigWriter::write(path(), AggregatorConfig{}, &error));
        QVERIFY(!QFile::exists(path()));
    }

    void writesANewFile()
    {
        AggregatorConfig c;
        c.projectDirectory = m_project;
        QCOMPARE(ConfigWriter::targetFor(c, m_project), path());
        c.sessionTimeoutMinutes = 5;
        c.compressSessions = true;
        QString error;
        QVERIFY2(ConfigWriter::write(path(), c, &error), qPrintable(error));
        QCOMPARE(readFile(), QByteArray("event_aggregator:\n  session_timeout_minutes: 5\n"
                                        "  compress_sessions: true\n"));
        // Readable by its owner only, like any new file with settings in it.
        QVERIFY(!(QFile::permissions(path()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther)));
        const std::optional<AggregatorConfig> back = ConfigLoader::load({}, m_project, &error);
        QVERIFY2(back, qPrintable(error));
        c.configFile = path();
        QCOMPARE(*back, c);
    }

    void refusesABrokenFile()
    {
        QVERIFY(QDir().mkpath(QFileInfo(path()).absolutePath()));
        const QByteArray broken = "agents: [unclosed\nevent_aggregator:\n";
        {
            QFile f(path());
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(broken);
        }
        AggregatorConfig c;
        c.enabled = false;
        QString error;
        QVERIFY(!ConfigWriter::write(path(), c, &error));
        QVERIFY2(error.contains(path()) && error.contains(QStringLiteral("invalid YAML")),
                 qPrintable(error));
        QCOMPARE(readFile(), broken);

        // Valid YAML with a value we refuse: said with the file, line and key; left alone.
        const QByteArray refused = "event_aggregator:\n  session_timeout_minutes: -5\n";
        {
            QFile f(path());
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(refused);
        }
        QVERIFY(!ConfigWriter::write(path(), c, &error));
        QVERIFY2(error.contains(QStringLiteral("configuration.yaml:2:")) &&
                     error.contains(QStringLiteral("session_timeout_minutes")),
                 qPrintable(error));
        QCOMPARE(readFile(), refused);
    }
};

QTEST_GUILESS_MAIN(TstConfigWriter)
#include "tst_configwriter.moc"
