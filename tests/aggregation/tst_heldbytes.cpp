#include "aggregation/HeldBytes.h"

#include <QtTest>

using namespace ea;

class tst_HeldBytes : public QObject
{
    Q_OBJECT

private slots:
    // Every payload reads back exactly, across block boundaries and after copies.
    void bytesReadBackAsAppended()
    {
        HeldBytes bytes;
        QList<QByteArray> payloads;
        QList<HeldBytes::Span> spans;
        for (int i = 0; i < 2000; ++i) {
            QByteArray p = QByteArray::number(i).repeated(1 + i % 97);
            p.append('\0'); // bytes, not C strings
            spans.append(bytes.append(p));
            payloads.append(p);
        }
        for (qsizetype i = 0; i < payloads.size(); ++i) {
            QCOMPARE(bytes.view(spans.at(i)), QByteArrayView(payloads.at(i)));
            QCOMPARE(bytes.copy(spans.at(i)), payloads.at(i));
        }
        QVERIFY(bytes.view(HeldBytes::Span{99999, 0, 1}).isNull());
        QVERIFY(bytes.view(HeldBytes::Span{0, 0, 1u << 30}).isNull());
        const HeldBytes::Span empty = bytes.append(QByteArrayView());
        QCOMPARE(bytes.view(empty).size(), 0);
    }

    // Blocks start small (10,000 sessions of a few events each hold little), double, and stop
    // at the cap; a payload larger than a block has one of its own size.
    void blocksGrowToACap()
    {
        HeldBytes bytes;
        bytes.append(QByteArray(10, 'a'));
        QCOMPARE(bytes.blockCount(), 1);
        QVERIFY(bytes.capacityBytes() >= HeldBytes::kFirstBlockBytes);
        QVERIFY(bytes.capacityBytes() < 2 * HeldBytes::kFirstBlockBytes);
        for (int i = 0; i < 2000; ++i)
            bytes.append(QByteArray(500, 'b'));
        // 1 MB in blocks of 4, 8, 16, 32, then 64 kB: slack under one block.
        const qsizetype used = 10 + 2000 * 500;
        QVERIFY2(bytes.capacityBytes() >= used, qPrintable(QString::number(bytes.capacityBytes())));
        QVERIFY2(bytes.capacityBytes() < used + 2 * HeldBytes::kMaxBlockBytes,
                 qPrintable(QString::number(bytes.capacityBytes())));
        QVERIFY(bytes.blockCount() < used / HeldBytes::kMaxBlockBytes + 6);
        const qsizetype before = bytes.blockCount();
        const QByteArray big(3 * HeldBytes::kMaxBlockBytes, 'c');
        const HeldBytes::Span s = bytes.append(big);
        QCOMPARE(bytes.blockCount(), before + 1);
        QCOMPARE(bytes.view(s), QByteArrayView(big));
    }

    // A copy of a session shares the blocks; appending to either leaves the other as it was.
    void copiesStayIndependent()
    {
        HeldBytes a;
        const HeldBytes::Span first = a.append("first");
        HeldBytes b = a;
        const HeldBytes::Span second = b.append("second"); // a block of the copy's own
        const HeldBytes::Span other = a.append("OTHER!");  // after "first", in the shared one
        QCOMPARE(b.blockCount(), 2);
        QCOMPARE(a.blockCount(), 1);
        QCOMPARE(a.view(first), QByteArrayView("first"));
        QCOMPARE(b.view(first), QByteArrayView("first"));
        QCOMPARE(b.view(second), QByteArrayView("second"));
        QCOMPARE(a.view(other), QByteArrayView("OTHER!"));
        // The copy does not see what the original appended to the shared block.
        QVERIFY(b.view(HeldBytes::Span{0, other.offset, other.size}).isNull());
        HeldBytes c;
        c.append("else");
        c = a; // assigned: the same
        const HeldBytes::Span third = c.append("third");
        QCOMPARE(c.view(third), QByteArrayView("third"));
        QCOMPARE(c.view(other), QByteArrayView("OTHER!"));
        QCOMPARE(a.view(other), QByteArrayView("OTHER!"));
    }

    // A moved-from HeldBytes is empty and usable: its appends never reach the moved blocks.
    void movedFromStartsOver()
    {
        HeldBytes a;
        const HeldBytes::Span first = a.append("first");
        HeldBytes b = std::move(a);
        QCOMPARE(a.blockCount(), 0);
        const HeldBytes::Span again = a.append("again");
        QCOMPARE(b.view(first), QByteArrayView("first"));
        QCOMPARE(a.view(again), QByteArrayView("again"));
        HeldBytes c;
        c = std::move(b);
        const HeldBytes::Span more = b.append("more");
        QCOMPARE(c.view(first), QByteArrayView("first"));
        QCOMPARE(b.view(more), QByteArrayView("more"));
    }
};

QTEST_GUILESS_MAIN(tst_HeldBytes)
#include "tst_heldbytes.moc"
