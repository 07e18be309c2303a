#include "ui/TrayAvailabilityWatcher.h"

#include <QSignalSpy>
#include <QTest>

using namespace ea;

// The watcher reports each change of tray availability once, and nothing when it stays.
class TestTrayAvailabilityWatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reportsChangesOnly()
    {
        bool tray = false;
        TrayAvailabilityWatcher watcher([&tray] { return tray; });
        QVERIFY(!watcher.isAvailable());
        QSignalSpy spy(&watcher, &TrayAvailabilityWatcher::availabilityChanged);
        watcher.check();
        QCOMPARE(spy.count(), 0);
        tray = true; // the panel started
        watcher.check();
        watcher.check();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toBool(), true);
        QVERIFY(watcher.isAvailable());
        tray = false; // and went away
        watcher.check();
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(1).at(0).toBool(), false);
    }

    void asksByItselfOnceStarted()
    {
        bool tray = false;
        TrayAvailabilityWatcher watcher([&tray] { return tray; });
        QSignalSpy spy(&watcher, &TrayAvailabilityWatcher::availabilityChanged);
        watcher.start();
        tray = true;
        QVERIFY(spy.wait(TrayAvailabilityWatcher::IntervalMs * 3));
    }
};

QTEST_GUILESS_MAIN(TestTrayAvailabilityWatcher)
#include "tst_trayavailabilitywatcher.moc"
