// Tests GzipCodec: round trips, the inflate bound, and corrupt input.
#include "storage/GzipCodec.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QTest>

using namespace ea;

class TstGzipCodec : public QObject
{
    Q_OBJECT

private slots:
    void roundTrips_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("short") << QByteArray("{\"a\":1}");
        QTest::newRow("repetitive") << QByteArray(5 << 20, 'x');
        QByteArray noise(300000, '\0');
        QRandomGenerator gen(42);
        gen.fillRange(reinterpret_cast<quint32*>(noise.data()), noise.size() / 4);
        QTest::newRow("incompressible") << noise;
    }

    void roundTrips()
    {
        QFETCH(QByteArray, data);
        QString error;
        const std::optional<QByteArray> gz = GzipCodec::compress(data, &error);
        QVERIFY2(gz, qPrintable(error));
        QVERIFY(GzipCodec::looksCompressed(*gz));
        QCOMPARE(uchar(gz->at(2)), uchar(8)); // deflate, as RFC 1952 requires
        const std::optional<QByteArray> back = GzipCodec::decompress(*gz, data.size(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(*back, data);
    }

    // People read session files with zcat: the gzip tool takes what we write.
    void gzipReadsIt()
    {
        const QByteArray data = QByteArray("{\"session_id\":\"z\",\"events\":[") +
                                QByteArray(200000, ' ') + QByteArray("]}\n");
        QProcess gzip;
        gzip.start(QStringLiteral("gzip"), {QStringLiteral("-dc")});
        QVERIFY2(gzip.waitForStarted(), "gzip is part of every Debian system");
        gzip.write(GzipCodec::compress(data).value());
        gzip.closeWriteChannel();
        QVERIFY(gzip.waitForFinished());
        QCOMPARE(gzip.exitCode(), 0);
        QCOMPARE(gzip.readAllStandardOutput(), data);
    }

    void boundsTheInflatedSize()
    {
        const QByteArray gz = GzipCodec::compress(QByteArray(1 << 20, 'a')).value();
        QString error;
        QVERIFY(!GzipCodec::decompress(gz, (1 << 20) - 1, &error));
        QVERIFY2(error.contains(QStringLiteral("more than")), qPrintable(error));
        QVERIFY(GzipCodec::decompress(gz, 1 << 20, &error));
    }

    void rejectsCorruptInput_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("why");
        const QByteArray gz = GzipCodec::compress(QByteArray(100000, 'z') + "end").value();
        QTest::newRow("empty") << QByteArray() << "magic";
        QTest::newRow("plain json") << QByteArray("{}") << "magic";
        QTest::newRow("truncated") << gz.left(gz.size() / 2) << "truncated";
        QTest::newRow("no trailer") << gz.left(gz.size() - 4) << "truncated";
        QByteArray flipped = gz;
        flipped[gz.size() - 6] = char(flipped[gz.size() - 6] ^ 0xff); // the CRC
        QTest::newRow("bad crc") << flipped << "corrupt";
        QTest::newRow("bad method") << QByteArray("\x1f\x8b\x07\x00garbage", 11) << "corrupt";
    }

    void rejectsCorruptInput()
    {
        QFETCH(QByteArray, data);
        QFETCH(QString, why);
        QString error;
        QVERIFY(!GzipCodec::decompress(data, 1 << 24, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TstGzipCodec)
#include "tst_gzipcodec.moc"
