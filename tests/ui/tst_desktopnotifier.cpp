#include "MissingPrerequisite.h"
#include "presentation/AttentionNotifier.h"
#include "ui/DesktopNotifier.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QSignalSpy>
#include <QTest>

using namespace ea;
using Kind = LiveState::Kind;

// A notification daemon on the session bus (dbus-run-session gives the test its own) that
// records every Notify call, on a connection of its own so calls really cross the bus.
class FakeNotificationService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Call
    {
        QString appName;
        QString summary;
        QString body;
        QStringList actions;
        QVariantMap hints;
    };
    QList<Call> calls;
    QDBusConnection bus = QDBusConnection::connectToBus(QDBusConnection::SessionBus,
                                                        QStringLiteral("fake-notifications"));

    bool start()
    {
        return bus.registerObject(QStringLiteral("/org/freedesktop/Notifications"), this,
                                  QDBusConnection::ExportAllSlots) &&
               bus.registerService(QStringLiteral("org.freedesktop.Notifications"));
    }
    void stop()
    {
        bus.unregisterService(QStringLiteral("org.freedesktop.Notifications"));
        bus.unregisterObject(QStringLiteral("/org/freedesktop/Notifications"));
    }
    // The user chose an action of notification id.
    void invoke(uint id, const QString& action)
    {
        QDBusMessage signal = QDBusMessage::createSignal(
            QStringLiteral("/org/freedesktop/Notifications"),
            QStringLiteral("org.freedesktop.Notifications"), QStringLiteral("ActionInvoked"));
        signal << id << action;
        bus.send(signal);
    }

public Q_SLOTS:
    uint Notify(const QString& appName, uint, const QString&, const QString& summary,
                const QString& body, const QStringList& actions, const QVariantMap& hints, int)
    {
        calls.append({appName, summary, body, actions, hints});
        return uint(calls.size());
    }
    QStringList GetCapabilities() { return {QStringLiteral("actions"), QStringLiteral("body")}; }
};

class TestDesktopNotifier : public QObject
{
    Q_OBJECT

    FakeNotificationService* m_service = nullptr;

    static LiveState state(Kind kind, const QString& reason = {}, const QString& tool = {})
    {
        return LiveState{kind, reason, QDateTime::currentDateTimeUtc(), tool};
    }

    // The chain the desktop app runs: states -> policy -> D-Bus.
    struct Chain
    {
        AttentionNotifier policy;
        DesktopNotifier desktop;
        Chain()
        {
            policy.setDescriber([](const QString& id) {
                AttentionNotifier::Session s;
                s.project =
                    id == QLatin1String("s2") ? QStringLiteral("webapp") : QStringLiteral("api");
                s.branch = id == QLatin1String("s2") ? QString() : QStringLiteral("feature/x");
                s.turnMs = 134000;
                s.tools = 12;
                s.failures = 1;
                s.tokens = 21900;
                return s;
            });
            QObject::connect(&policy, &AttentionNotifier::notify, &desktop, &DesktopNotifier::show);
        }
    };

private Q_SLOTS:
    void initTestCase()
    {
        if (!QDBusConnection::sessionBus().isConnected())
            EA_SKIP_OR_FAIL("no D-Bus session bus (run under dbus-run-session)");
        m_service = new FakeNotificationService;
        QVERIFY(m_service->start());
    }
    void cleanupTestCase() { delete m_service; }
    void init() { m_service->calls.clear(); }

