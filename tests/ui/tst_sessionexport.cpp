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
};

QTEST_MAIN(TestSessionExport)
#include "tst_sessionexport.moc"
