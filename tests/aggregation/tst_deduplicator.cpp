#include "RecordedStream.h"
#include "ingest/Deduplicator.h"
#include "ingest/EventNormalizer.h"

#include <QtTest>

using namespace ea;

class tst_Deduplicator : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("ea.*.debug=false")); }
    void remembersAndRejectsRepeats();
    void historyReplayOfLiveEventsIsDropped();
    void receiptStampedEventsAreToldApart();
    void perSessionBudgetKeepsRecentIdentities();
    void globalCapEvictsLeastRecentlyUsedSession();
    void evictionMatchesAScanOfEverySession();
    void forgetAndClear();
    void seedFromReopenedSession();
    void unattributedEventsHaveTheirOwnBucket();
};

void tst_Deduplicator::remembersAndRejectsRepeats()
{
    Deduplicator dedup;
    QVERIFY(!dedup.contains(QStringLiteral("s"), 1));
    QVERIFY(dedup.insert(QStringLiteral("s"), 1));
    QVERIFY(dedup.contains(QStringLiteral("s"), 1));
    QVERIFY(!dedup.insert(QStringLiteral("s"), 1));
    QVERIFY(dedup.insert(QStringLiteral("s"), 2));
    QVERIFY(dedup.insert(QStringLiteral("t"), 1)); // keyed per session
    QCOMPARE(dedup.size(), 3);
    QCOMPARE(dedup.sessionCount(), 2);
}

void tst_Deduplicator::historyReplayOfLiveEventsIsDropped()
{
    const QList<RecordedEvent> lines = RecordedStream::load(QStringLiteral("legacy-server.jsonl"));
    QVERIFY(lines.size() > 60);
    Deduplicator dedup;
    QByteArray history = "{\"events\":[";
    int live = 0;
    for (const RecordedEvent& line : lines) {
        const NormalizeResult r = EventNormalizer::normalize(line.name, line.payload,
                                                             RecordedStream::receivedAt(line.line));
        for (const ClaudeEvent& e : r.events) {
            QVERIFY(dedup.insert(e));
            ++live;
        }
        // The legacy server's history holds the last 50 events as it emitted them.
        if (line.line > int(lines.size()) - 50)
            history += line.payload + ',';
    }
    history.chop(1);
    history += "],\"count\":50}";

    // After a reconnect the server replays them, pretty-printed differently: all dropped.
    const QByteArray reformatted = QJsonDocument::fromJson(history).toJson(QJsonDocument::Indented);
    const NormalizeResult replay = EventNormalizer::normalize(
        QStringLiteral("history"), reformatted, QDateTime::currentDateTimeUtc());
    QCOMPARE(replay.events.size(), 50);
    for (const ClaudeEvent& e : replay.events) {
        QVERIFY(dedup.contains(e));
        QVERIFY(!dedup.insert(e));
    }
    QCOMPARE(dedup.size(), live);
}

void tst_Deduplicator::receiptStampedEventsAreToldApart()
{
    const QByteArray ack =
        R"({"type":"claude_event","subtype":"command_acknowledged","data":{"command":"/mpm"}})";
    const QDateTime t0(QDate(2026, 7, 27), QTime(12, 0), Qt::UTC);
    Deduplicator dedup;
    const ClaudeEvent first =
        EventNormalizer::normalize(QStringLiteral("claude_event"), ack, t0).events.first();
    const ClaudeEvent second =
        EventNormalizer::normalize(QStringLiteral("claude_event"), ack, t0.addSecs(30))
            .events.first();
    const ClaudeEvent journalReplay =
        EventNormalizer::normalize(QStringLiteral("claude_event"), ack, t0).events.first();
    QVERIFY(dedup.insert(first));
    QVERIFY(dedup.insert(second)); // a second, real acknowledgement
    QVERIFY(!dedup.insert(journalReplay));
}

void tst_Deduplicator::perSessionBudgetKeepsRecentIdentities()
{
    Deduplicator dedup(100, 1000);
    for (quint64 id = 1; id <= 1000; ++id)
        QVERIFY(dedup.insert(QStringLiteral("long"), id));
    QVERIFY(dedup.size() <= 100);
    // The most recent half budget is always remembered: a replay of the last 50 is caught.
    for (quint64 id = 951; id <= 1000; ++id)
        QVERIFY2(dedup.contains(QStringLiteral("long"), id), qPrintable(QString::number(id)));
    QVERIFY(!dedup.contains(QStringLiteral("long"), 1));
}

