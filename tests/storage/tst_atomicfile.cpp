// Tests AtomicFile: single and batched atomic writes land whole, refuse symlinks, leave no
// temporaries.
#include "util/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace ea;

class TstAtomicFile : public QObject
{
    Q_OBJECT

private:
    static QByteArray read(const QString& path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private Q_SLOTS:
    void writeReplacesAFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.json"));
        QString why;
        QVERIFY(AtomicFile::write(path, "old", &why));
        QVERIFY2(AtomicFile::write(path, "new contents", &why), qPrintable(why));
        QCOMPARE(read(path), QByteArray("new contents"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("a.json")});
    }

    void writeAllLandsEveryFileWithoutTemporaries()
    {
        QTemporaryDir dir;
        QList<AtomicFile::Item> items;
        for (int i = 0; i < 50; ++i)
            items.append({dir.filePath(QStringLiteral("s%1.json").arg(i)),
                          QByteArray("session ") + QByteArray::number(i)});
        // One of them replaces an existing file.
        QString why;
        QVERIFY(AtomicFile::write(items.at(7).path, "older", &why));
        const QStringList errors = AtomicFile::writeAll(items);
        QCOMPARE(errors.size(), items.size());
        for (qsizetype i = 0; i < items.size(); ++i) {
            QVERIFY2(errors.at(i).isEmpty(), qPrintable(errors.at(i)));
            QCOMPARE(read(items.at(i).path), items.at(i).data);
            QCOMPARE(QFileInfo(items.at(i).path).permissions() &
                         (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                     QFileDevice::Permissions());
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), items.size());
    }

    void writeAllRefusesOneSymlinkAndWritesTheRest()
    {
        QTemporaryDir dir;
        const QString target = dir.filePath(QStringLiteral("target"));
        QString why;
        QVERIFY(AtomicFile::write(target, "untouched", &why));
        const QString link = dir.filePath(QStringLiteral("link.json"));
        QVERIFY(QFile::link(target, link));
        const QString missing = dir.filePath(QStringLiteral("no/such/dir/x.json"));
        QList<AtomicFile::Item> items{{dir.filePath(QStringLiteral("a.json")), "a"},
                                      {link, "through the link"},
                                      {missing, "nowhere"},
                                      {dir.filePath(QStringLiteral("b.json")), "b"}};
        // Enough files for the batched path (one file-system sync).
        for (int i = 0; i < 20; ++i)
            items.append({dir.filePath(QStringLiteral("f%1.json").arg(i)), QByteArray::number(i)});
        const QStringList errors = AtomicFile::writeAll(items);
        QVERIFY(errors.at(0).isEmpty());
        QVERIFY(errors.at(1).contains(QLatin1String("symbolic link")));
        QVERIFY(!errors.at(2).isEmpty());
        QVERIFY(errors.at(3).isEmpty());
        QCOMPARE(read(target), QByteArray("untouched"));
        QVERIFY(QFileInfo(link).isSymLink());
        QCOMPARE(read(items.at(0).path), QByteArray("a"));
        QCOMPARE(read(items.at(3).path), QByteArray("b"));
        // a, b, the 20 others, target and the link; no temporaries.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::System).size(), 24);
    }
};

QTEST_GUILESS_MAIN(TstAtomicFile)
#include "tst_atomicfile.moc"
