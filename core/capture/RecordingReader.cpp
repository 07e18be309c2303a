#include "capture/RecordingReader.h"

#include "json/CanonicalJson.h"
#include "json/JsonArraySpans.h"
#include "json/JsonParser.h"

#include <QFile>
#include <QLoggingCategory>

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ea {

Q_LOGGING_CATEGORY(lcRecording, "ea.capture.recording", QtInfoMsg)

static constexpr qsizetype kReadChunk = 64 * 1024;

RecordingReader::RecordingReader(const QString& path) : m_path(path) {}

RecordingReader::~RecordingReader()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool RecordingReader::open(QString* error)
{
    // O_NONBLOCK only for the open itself: opening a FIFO would otherwise wait for a writer
    // before anything (a signal included) could be handled.
    m_fd = ::open(QFile::encodeName(m_path).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (m_fd < 0) {
        if (error)
            *error = QStringLiteral("cannot open %1: %2")
                         .arg(m_path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    struct stat st
    {
    };
    if (::fstat(m_fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        if (error)
            *error = QStringLiteral("cannot read %1: %2")
                         .arg(m_path, S_ISDIR(st.st_mode)
                                          ? QStringLiteral("it is a directory")
                                          : QString::fromLocal8Bit(std::strerror(errno)));
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    m_pipe = !S_ISREG(st.st_mode);
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
    return true;
}

bool RecordingReader::checkInterrupt()
{
    if (!m_interrupted && m_interruptCheck && m_interruptCheck())
        m_interrupted = true;
    return m_interrupted;
}

bool RecordingReader::fill()
{
    if (m_eof || m_fd < 0)
        return false;
    if (m_pipe) {
        // Wait for data in steps, so an interruption is noticed while the writer is silent (or
        // has not even opened its end yet).
        for (;;) {
            if (checkInterrupt())
                return false;
            pollfd p{m_fd, POLLIN, 0};
            const int r = ::poll(&p, 1, 100);
            if (r > 0)
                break;
            if (r < 0 && errno != EINTR) {
                m_readError = QString::fromLocal8Bit(std::strerror(errno));
                m_eof = true;
                return false;
            }
        }
    } else if (++m_sinceCheck >= 16) { // every MiB of a file
        m_sinceCheck = 0;
        if (checkInterrupt())
            return false;
    }
    // Drop what has been consumed before growing the buffer.
    if (m_pos > 0) {
        m_buffer.remove(0, m_pos);
        m_scan -= m_pos;
        m_pos = 0;
    }
    const qsizetype old = m_buffer.size();
    m_buffer.resize(old + kReadChunk);
    ssize_t n = 0;
    do {
        n = ::read(m_fd, m_buffer.data() + old, size_t(kReadChunk));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        m_buffer.resize(old);
        if (n < 0)
            m_readError = QString::fromLocal8Bit(std::strerror(errno));
        m_eof = true;
        return false;
    }
    m_buffer.resize(old + n);
    return true;
}

std::optional<RecordingReader::Entry> RecordingReader::parseLine(const QByteArray& line,
                                                                 QString* error)
{
    JsonParser& json = JsonParser::forThisThread();
    simdjson::dom::object object;
    if (json.parse(line) != JsonParser::Status::Ok || json.root().get_object().get(object)) {
        *error = QStringLiteral("not a JSON object");
        return std::nullopt;
    }
    std::string_view name;
    if (object["name"].get_string().get(name) || name.empty()) {
        *error = QStringLiteral("no \"name\" string");
        return std::nullopt;
    }
    simdjson::dom::element args;
    const bool hasArgs = !object["args"].get(args);
    simdjson::dom::array array;
    if (hasArgs && args.get_array().get(array)) {
        *error = QStringLiteral("\"args\" is not an array");
        return std::nullopt;
    }
    Entry e;
    e.name = QString::fromUtf8(name.data(), qsizetype(name.size()));
    if (!hasArgs || array.size() == 0)
        return e;
    // The payload's exact text, cut from the line: numbers keep their digits, and one out of
    // range (1e999) reaches the normalizer as written, which keeps it as text and counts it.
    QList<JsonArraySpans::Kind> kinds;
    for (const simdjson::dom::element a : array) {
        kinds.append(a.is_string()                   ? JsonArraySpans::Kind::String
                     : a.is_object() || a.is_array() ? JsonArraySpans::Kind::Container
                                                     : JsonArraySpans::Kind::Scalar);
    }
    // A number quoted for the parse is a string to it but not in the line: its kind would
    // mislead the cut when it follows the payload.
    const bool kindsHold = json.numbersAsText() == 0 || kinds.size() == 1;
    const QByteArrayView argsText = JsonArraySpans::member(line, "args");
    const QList<QByteArrayView> spans = kindsHold && !argsText.isEmpty()
                                            ? JsonArraySpans::split(argsText, kinds)
                                            : QList<QByteArrayView>();
    if (!spans.isEmpty() && !spans.first().isEmpty()) {
        e.payload = spans.first().toByteArray();
    } else {
        simdjson::dom::element first;
        if (!array.at(0).get(first))
            CanonicalJson::write(first, &e.payload);
    }
    return e;
}

std::optional<RecordingReader::Entry> RecordingReader::next()
{
    for (;;) {
        if (m_interrupted)
            return std::nullopt;
        const qsizetype nl = m_buffer.indexOf('\n', m_scan);
        QByteArray line;
        if (nl < 0) {
            m_scan = m_buffer.size();
            if (m_buffer.size() - m_pos > MaxLineBytes) {
                // Too long: forget it and skip to the next line break.
                m_skippingLong = true;
                m_buffer.clear();
                m_pos = 0;
                m_scan = 0;
            }
            if (fill())
                continue;
            if (m_interrupted || m_pos >= m_buffer.size()) {
                if (m_skippingLong && !m_interrupted) {
                    m_skippingLong = false;
                    ++m_line;
                    ++m_skipped;
                    m_lastProblem =
                        QStringLiteral("%1:%2: line longer than %3 bytes")
                            .arg(m_path, QString::number(m_line), QString::number(MaxLineBytes));
                    qCWarning(lcRecording).noquote() << m_lastProblem;
                }
                return std::nullopt;
            }
            line = m_buffer.mid(m_pos); // the last line has no line break
            m_pos = m_buffer.size();
            m_scan = m_pos;
        } else {
            line = m_buffer.mid(m_pos, nl - m_pos);
            m_pos = nl + 1;
            m_scan = m_pos;
        }
        ++m_line;
        if (m_skippingLong) {
            m_skippingLong = false;
            ++m_skipped;
            m_lastProblem =
                QStringLiteral("%1:%2: line longer than %3 bytes")
                    .arg(m_path, QString::number(m_line), QString::number(MaxLineBytes));
            qCWarning(lcRecording).noquote() << m_lastProblem;
            continue;
        }
        line = line.trimmed();
        if (line.isEmpty())
            continue;
        QString why;
        auto e = parseLine(line, &why);
        if (!e) {
            ++m_skipped;
            m_lastProblem = QStringLiteral("%1:%2: %3").arg(m_path, QString::number(m_line), why);
            qCWarning(lcRecording).noquote() << m_lastProblem;
            continue;
        }
        e->lineNumber = m_line;
        return e;
    }
}

} // namespace ea
