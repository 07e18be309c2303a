#include "capture/EventRecorder.h"

#include "util/SystemReason.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ea {

EventRecorder::EventRecorder(const QString& path) : m_file(path) {}

bool EventRecorder::open(QString* error)
{
    const QString path = m_file.fileName();
    const QByteArray native = QFile::encodeName(path);
    const auto fail = [&](const QString& why) {
        if (error)
            *error = QStringLiteral("cannot write the recording %1: %2").arg(path, why);
        return false;
    };
    // A new recording is created exclusively, private from the first byte. An existing one is
    // appended to only if it is a regular file of this user's, reached without a symlink: the
    // path may be in a directory others can write to, where a planted link would otherwise
    // make us append to (and chmod) a file of theirs, such as a ~/.bashrc.
    int fd = ::open(native.constData(),
                    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        fd = ::open(native.constData(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return fail(errno == ELOOP ? QStringLiteral("it is a symbolic link; refusing to follow it")
                                   : QString::fromLocal8Bit(std::strerror(errno)));
    }
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
        const QString why =
            !S_ISREG(st.st_mode)
                ? QStringLiteral("it is not a regular file")
                : QStringLiteral("it belongs to uid %1, not to this user").arg(st.st_uid);
        ::close(fd);
        return fail(why);
    }
    if (!m_file.open(fd, QIODevice::WriteOnly | QIODevice::Append, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return fail(SystemReason::forFile(m_file));
    }
    return true;
}

bool EventRecorder::write(const QString& name, const QByteArray& payload)
{
    // The name goes through the JSON encoder (it may hold quotes); the payload is already JSON.
    const QByteArray quotedName = QJsonDocument(QJsonArray{name}).toJson(QJsonDocument::Compact);
    QByteArray line;
    line.reserve(payload.size() + quotedName.size() + 24);
    line.append("{\"name\":")
        .append(quotedName.mid(1, quotedName.size() - 2))
        .append(",\"args\":[");
    const qsizetype start = line.size();
    line.append(payload.isEmpty() ? QByteArray("null") : payload).append("]}");
    // A line break is whitespace to JSON but ends a JSON Lines record; valid JSON has none in
    // strings.
    for (qsizetype i = start; i < line.size(); ++i) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    line.append('\n');
    if (m_file.write(line) != line.size())
        return false;
    ++m_written;
    return true;
}

void EventRecorder::flush()
{
    m_file.flush();
}

} // namespace ea