void tst_Deduplicator::globalCapEvictsLeastRecentlyUsedSession()
{
    Deduplicator dedup(1000, 1500);
    for (quint64 id = 0; id < 400; ++id)
        dedup.insert(QStringLiteral("old"), id);
    for (quint64 id = 0; id < 400; ++id)
        dedup.insert(QStringLiteral("middle"), id);
    for (quint64 id = 0; id < 400; ++id)
        dedup.insert(QStringLiteral("recent"), id);
    dedup.insert(QStringLiteral("old"), 9999); // "old" is used again: "middle" is now the LRU
    QVERIFY(dedup.size() <= 1500);
    for (quint64 id = 400; id < 800; ++id)
        dedup.insert(QStringLiteral("new"), id);
    QVERIFY(dedup.size() <= dedup.maxTotal());
    QVERIFY(!dedup.contains(QStringLiteral("middle"), 399));
    QVERIFY(dedup.contains(QStringLiteral("old"), 9999));
    QVERIFY(dedup.contains(QStringLiteral("recent"), 399));
    QVERIFY(dedup.contains(QStringLiteral("new"), 799));

    // Under sustained load the total never exceeds the cap.
    Deduplicator small(64, 256);
    for (int i = 0; i < 20000; ++i) {
        small.insert(QStringLiteral("s%1").arg(i % 37), quint64(i));
        QVERIFY(small.size() <= 256);
    }
}

// The eviction order kept without scanning (a lazily updated heap) must be the one a scan of
// every session for the least recently used would give, with forgotten sessions in between.
void tst_Deduplicator::evictionMatchesAScanOfEverySession()
{
    struct Model
    {
        QHash<QString, QList<quint64>> current, previous;
        QHash<QString, quint64> lastUse;
        quint64 clock = 0;
        qsizetype total = 0;
    } m;
    const qsizetype perSession = 16, cap = 200;
    Deduplicator dedup(perSession, cap);
    QRandomGenerator random(13);
    for (int step = 0; step < 30000; ++step) {
        const QString id = QStringLiteral("s%1").arg(random.bounded(step % 3 ? 40 : 400));
        if (random.bounded(200) == 0) {
            dedup.forgetSession(id);
            m.total -= m.current.value(id).size() + m.previous.value(id).size();
            m.current.remove(id);
            m.previous.remove(id);
            m.lastUse.remove(id);
            continue;
        }
        const quint64 identity = random.bounded(64);
        const bool known =
            m.current.value(id).contains(identity) || m.previous.value(id).contains(identity);
        m.lastUse[id] = ++m.clock;
        QCOMPARE(dedup.insert(id, identity), !known);
        if (known)
            continue;
        if (m.current[id].size() >= perSession / 2) {
            m.total -= m.previous.value(id).size();
            m.previous[id] = m.current.take(id);
        }
        m.current[id].append(identity);
        ++m.total;
        while (m.total > cap) {
            QString victim;
            for (auto it = m.lastUse.cbegin(); it != m.lastUse.cend(); ++it) {
                if (it.key() != id && (victim.isEmpty() || it.value() < m.lastUse.value(victim)))
                    victim = it.key();
            }
            if (victim.isEmpty()) {
                m.total -= m.previous.take(id).size();
                break;
            }
            if (!m.previous.value(victim).isEmpty()) {
                m.total -= m.previous.take(victim).size();
            } else {
                m.total -= m.current.take(victim).size();
                m.lastUse.remove(victim);
            }
        }
        QCOMPARE(dedup.size(), m.total);
        QCOMPARE(dedup.sessionCount(), m.lastUse.size());
    }
    for (auto it = m.lastUse.cbegin(); it != m.lastUse.cend(); ++it) {
        for (const quint64 identity : m.current.value(it.key()) + m.previous.value(it.key()))
            QVERIFY(dedup.contains(it.key(), identity));
    }
}

void tst_Deduplicator::forgetAndClear()
{
    Deduplicator dedup;
    dedup.insert(QStringLiteral("a"), 1);
    dedup.insert(QStringLiteral("a"), 2);
    dedup.insert(QStringLiteral("b"), 1);
    dedup.forgetSession(QStringLiteral("a"));
    QCOMPARE(dedup.size(), 1);
    QVERIFY(!dedup.contains(QStringLiteral("a"), 1));
    QVERIFY(dedup.contains(QStringLiteral("b"), 1));
    dedup.forgetSession(QStringLiteral("missing"));
    dedup.clear();
    QCOMPARE(dedup.size(), 0);
    QCOMPARE(dedup.sessionCount(), 0);
}

void tst_Deduplicator::seedFromReopenedSession()
{
    Deduplicator dedup;
    dedup.insertAll(QStringLiteral("r"), {5, 6, 7, 6});
    QCOMPARE(dedup.size(), 3);
    QVERIFY(!dedup.insert(QStringLiteral("r"), 7));
}

void tst_Deduplicator::unattributedEventsHaveTheirOwnBucket()
{
    const NormalizeResult r = EventNormalizer::normalize(
        QStringLiteral("tool_event"),
        R"({"type":"tool_event","subtype":"post_tool","timestamp":"2026-07-27T16:00:00Z","data":null})",
        QDateTime());
    QCOMPARE(r.events.size(), 1);
    Deduplicator dedup;
    QVERIFY(dedup.insert(r.events.first()));
    QVERIFY(dedup.contains(QString(), r.events.first().identity));
    QVERIFY(!dedup.insert(r.events.first()));
}

QTEST_GUILESS_MAIN(tst_Deduplicator)
#include "tst_deduplicator.moc"
