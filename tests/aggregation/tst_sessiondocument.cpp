// SessionDocumentWriter and SessionDocumentReader: the session file format, both ways.
#include "RecordedStream.h"
#include "aggregation/AgentSession.h"
#include "aggregation/SessionDocumentReader.h"
#include "aggregation/SessionDocumentWriter.h"
#include "ingest/Deduplicator.h"
#include "ingest/EventNormalizer.h"
#include "util/IsoTime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace ea;

namespace {

const QDateTime kStart(QDate(2026, 7, 27), QTime(9, 0), Qt::UTC);

ClaudeEvent make(const char* subtype, qint64 ms, QJsonObject data, const QString& corr = {})
{
    data.insert(QStringLiteral("session_id"), QStringLiteral("doc"));
    QJsonObject top{{QStringLiteral("type"), QStringLiteral("hook_event")},
                    {QStringLiteral("subtype"), QString::fromLatin1(subtype)},
                    {QStringLiteral("session_id"), QStringLiteral("doc")},
                    {QStringLiteral("timestamp"), IsoTime::toString(kStart.addMSecs(ms))},
                    {QStringLiteral("data"), data}};
    if (!corr.isEmpty())
        top.insert(QStringLiteral("correlation_id"), corr);
    return EventNormalizer::normalize(QStringLiteral("hook_event"),
                                      QJsonDocument(top).toJson(QJsonDocument::Compact), kStart)
        .events.value(0);
}

// A prompt, a tool call and its result, a delegation with a failing call, a Stop.
AgentSession handMade()
{
    AgentSession s(QStringLiteral("doc"));
    s.addEvent(
        make("user_prompt", 0, {{QStringLiteral("prompt_text"), QStringLiteral("go \"now\"\n")}}));
    s.addEvent(make("pre_tool", 10,
                    {{QStringLiteral("tool_name"), QStringLiteral("Read")},
                     {QStringLiteral("tool_parameters"),
                      QJsonObject{{QStringLiteral("file_path"), QStringLiteral("/r/a.txt")}}}},
                    QStringLiteral("c1")));
    s.addEvent(make("post_tool", 20,
                    {{QStringLiteral("tool_name"), QStringLiteral("Read")},
                     {QStringLiteral("success"), true},
                     {QStringLiteral("result_summary"), QJsonObject{{QStringLiteral("lines"), 3}}}},
                    QStringLiteral("c1")));
    s.addEvent(make("pre_tool", 30,
                    {{QStringLiteral("tool_name"), QStringLiteral("Task")},
                     {QStringLiteral("delegation_details"),
                      QJsonObject{{QStringLiteral("agent_type"), QStringLiteral("qa")},
                                  {QStringLiteral("description"), QStringLiteral("check")}}}},
                    QStringLiteral("t1")));
    s.addEvent(make("pre_tool", 40, {{QStringLiteral("tool_name"), QStringLiteral("Bash")}},
                    QStringLiteral("c2")));
    s.addEvent(make("post_tool", 50,
                    {{QStringLiteral("tool_name"), QStringLiteral("Bash")},
                     {QStringLiteral("success"), false},
                     {QStringLiteral("error"), QStringLiteral("exit 2")}},
                    QStringLiteral("c2")));
    s.addEvent(make(
        "post_tool", 60,
        {{QStringLiteral("tool_name"), QStringLiteral("Task")}, {QStringLiteral("success"), true}},
        QStringLiteral("t1")));
    s.addEvent(
        make("stop", 70,
             {{QStringLiteral("usage"), QJsonObject{{QStringLiteral("input_tokens"), 12},
                                                    {QStringLiteral("output_tokens"), 3}}}}));
    return s;
}

QJsonObject parse(const QByteArray& text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << error.errorString() << "at" << error.offset
                   << text.mid(error.offset - 40, 80);
    return doc.object();
}

} // namespace

