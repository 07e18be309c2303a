#include "util/StringKeyIndex.h"

#include <QtTest>

#include <random>
#include <unordered_map>

using namespace ea;

namespace {
using Map = std::unordered_map<QString, int>;
using Index = StringKeyIndex<Map::value_type>;

// Keys of every kind the index stores differently: UUIDs (inline), the longest inline key and
// one past it, non-Latin-1 text (compared through the entry), the empty key, and keys that
// differ only in their last character.
QString keyOf(std::mt19937& random, int i)
{
    switch (i % 6) {
    case 0:
        return QUuid::fromRfc4122(QByteArray::number(quint64(random())).leftJustified(16, 'x'))
            .toString(QUuid::WithoutBraces);
    case 1:
        return QString(Index::kInline, QChar(u'a' + i % 26)) + QString::number(i).right(0);
    case 2:
        return QString(Index::kInline + 1 + i % 40, QChar(u'b')) + QString::number(i);
    case 3:
        return QStringLiteral("sitzung-ü-€-%1").arg(i);
    case 4:
        return i % 12 == 4 ? QString() : QStringLiteral("session-%1").arg(i);
    default:
        return QStringLiteral("s") + QString::number(random() % 5000);
    }
}
} // namespace

class tst_StringKeyIndex : public QObject
{
    Q_OBJECT

private slots:
    // The same answers as the map it indexes, through inserts and erases in random order
    // (erasing shifts probe runs back: a wrong shift loses a key that is still in the map).
    void answersAsTheMapDoes()
    {
        std::mt19937 random(7);
        Map map;
        Index index;
        QStringList keys;
        for (int i = 0; i < 4000; ++i)
            keys.append(keyOf(random, i));
        for (int round = 0; round < 30000; ++round) {
            const QString& key = keys.at(random() % keys.size());
            if (random() % 3 != 0) {
                const auto [at, inserted] = map.try_emplace(key, round);
                if (inserted)
                    index.insert(&*at);
            } else {
                const bool known = map.erase(key) > 0;
                QCOMPARE(index.erase(key), known);
            }
            QCOMPARE(index.size(), qsizetype(map.size()));
            if (round % 997 == 0) {
                for (const QString& k : keys) {
                    const auto it = map.find(k);
                    Map::value_type* found = index.find(k);
                    QCOMPARE(found, it == map.end() ? nullptr : &*it);
                }
            }
        }
        // A key is found by its text, not by the string object that was inserted.
        for (auto& entry : map) {
            const QString copy = QString(entry.first.data(), entry.first.size());
            QCOMPARE(index.find(copy), &entry);
        }
        QVERIFY(!index.find(QStringLiteral("never-inserted")));
    }

    // A small table, so that probe runs often wrap past its end (an erase there must shift
    // the run's start at the table's beginning back as well).
    void runsThatWrap()
    {
        std::mt19937 random(11);
        for (int table = 0; table < 200; ++table) {
            Map map;
            Index index;
            QStringList keys;
            for (int i = 0; i < 8; ++i)
                keys.append(QUuid::createUuid().toString(QUuid::WithoutBraces));
            for (int round = 0; round < 200; ++round) {
                const QString& key = keys.at(random() % keys.size());
                if (random() % 2) {
                    const auto [at, inserted] = map.try_emplace(key, round);
                    if (inserted)
                        index.insert(&*at);
                } else {
                    QCOMPARE(index.erase(key), map.erase(key) > 0);
                }
                for (const QString& k : keys) {
                    const auto it = map.find(k);
                    QCOMPARE(index.find(k), it == map.end() ? nullptr : &*it);
                }
            }
        }
    }

    void emptyAndCleared()
    {
        Index index;
        QVERIFY(!index.find(QString()));
        QVERIFY(!index.erase(QStringLiteral("x")));
        Map map{{QStringLiteral("a"), 1}, {QString(), 2}};
        for (auto& entry : map)
            index.insert(&entry);
        QCOMPARE(index.find(QString()), &*map.find(QString()));
        QCOMPARE(index.find(QStringLiteral("a")), &*map.find(QStringLiteral("a")));
        QVERIFY(!index.find(QStringLiteral("A")));
        index.clear();
        QCOMPARE(index.size(), 0);
        QVERIFY(!index.find(QStringLiteral("a")));
    }
};

QTEST_GUILESS_MAIN(tst_StringKeyIndex)
#include "tst_stringkeyindex.moc"
