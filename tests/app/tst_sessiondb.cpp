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
#include "SessionFactory.h"

// The session database as users meet it: sessions --where, search, stats, pin, unpin and
// cleanup from a shell, with no instance running and beside a running capture.
class TestSessionDb : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_act;

    struct Result
    {
        int code = -1;
        QByteArray out;
        QByteArray err;
    };

    Result run(const QStringList& args, const QString& act) const
    {
        QProcess p;
        p.setProcessEnvironment(
            ea::test::appEnvironment(m_tmp.path(), m_tmp.path() + QStringLiteral("/rt")));
        p.setWorkingDirectory(m_tmp.path());
        p.start(QStringLiteral(EA_APP_BINARY),
                args + QStringList{QStringLiteral("--activity-dir"), act});
        p.waitForFinished(60000);
        Result r;
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    QJsonArray json(const QStringList& args, const QString& act) const
    {
        const Result r = run(args + QStringList{QStringLiteral("--json")}, act);
        if (r.code != 0)
            qWarning() << args << r.code << r.err;
        return QJsonDocument::fromJson(r.out).array();
    }

    static void removeDatabase(const QString& act)
    {
        for (const char* suffix : {"", "-wal", "-shm"})
            QFile::remove(act + QStringLiteral("/.sessions.db") + QLatin1String(suffix));
    }

    // Session files written as a capture would have, ended `daysAgo` (file times too).
    static void writeSessions(const QString& act, int count, int daysAgo, int padBytes = 0)
    {
        QDir().mkpath(act);
        const QDateTime start = QDateTime::currentDateTimeUtc().addDays(-daysAgo);
        for (int n = 0; n < count; ++n) {
            QJsonObject doc = ea::test::generatedSession(n, start.addSecs(n * 60));
            if (padBytes > 0)
                doc.insert(QStringLiteral("final_response"), QString(padBytes, QLatin1Char('x')));
            const QString path =
                act +
                QStringLiteral("/session_%1_%2.json")
                    .arg(doc.value(QStringLiteral("session_id")).toString(),
                         start.addSecs(n * 60).toString(QStringLiteral("yyyy-MM-ddTHH-mm-ss")));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QJsonDocument(doc).toJson());
            f.close(); // written: only now may its time be set back
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.setFileTime(start.addSecs(n * 60 + 120), QFileDevice::FileModificationTime));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QDir().mkpath(m_tmp.path() + QStringLiteral("/rt"));
        m_act = m_tmp.path() + QStringLiteral("/act");
        const Result r = run({QStringLiteral("--headless"), QStringLiteral("--replay"),
                              QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.jsonl")},
                             m_act);
        QCOMPARE(r.code, 0);
        // The capture built and kept the database.
        QVERIFY(QFileInfo::exists(m_act + QStringLiteral("/.sessions.db")));
    }

    void whereSearchAndStats()
    {
        QJsonArray rows = json({QStringLiteral("sessions"), QStringLiteral("--where"),
                                QStringLiteral("project:proj3")},
                               m_act);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().toObject().value(QLatin1String("session_id")).toString(),
                 QStringLiteral("e4b06ce6-0741-c7a8-7ce4-2c8218072e8c"));
        rows = json({QStringLiteral("sessions"), QStringLiteral("--where"),
                     QStringLiteral("tool:Bash status:completed failed")},
                    m_act);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(json({QStringLiteral("sessions"), QStringLiteral("--where"),
                       QStringLiteral("file:src/mod_16.py since:2026-07-27 until:2026-07-27")},
                      m_act)
                     .size(),
                 1);

        const QJsonArray hits = json({QStringLiteral("search"), QStringLiteral("login"),
                                      QStringLiteral("--where"), QStringLiteral("branch:main")},
                                     m_act);
        QCOMPARE(hits.size(), 3); // of the four sessions whose prompt says login
        for (const QJsonValue& h : hits) {
            const QJsonObject o = h.toObject();
            const QJsonArray span = o.value(QLatin1String("matches")).toArray().first().toArray();
            QCOMPARE(
                o.value(QLatin1String("snippet")).toString().mid(span[0].toInt(), span[1].toInt()),
                QStringLiteral("login"));
            QCOMPARE(o.value(QLatin1String("session"))
                         .toObject()
                         .value(QLatin1String("git_branch"))
                         .toString(),
                     QStringLiteral("main"));
        }

        const QJsonArray tools =
            json({QStringLiteral("stats"), QStringLiteral("--by"), QStringLiteral("tool")}, m_act);
        bool bash = false;
        for (const QJsonValue& v : tools) {
            const QJsonObject o = v.toObject();
            if (o.value(QLatin1String("group")).toString() != QLatin1String("Bash"))
                continue;
            bash = true;
            QCOMPARE(o.value(QLatin1String("sessions")).toInt(), 5);
            QVERIFY(o.value(QLatin1String("failure_rate")).toDouble() > 0.5);
            QVERIFY(o.value(QLatin1String("p95_duration_ms")).toInt() >=
                    o.value(QLatin1String("p50_duration_ms")).toInt());
        }
        QVERIFY(bash);
        const QJsonArray all = json({QStringLiteral("stats")}, m_act);
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().toObject().value(QLatin1String("sessions")).toInt(), 5);
    }

    void exitCodesTellTheTruth()
    {
        Result r = run({QStringLiteral("sessions"), QStringLiteral("--where"),
                        QStringLiteral("tool:Bash colour:red")},
                       m_act);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("at position 11: unknown field \"colour:\""), r.err.constData());
        r = run({QStringLiteral("search"), QStringLiteral("\"unterminated")}, m_act);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("position 1"), r.err.constData());
        r = run({QStringLiteral("search")}, m_act);
        QCOMPARE(r.code, 2);
        r = run({QStringLiteral("stats"), QStringLiteral("--by"), QStringLiteral("week")}, m_act);
        QCOMPARE(r.code, 2);
        r = run({QStringLiteral("stats"), QStringLiteral("--where"), QStringLiteral("tokens>x")},
                m_act);
        QCOMPARE(r.code, 2);
        r = run({QStringLiteral("pin"), QStringLiteral("nosuchsession")}, m_act);
        QCOMPARE(r.code, 1);
        // Hostile text is a value like any other: nothing matches, nothing breaks.
        r = run({QStringLiteral("sessions"), QStringLiteral("--where"),
                 QStringLiteral("project:\"x' OR 1=1; DROP TABLE sessions; --\""),
                 QStringLiteral("--json")},
                m_act);
        QCOMPARE(r.code, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 0);
        QCOMPARE(
            json({QStringLiteral("sessions"), QStringLiteral("--where"), QString()}, m_act).size(),
            5);
        // No activity directory: said clearly, exit 1.
        r = run({QStringLiteral("stats")}, m_tmp.path() + QStringLiteral("/nothing-here"));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no activity directory"), r.err.constData());
    }

    void deletingOrDamagingTheDatabaseLosesNothing()
    {
        const QJsonArray before = json(
            {QStringLiteral("sessions"), QStringLiteral("--where"), QStringLiteral("tool:Read")},
            m_act);
        QCOMPARE(before.size(), 5);
        removeDatabase(m_act);
        Result r = run({QStringLiteral("sessions"), QStringLiteral("--where"),
                        QStringLiteral("tool:Read"), QStringLiteral("--json")},
                       m_act);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains("building the session database"), r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out).array(), before);
        QFile db(m_act + QStringLiteral("/.sessions.db"));
        QVERIFY(db.open(QIODevice::WriteOnly | QIODevice::Truncate));
        db.write(QByteArray(50000, 'g'));
        db.close();
        r = run({QStringLiteral("sessions"), QStringLiteral("--where"), QStringLiteral("tool:Read"),
                 QStringLiteral("--json")},
                m_act);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains("not a database"), r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out).array(), before);
    }

    void readerBesideARunningWriter()
    {
        // A recording of 60 copies of the sample stream, each with its own session ids: the
        // capture (another process) writes hundreds of sessions while questions are asked.
        QFile sample(QStringLiteral(EA_FIXTURES_DIR "/samples/current-server.jsonl"));
        QVERIFY(sample.open(QIODevice::ReadOnly));
        const QByteArray text = sample.readAll();
        const QList<QByteArray> ids{
            "e4b06ce6-0741-c7a8-7ce4-2c8218072e8c", "c2ce6f44-7ed4-d57b-1e2f-eb89414c343c",
            "c4647159-c324-c985-9b81-0e766ec9d286", "c9e9c616-612e-7696-a6ce-cc1b78e51061",
            "cd613e30-d8f1-6adf-91b7-584a2265b1f5"};
        QByteArray big;
        for (int copy = 0; copy < 60; ++copy) {
            QByteArray t = text;
            for (const QByteArray& id : ids)
                t.replace(id, id.left(30) + QByteArray::number(100000 + copy));
            big += t;
        }
        const QString recording = m_tmp.path() + QStringLiteral("/big.jsonl");
        QFile out(recording);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(big);
        out.close();
        const QString act = m_tmp.path() + QStringLiteral("/two");
        QProcess writer;
        writer.setProcessEnvironment(
            ea::test::appEnvironment(m_tmp.path(), m_tmp.path() + QStringLiteral("/rt")));
        writer.start(QStringLiteral(EA_APP_BINARY),
                     {QStringLiteral("--headless"), QStringLiteral("--replay"), recording,
                      QStringLiteral("--activity-dir"), act});
        QVERIFY(writer.waitForStarted());
        int answered = 0;
        int last = 0;
        // waitForFinished also reads the writer's output, which must not fill its pipes.
        while (!writer.waitForFinished(10)) {
            const Result r = run({QStringLiteral("sessions"), QStringLiteral("--where"),
                                  QStringLiteral("tool:Read"), QStringLiteral("--json")},
                                 act);
            if (r.code != 0) {
                // Only before the writer's first commit: no directory or no database yet.
                QVERIFY2(answered == 0 && (r.err.contains("try again") ||
                                           r.err.contains("no activity directory")),
                         r.err.constData());
                continue;
            }
            const int n = int(QJsonDocument::fromJson(r.out).array().size());
            QVERIFY(n >= last); // never a torn or locked read
            last = n;
            ++answered;
        }
        QCOMPARE(writer.exitCode(), 0);
        QVERIFY(answered > 0);
        const int files =
            int(QDir(act).entryList({QStringLiteral("session_*")}, QDir::Files).size());
        QCOMPARE(files, 300);
        QCOMPARE(
            json({QStringLiteral("sessions"), QStringLiteral("--where"), QString()}, act).size(),
            files);
    }

    void pinsSurviveCleanupAndTheDatabase()
    {
        const QString act = m_tmp.path() + QStringLiteral("/old");
        writeSessions(act, 3, 40);
        const QString pinned = QStringLiteral("sess-000001-web");
        Result r = run({QStringLiteral("pin"), QStringLiteral("sess-000001")}, act);
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("pinned sess-000001-web"));
        r = run({QStringLiteral("cleanup"), QStringLiteral("--days"), QStringLiteral("30"),
                 QStringLiteral("--dry-run")},
                act);
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count("would remove"), 2);
        QVERIFY2(r.out.contains("older than 30 day(s)"), r.out.constData());
        QVERIFY(!r.out.contains(pinned.toUtf8()));
        QCOMPARE(QDir(act).entryList({QStringLiteral("session_*")}).size(), 3);
        r = run({QStringLiteral("cleanup"), QStringLiteral("--days"), QStringLiteral("30")}, act);
        QCOMPARE(r.code, 0);
        QCOMPARE(QDir(act).entryList({QStringLiteral("session_*")}).size(), 1);
        QJsonArray rows =
            json({QStringLiteral("sessions"), QStringLiteral("--where"), QString()}, act);
        QCOMPARE(rows.size(), 1);
        QVERIFY(rows.first().toObject().value(QLatin1String("pinned")).toBool());
        removeDatabase(act); // the pins are not in it
        QCOMPARE(
            json({QStringLiteral("sessions"), QStringLiteral("--where"), QStringLiteral("pinned")},
                 act)
                .size(),
            1);
        QCOMPARE(run({QStringLiteral("unpin"), pinned}, act).code, 0);
        QCOMPARE(
            json({QStringLiteral("sessions"), QStringLiteral("--where"), QStringLiteral("pinned")},
                 act)
                .size(),
            0);
    }

    void maxTotalMbFromTheConfiguration()
    {
        const QString act = m_tmp.path() + QStringLiteral("/budget");
        writeSessions(act, 4, 2, 400 * 1024); // about 1.6 MB, none older than the age limit
        const QString config = m_tmp.path() + QStringLiteral("/budget.yaml");
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("event_aggregator:\n  max_total_mb: 1\n");
        f.close();
        Result r = run({QStringLiteral("cleanup"), QStringLiteral("--dry-run"),
                        QStringLiteral("--config"), config},
                       act);
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count("would remove"), 2); // the two oldest: 0.8 MB are left
        QVERIFY2(r.out.contains("sess-000000") && r.out.contains("sess-000001"), r.out.constData());
        QVERIFY2(r.out.contains("more than 1 MB"), r.out.constData());
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write("event_aggregator:\n  max_total_mb: -1\n");
        f.close();
        r = run({QStringLiteral("cleanup"), QStringLiteral("--dry-run"), QStringLiteral("--config"),
                 config},
                act);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("max_total_mb"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestSessionDb)
#include "tst_sessiondb.moc"
