// Tests SessionFileName: hostile session ids stay inside the directory and never collide.
#include "storage/SessionFileName.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

class TstSessionFileName : public QObject
{
    Q_OBJECT

private:
    static QDateTime when() { return QDateTime(QDate(2025, 1, 8), QTime(14, 30, 22), Qt::UTC); }

    static QStringList hostileIds()
    {
        return {
            QStringLiteral("../../etc/x"),
            QStringLiteral("/etc/passwd"),
            QStringLiteral(".."),
            QStringLiteral("."),
            QStringLiteral("a/b"),
            QStringLiteral("ab"),
            QStringLiteral("a\\b"),
            QString::fromUtf16(u"nul\0inside", 10),
            QStringLiteral("nul"),
            QString(10240, QLatin1Char('a')),
            QString(10240, QLatin1Char('a')) + QLatin1Char('b'),
            QString(100, QLatin1Char('a')),
            QString(101, QLatin1Char('a')),
            QStringLiteral("🙂"),
            QStringLiteral("🙃"),
            QString(),
            QStringLiteral("unnamed"),
            QStringLiteral("ABC"),
            QStringLiteral("abc"),
            QStringLiteral("AbC"),
            QStringLiteral("with space"),
            QStringLiteral("withspace"),
            QStringLiteral("line\nbreak"),
            QStringLiteral("x_2025-01-08T14-30-22"),
            QStringLiteral("-rf"),
            QStringLiteral("~root"),
            QStringLiteral("C:\\Windows"),
            QStringLiteral("5283b66c-1f2e-4c3d-9a8b-0123456789ab"),
        };
    }

private slots:
    void formatsPlainIds()
    {
        QCOMPARE(SessionFileName::forSession(QStringLiteral("5283b66c-1f2e_x"), when()),
                 QStringLiteral("session_5283b66c-1f2e_x_2025-01-08T14-30-22.json"));
        // Local times are written in UTC.
        const QDateTime local = when().toOffsetFromUtc(3600);
        QCOMPARE(SessionFileName::forSession(QStringLiteral("abc"), local),
                 QStringLiteral("session_abc_2025-01-08T14-30-22.json"));
    }

    void changedIdsGetAHashSuffix()
    {
        const QString id = QStringLiteral("../../etc/x");
        const QString hash = QString::fromLatin1(
            QCryptographicHash::hash(id.toUtf8(), QCryptographicHash::Sha256).left(16).toHex());
        // 128 bits of hash: 4 bytes let a colliding pair of crafted ids be found in 0.6 s.
        QCOMPARE(hash.size(), 32);
        QCOMPARE(SessionFileName::idPart(id), QStringLiteral("etcx-") + hash);
        QCOMPARE(SessionFileName::idPart(QString(300, QLatin1Char('z'))).size(),
                 SessionFileName::maxIdLength + 33);
        QVERIFY(SessionFileName::idPart(QString()).startsWith(QStringLiteral("unnamed-")));
        // An id that already looks suffixed cannot pose as the reduction of another id.
        const QString lookalike = SessionFileName::idPart(QStringLiteral("a/b"));
        QVERIFY(SessionFileName::idPart(lookalike) != lookalike);
        // So can one that looks like the 8-digit suffix of earlier versions.
        QVERIFY(SessionFileName::idPart(QStringLiteral("ab-0123abcd")) !=
                QStringLiteral("ab-0123abcd"));
    }

    void hostileIdsStayInsideTheDirectory_data()
    {
        QTest::addColumn<QString>("id");
        int i = 0;
        for (const QString& id : hostileIds())
            QTest::addRow("id%d", i++) << id;
    }

