#include "aggregation/RecordOrder.h"

#include <QtTest>

#include <algorithm>
#include <deque>
#include <list>
#include <random>

using namespace ea;

namespace {

struct Item
{
    int id = 0;
    OrderLinks<Item> first;
    OrderLinks<Item> second;
};
struct First
{
    OrderLinks<Item>& operator()(Item& i) const { return i.first; }
};
struct Second
{
    OrderLinks<Item>& operator()(Item& i) const { return i.second; }
};

template <typename Order>
QList<int> forward(const Order& order)
{
    QList<int> ids;
    for (const Item& i : order)
        ids.append(i.id);
    return ids;
}

template <typename Order>
QList<int> backward(const Order& order)
{
    QList<int> ids;
    for (Item* i = order.back(); i; i = Order::prev(i))
        ids.prepend(i->id);
    return ids;
}

} // namespace

class tst_RecordOrder : public QObject
{
    Q_OBJECT

private slots:
    // Random operations give the same order as a std::list of the same ids, read both ways,
    // and a record's two orders never disturb each other.
    void followsAListUnderRandomOperations()
    {
        std::deque<Item> items(64); // a deque never moves its elements
        for (int i = 0; i < 64; ++i)
            items[size_t(i)].id = i;
        RecordOrder<Item, First> order;
        RecordOrder<Item, Second> other;
        std::list<int> want;
        std::mt19937 random(7);
        for (int i = 0; i < 64; i += 2)
            other.pushBack(&items[size_t(i)]);
        for (int step = 0; step < 20000; ++step) {
            Item* item = &items[random() % items.size()];
            const auto at = std::find(want.begin(), want.end(), item->id);
            const bool held = at != want.end();
            QCOMPARE(order.contains(item), held);
            switch (random() % 4) {
            case 0:
                if (held) {
                    order.remove(item);
                    want.erase(at);
                } else {
                    order.pushBack(item);
                    want.push_back(item->id);
                }
                break;
            case 1:
                if (held) {
                    order.moveToBack(item);
                    want.erase(at);
                    want.push_back(item->id);
                }
                break;
            case 2:
                if (!held) {
                    Item* pos = want.empty() ? nullptr : order.front();
                    const qsizetype skip = want.empty() ? 0 : qsizetype(random() % want.size());
                    auto wantPos = want.begin();
                    for (qsizetype k = 0; k < skip; ++k, ++wantPos)
                        pos = order.next(pos);
                    order.insertBefore(pos, item);
                    want.insert(wantPos, item->id);
                }
                break;
            default:
                if (held)
                    order.remove(item);
                order.insertBefore(nullptr, item); // at the back
                if (held)
                    want.erase(at);
                want.push_back(item->id);
                break;
            }
            const QList<int> expected(want.begin(), want.end());
            QCOMPARE(order.size(), expected.size());
            QCOMPARE(order.empty(), expected.isEmpty());
            QCOMPARE(forward(order), expected);
            QCOMPARE(backward(order), expected);
        }
        QList<int> evens;
        for (int i = 0; i < 64; i += 2)
            evens.append(i);
        QCOMPARE(forward(other), evens);
        QCOMPARE(backward(other), evens);
    }

    void frontAndBackOfOneAndNone()
    {
        Item a;
        RecordOrder<Item, First> order;
        QCOMPARE(order.front(), nullptr);
        QCOMPARE(order.back(), nullptr);
        QVERIFY(!order.contains(&a));
        order.pushBack(&a);
        QVERIFY(order.contains(&a)); // alone: no neighbours, still held
        QCOMPARE(order.front(), &a);
        QCOMPARE(order.back(), &a);
        order.moveToBack(&a);
        QCOMPARE(order.size(), 1);
        order.remove(&a);
        order.remove(&a); // twice is harmless
        QVERIFY(order.empty());
        QCOMPARE(order.front(), nullptr);
        QCOMPARE(order.back(), nullptr);
    }
};

QTEST_APPLESS_MAIN(tst_RecordOrder)
#include "tst_recordorder.moc"
