// Standalone main for the fuzz targets in the normal (non-libFuzzer) build: runs every file
// given, or every file under every directory given, through LLVMFuzzerTestOneInput once. CTest
// uses it to replay the seed corpora and tests/fuzz/regressions/ on each test run.
#include "FuzzSupport.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <algorithm>
#include <cstdio>

using namespace ea;

int main(int argc, char* argv[])
{
    QStringList files;
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        const QFileInfo fi(arg);
        if (fi.isDir()) {
            QDirIterator it(arg, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            QStringList found;
            while (it.hasNext())
                found.append(it.next());
            std::sort(found.begin(), found.end());
            files += found;
        } else if (fi.isFile()) {
            files.append(arg);
        } else {
            std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
            return 2;
        }
    }
    int replayed = 0;
    for (const QString& path : std::as_const(files)) {
        if (QFileInfo(path).fileName() == QLatin1String("README.md"))
            continue;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
            return 2;
        }
        const QByteArray data = f.readAll();
        // stderr before the call: if it crashes, the last line names the input.
        std::fprintf(stderr, "replaying %s (%lld bytes)\n", qPrintable(path),
                     static_cast<long long>(data.size()));
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.constData()),
                               size_t(data.size()));
        ++replayed;
    }
    std::printf("%d inputs replayed without a crash\n", replayed);
    return 0;
}
