#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

#include <csignal>

// The script-facing subcommands: sessions, show, export, cleanup, status, stop.
class TestCommands : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_act;

    QProcessEnvironment env() const
    {
        return ea::test::appEnvironment(m_tmp.path(), m_tmp.path() + QStringLiteral("/rt"));
    }

    QByteArray run(QStringList args, int* code, QByteArray* err = nullptr) const
    {
        QProcess p;
        p.setProcessEnvironment(env());
        p.setWorkingDirectory(m_tmp.path());
        p.start(QStringLiteral(EA_APP_BINARY), args);
        p.waitForFinished(30000);
        *code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        if (err)
            *err = p.readAllStandardError();
        return p.readAllStandardOutput();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QDir().mkpath(m_tmp.path() + QStringLiteral("/rt"));
        m_act = m_tmp.path() + QStringLiteral("/act");
        int code = -1;
        run({QStringLiteral("--headless"), QStringLiteral("--replay"),
             QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.jsonl"),
             QStringLiteral("--activity-dir"), m_act},
            &code);
        QCOMPARE(code, 0);
    }

    void sessionsListsNewestFirst()
    {
        int code = -1;
        const QByteArray out = run({QStringLiteral("sessions"), QStringLiteral("--json"),
                                    QStringLiteral("--activity-dir"), m_act},
                                   &code);
        QCOMPARE(code, 0);
        const QJsonArray list = QJsonDocument::fromJson(out).array();
        QCOMPARE(list.size(), 5);
        for (int i = 1; i < list.size(); ++i)
            QVERIFY(list[i - 1].toObject().value(QLatin1String("start_time")).toString() >=
                    list[i].toObject().value(QLatin1String("start_time")).toString());
        const QByteArray limited =
            run({QStringLiteral("sessions"), QStringLiteral("--limit"), QStringLiteral("2"),
                 QStringLiteral("--activity-dir"), m_act},
                &code);
        QCOMPARE(code, 0);
        QCOMPARE(limited.trimmed().split('\n').size(), 3); // header + 2
    }

    void showAcceptsAUniquePrefix()
    {
        int code = -1;
        const QByteArray out =
            run({QStringLiteral("show"), QStringLiteral("cd613e"), QStringLiteral("--json"),
                 QStringLiteral("--activity-dir"), m_act},
                &code);
        QCOMPARE(code, 0);
        const QJsonObject doc = QJsonDocument::fromJson(out).object();
        QCOMPARE(doc.value(QLatin1String("session_id")).toString(),
                 QStringLiteral("cd613e30-d8f1-6adf-91b7-584a2265b1f5"));
        QCOMPARE(doc.value(QLatin1String("events")).toArray().size(), 48);
        QByteArray err;
        run({QStringLiteral("show"), QStringLiteral("c"), QStringLiteral("--activity-dir"), m_act},
            &code, &err);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains("matches"), err.constData()); // ambiguous prefix
        run({QStringLiteral("show"), QStringLiteral("zzz"), QStringLiteral("--activity-dir"),
             m_act},
            &code, &err);
        QCOMPARE(code, 1);
    }

    void exportsEveryFormat()
    {
        int code = -1;
        const QString jsonFile = m_tmp.path() + QStringLiteral("/all.json");
        run({QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
             QStringLiteral("json"), QStringLiteral("-o"), jsonFile,
             QStringLiteral("--activity-dir"), m_act},
            &code);
        QCOMPARE(code, 0);
        QFile f(jsonFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(f.readAll()).array().size(), 5);

        const QByteArray jsonl =
            run({QStringLiteral("export"), QStringLiteral("cd613e"), QStringLiteral("--format"),
                 QStringLiteral("jsonl"), QStringLiteral("--activity-dir"), m_act},
                &code);
        QCOMPARE(code, 0);
        const QList<QByteArray> lines = jsonl.trimmed().split('\n');
        QCOMPARE(lines.size(), 48);
        QCOMPARE(QJsonDocument::fromJson(lines.first())
                     .object()
                     .value(QLatin1String("session_id"))
                     .toString(),
                 QStringLiteral("cd613e30-d8f1-6adf-91b7-584a2265b1f5"));

        const QByteArray csv =
            run({QStringLiteral("export"), QStringLiteral("cd613e"), QStringLiteral("--format"),
                 QStringLiteral("csv"), QStringLiteral("--activity-dir"), m_act},
                &code);
        QCOMPARE(code, 0);
        const QList<QByteArray> rows = csv.trimmed().split('\n');
        QVERIFY(rows.first().startsWith("session_id,timestamp,event_type,category"));
        QVERIFY(rows.size() >=
                49); // a header, then one row per event (quoted fields may span lines)

        run({QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
             QStringLiteral("xml"), QStringLiteral("--activity-dir"), m_act},
            &code);
        QCOMPARE(code, 2);
    }

    void tableShowsIdsVerbatim()
    {
        // Ids come from files: a "%1" in one is text, not a placeholder for the next column.
        QTemporaryDir act;
        const QJsonObject doc{
            {QStringLiteral("schema_version"), 1},
            {QStringLiteral("session_id"), QStringLiteral("pct-%1-%2-id")},
            {QStringLiteral("status"), QStringLiteral("completed")},
            {QStringLiteral("start_time"), QStringLiteral("2026-01-01T00:00:00.000Z")},
            {QStringLiteral("end_time"), QStringLiteral("2026-01-01T00:01:00.000Z")},
            {QStringLiteral("events"), QJsonArray()}};
        QFile f(act.path() + QStringLiteral("/session_pct-1-2-id_2026-01-01T00-00-00.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(doc).toJson());
        f.close();
        int code = -1;
        const QByteArray out =
            run({QStringLiteral("sessions"), QStringLiteral("--activity-dir"), act.path()}, &code);
        QCOMPARE(code, 0);
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY2(lines[1].startsWith("pct-%1-%2-id "), out.constData());
        QVERIFY2(lines[1].contains("2026-01-01 00:00:00") && lines[1].endsWith("completed"),
                 out.constData());
    }

    // Ids and prompts come from the network: their control characters are shown escaped by
    // sessions and show (a raw ESC could retitle or clear the terminal, or plant a link);
    // --json keeps them exact. In CSV a cell that starts like a formula becomes text.
    void hostileTextIsNeutralisedForTerminalsAndSpreadsheets()
    {
        QTemporaryDir act;
        const QString id = QStringLiteral("evil\x1b]0;pwned\x07\x1b[2J-id");
        const QString prompt =
            QStringLiteral("=HYPERLINK(\"http://x\",\"\x1b]8;;http://x\x1b\\ok\")");
        const QJsonObject doc{
            {QStringLiteral("schema_version"), 1},
            {QStringLiteral("session_id"), id},
            {QStringLiteral("status"), QStringLiteral("completed")},
            {QStringLiteral("start_time"), QStringLiteral("2026-01-01T00:00:00.000Z")},
            {QStringLiteral("end_time"), QStringLiteral("2026-01-01T00:01:00.000Z")},
            {QStringLiteral("initial_prompt"), prompt},
            {QStringLiteral("events"),
             QJsonArray{QJsonObject{
                 {QStringLiteral("timestamp"), QStringLiteral("2026-01-01T00:00:00.000Z")},
                 {QStringLiteral("event_type"), QStringLiteral("user_prompt")},
                 {QStringLiteral("category"), QStringLiteral("prompt")},
                 {QStringLiteral("data"), QJsonObject{{QStringLiteral("prompt_text"), prompt}}}}}}};
        QFile f(act.path() + QStringLiteral("/session_evil_2026-01-01T00-00-00.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(doc).toJson());
        f.close();
        int code = -1;
        const QByteArray list =
            run({QStringLiteral("sessions"), QStringLiteral("--activity-dir"), act.path()}, &code);
        QCOMPARE(code, 0);
        QVERIFY2(!list.contains('\x1b') && !list.contains('\x07'), list.constData());
        QVERIFY2(list.contains("evil\\u001b]0;pwned\\u0007"), list.constData());
        const QByteArray shown = run({QStringLiteral("show"), QStringLiteral("evil"),
                                      QStringLiteral("--activity-dir"), act.path()},
                                     &code);
        QCOMPARE(code, 0);
        QVERIFY2(!shown.contains('\x1b') && !shown.contains('\x07'), shown.constData());
        QVERIFY2(shown.contains("Prompt:      =HYPERLINK"), shown.constData());
        const QByteArray json =
            run({QStringLiteral("show"), QStringLiteral("evil"), QStringLiteral("--json"),
                 QStringLiteral("--activity-dir"), act.path()},
                &code);
        QCOMPARE(code, 0);
        QCOMPARE(
            QJsonDocument::fromJson(json).object().value(QLatin1String("session_id")).toString(),
            id);
        const QByteArray csv =
            run({QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
                 QStringLiteral("csv"), QStringLiteral("--activity-dir"), act.path()},
                &code);
        QCOMPARE(code, 0);
        QVERIFY2(csv.contains(",\"'=HYPERLINK("), csv.constData());
        QVERIFY2(!csv.contains(",=") && !csv.contains(",\"="), csv.constData());
    }

    // export checks every write and the final flush, and never writes into the activity
    // directory: -o pointing at a session file used to empty it and exit 0.
    void exportFailuresAreReported()
    {
        int code = -1;
        QByteArray err;
        run({QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
             QStringLiteral("json"), QStringLiteral("-o"), QStringLiteral("/dev/full"),
             QStringLiteral("--activity-dir"), m_act},
            &code, &err);
        QVERIFY2(code == 1, err.constData());
        // Small outputs used to sit in a buffer until exit, unchecked.
        QProcess p;
        p.setProcessEnvironment(env());
        p.setStandardOutputFile(QStringLiteral("/dev/full"));
        p.start(QStringLiteral(EA_APP_BINARY),
                {QStringLiteral("export"), QStringLiteral("cd613e"), QStringLiteral("--format"),
                 QStringLiteral("csv"), QStringLiteral("--activity-dir"), m_act});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(p.readAllStandardError().contains("No space left on device"), "no reason given");

        const QString victim = QDir(m_act)
                                   .entryInfoList({QStringLiteral("session_*")}, QDir::Files)
                                   .first()
                                   .filePath();
        QFile before(victim);
        QVERIFY(before.open(QIODevice::ReadOnly));
        const QByteArray bytes = before.readAll();
        run({QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
             QStringLiteral("jsonl"), QStringLiteral("-o"), victim,
             QStringLiteral("--activity-dir"), m_act},
            &code, &err);
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("activity directory"), err.constData());
        QFile after(victim);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), bytes);
    }

    void cleanupDryRunRemovesNothing()
    {
        // Cleanup ages a session by its end_time and its file's last write, whichever is later.
        for (const QFileInfo& fi :
             QDir(m_act).entryInfoList({QStringLiteral("session_*")}, QDir::Files)) {
            QFile f(fi.filePath());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.setFileTime(QDateTime::currentDateTimeUtc().addDays(-2),
                                  QFileDevice::FileModificationTime));
        }
        int code = -1;
        const QByteArray out =
            run({QStringLiteral("cleanup"), QStringLiteral("--days"), QStringLiteral("1"),
                 QStringLiteral("--dry-run"), QStringLiteral("--activity-dir"), m_act},
                &code);
        QCOMPARE(code, 0);
        QVERIFY2(out.contains("5 session(s) would be removed"), out.constData());
        QCOMPARE(QDir(m_act).entryList({QStringLiteral("session_*")}, QDir::Files).size(), 5);
    }

    // auto_cleanup_days: 0 means never; cleanup used to pass the 0 on and delete every ended
    // session.
    void cleanupZeroMeansNever()
    {
        const QString act = m_tmp.path() + QStringLiteral("/never");
        int code = -1;
        run({QStringLiteral("--headless"), QStringLiteral("--replay"),
             QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.jsonl"),
             QStringLiteral("--activity-dir"), act},
            &code);
        QCOMPARE(code, 0);
        const QStringList files = QDir(act).entryList({QStringLiteral("session_*")}, QDir::Files);
        QCOMPARE(files.size(), 5);
        for (const QString& name : files) {
            QFile f(act + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.setFileTime(QDateTime::currentDateTimeUtc().addDays(-400),
                                  QFileDevice::FileModificationTime));
        }
        const QString config = m_tmp.path() + QStringLiteral("/never.yaml");
        QFile cfg(config);
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("event_aggregator:\n  auto_cleanup_days: 0\n");
        cfg.close();

        const QByteArray out = run({QStringLiteral("cleanup"), QStringLiteral("--config"), config,
                                    QStringLiteral("--activity-dir"), act},
                                   &code);
        QCOMPARE(code, 0);
        QVERIFY2(out.contains("nothing to clean up") && out.contains("auto_cleanup_days: 0"),
                 out.constData());
        QCOMPARE(QDir(act).entryList({QStringLiteral("session_*")}, QDir::Files), files);

        const QByteArray zero = run({QStringLiteral("cleanup"), QStringLiteral("--days"),
                                     QStringLiteral("0"), QStringLiteral("--activity-dir"), act},
                                    &code);
        QCOMPARE(code, 0);
        QVERIFY2(zero.contains("nothing to clean up"), zero.constData());
        QCOMPARE(QDir(act).entryList({QStringLiteral("session_*")}, QDir::Files), files);

        // With a real age, the same sessions go (and the output says which).
        const QByteArray real = run({QStringLiteral("cleanup"), QStringLiteral("--days"),
                                     QStringLiteral("30"), QStringLiteral("--activity-dir"), act},
                                    &code);
        QCOMPARE(code, 0);
        QVERIFY2(real.contains("5 session(s) removed"), real.constData());
        const QByteArray again = run({QStringLiteral("cleanup"), QStringLiteral("--days"),
                                      QStringLiteral("30"), QStringLiteral("--activity-dir"), act},
                                     &code);
        QCOMPARE(code, 0);
        QVERIFY2(again.contains("nothing to clean up"), again.constData());
    }

    void statusAndStopTalkToTheRunningInstance()
    {
        int code = -1;
        QByteArray err;
        run({QStringLiteral("status")}, &code, &err);
        QCOMPARE(code, 3);
        QVERIFY(err.contains("no running instance"));

        QProcess app;
        app.setProcessEnvironment(env());
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("1"),
                   QStringLiteral("--activity-dir"), m_tmp.path() + QStringLiteral("/live")});
        QVERIFY(app.waitForStarted());
        QByteArray status;
        QTRY_VERIFY_WITH_TIMEOUT((status = run({QStringLiteral("status")}, &code), code == 0),
                                 5000);
        QCOMPARE(
            QJsonDocument::fromJson(status).object().value(QLatin1String("capturing")).toBool(),
            true);
        run({QStringLiteral("stop")}, &code);
        QCOMPARE(code, 0);
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
        QVERIFY(app.readAllStandardOutput().contains("\"events_received\""));
    }
};

QTEST_GUILESS_MAIN(TestCommands)
#include "tst_commands.moc"
