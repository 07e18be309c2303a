#include "aggregation/SessionSpill.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// The spill file: events read back as written, runs of one session kept together, the file
// started over once nothing in it is needed, and a clear error when it cannot be written.
class TestSessionSpill : public QObject
{
    Q_OBJECT

    static AgentSession::StoredEvent stored(int n, bool fromReceipt = false)
    {
        return AgentSession::StoredEvent{QStringLiteral("claude_event"),
                                         QStringLiteral(R"({"n":%1})").arg(n).toUtf8(),
                                         1767261600000 + n, quint64(n) * 7919, fromReceipt};
    }

private Q_SLOTS:
    // Some session is always spilled, so the file never starts over: once most of it is no
    // longer needed it is rewritten with what is, and reads and appends go on as before.
    void compactionDropsWhatIsNoLongerNeeded()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        SessionSpill::Chunks gone;
        SessionSpill::Chunks kept;
        const QByteArray padding(8000, 'x');
        const auto big = [&](int n) {
            AgentSession::StoredEvent e = stored(n);
            e.raw = QStringLiteral(R"({"n":%1,"pad":"%2"})")
                        .arg(n)
                        .arg(QString::fromLatin1(padding))
                        .toUtf8();
            return e;
        };
        for (int n = 0; n < 2400; ++n) // about 19 MB, one event in 8 kept
            QVERIFY(spill.append(big(n), n % 8 == 0 ? &kept : &gone));
        QVERIFY(!spill.wantsCompaction()); // all of it still needed
        spill.discard(gone);
        QVERIFY(spill.wantsCompaction());
        const qint64 before = spill.fileBytes();
        QVERIFY2(spill.compact({&kept}), qPrintable(spill.lastError()));
        QCOMPARE(kept.size(), 1); // one run now
        QCOMPARE(spill.fileBytes(), spill.heldBytes());
        QVERIFY(spill.fileBytes() < before / 4);
        QCOMPARE(QFileInfo(spill.filePath()).size(), spill.fileBytes());
        QVERIFY(!QFileInfo::exists(spill.filePath() + QStringLiteral(".new")));
        QVERIFY(spill.append(big(9999), &kept));
        QList<int> back;
        QVERIFY(spill.read(kept, [&](const AgentSession::StoredEvent& e) {
            QCOMPARE(e.raw, big(int(e.identity / 7919)).raw);
            back.append(int(e.identity / 7919));
        }));
        QList<int> want;
        for (int n = 0; n < 2400; n += 8)
            want.append(n);
        want.append(9999);
        QCOMPARE(back, want);
        QVERIFY(!spill.wantsCompaction());
    }

    void eventsComeBackAsWrittenPerSession()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
        SessionSpill::Chunks a;
        SessionSpill::Chunks b;
        QVERIFY(spill.append(stored(1), &a));
        QVERIFY(spill.append(stored(2, true), &a)); // follows its own: one chunk
        QVERIFY(spill.append(stored(3), &b));
        QVERIFY(spill.append(stored(4), &a));
        QCOMPARE(a.size(), size_t(2));
        QCOMPARE(a[0].events, 2);
        QCOMPARE(spill.heldEvents(), qint64(4));
        QList<AgentSession::StoredEvent> back;
        QVERIFY(spill.read(a, [&](const AgentSession::StoredEvent& e) { back.append(e); }));
        QCOMPARE(back.size(), 3);
        for (int i = 0; i < 3; ++i) {
            const AgentSession::StoredEvent want = stored(i == 2 ? 4 : i + 1, i == 1);
            QCOMPARE(back[i].raw, want.raw);
            QCOMPARE(back[i].eventName, want.eventName);
            QCOMPARE(back[i].timestampMs, want.timestampMs);
            QCOMPARE(back[i].identity, want.identity);
            QCOMPARE(back[i].timestampFromReceipt, want.timestampFromReceipt);
        }
        // Appending after a read goes to the end, not over what was read.
        QVERIFY(spill.append(stored(5), &b));
        back.clear();
        QVERIFY(spill.read(b, [&](const AgentSession::StoredEvent& e) { back.append(e); }));
        QCOMPARE(back.size(), 2);
        QCOMPARE(back[1].raw, stored(5).raw);
        spill.discard(a);
        QVERIFY(spill.fileBytes() > 0); // b still needs it
        spill.discard(b);
        QCOMPARE(spill.heldEvents(), qint64(0));
        QCOMPARE(spill.fileBytes(), qint64(0));
        QCOMPARE(QFileInfo(spill.filePath()).size(), qint64(0));
    }

    void fileIsPrivateAndRemovedAtTheEnd()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString path;
        {
            SessionSpill spill(dir.filePath(QStringLiteral(".spill")));
            SessionSpill::Chunks c;
            QVERIFY(spill.append(stored(1), &c));
            path = spill.filePath();
            QVERIFY(QFileInfo::exists(path));
            QCOMPARE(QFileInfo(path).permissions() &
                         (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                     QFileDevice::Permissions());
        }
        QVERIFY(!QFileInfo::exists(path));
    }

    void unwritableDirectoryIsAClearError()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile blocker(dir.filePath(QStringLiteral("file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        SessionSpill spill(dir.filePath(QStringLiteral("file/.spill"))); // under a plain file
        SessionSpill::Chunks c;
        QVERIFY(!spill.append(stored(1), &c));
        QVERIFY(c.empty());
        QVERIFY(!spill.lastError().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSessionSpill)
#include "tst_sessionspill.moc"
