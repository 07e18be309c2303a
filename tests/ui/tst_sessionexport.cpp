#include "export/SessionExporter.h"
#include "ui/SessionExportJob.h"

#include <QBuffer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// SessionExporter's three formats, and the browser's stepwise export job.
class TestSessionExport : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    static QJsonObject session(const QString& id, int events)
    {
        QJsonArray list;
        for (int i = 0; i < events; ++i)
            list.append(QJsonObject{
                {"timestamp",
                 QStringLiteral("2026-07-01T10:00:%1.000Z").arg(i, 2, 10, QLatin1Char('0'))},
                {"event_type", "user_prompt"},
                {"category", "prompt"},
                {"data", QJsonObject{{"prompt_text",
                                      QStringLiteral("say \"hi\", then\nleave %1").arg(i)}}}});
        return QJsonObject{{"session_id", id}, {"events", list}};
    }

private Q_SLOTS:
    void writesJsonJsonlAndCsv()
    {
        for (const char* name : {"json", "jsonl", "csv"}) {
            const auto format = SessionExporter::formatFromName(QString::fromLatin1(name));
            QVERIFY(format);
            QCOMPARE(SessionExporter::formatName(*format), QLatin1String(name));
            QBuffer out;
            out.open(QIODevice::WriteOnly);
            SessionExporter e(*format, &out);
            QVERIFY(e.begin());
            QVERIFY(e.add(session(QStringLiteral("a"), 2)));
            QVERIFY(e.add(session(QStringLiteral("b"), 3)));
            QVERIFY(e.finish());
            QCOMPARE(e.sessionsWritten(), 2);
            const QByteArray bytes = out.data();
            if (*format == SessionExporter::Format::Json) {
                const QJsonArray a = QJsonDocument::fromJson(bytes).array();
                QCOMPARE(a.size(), 2);
                QCOMPARE(a.at(1).toObject().value("session_id").toString(), QStringLiteral("b"));
            } else if (*format == SessionExporter::Format::Jsonl) {
                const QList<QByteArray> lines = bytes.trimmed().split('\n');
                QCOMPARE(lines.size(), 5);
                QCOMPARE(
                    QJsonDocument::fromJson(lines.last()).object().value("session_id").toString(),
                    QStringLiteral("b"));
            } else {
                QVERIFY(bytes.startsWith(SessionExporter::csvHeader().toUtf8() + '\n'));
                // Quotes doubled, the field quoted because of the comma and the line break.
                QVERIFY(bytes.contains("\"say \"\"hi\"\", then\nleave 0\""));
                QCOMPARE(e.eventsWritten(), qint64(5));
            }
        }
        QVERIFY(!SessionExporter::formatFromName(u"xml"));
    }

    void jobExportsSavedAndLiveSessionsAndCancelLeavesNothing()
    {
        // Saved sessions as files, one live session as a document.
        QList<SessionExportJob::Source> sources;
        for (int i = 0; i < 30; ++i) {
            const QString path = m_tmp.path() + QStringLiteral("/session_%1.json").arg(i);
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QJsonDocument(session(QStringLiteral("s%1").arg(i), 1)).toJson());
            f.close();
            sources.append({QStringLiteral("s%1").arg(i), path, {}});
        }
        sources.append({QStringLiteral("live"), QString(), session(QStringLiteral("live"), 4)});
        sources.append(
            {QStringLiteral("gone"), m_tmp.path() + QStringLiteral("/missing.json"), {}});

        const QString target = m_tmp.path() + QStringLiteral("/out.jsonl");
        SessionExportJob job(sources, SessionExporter::Format::Jsonl, target);
        QSignalSpy done(&job, &SessionExportJob::finished);
        job.start(nullptr);
        QVERIFY(!QFile::exists(target)); // written atomically, at the end
        QVERIFY(done.wait(10000));
        QVERIFY(done.first().at(0).toBool());
        QVERIFY(done.first().at(1).toString().contains(QStringLiteral("1 unreadable skipped")));
        QFile f(target);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().trimmed().split('\n').size(), 34); // 30 + 4 live events

        const QString cancelled = m_tmp.path() + QStringLiteral("/cancelled.json");
        SessionExportJob second(sources, SessionExporter::Format::Json, cancelled);
        QSignalSpy secondDone(&second, &SessionExportJob::finished);
        second.start(nullptr);
        second.cancel();
        QCOMPARE(secondDone.count(), 1);
        QVERIFY(!secondDone.first().at(0).toBool());
        QTest::qWait(20);
        QVERIFY(!QFile::exists(cancelled));
    }

    void jobRedactsAndWritesTheManifestBesideTheFile()
    {
        // A live session with a token in a command, and a rule of the user's on top.
        QJsonObject doc = session(QStringLiteral("secret"), 1);
        QJsonArray events = doc.value("events").toArray();
        events.append(QJsonObject{
            {"timestamp", "2026-07-01T10:01:00.000Z"},
            {"event_type", "pre_tool"},
            {"data", QJsonObject{{"tool_name", "Bash"},
                                 {"tool_parameters",
                                  QJsonObject{{"command", "GH_TOKEN=ghp_0123456789abcdefghijABCDEFG"
                                                          "HIJ012345 gh pr list # TK-1234"}}}}}});
        doc.insert("events", events);
        RedactionRule ticket;
        ticket.name = QStringLiteral("ticket");
        ticket.pattern = QStringLiteral("TK-[0-9]+");
        for (const auto format : {SessionExporter::Format::Jsonl, SessionExporter::Format::Json}) {
            const QString target =
                m_tmp.path() + QStringLiteral("/redacted.") + SessionExporter::formatName(format);
            SessionExportJob job({{QStringLiteral("secret"), QString(), doc}}, format, target);
            job.setRedactor(Redactor(RedactionRules::withUserRules({ticket})));
            QSignalSpy done(&job, &SessionExportJob::finished);
            job.start(nullptr);
            QVERIFY(done.wait(10000));
            QVERIFY(done.first().at(0).toBool());
            QVERIFY2(done.first().at(1).toString().contains(QStringLiteral("2 secrets redacted")),
                     qPrintable(done.first().at(1).toString()));
            QFile f(target);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            QVERIFY(!bytes.contains("0123456789abcdefghij"));
            QVERIFY(!bytes.contains("TK-1234"));
            QVERIFY(bytes.contains("[REDACTED:github_token]") &&
                    bytes.contains("[REDACTED:ticket]"));
            const QString sidecar = SessionExporter::sidecarPath(target);
            if (format == SessionExporter::Format::Json) {
                QVERIFY(!QFile::exists(sidecar)); // the document carries it
                const QJsonObject m = QJsonDocument::fromJson(bytes)
                                          .array()
                                          .first()
                                          .toObject()
                                          .value("redaction")
                                          .toObject();
                QCOMPARE(m.value("total").toInt(), 2);
            } else {
                QFile side(sidecar);
                QVERIFY(side.open(QIODevice::ReadOnly));
                const QJsonObject o = QJsonDocument::fromJson(side.readAll()).object();
                QCOMPARE(o.value("format").toString(), QStringLiteral("jsonl"));
                QCOMPARE(
                    o.value("redaction").toObject().value("rules").toObject().value("github_token"),
                    QJsonValue(1));
            }
        }
    }
};

QTEST_MAIN(TestSessionExport)
#include "tst_sessionexport.moc"
