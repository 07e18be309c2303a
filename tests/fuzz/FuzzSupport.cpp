#include "FuzzSupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <memory>

namespace ea {

namespace fuzz {
namespace {
int g_argc = 1;
char g_arg0[] = "fuzz";
char* g_argv[] = {g_arg0, nullptr};
} // namespace

void initOnce()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    if (!QCoreApplication::instance())
        new QCoreApplication(g_argc, g_argv); // lives as long as the process
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
}

QString scratchDirectory()
{
    static std::unique_ptr<QTemporaryDir> dir = [] {
        // Memory-backed where there is one: targets write and fsync files on every input.
        const QString base = QFileInfo(QStringLiteral("/dev/shm")).isWritable()
                                 ? QStringLiteral("/dev/shm")
                                 : QDir::tempPath();
        auto d = std::make_unique<QTemporaryDir>(base + QStringLiteral("/ea-fuzz-XXXXXX"));
        d->setAutoRemove(true);
        return d;
    }();
    return dir->path();
}

void clearScratch()
{
    QDir dir(scratchDirectory());
    const QFileInfoList entries =
        dir.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    for (const QFileInfo& fi : entries) {
        if (fi.isDir() && !fi.isSymLink())
            QDir(fi.filePath()).removeRecursively();
        else
            QFile::remove(fi.filePath());
    }
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(data);
}

} // namespace fuzz

} // namespace ea
