#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

#include <algorithm>
#include <random>

#include <csignal>

using namespace ea;

// What the real claude-mpm 6.5.83 sends (tests/fixtures/claude-mpm, recorded from its own hook
// handler and both of its servers), replayed through the headless binary: turns, delegation
// outcomes, calls without a result, failure counts, tokens and attribution as a user reads
// them in the session files and in `show`.
class TestRealTraffic : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_dirs = 0;

    static QString fixture(const QString& name)
    {
        return QStringLiteral(EA_FIXTURES_DIR "/claude-mpm/") + name;
    }

    QString newDir()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("run%1").arg(++m_dirs));
        QDir().mkpath(dir);
        return dir;
    }

    QProcessEnvironment env(const QString& runtime) const
    {
        return ea::test::appEnvironment(m_tmp.path(), runtime);
    }

    QByteArray run(const QStringList& args, int* exitCode, QString runtime = {})
    {
        QProcess p;
        p.setProcessEnvironment(env(runtime.isEmpty() ? newDir() : runtime));
        p.setWorkingDirectory(m_tmp.path());
        p.start(QStringLiteral(EA_APP_BINARY), args);
        p.waitForFinished(60000);
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return p.readAllStandardOutput();
    }

    // Replays a recording into a fresh activity directory; returns it and the counters line.
    QString replay(const QString& recording, QJsonObject* counters = nullptr)
    {
        const QString act = newDir() + QStringLiteral("/activity");
        int code = -1;
        const QByteArray out = run({QStringLiteral("--headless"), QStringLiteral("--replay"),
                                    recording, QStringLiteral("--activity-dir"), act},
                                   &code);
        if (code != 0)
            qWarning() << "replay exited with" << code << out;
        if (counters)
            *counters = QJsonDocument::fromJson(out.trimmed().split('\n').last()).object();
        return act;
    }

    // file name -> document, for every session file in dir.
    static QMap<QString, QJsonObject> files(const QString& dir)
    {
        QMap<QString, QJsonObject> out;
        for (const QString& name :
             QDir(dir).entryList({QStringLiteral("session_*.json")}, QDir::Files)) {
            QFile f(dir + QLatin1Char('/') + name);
            f.open(QIODevice::ReadOnly);
            out.insert(name, QJsonDocument::fromJson(f.readAll()).object());
        }
        return out;
    }

    // The session whose first prompt starts with `prompt`.
    static QJsonObject byPrompt(const QMap<QString, QJsonObject>& docs, const QString& prompt)
    {
        for (const QJsonObject& d : docs) {
            if (d.value(QLatin1String("initial_prompt")).toString().startsWith(prompt))
                return d;
        }
        return {};
    }

    static QJsonObject tokens(qint64 in, qint64 out, qint64 creation, qint64 read)
    {
        return QJsonObject{{QStringLiteral("input_tokens"), in},
                           {QStringLiteral("output_tokens"), out},
                           {QStringLiteral("cache_creation_input_tokens"), creation},
                           {QStringLiteral("cache_read_input_tokens"), read},
                           {QStringLiteral("total_tokens"), in + out + creation + read}};
    }

    static int countType(const QJsonObject& doc, const QString& type)
    {
        int n = 0;
        for (const QJsonValue& e : doc.value(QLatin1String("events")).toArray())
            n += e.toObject().value(QLatin1String("event_type")).toString() == type ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    // Live: a server sending the legacy recording (its status, welcome and ping included) to
    // the headless app with --record. Chatter is counted as chatter and recorded; every
    // session is saved completed after its last Stop.
    void liveCaptureRecordsChatterAndCompletesSessions()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Python, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Python));
        const QString act = newDir() + QStringLiteral("/activity");
        const QString runtime = newDir();
        const QString recordFile = newDir() + QStringLiteral("/record.jsonl");
        QProcess app;
        app.setProcessEnvironment(env(runtime));
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act,
                   QStringLiteral("--record"), recordFile});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        QVERIFY(!peer.command(
                         {{QStringLiteral("cmd"), QStringLiteral("replay")},
                          {QStringLiteral("file"), fixture(QStringLiteral("legacy-server.jsonl"))}},
                         30000)
                     .isEmpty());
        // Completed sessions are saved once settled: wait for the three files.
        QTRY_VERIFY_WITH_TIMEOUT(files(act).size() == 3, 20000);
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
        const QJsonObject counters =
            QJsonDocument::fromJson(app.readAllStandardOutput().trimmed().split('\n').last())
                .object();
        QCOMPARE(counters.value(QLatin1String("ignored")).toInt(), 0);
        QCOMPARE(counters.value(QLatin1String("chatter")).toInt(), 4); // status, welcome, 2 pings
        QCOMPARE(counters.value(QLatin1String("unattributed")).toInt(), 0);
        for (const QJsonObject& d : files(act))
            QCOMPARE(d.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
        QFile recorded(recordFile);
        QVERIFY(recorded.open(QIODevice::ReadOnly));
        const QByteArray text = recorded.readAll();
        QCOMPARE(text.count("{\"name\":\"ping\""), 2);
        QCOMPARE(text.count("{\"name\":\"status\""), 1);
    }

    // A burst the server sends in one go reaches the journal in few writes (one per event-loop
    // turn, not one per event), and every event of it is still journaled and aggregated.
    void aBurstIsJournaledPerTurnNotPerEvent()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        const QString act = newDir() + QStringLiteral("/activity");
        QProcess app;
        app.setProcessEnvironment(env(newDir()));
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        constexpr int kEvents = 2000;
        const QJsonObject burst{
            {QStringLiteral("cmd"), QStringLiteral("emit_many")},
            {QStringLiteral("event"), QStringLiteral("claude_event")},
            {QStringLiteral("count"), kEvents},
            {QStringLiteral("template"),
             QJsonObject{{QStringLiteral("type"), QStringLiteral("hook")},
                         {QStringLiteral("subtype"), QStringLiteral("notification")},
                         {QStringLiteral("session_id"), QStringLiteral("burst")},
                         {QStringLiteral("timestamp"), QStringLiteral("2026-12-01T00:00:00Z")}}}};
        QVERIFY(!peer.command(burst, 30000).isEmpty());
        // Each event is in the journal (released only once its session is saved).
        const QString journalDir = act + QStringLiteral("/.journal");
        const auto journaled = [&] {
            int n = 0;
            for (const QFileInfo& f : QDir(journalDir).entryInfoList({QStringLiteral("*.jsonl")})) {
                QFile file(f.absoluteFilePath());
                if (file.open(QIODevice::ReadOnly))
                    n += int(file.readAll().count("\"subtype\":\"notification\""));
            }
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(journaled(), kEvents, 20000);
        ::kill(app.processId(), SIGTERM);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
        const QJsonObject counters =
            QJsonDocument::fromJson(app.readAllStandardOutput().trimmed().split('\n').last())
                .object();
        QCOMPARE(counters.value(QLatin1String("events_aggregated")).toInt(), kEvents);
        QCOMPARE(counters.value(QLatin1String("journal_failures")).toInt(), 0);
        const int batches = counters.value(QLatin1String("journal_batches")).toInt();
        QVERIFY2(batches > 0 && batches < kEvents / 2, qPrintable(QString::number(batches)));
    }

    void recordings_data()
    {
        QTest::addColumn<QString>("recording");
        QTest::newRow("current server") << QStringLiteral("current-server.jsonl");
        QTest::newRow("legacy server") << QStringLiteral("legacy-server.jsonl");
    }

    void recordings()
    {
        QFETCH(QString, recording);
        QJsonObject counters;
        const QString act = replay(fixture(recording), &counters);
        const QMap<QString, QJsonObject> docs = files(act);
        QCOMPARE(docs.size(), 3); // nothing unattributed
        QCOMPARE(counters.value(QLatin1String("unattributed")).toInt(), 0);
        QCOMPARE(counters.value(QLatin1String("attributed_by_directory")).toInt(), 5);
        QCOMPARE(counters.value(QLatin1String("ignored")).toInt(), 0);
        QVERIFY(counters.value(QLatin1String("chatter")).toInt() >= 1);

        // Every session is completed after its last Stop, however its companions arrived.
        for (const QJsonObject& d : docs) {
            QCOMPARE(d.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
            const QJsonArray turns = d.value(QLatin1String("turns")).toArray();
            QVERIFY(!turns.isEmpty());
            QCOMPARE(d.value(QLatin1String("end_time")),
                     turns.last().toObject().value(QLatin1String("end_time")));
            for (const QJsonValue& t : turns)
                QCOMPARE(t.toObject().value(QLatin1String("ended_by")).toString(),
                         QStringLiteral("stop"));
        }

        // Session A: a failed Bash call gets no post_tool; it closes in its own turn, unknown.
        const QJsonObject a = byPrompt(docs, QStringLiteral("Fix the failing test"));
        QVERIFY(!a.isEmpty());
        const QJsonArray aTurns = a.value(QLatin1String("turns")).toArray();
        QCOMPARE(aTurns.size(), 2);
        const QJsonObject t0 = aTurns.at(0).toObject();
        const QJsonObject t1 = aTurns.at(1).toObject();
        QCOMPARE(t0.value(QLatin1String("tool_calls")).toInt(), 3);
        QCOMPARE(t0.value(QLatin1String("tool_failures")).toInt(), 0);
        QCOMPARE(t0.value(QLatin1String("tool_unknown_results")).toInt(), 1);
        QCOMPARE(t1.value(QLatin1String("tool_calls")).toInt(), 1);
        QCOMPARE(t1.value(QLatin1String("prompt")).toString(),
                 QStringLiteral("Now run the tests again"));
        QJsonObject unfinished;
        for (const QJsonValue& v : a.value(QLatin1String("tool_operations")).toArray()) {
            if (v.toObject().value(QLatin1String("result")).toString() == u"unknown")
                unfinished = v.toObject();
        }
        QCOMPARE(unfinished.value(QLatin1String("tool_name")).toString(), QStringLiteral("Bash"));
        QCOMPARE(unfinished.value(QLatin1String("turn")).toInt(), 0);
        QCOMPARE(unfinished.value(QLatin1String("end_time")), t0.value(QLatin1String("end_time")));
        QVERIFY(unfinished.value(QLatin1String("success")).isNull());
        QVERIFY(unfinished.value(QLatin1String("duration_ms")).toDouble() > 0);
        // One definition of failed and of no result: metrics, the listing and show agree.
        const QJsonObject aMetrics = a.value(QLatin1String("metrics")).toObject();
        QCOMPARE(aMetrics.value(QLatin1String("tool_failures")).toInt(), 0);
        QCOMPARE(aMetrics.value(QLatin1String("tool_unknown_results")).toInt(), 1);
        QCOMPARE(aMetrics.value(QLatin1String("total_failures")).toInt(), 0);
        // Tokens: claude-mpm reports the session's running sum at each Stop.
        QCOMPARE(t0.value(QLatin1String("token_usage")).toObject(), tokens(2000, 550, 5000, 5000));
        QCOMPARE(t1.value(QLatin1String("token_usage")).toObject(), tokens(1500, 150, 0, 9000));
        QCOMPARE(aMetrics.value(QLatin1String("token_usage")).toObject(),
                 tokens(3500, 700, 5000, 14000));
        // Both prompts' command_acknowledged joined A.
        QCOMPARE(countType(a, QStringLiteral("command_acknowledged")), 2);
        // hook_execution is kept and folded into per-hook overhead.
        QVERIFY(countType(a, QStringLiteral("hook_execution")) >= 8);
        const QJsonObject pre = aMetrics.value(QLatin1String("hook_overhead"))
                                    .toObject()
                                    .value(QLatin1String("PreToolUse"))
                                    .toObject();
        QVERIFY(pre.value(QLatin1String("count")).toInt() >= 3);
        QVERIFY(pre.value(QLatin1String("p50_ms")).toDouble() <=
                pre.value(QLatin1String("max_ms")).toDouble());

        // Session B: the delegation succeeds by its Task result, with Claude Code's agent id.
        const QJsonObject b = byPrompt(docs, QStringLiteral("Research how the cache"));
        QVERIFY(!b.isEmpty());
        const QJsonArray delegations = b.value(QLatin1String("delegations")).toArray();
        QCOMPARE(delegations.size(), 1);
        const QJsonObject d = delegations.first().toObject();
        QCOMPARE(d.value(QLatin1String("agent_type")).toString(), QStringLiteral("research"));
        QCOMPARE(d.value(QLatin1String("result")).toString(), QStringLiteral("success"));
        QCOMPARE(d.value(QLatin1String("success")), QJsonValue(true));
        QCOMPARE(d.value(QLatin1String("completed")), QJsonValue(true));
        QCOMPARE(d.value(QLatin1String("agent_id")).toString(), QStringLiteral("a1b2c3d4e5"));
        QCOMPARE(d.value(QLatin1String("tool_operations")).toArray().size(), 1); // its Grep
        QCOMPARE(b.value(QLatin1String("metrics"))
                     .toObject()
                     .value(QLatin1String("total_failures"))
                     .toInt(),
                 0);
        QCOMPARE(b.value(QLatin1String("metrics"))
                     .toObject()
                     .value(QLatin1String("token_usage"))
                     .toObject(),
                 tokens(3000, 900, 12000, 0));
        QCOMPARE(countType(b, QStringLiteral("command_acknowledged")), 1);

        // Session C: two turns, the second after the first's Stop.
        const QJsonObject c = byPrompt(docs, QStringLiteral("List the python files"));
        QVERIFY(!c.isEmpty());
        const QJsonArray cTurns = c.value(QLatin1String("turns")).toArray();
        QCOMPARE(cTurns.size(), 2);
        QCOMPARE(cTurns.at(1).toObject().value(QLatin1String("token_usage")).toObject(),
                 tokens(300, 40, 0, 2000));
        QCOMPARE(c.value(QLatin1String("metrics"))
                     .toObject()
                     .value(QLatin1String("token_usage"))
                     .toObject(),
                 tokens(800, 160, 2000, 2000));
        QCOMPARE(countType(c, QStringLiteral("command_acknowledged")), 2);
        for (const QJsonValue& e : c.value(QLatin1String("events")).toArray()) {
            if (e.toObject().value(QLatin1String("event_type")).toString() == u"permission_request")
                QCOMPARE(e.toObject().value(QLatin1String("category")).toString(),
                         QStringLiteral("tool"));
        }

        // The listing and show read the same counts.
        int code = -1;
        const QByteArray list = run({QStringLiteral("sessions"), QStringLiteral("--json"),
                                     QStringLiteral("--activity-dir"), act},
                                    &code);
        QCOMPARE(code, 0);
        const QJsonArray rows = QJsonDocument::fromJson(list).array();
        QCOMPARE(rows.size(), 3);
        for (const QJsonValue& r : rows) {
            const QJsonObject row = r.toObject();
            const QString id = row.value(QLatin1String("session_id")).toString();
            if (id == a.value(QLatin1String("session_id")).toString()) {
                QCOMPARE(row.value(QLatin1String("failures")).toInt(), 0);
                QCOMPARE(row.value(QLatin1String("unknown_results")).toInt(), 1);
                QCOMPARE(row.value(QLatin1String("turns")).toInt(), 2);
                QCOMPARE(row.value(QLatin1String("total_tokens")).toInt(), 23200);
            }
        }
        const QByteArray shown =
            run({QStringLiteral("show"), a.value(QLatin1String("session_id")).toString(),
                 QStringLiteral("--activity-dir"), act},
                &code);
        QCOMPARE(code, 0);
        QVERIFY2(shown.contains("(0 failed, 1 without a result)"), shown.constData());
        QVERIFY2(shown.contains("Tokens:      23200 (input 3500, output 700, cache write 5000, "
                                "cache read 14000)"),
                 shown.constData());
        QVERIFY2(shown.contains("Turn 2:"), shown.constData());

        // CSV: a call's result on its rows; a turn's tokens on its Stop row only.
        const QByteArray csv =
            run({QStringLiteral("export"), a.value(QLatin1String("session_id")).toString(),
                 QStringLiteral("--format"), QStringLiteral("csv"),
                 QStringLiteral("--activity-dir"), act},
                &code);
        QCOMPARE(code, 0);
        const QList<QByteArray> csvLines = csv.trimmed().split('\n');
        const QList<QByteArray> header = csvLines.first().split(',');
        const qsizetype resultColumn = header.indexOf("result");
        const qsizetype totalColumn = header.indexOf("total_tokens");
        const qsizetype typeColumn = header.indexOf("event_type");
        QVERIFY(resultColumn > 0 && totalColumn > 0 && typeColumn > 0);
        qint64 csvTokens = 0;
        int unknownRows = 0;
        for (const QByteArray& line : csvLines.mid(1)) {
            if (line.contains('"'))
                continue; // a quoted text cell; the rows that matter here have none
            const QList<QByteArray> cells = line.split(',');
            csvTokens += cells.value(totalColumn).toLongLong();
            unknownRows += cells.value(resultColumn) == "unknown" ? 1 : 0;
            if (cells.value(typeColumn) != "stop")
                QVERIFY(cells.value(totalColumn).isEmpty());
        }
        QCOMPARE(csvTokens, 23200);
        QCOMPARE(unknownRows, 1); // the failed Bash call's pre_tool
    }

    // Arrival order leaves no trace: the recording replayed as recorded and with its events
    // shuffled within 50 ms windows gives the same session files.
    void orderIndependence_data() { recordings_data(); }

    void orderIndependence()
    {
        QFETCH(QString, recording);
        QFile in(fixture(recording));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QList<QByteArray> lines;
        QList<qint64> times;
        qint64 last = 0;
        while (!in.atEnd()) {
            const QByteArray line = in.readLine().trimmed();
            if (line.isEmpty())
                continue;
            const QJsonValue arg =
                QJsonDocument::fromJson(line).object().value(QLatin1String("args")).toArray().at(0);
            const QDateTime t = QDateTime::fromString(
                arg.toObject().value(QLatin1String("timestamp")).toString().left(23) +
                    QLatin1Char('Z'),
                Qt::ISODateWithMs);
            if (t.isValid())
                last = t.toMSecsSinceEpoch();
            lines.append(line);
            times.append(last); // events without a time stay with the one before
        }
        QVERIFY(lines.size() > 50);
        std::mt19937 random(11);
        QList<QByteArray> shuffled;
        int windows = 0;
        for (qsizetype from = 0; from < lines.size();) {
            qsizetype to = from;
            while (to < lines.size() && times.at(to) / 50 == times.at(from) / 50)
                ++to;
            QList<QByteArray> window = lines.mid(from, to - from);
            std::shuffle(window.begin(), window.end(), random);
            windows += window.size() > 1 ? 1 : 0;
            shuffled += window;
            from = to;
        }
        QVERIFY(windows > 10);
        QVERIFY(shuffled != lines);
        const QString shuffledPath = newDir() + QStringLiteral("/shuffled.jsonl");
        QFile out(shuffledPath);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(shuffled.join('\n') + '\n');
        out.close();

        const QMap<QString, QJsonObject> recorded = files(replay(fixture(recording)));
        const QMap<QString, QJsonObject> reordered = files(replay(shuffledPath));
        QCOMPARE(recorded.size(), 3);
        QCOMPARE(reordered.keys(), recorded.keys());
        for (auto it = recorded.cbegin(); it != recorded.cend(); ++it)
            QVERIFY2(reordered.value(it.key()) == it.value(), qPrintable(it.key()));
    }
};

QTEST_GUILESS_MAIN(TestRealTraffic)
#include "tst_realtraffic.moc"