    void aPermissionRequestNotifiesOnceWithOpen()
    {
        Chain c;
        QVERIFY(c.desktop.serviceAvailable());
        QSignalSpy open(&c.desktop, &DesktopNotifier::openRequested);
        QSignalSpy delivered(&c.desktop, &DesktopNotifier::delivered);
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::Working));
        c.policy.onStateChanged(
            QStringLiteral("s1"),
            state(Kind::NeedsPermission, QStringLiteral("needs"), QStringLiteral("Bash")));
        QVERIFY(delivered.wait(3000));
        QCOMPARE(m_service->calls.size(), 1);
        const FakeNotificationService::Call& call = m_service->calls.first();
        QCOMPARE(call.body, QStringLiteral("api (feature/x) needs permission to use Bash"));
        QCOMPARE(call.summary, QStringLiteral("Claude needs you"));
        QVERIFY(call.actions.contains(QStringLiteral("default")));
        QVERIFY(call.actions.contains(QStringLiteral("open")));
        QCOMPARE(call.hints.value(QStringLiteral("desktop-entry")).toString(),
                 QStringLiteral("event-aggregator"));
        // "Open" opens the session.
        m_service->invoke(delivered.first().first().toUInt(), QStringLiteral("open"));
        QVERIFY(open.wait(3000));
        QCOMPARE(open.first().first().toString(), QStringLiteral("s1"));

        // The same turn goes on and finishes: not announced again (one per session per turn).
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::Working));
        c.policy.onStateChanged(QStringLiteral("s1"),
                                state(Kind::Waiting, QStringLiteral("finished its turn")));
        QTest::qWait(AttentionNotifier::MinGapMs + 500);
        QCOMPARE(m_service->calls.size(), 1);
        // A new turn that finishes is.
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::Working));
        c.policy.onStateChanged(QStringLiteral("s1"),
                                state(Kind::Waiting, QStringLiteral("finished its turn")));
        QTRY_COMPARE_WITH_TIMEOUT(m_service->calls.size(), 2, 3000);
        QCOMPARE(m_service->calls.last().body,
                 QStringLiteral("api (feature/x) finished its turn in 2 m 14 s — 12 tools, 1 "
                                "failure, 21.9k tokens"));
    }

    // Several sessions at once make one notification; one answered at once makes none; more
    // within the gap wait and are merged.
    void coalescedAndRateLimited()
    {
        Chain c;
        for (const char* id : {"s1", "s2", "s3"})
            c.policy.onStateChanged(QString::fromLatin1(id), state(Kind::Working));
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::NeedsPermission));
        c.policy.onStateChanged(QStringLiteral("s2"),
                                state(Kind::Blocked, QStringLiteral("no "
                                                                    "result")));
        c.policy.onStateChanged(QStringLiteral("s3"), state(Kind::NeedsPermission));
        c.policy.onStateChanged(QStringLiteral("s3"), state(Kind::Working)); // answered at once
        QTRY_COMPARE_WITH_TIMEOUT(m_service->calls.size(), 1, 3000);
        QCOMPARE(m_service->calls.first().summary, QStringLiteral("2 sessions need you"));
        QCOMPARE(m_service->calls.first().body.count(QLatin1Char('\n')), 1);
        // Within the gap: held, then one for both.
        c.policy.onStateChanged(QStringLiteral("s3"), state(Kind::Waiting));
        c.policy.onStateChanged(QStringLiteral("s3"), state(Kind::Working));
        c.policy.onStateChanged(QStringLiteral("s3"), state(Kind::Waiting));
        QTest::qWait(AttentionNotifier::MinGapMs / 2);
        QCOMPARE(m_service->calls.size(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_service->calls.size(), 2, AttentionNotifier::MinGapMs + 2000);
        QTest::qWait(500);
        QCOMPARE(m_service->calls.size(), 2);
    }

    void heldWhileTheMenuIsOpenAndSilencedByDoNotDisturb()
    {
        Chain c;
        c.policy.setHeld(true);
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::Working));
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::NeedsPermission));
        QTest::qWait(300);
        QCOMPARE(m_service->calls.size(), 0);
        c.policy.setHeld(false);
        QTRY_COMPARE_WITH_TIMEOUT(m_service->calls.size(), 1, 3000);

        Chain quiet;
        quiet.policy.setDoNotDisturb(true);
        quiet.policy.onStateChanged(QStringLiteral("s2"), state(Kind::Working));
        quiet.policy.onStateChanged(QStringLiteral("s2"), state(Kind::NeedsPermission));
        Chain off;
        off.policy.setKindEnabled(AttentionNotifier::Kind::Permission, false);
        off.policy.onStateChanged(QStringLiteral("s3"), state(Kind::Working));
        off.policy.onStateChanged(QStringLiteral("s3"), state(Kind::NeedsPermission));
        QTest::qWait(500);
        QCOMPARE(m_service->calls.size(), 1);
    }

    void withoutTheServiceTheTrayBalloonStandsIn()
    {
        m_service->stop();
        Chain c;
        QTRY_VERIFY(!c.desktop.serviceAvailable());
        QSignalSpy fallback(&c.desktop, &DesktopNotifier::fallbackRequested);
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::Working));
        c.policy.onStateChanged(QStringLiteral("s1"), state(Kind::NeedsPermission));
        QVERIFY(fallback.wait(3000));
        QCOMPARE(fallback.first().at(2).toString(), QStringLiteral("s1"));
        QVERIFY(m_service->start());
    }
};

QTEST_MAIN(TestDesktopNotifier)
#include "tst_desktopnotifier.moc"
