#include "protocol/Backoff.h"

#include <QTest>

using namespace ea;

// Reconnection delays: growth, cap, jitter bounds, reset.
class TestBackoff : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void growsExponentiallyWithoutJitter()
    {
        Backoff b(BackoffSettings{1000, 5000, 2.0, 0.0});
        QCOMPARE(b.nextDelayMs(), 1000);
        QCOMPARE(b.nextDelayMs(), 2000);
        QCOMPARE(b.nextDelayMs(), 4000);
        QCOMPARE(b.nextDelayMs(), 5000);
        for (int i = 0; i < 100; ++i)
            QCOMPARE(b.nextDelayMs(), 5000); // no overflow after many attempts
        b.reset();
        QCOMPARE(b.attempts(), 0);
        QCOMPARE(b.nextDelayMs(), 1000);
    }

    void jitterStaysWithinHalf()
    {
        Backoff b(BackoffSettings{1000, 5000, 2.0, 0.5}, 1234);
        int below = 0, above = 0;
        for (int round = 0; round < 200; ++round) {
            b.reset();
            const int first = b.nextDelayMs();
            QVERIFY2(first >= 500 && first <= 1500, qPrintable(QString::number(first)));
            below += first < 1000;
            above += first > 1000;
            for (int i = 0; i < 6; ++i) {
                const int d = b.nextDelayMs();
                QVERIFY(d >= 0 && d <= 5000);
            }
        }
        QVERIFY(below > 20 && above > 20); // both directions really happen
    }

    void sanitizesSettings()
    {
        Backoff b(BackoffSettings{0, -5, 0.5, 3.0});
        QVERIFY(b.settings().minMs >= 1);
        QVERIFY(b.settings().maxMs >= b.settings().minMs);
        QCOMPARE(b.settings().jitter, 1.0);
    }
};

QTEST_GUILESS_MAIN(TestBackoff)
#include "tst_backoff.moc"
