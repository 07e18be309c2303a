#include "app/CommandLine.h"

#include <QTest>

using namespace ea;

// The command line, parsed once before any application object exists: which mode it asks for
// (desktop, headless, a command) and the values of its options.
class TestCommandLine : public QObject
{
    Q_OBJECT

    static CommandLine::Result parse(QStringList args)
    {
        args.prepend(QStringLiteral("/usr/bin/event-aggregator"));
        return CommandLine::parse(args);
    }

private Q_SLOTS:
    void optionValueIsNotACommand_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("--config") << QStringList{"--config", "F"};
        QTest::newRow("--port") << QStringList{"--port", "9"};
        QTest::newRow("--host") << QStringList{"--host", "localhost"};
        QTest::newRow("--activity-dir") << QStringList{"--activity-dir", "D"};
        QTest::newRow("--timeout-minutes") << QStringList{"--timeout-minutes", "5"};
        QTest::newRow("--event") << QStringList{"--event", "claude_event"};
        QTest::newRow("--record") << QStringList{"--record", "FILE"};
        QTest::newRow("several") << QStringList{"--port", "9", "--config", "F", "--event", "a"};
    }
    void optionValueIsNotACommand()
    {
        QFETCH(QStringList, args);
        const CommandLine::Result r = parse(args);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QVERIFY(r.options.command.isEmpty());
        QVERIFY(!r.options.headless);
        QVERIFY(r.wantsGui());
    }

    void valuesLandInTheirOptions()
    {
        const CommandLine::Result r =
            parse({"--config", "F", "--port", "9", "--host", "localhost", "--activity-dir", "D",
                   "--timeout-minutes", "5", "--event", "a", "--event", "b", "--record", "R"});
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.options.configFile, QStringLiteral("F"));
        QCOMPARE(r.options.port, 9);
        QCOMPARE(r.options.host, QStringLiteral("localhost"));
        QCOMPARE(r.options.activityDir, QStringLiteral("D"));
        QCOMPARE(r.options.timeoutMinutes, 5);
        QCOMPARE(r.options.events, (QStringList{"a", "b"}));
        QCOMPARE(r.options.recordFile, QStringLiteral("R"));
    }

    void modes()
    {
        QVERIFY(parse({}).wantsGui());
        QVERIFY(!parse({"--headless", "--port", "9"}).wantsGui());
        const CommandLine::Result replay = parse({"--replay", "F.jsonl"});
        QVERIFY(replay.options.headless); // a replay has nothing to show
        QVERIFY(!replay.wantsGui());

        const CommandLine::Result cmd = parse({"--config", "F", "sessions", "--json"});
        QVERIFY2(cmd.error.isEmpty(), qPrintable(cmd.error));
        QCOMPARE(cmd.options.command, QStringLiteral("sessions"));
        QCOMPARE(cmd.options.commandArgs, QStringList{"--json"});
        QCOMPARE(cmd.options.configFile, QStringLiteral("F"));
        QVERIFY(!cmd.wantsGui());

        QVERIFY(!parse({"--help"}).wantsGui());
        QVERIFY(!parse({"--version"}).wantsGui());
    }

    void qtOptionsAreLeftToQApplication()
    {
        const CommandLine::Result r =
            parse({"-platform", "offscreen", "--port", "9", "-style=fusion", "-reverse"});
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.options.port, 9);
        QVERIFY(r.wantsGui());
        // After a command they are the command's arguments.
        const CommandLine::Result cmd = parse({"show", "-style", "x"});
        QCOMPARE(cmd.options.commandArgs, (QStringList{"-style", "x"}));
    }

    void errors()
    {
        QVERIFY(parse({"--port", "70000"}).error.contains(QStringLiteral("--port")));
        QVERIFY(parse({"--port"}).error.contains(QStringLiteral("port")));
        QVERIFY(parse({"--timeout-minutes", "0"}).error.contains(QStringLiteral("--timeout")));
        QVERIFY(parse({"frobnicate"}).error.contains(QStringLiteral("unknown command")));
        QVERIFY(parse({"--no-such-option"}).error.contains(QStringLiteral("no-such-option")));
        QVERIFY(!parse({"--port", "70000"}).wantsGui());
    }

    void helpNamesTheProgram()
    {
        const CommandLine::Result r = parse({"--help"});
        // Qt names the program from the application object; without one (as in main()), the
        // text would say "<executable_name>".
        QVERIFY(r.earlyOutput.startsWith(QStringLiteral("Usage: ")));
        QVERIFY(!r.earlyOutput.contains(QStringLiteral("<executable_name>")));
        QVERIFY(r.earlyOutput.contains(QStringLiteral("--activity-dir")));
    }

    void decodesArgv()
    {
        const char* argv[] = {"ea", "--config", "caf\xc3\xa9.yaml"};
        QCOMPARE(CommandLine::arguments(3, argv),
                 (QStringList{"ea", "--config", QStringLiteral("café.yaml")}));
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
