#include "ingest/IdentitySet.h"

#include <QSet>
#include <QtTest>

#include <random>

using namespace ea;

class tst_IdentitySet : public QObject
{
    Q_OBJECT

private slots:
    // The same answers as a QSet for random identities, 0, and identities that collide in the
    // low bits (a naive mask would put them all in one probe run).
    void answersAsASetDoes()
    {
        std::mt19937_64 random(42);
        QList<quint64> ids{0, 1, ~quint64(0)};
        for (int i = 0; i < 20000; ++i)
            ids.append(random());
        for (quint64 i = 1; i < 5000; ++i)
            ids.append(i << 32); // equal low 32 bits
        IdentitySet set;
        QSet<quint64> truth;
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const quint64 id = ids.at(i);
            QCOMPARE(set.insert(id), !truth.contains(id));
            truth.insert(id);
            if (i % 7 == 0) // a repeat
                QVERIFY(!set.insert(ids.at(i / 2)));
        }
        QCOMPARE(set.size(), truth.size());
        for (const quint64 id : ids)
            QVERIFY(set.contains(id));
        for (int i = 0; i < 20000; ++i) {
            const quint64 id = random();
            QCOMPARE(set.contains(id), truth.contains(id));
        }
        // Three quarters full at most: a lookup of an absent identity always ends.
        QVERIFY(set.size() * 4 <= set.capacity() * 3 + 4);
    }

    void emptyCopiedAndMoved()
    {
        IdentitySet empty;
        QVERIFY(empty.isEmpty());
        QVERIFY(!empty.contains(0));
        QVERIFY(!empty.contains(7));
        QCOMPARE(empty.capacity(), 0);
        IdentitySet a;
        for (quint64 i = 0; i < 100; ++i)
            a.insert(i * 977);
        IdentitySet b = a; // a copy is its own
        QVERIFY(b.insert(5));
        QVERIFY(!a.contains(5));
        QCOMPARE(b.size(), 101);
        IdentitySet c = std::move(a);
        QCOMPARE(c.size(), 100);
        QVERIFY(c.contains(0) && c.contains(99 * 977));
        QCOMPARE(a.size(), 0); // NOLINT(bugprone-use-after-move): moved from is empty
        QVERIFY(!a.contains(977));
        a = c;
        QCOMPARE(a.size(), 100);
    }
};

QTEST_GUILESS_MAIN(tst_IdentitySet)
#include "tst_identityset.moc"