class tst_SessionDocument : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("ea.*.debug=false")); }

    void writesEveryPartFromTheSession()
    {
        const AgentSession s = handMade();
        const QJsonObject doc = parse(SessionDocumentWriter::write(s));
        QCOMPARE(doc.value("session_id").toString(), QStringLiteral("doc"));
        QCOMPARE(doc.value("status").toString(), QStringLiteral("completed"));
        QCOMPARE(doc.value("initial_prompt").toString(), QStringLiteral("go \"now\"\n"));
        const QJsonArray ops = doc.value("tool_operations").toArray();
        QCOMPARE(ops.size(), 2);
        const QJsonObject read = ops.at(0).toObject();
        QCOMPARE(read.value("input_data").toObject().value("file_path").toString(),
                 QStringLiteral("/r/a.txt"));
        QCOMPARE(read.value("output_data").toObject().value("lines").toInt(), 3);
        QCOMPARE(read.value("result").toString(), QStringLiteral("success"));
        QCOMPARE(read.value("delegation"), QJsonValue(QJsonValue::Null));
        const QJsonObject bash = ops.at(1).toObject();
        QCOMPARE(bash.value("success"), QJsonValue(false));
        QCOMPARE(bash.value("error").toString(), QStringLiteral("exit 2"));
        QCOMPARE(bash.value("input_data"), QJsonValue(QJsonValue::Null));
        const QJsonArray delegations = doc.value("delegations").toArray();
        QCOMPARE(delegations.size(), 1);
        QCOMPARE(delegations.at(0).toObject().value("tool_operations").toArray().at(0), bash);
        const QJsonObject metrics = doc.value("metrics").toObject();
        QCOMPARE(metrics.value("total_events").toInt(), 8);
        QCOMPARE(metrics.value("tool_failures").toInt(), 1);
        QCOMPARE(metrics.value("token_usage").toObject().value("total_tokens").toInt(), 15);
        QCOMPARE(doc.value("turns").toArray().size(), 1);
        const QJsonArray events = doc.value("events").toArray();
        QCOMPARE(events.size(), 8);
        const QJsonObject inDelegation = events.at(4).toObject();
        QCOMPARE(inDelegation.value("agent_context").toString(), QStringLiteral("qa"));
        QCOMPARE(inDelegation.value("correlation_id").toString(), QStringLiteral("c2"));
        QCOMPARE(events.at(0).toObject().value("timestamp").toString(),
                 QStringLiteral("2026-07-27T09:00:00.000Z"));
        // The same as the tree API hands out.
        QCOMPARE(doc, s.toJson());
    }

    // For people: indented head, one event per line; the same document as the compact text.
    void readableLayoutHoldsTheSameDocument()
    {
        const AgentSession s = handMade();
        const QByteArray compact = SessionDocumentWriter::write(s);
        const QByteArray readable =
            SessionDocumentWriter::write(s, {}, SessionDocumentWriter::Layout::Readable);
        QVERIFY(!compact.contains('\n'));
        QVERIFY2(readable.startsWith("{\n    \"schema_version\": 1,\n    \"session_id\": \"doc\""),
                 readable.constData());
        QVERIFY(readable.contains("\n    \"events\": [\n        {\"agent_context\":null,"));
        QCOMPARE(readable.count("\n        {\"agent_context\""), 8);
        QCOMPARE(parse(readable), parse(compact));
        // Sized: readable up to the limit, compact above it.
        QCOMPARE(SessionDocumentWriter::writeSized(s, {}, readable.size() * 2), readable);
        QCOMPARE(SessionDocumentWriter::writeSized(s, {}, readable.size()), readable);
        QCOMPARE(SessionDocumentWriter::writeSized(s, {}, readable.size() - 1), compact);
        QCOMPARE(SessionDocumentWriter::writeSized(s, {}, compact.size()), compact);
        QCOMPARE(SessionDocumentWriter::writeSized(s, {}, 100), compact);
    }

    // The save hands the session database the document without its events, cut from the text
    // at the offset the writer returns; a reused buffer is emptied first.
    void theDocumentWithoutEventsIsCutFromTheText()
    {
        const AgentSession s = handMade();
        QJsonObject whole = parse(SessionDocumentWriter::write(s));
        QCOMPARE(whole.value("events").toArray().size(), 8);
        whole.insert(QStringLiteral("events"), QJsonArray());
        QByteArray text = "left over from an earlier save";
        const qint64 readableSize =
            SessionDocumentWriter::write(s, {}, SessionDocumentWriter::Layout::Readable).size();
        for (const qint64 readableUpTo : {qint64(1) << 30, readableSize - 1, qint64(100)}) {
            const qsizetype at = SessionDocumentWriter::writeSized(s, {}, readableUpTo, &text);
            QVERIFY(at > 0);
            QCOMPARE(text, SessionDocumentWriter::writeSized(s, {}, readableUpTo));
            QCOMPARE(text.at(at), '[');
            QCOMPARE(parse(text.left(at) + "[]}"), whole);
        }
    }

    void extraFieldsJoinTheTopLevel()
    {
        const QJsonObject doc = parse(SessionDocumentWriter::write(
            handMade(), {{QStringLiteral("part"), 2},
                         {QStringLiteral("parent_session_id"), QStringLiteral("doc")},
                         {QStringLiteral("idle_ms_at_save"), 1.5}}));
        QCOMPARE(doc.value("part").toInt(), 2);
        QCOMPARE(doc.value("parent_session_id").toString(), QStringLiteral("doc"));
        QCOMPARE(doc.value("idle_ms_at_save").toDouble(), 1.5);
    }

    // Strings the writer escapes itself come back as they were: ASCII with every escape, text
    // that turns non-ASCII half-way (the fast path hands over), a pair of surrogates, and a
    // lone one (as UTF-8 conversion replaces it), in both layouts and in long runs.
    void writtenStringsReadBackAsTheyWere()
    {
        const QString lone = QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b");
        QStringList values{
            QStringLiteral("plain"),
            QStringLiteral("q\"b\\n\n r\r t\t b\b f\f ") + QChar(1) + QChar(0x1f) + QChar(0x7f),
            QStringLiteral("ascii first, then é and \"quoted\\\" and ") + QChar(2),
            QString::fromUtf8("\xF0\x9F\x98\x80 emoji then \\ and \n"),
            lone,
            QString(5000, QLatin1Char('"')) + QString(5000, QLatin1Char('x')),
        };
        // The fast path takes eight units at a time: a unit it must not take, at every place
        // of strings shorter than, as long as and longer than a few such blocks.
        QStringList placed;
        for (int n = 1; n <= 40; ++n) {
            for (int at = 0; at < n; ++at) {
                for (const char16_t odd :
                     {u'"', u'\\', u'\n', u'\x01', u'\x7f', u'\xe9', u'\x9000', u'\xffff'}) {
                    QString s(n, QLatin1Char('x'));
                    s[at] = QChar(odd);
                    placed.append(s);
                }
            }
        }
        values += placed;
        for (const auto layout :
             {SessionDocumentWriter::Layout::Compact, SessionDocumentWriter::Layout::Readable}) {
            QJsonObject extra;
            for (qsizetype i = 0; i < values.size(); ++i)
                extra.insert(QStringLiteral("s%1").arg(i), values.at(i));
            const QJsonObject doc = parse(SessionDocumentWriter::write(handMade(), extra, layout));
            for (qsizetype i = 0; i < values.size(); ++i)
                QCOMPARE(doc.value(QStringLiteral("s%1").arg(i)).toString(),
                         QString::fromUtf8(values.at(i).toUtf8()));
        }
    }

    // Written, read back and written again: the same bytes, for every recorded sample.
    void readerRoundTripsTheWriter_data()
    {
        QTest::addColumn<QString>("stem");
        for (const char* stem : {"current-server", "legacy-server", "seed-format", "hostile"})
            QTest::newRow(stem) << QString::fromLatin1(stem);
    }
    void readerRoundTripsTheWriter()
    {
        QFETCH(QString, stem);
        Deduplicator dedup;
        std::map<QString, AgentSession> sessions;
        for (const RecordedEvent& line : RecordedStream::load(stem + QStringLiteral(".jsonl"))) {
            const NormalizeResult r = EventNormalizer::normalize(
                line.name, line.payload, RecordedStream::receivedAt(line.line));
            for (const ClaudeEvent& e : r.events) {
                if (e.hasSession() && dedup.insert(e))
                    sessions.try_emplace(e.sessionId, e.sessionId).first->second.addEvent(e);
            }
        }
        QVERIFY(!sessions.empty());
        for (auto& [id, session] : sessions) {
            session.setStatus(AgentSession::Status::Stopped, QStringLiteral("test"));
            const QByteArray text = SessionDocumentWriter::write(session);
            QString error;
            const std::optional<AgentSession> back =
                SessionDocumentReader::read(parse(text), &error);
            QVERIFY2(back, qPrintable(error));
            QCOMPARE(SessionDocumentWriter::write(*back), text);
        }
    }

    void readerRefusesWhatIsNoSession()
    {
        QString error;
        QVERIFY(!SessionDocumentReader::read(QJsonObject(), &error));
        QVERIFY(error.contains(QLatin1String("session_id")));
        QVERIFY(!SessionDocumentReader::read(
            {{QStringLiteral("session_id"), QStringLiteral("s")}, {QStringLiteral("events"), 3}},
            &error));
        QVERIFY(error.contains(QLatin1String("events")));
    }
};

QTEST_GUILESS_MAIN(tst_SessionDocument)
#include "tst_sessiondocument.moc"