    void hostileIdsStayInsideTheDirectory()
    {
        QFETCH(QString, id);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString dir = QDir::cleanPath(tmp.path());
        const QString name = SessionFileName::forSession(id, when());
        static const QRegularExpression shape(
            QStringLiteral("^session_[A-Za-z0-9_-]+_2025-01-08T14-30-22\\.json$"));
        QVERIFY2(shape.match(name).hasMatch(), qPrintable(name));
        QVERIFY(name.size() < 200);
        const QString path = QDir::cleanPath(dir + QLatin1Char('/') + name);
        QCOMPARE(QFileInfo(path).absolutePath(), dir);

        QFile f(path);
        QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(f.errorString()));
        f.close();
        const QStringList entries = QDir(dir).entryList(QDir::Files | QDir::NoDotAndDotDot);
        QCOMPARE(entries, QStringList{name});
    }

    void distinctIdsNeverCollide()
    {
        QStringList ids = hostileIds();
        // The suffixed reductions themselves, used as ids.
        for (const QString& id : hostileIds())
            ids.append(SessionFileName::idPart(id));
        for (int i = 0; i < 2000; ++i)
            ids.append(QStringLiteral("%1/%2").arg(i / 10).arg(i % 10)); // "1/23" vs "12/3"
        ids.removeDuplicates();
        QSet<QString> names;
        QSet<QString> foldedNames; // as a case-insensitive file system would see them
        for (const QString& id : std::as_const(ids)) {
            const QString name = SessionFileName::forSession(id, when());
            QVERIFY2(!names.contains(name), qPrintable(QStringLiteral("collision: ") + name));
            names.insert(name);
            foldedNames.insert(name.toLower());
        }
        QCOMPARE(foldedNames.size(), names.size());
    }

    void parsesItsOwnNames_data()
    {
        QTest::addColumn<QString>("id");
        int i = 0;
        for (const QString& id : hostileIds())
            QTest::addRow("id%d", i++) << id;
    }

    void parsesItsOwnNames()
    {
        QFETCH(QString, id);
        const QString name = SessionFileName::forSession(id, when());
        const std::optional<SessionFileName::Parts> parts = SessionFileName::parse(name);
        QVERIFY(parts);
        QCOMPARE(parts->idPart, SessionFileName::idPart(id));
        QCOMPARE(parts->startUtc, when());
        QVERIFY(!parts->compressed);
        const std::optional<SessionFileName::Parts> gz =
            SessionFileName::parse(SessionFileName::withCompression(name, true));
        QVERIFY(gz);
        QVERIFY(gz->compressed);
        QCOMPARE(gz->idPart, parts->idPart);
        QVERIFY(SessionFileName::isSessionFile(name));
    }

    void rejectsOtherNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("no id") << QStringLiteral("session__2025-01-08T14-30-22.json");
        QTest::newRow("no time") << QStringLiteral("session_abc.json");
        QTest::newRow("bad month") << QStringLiteral("session_abc_2025-13-08T14-30-22.json");
        QTest::newRow("bad hour") << QStringLiteral("session_abc_2025-01-08T25-30-22.json");
        QTest::newRow("slash") << QStringLiteral("session_a/b_2025-01-08T14-30-22.json");
        QTest::newRow("other ext") << QStringLiteral("session_abc_2025-01-08T14-30-22.txt");
        QTest::newRow("temp file") << QStringLiteral("session_abc_2025-01-08T14-30-22.json.Xy12Ab");
        QTest::newRow("index") << QStringLiteral(".index.json");
    }

    void rejectsOtherNames()
    {
        QFETCH(QString, name);
        QVERIFY(!SessionFileName::parse(name));
    }

    void recognisesPythonNames()
    {
        // Written by the Python aggregator: listed (read by content), though not parseable.
        const QString legacy = QStringLiteral("session_5283b66c_20250108_143022.json");
        QVERIFY(SessionFileName::isSessionFile(legacy));
        QVERIFY(!SessionFileName::isSessionFile(QStringLiteral(".index.json")));
        QVERIFY(!SessionFileName::isSessionFile(QStringLiteral("session_x.json.tmp")));
    }

    void togglesCompression()
    {
        const QString plain = QStringLiteral("session_a_2025-01-08T14-30-22.json");
        const QString gz = QStringLiteral("session_a_2025-01-08T14-30-22.json.gz");
        QCOMPARE(SessionFileName::withCompression(plain, true), gz);
        QCOMPARE(SessionFileName::withCompression(gz, false), plain);
        QCOMPARE(SessionFileName::withCompression(gz, true), gz);
        QCOMPARE(SessionFileName::withCompression(plain, false), plain);
    }
};

QTEST_GUILESS_MAIN(TstSessionFileName)
#include "tst_sessionfilename.moc"
