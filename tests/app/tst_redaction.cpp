#include "MissingPrerequisite.h"
#include "PeerServer.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "AppProcess.h"

using namespace ea;

// Redaction through the real binary: the secrets corpus (tests/fixtures/secrets) exported in
// every format, checked with redact --check, and kept out of the journal and session files by
// redact_at_capture while capturing from a real Socket.IO peer.
class TestRedaction : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_act; // the corpus replayed without redact_at_capture: its session file has secrets
    QList<QByteArray> m_needles;

    static QString corpus(const char* name)
    {
        return QStringLiteral(EA_FIXTURES_DIR "/secrets/") + QLatin1String(name);
    }

    QByteArray run(const QStringList& args, int* code, QByteArray* err = nullptr,
                   const QString& runtime = {}) const
    {
        QProcess p;
        const QString rt = runtime.isEmpty() ? m_tmp.path() + QStringLiteral("/rt") : runtime;
        p.setProcessEnvironment(ea::test::appEnvironment(m_tmp.path(), rt));
        p.setWorkingDirectory(m_tmp.path());
        p.start(QStringLiteral(EA_APP_BINARY), args);
        p.waitForFinished(30000);
        *code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        if (err)
            *err = p.readAllStandardError();
        return p.readAllStandardOutput();
    }

    QString writeConfig(const QString& name, const QByteArray& yaml) const
    {
        const QString path = m_tmp.path() + QLatin1Char('/') + name;
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(yaml) != yaml.size())
            return {};
        return path;
    }

    // Each secret as it was, JSON-escaped (as a JSON string body holds it), with its first
    // character \u-escaped, and base64-encoded.
    static QList<QByteArray> formsOf(const QByteArray& needle)
    {
        QByteArray escaped = QJsonDocument(QJsonArray{QString::fromUtf8(needle)})
                                 .toJson(QJsonDocument::Compact)
                                 .mid(2);
        escaped.chop(2);
        return {needle, escaped,
                QStringLiteral("\\u%1").arg(int(needle.at(0)), 4, 16, QLatin1Char('0')).toUtf8() +
                    needle.mid(1),
                needle.toBase64()};
    }

    // The first needle found in `bytes` (in any form), or empty.
    QByteArray leak(const QByteArray& bytes) const
    {
        for (const QByteArray& n : m_needles)
            for (const QByteArray& form : formsOf(n))
                if (bytes.contains(form))
                    return form;
        return {};
    }

    // Every file under dir, hidden ones (the journal, spills) included: name -> bytes.
    static QHash<QString, QByteArray> allFiles(const QString& dir)
    {
        QHash<QString, QByteArray> out;
        QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            if (f.open(QIODevice::ReadOnly))
                out.insert(path, f.readAll());
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QDir().mkpath(m_tmp.path() + QStringLiteral("/rt"));
        QFile nf(corpus("needles.txt"));
        QVERIFY(nf.open(QIODevice::ReadOnly));
        m_needles = nf.readAll().trimmed().split('\n');
        QVERIFY(m_needles.size() > 20);
        m_act = m_tmp.path() + QStringLiteral("/act");
        int code = -1;
        run({QStringLiteral("--headless"), QStringLiteral("--replay"), corpus("recording.jsonl"),
             QStringLiteral("--activity-dir"), m_act},
            &code);
        QCOMPARE(code, 0);
        // Without redact_at_capture the session file holds the secrets: what export must strip.
        QByteArray saved;
        for (const QByteArray& bytes : allFiles(m_act))
            saved += bytes;
        QVERIFY(!leak(saved).isEmpty());
    }

    void exportsCarryNoSecret_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("toFile");
        for (const char* f : {"json", "jsonl", "csv", "otlp"}) {
            QTest::newRow(qPrintable(QStringLiteral("%1 to stdout").arg(QLatin1String(f))))
                << QString::fromLatin1(f) << false;
            QTest::newRow(qPrintable(QStringLiteral("%1 to a file").arg(QLatin1String(f))))
                << QString::fromLatin1(f) << true;
        }
    }

    void exportsCarryNoSecret()
    {
        QFETCH(QString, format);
        QFETCH(bool, toFile);
        const QString target = m_tmp.path() + QStringLiteral("/export.") + format;
        QFile::remove(target);
        QFile::remove(target + QStringLiteral(".redaction.json"));
        QStringList args{QStringLiteral("export"),         QStringLiteral("--all"),
                         QStringLiteral("--format"),       format,
                         QStringLiteral("--activity-dir"), m_act};
        if (toFile)
            args << QStringLiteral("-o") << target;
        int code = -1;
        QByteArray err;
        QByteArray out = run(args, &code, &err);
        QCOMPARE(code, 0);
        if (toFile) {
            QFile f(target);
            QVERIFY(f.open(QIODevice::ReadOnly));
            out = f.readAll();
        }
        QVERIFY(out.size() > 1000);
        QVERIFY2(leak(out).isEmpty(), leak(out).constData());
        QVERIFY2(leak(err).isEmpty(), leak(err).constData());
        QVERIFY2(err.contains("redacted"), err.constData());
        // csv has no column for commands, otlp sends no tool inputs
        if (format != QLatin1String("csv") && format != QLatin1String("otlp"))
            QVERIFY(out.contains("[REDACTED:aws_access_key]")); // the \u0041-escaped one too
        if (format == QLatin1String("json")) {
            // Each document says what was taken out of it.
            const QJsonArray docs = QJsonDocument::fromJson(out).array();
            QCOMPARE(docs.size(), 1);
            const QJsonObject m =
                docs.first().toObject().value(QLatin1String("redaction")).toObject();
            QVERIFY(m.value(QLatin1String("total")).toInt() >= 15);
            QVERIFY(m.value(QLatin1String("rules")).toObject().contains(QLatin1String("jwt")));
        } else if (toFile) {
            QFile sidecar(target + QStringLiteral(".redaction.json"));
            QVERIFY(sidecar.open(QIODevice::ReadOnly));
            const QByteArray text = sidecar.readAll();
            QVERIFY(leak(text).isEmpty());
            const QJsonObject m =
                QJsonDocument::fromJson(text).object().value(QLatin1String("redaction")).toObject();
            QVERIFY(m.value(QLatin1String("total")).toInt() >= 15);
        }
        if (format == QLatin1String("jsonl"))
            for (const QByteArray& line : out.trimmed().split('\n'))
                QVERIFY(!QJsonDocument::fromJson(line).isNull());
    }

    void checkShowsWhereWithoutShowingWhat()
    {
        int code = -1;
        QByteArray err;
        const QByteArray out =
            run({QStringLiteral("redact"), QStringLiteral("--check"), QStringLiteral("5ec7e75e"),
                 QStringLiteral("--activity-dir"), m_act},
                &code, &err);
        QCOMPARE(code, 1); // secrets found
        QVERIFY2(leak(out).isEmpty(), leak(out).constData());
        QVERIFY2(out.contains("github_token  $.events["), out.constData());
        QVERIFY(out.contains("tool_parameters.command"));
        QVERIFY(out.contains("would be redacted"));

        const QByteArray json =
            run({QStringLiteral("redact"), QStringLiteral("--check"), corpus("recording.jsonl"),
                 QStringLiteral("--json"), QStringLiteral("--activity-dir"), m_act},
                &code);
        QCOMPARE(code, 1);
        QVERIFY(leak(json).isEmpty());
        const QJsonObject report = QJsonDocument::fromJson(json).object();
        QVERIFY(report.value(QLatin1String("total")).toInt() >= 15);
        const QJsonObject first =
            report.value(QLatin1String("findings")).toArray().first().toObject();
        QVERIFY2(first.value(QLatin1String("location")).toString().startsWith(u"line 2 $."),
                 qPrintable(first.value(QLatin1String("location")).toString()));

        // Nothing to find: 0. No such file or session, or no --check: 2.
        const QString clean = writeConfig(QStringLiteral("clean.txt"), "nothing secret here\n");
        run({QStringLiteral("redact"), QStringLiteral("--check"), clean,
             QStringLiteral("--activity-dir"), m_act},
            &code);
        QCOMPARE(code, 0);
        run({QStringLiteral("redact"), QStringLiteral("--check"), QStringLiteral("nosuch"),
             QStringLiteral("--activity-dir"), m_act},
            &code, &err);
        QCOMPARE(code, 2);
        run({QStringLiteral("redact"), clean, QStringLiteral("--activity-dir"), m_act}, &code,
            &err);
        QCOMPARE(code, 2);
        QVERIFY(err.contains("usage"));
    }

    void userRulesFromTheConfiguration()
    {
        const QString config = writeConfig(QStringLiteral("rules.yaml"),
                                           "event_aggregator:\n"
                                           "  redaction:\n"
                                           "    rules:\n"
                                           "      - name: project_name\n"
                                           "        pattern: '/home/dev/(?<secret>shop)'\n"
                                           "        replacement: '<project>'\n"
                                           "      - name: retries\n"
                                           "        keys: [retries, '*_branch']\n");
        int code = -1;
        QByteArray err;
        const QByteArray out =
            run({QStringLiteral("export"), QStringLiteral("--all"), QStringLiteral("--format"),
                 QStringLiteral("json"), QStringLiteral("--config"), config,
                 QStringLiteral("--activity-dir"), m_act},
                &code, &err);
        QCOMPARE(code, 0);
        QVERIFY(!out.contains("/home/dev/shop"));
        QVERIFY(out.contains("/home/dev/<project>"));
        QVERIFY(out.contains("\"git_branch\":\"[REDACTED:retries]\""));
        QVERIFY(leak(out).isEmpty()); // the built-in rules still apply
    }

    void badUserRuleIsAConfigurationError()
    {
        const QString config =
            writeConfig(QStringLiteral("bad.yaml"), "event_aggregator:\n"
                                                    "  redaction:\n"
                                                    "    rules:\n"
                                                    "      - name: broken\n"
                                                    "        pattern: 'sk-(unclosed'\n");
        for (const QStringList& args :
             {QStringList{QStringLiteral("export"), QStringLiteral("--all"),
                          QStringLiteral("--format"), QStringLiteral("json")},
              QStringList{QStringLiteral("--headless")}}) {
            int code = -1;
            QByteArray err;
            run(args + QStringList{QStringLiteral("--config"), config,
                                   QStringLiteral("--activity-dir"), m_act},
                &code, &err);
            QCOMPARE(code, 2);
            QVERIFY2(err.contains("bad.yaml:4: event_aggregator.redaction.rules: rule \"broken\": "
                                  "pattern does not compile at offset"),
                     err.constData());
        }
    }

    void redactAtCaptureKeepsSecretsOffTheDisk()
    {
        QString why;
        if (!PeerServer::available(PeerServer::Node, &why))
            EA_SKIP_OR_FAIL(qPrintable(why));
        const QString dir = m_tmp.path() + QStringLiteral("/capture");
        const QString act = dir + QStringLiteral("/act");
        const QString runtime = dir + QStringLiteral("/rt");
        QDir().mkpath(runtime);
        const QString config = writeConfig(QStringLiteral("capture.yaml"),
                                           "event_aggregator:\n  redact_at_capture: true\n");
        PeerServer peer;
        QVERIFY(peer.start(PeerServer::Node));
        QProcess app;
        app.setProcessEnvironment(ea::test::appEnvironment(m_tmp.path(), runtime));
        app.start(QStringLiteral(EA_APP_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--port"),
                   QString::number(peer.port()), QStringLiteral("--activity-dir"), act,
                   QStringLiteral("--config"), config});
        QVERIFY(peer.waitForReport(PeerServer::reportIs(QStringLiteral("connect")), 10000));
        // The corpus without its Stop events: the session stays open, so the journal holds
        // every event when the files are searched.
        QFile rec(corpus("recording.jsonl"));
        QVERIFY(rec.open(QIODevice::ReadOnly));
        QByteArray open;
        for (const QByteArray& line : rec.readAll().split('\n'))
            if (!line.contains("\"subtype\": \"stop\""))
                open += line + '\n';
        const QString openRecording = writeConfig(QStringLiteral("open.jsonl"), open);
        QVERIFY(!peer.command({{QStringLiteral("cmd"), QStringLiteral("replay")},
                               {QStringLiteral("file"), openRecording}},
                              30000)
                     .isEmpty());
        QJsonObject status;
        QVERIFY(ea::test::waitUntil(
            [&] {
                int code = -1;
                status = QJsonDocument::fromJson(
                             run({QStringLiteral("status")}, &code, nullptr, runtime))
                             .object();
                return code == 0 && status.value(QLatin1String("events_received")).toInt() >= 14;
            },
            20000));
        QVERIFY2(status.value(QLatin1String("secrets_redacted")).toInt() >= 15,
                 QJsonDocument(status).toJson().constData());
        QHash<QString, QByteArray> files = allFiles(act);
        QByteArray journal;
        for (auto it = files.cbegin(); it != files.cend(); ++it)
            if (it.key().contains(QStringLiteral("/.journal/")))
                journal += it.value();
        QVERIFY2(journal.contains("[REDACTED:github_token]"), journal.left(2000).constData());
        for (auto it = files.cbegin(); it != files.cend(); ++it)
            QVERIFY2(leak(it.value()).isEmpty(),
                     qPrintable(it.key() + QStringLiteral(": ") + leak(it.value())));
        int code = -1;
        run({QStringLiteral("stop")}, &code, nullptr, runtime);
        QCOMPARE(code, 0);
        QVERIFY(app.waitForFinished(30000));
        QCOMPARE(app.exitCode(), 0);
        files = allFiles(act);
        bool sessionFile = false;
        for (auto it = files.cbegin(); it != files.cend(); ++it) {
            QVERIFY2(leak(it.value()).isEmpty(),
                     qPrintable(it.key() + QStringLiteral(": ") + leak(it.value())));
            if (it.key().contains(QStringLiteral("session_5ec7e75e"))) {
                sessionFile = true;
                QVERIFY(it.value().contains("[REDACTED:private_key]"));
            }
        }
        QVERIFY(sessionFile);
    }
};

QTEST_GUILESS_MAIN(TestRedaction)
#include "tst_redaction.moc"
