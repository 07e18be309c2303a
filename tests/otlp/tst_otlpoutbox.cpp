#include "otlp/OtlpOutbox.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

// The outbox on disk: oldest first, bounded by size (the oldest dropped and counted), read
// back whole after a restart, and a turn once queued never queued again.
class TestOtlpOutbox : public QObject
{
    Q_OBJECT

    static QByteArray id(int n) { return QByteArray::number(n).rightJustified(32, '0'); }

private Q_SLOTS:
    void keepsOrderAcrossARestart()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral(".otlp"));
        {
            OtlpOutbox box(dir, 1 << 20);
            QString error;
            QVERIFY(box.open(&error));
            for (int i = 1; i <= 3; ++i)
                QVERIFY(box.enqueue(id(i), "body " + QByteArray::number(i), &error));
            box.remove(*box.front()); // acknowledged
        }
        OtlpOutbox again(dir, 1 << 20);
        QString error;
        QVERIFY(again.open(&error));
        QCOMPARE(again.count(), 2);
        QCOMPARE(again.front()->traceId, id(2));
        QCOMPARE(again.read(*again.front(), &error), QByteArray("body 2"));
        // The acknowledged turn is remembered too: a later save does not queue it again.
        QVERIFY(again.knows(id(1)));
        QVERIFY(again.knows(id(3)));
        QVERIFY(!again.knows(id(4)));
        QVERIFY(again.enqueue(id(4), "body 4", &error));
        QVERIFY(again.front()->path < QDir(dir + QStringLiteral("/outbox"))
                                          .entryInfoList(QDir::Files, QDir::Name)
                                          .last()
                                          .absoluteFilePath());
    }

    void dropsTheOldestWhenFull()
    {
        QTemporaryDir tmp;
        OtlpOutbox box(tmp.filePath(QStringLiteral(".otlp")), 250);
        QString error;
        QVERIFY(box.open(&error));
        for (int i = 1; i <= 5; ++i)
            QVERIFY(box.enqueue(id(i), QByteArray(100, 'x'), &error));
        QCOMPARE(box.count(), 2);
        QCOMPARE(box.evicted(), quint64(3));
        QVERIFY(box.bytes() <= 250);
        QCOMPARE(box.front()->traceId, id(4));
        QCOMPARE(QDir(tmp.filePath(QStringLiteral(".otlp/outbox"))).entryList(QDir::Files).size(),
                 2);
    }
};

QTEST_GUILESS_MAIN(TestOtlpOutbox)
#include "tst_otlpoutbox.moc"
