#include "storage/Journal.h"

#include "util/PrivateDirectory.h"
#include "util/SystemReason.h"
#include "json/JsonParser.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <unistd.h>

namespace ea {

Q_LOGGING_CATEGORY(lcJournal, "ea.storage.journal")

static const QByteArray kArgsMarker = QByteArrayLiteral(",\"args\":[");
static constexpr double kMaxExactSeq = 9007199254740992.0; // 2^53: JSON numbers are doubles

// One line of a segment, parsed.
struct JournalLine
{
    enum Kind
    {
        Record,
        Release,
        ReleaseUpTo,
        Garbage
    };
    Kind kind = Garbage;
    qint64 seq = 0;
    qint64 t = 0;
    QString name;
    QJsonArray args;
    QList<QPair<qint64, qint64>> ranges;
};

static bool toSeq(const QJsonValue& v, qint64* out)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    if (!(d >= 1 && d <= kMaxExactSeq) || std::floor(d) != d)
        return false;
    *out = qint64(d);
    return true;
}

// Digits of a non-negative integer without leading zeros, at most maxDigits; advances *at.
static bool readNumber(const QByteArray& text, qsizetype* at, int maxDigits, qint64* out)
{
    qsizetype i = *at;
    const qsizetype start = i;
    qint64 v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < maxDigits + 1) {
        v = v * 10 + (text[i] - '0');
        ++i;
    }
    const qsizetype n = i - start;
    if (n == 0 || n > maxDigits || (n > 1 && text[start] == '0'))
        return false;
    *at = i;
    *out = v;
    return true;
}

static bool expect(const QByteArray& text, qsizetype* at, QByteArrayView what)
{
    if (QByteArrayView(text).sliced(*at).startsWith(what)) {
        *at += what.size();
        return true;
    }
    return false;
}

// A record line exactly as append() writes it, read without building a QJsonDocument:
// {"seq":N,"t":T,"name":"<ASCII name>","args":[<valid JSON values>]}. Anything else (lines
// written by others, releases, garbage, unusual names or payloads) is left to parseLine's
// QJsonDocument path, which decides; whatever this accepts, that path reads the same way.
static bool parseRecordFast(const QByteArray& text, JournalLine* line)
{
    qsizetype at = 0;
    qint64 seq = 0;
    qint64 t = 0;
    if (!expect(text, &at, "{\"seq\":") || !readNumber(text, &at, 15, &seq) || seq < 1 ||
        !expect(text, &at, ",\"t\":") || !readNumber(text, &at, 15, &t) ||
        !expect(text, &at, ",\"name\":\""))
        return false;
    const qsizetype nameStart = at;
    while (at < text.size() && text[at] != '"') {
        const char c = text[at];
        if (c < 0x20 || c > 0x7e || c == '\\')
            return false;
        ++at;
    }
    const qsizetype nameEnd = at;
    if (!expect(text, &at, "\"") || !expect(text, &at, QByteArrayView(kArgsMarker)) ||
        !text.endsWith("]}") || at > text.size() - 2)
        return false;
    // The args array, brackets included. A number out of range (1e999) was journaled as
    // received; the parser reads it as text.
    const QByteArrayView args = QByteArrayView(text).sliced(at - 1, text.size() - at);
    if (JsonParser::forThisThread().parse(args) != JsonParser::Status::Ok)
        return false;
    line->kind = JournalLine::Record;
    line->seq = seq;
    line->t = t;
    line->name = QString::fromLatin1(text.constData() + nameStart, nameEnd - nameStart);
    return true;
}

static JournalLine parseLine(const QByteArray& text)
{
    JournalLine line;
    if (parseRecordFast(text, &line))
        return line;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return line;
    const QJsonObject o = doc.object();
    if (o.contains(QLatin1String("seq"))) {
        const QJsonValue t = o.value(QLatin1String("t"));
        const QJsonValue name = o.value(QLatin1String("name"));
        const QJsonValue args = o.value(QLatin1String("args"));
        if (!toSeq(o.value(QLatin1String("seq")), &line.seq) || !t.isDouble() || !name.isString() ||
            !args.isArray())
            return line;
        // A damaged time must not cost the event (nor be cast out of range: undefined).
        const double ms = t.toDouble();
        line.t = std::isfinite(ms) && ms >= 0 && ms <= kMaxExactSeq ? qint64(ms) : 0;
        line.name = name.toString();
        line.args = args.toArray();
        line.kind = JournalLine::Record;
    } else if (o.contains(QLatin1String("release"))) {
        for (const QJsonValue& r : o.value(QLatin1String("release")).toArray()) {
            const QJsonArray pair = r.toArray();
            qint64 first = 0;
            qint64 last = 0;
            if (pair.size() != 2 || !toSeq(pair.at(0), &first) || !toSeq(pair.at(1), &last) ||
                first > last)
                return line;
            line.ranges.append({first, last});
        }
        line.kind = JournalLine::Release;
    } else if (toSeq(o.value(QLatin1String("release_upto")), &line.seq)) {
        line.kind = JournalLine::ReleaseUpTo;
    }
    return line;
}

// The payload bytes as append() wrote them; re-serialized only for lines written by others.
static QByteArray payloadOf(const QByteArray& text, const QJsonArray& args)
{
    // Inside the JSON-escaped name every quote is preceded by a backslash, so the first
    // unescaped `,"args":[` is the one append() wrote.
    const qsizetype at = text.indexOf(kArgsMarker);
    if (at >= 0 && text.endsWith("]}")) {
        const qsizetype from = at + kArgsMarker.size();
        return text.mid(from, text.size() - 2 - from).trimmed();
    }
    if (args.isEmpty())
        return {};
    const QByteArray wrapped = QJsonDocument(QJsonArray{args.at(0)}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

// Calls f(line, terminated) for each non-blank line of data.
template <typename F> static void forEachLine(const QByteArray& data, F f)
{
    qsizetype start = 0;
    while (start < data.size()) {
        qsizetype end = data.indexOf('\n', start);
        const bool terminated = end >= 0;
        if (!terminated)
            end = data.size();
        const QByteArray line = data.mid(start, end - start).trimmed();
        if (!line.isEmpty())
            f(line, terminated);
        start = end + 1;
    }
}

static QList<QPair<qint64, qint64>> toRanges(QList<qint64> seqs)
{
    std::sort(seqs.begin(), seqs.end());
    QList<QPair<qint64, qint64>> ranges;
    for (const qint64 s : seqs) {
        if (!ranges.isEmpty() && ranges.last().second + 1 >= s)
            ranges.last().second = std::max(ranges.last().second, s);
        else
            ranges.append({s, s});
    }
    return ranges;
}

Journal::Journal(const QString& directory, QObject* parent)
    : QObject(parent), m_dir(QDir::cleanPath(QDir(directory).absolutePath()))
{
    m_syncTimer.setSingleShot(true);
    m_syncTimer.setInterval(defaultSyncDelayMs);
    connect(&m_syncTimer, &QTimer::timeout, this, [this] { sync(); });
}

Journal::~Journal()
{
    close();
}

QString Journal::directoryFor(const QString& activityDirectory)
{
    return QDir::cleanPath(activityDirectory + QStringLiteral("/.journal"));
}

void Journal::setSegmentLimits(qint64 maxBytes, qint64 maxRecords)
{
    m_segmentMaxBytes = std::max<qint64>(1, maxBytes);
    m_segmentMaxRecords = std::max<qint64>(1, maxRecords);
}

void Journal::fail(const QString& path, const QString& reason)
{
    m_lastError = QStringLiteral("journal %1: %2").arg(path, reason);
    m_failing = true;
    if (!m_failLogClock.isValid())
        m_failLogClock.start();
    const qint64 now = m_failLogClock.elapsed();
    if (m_failLoggedAtMs < 0 || now - m_failLoggedAtMs >= 60000) {
        qCWarning(lcJournal).noquote()
            << m_lastError
            << (m_failsNotLogged > 0
                    ? QStringLiteral("(and %1 other failure(s) in the last minute)")
                          .arg(QString::number(m_failsNotLogged))
                    : QStringLiteral("(events are still captured in memory; further failures "
                                     "are logged at most once a minute)"));
        m_failLoggedAtMs = now;
        m_failsNotLogged = 0;
    } else {
        ++m_failsNotLogged;
    }
    emit writeFailed(path, reason);
}

bool Journal::open()
{
    if (m_open)
        return true;
    QString why;
    if (!PrivateDirectory::ensure(m_dir, &why)) {
        fail(m_dir, why);
        return false;
    }
    m_segments.clear();
    m_garbage = 0;
    m_torn = 0;
    m_watermark = 0;

    static const QRegularExpression segmentName(QStringLiteral("^journal-(\\d{20})\\.jsonl$"));
    const QFileInfoList infos = QDir(m_dir).entryInfoList(
        {QStringLiteral("journal-*.jsonl")}, QDir::Files | QDir::System | QDir::Hidden, QDir::Name);
    for (const QFileInfo& fi : infos) {
        const QRegularExpressionMatch m = segmentName.match(fi.fileName());
        if (!m.hasMatch() || fi.isSymLink() || !fi.isFile()) {
            qCWarning(lcJournal).noquote() << "ignoring" << fi.filePath() << "in the journal";
            continue;
        }
        Segment s;
        s.path = fi.filePath();
        s.firstSeq = m.captured(1).toLongLong();
        s.endSeq = s.firstSeq;
        if (s.firstSeq < 1) {
            qCWarning(lcJournal).noquote() << "ignoring" << fi.filePath() << "in the journal";
            continue;
        }
        m_segments.push_back(std::move(s));
    }

    QList<QPair<qint64, qint64>> releases;
    qint64 upTo = 0;
    qint64 highest = 0;
    for (size_t i = 0; i < m_segments.size(); ++i) {
        const qint64 limit = i + 1 < m_segments.size() ? m_segments[i + 1].firstSeq
                                                       : std::numeric_limits<qint64>::max();
        scanSegment(m_segments[i], limit, &releases, &upTo);
        // An empty segment still claims its name, so numbering continues past it.
        highest = std::max({highest, m_segments[i].endSeq - 1, m_segments[i].firstSeq});
    }
    for (const auto& r : releases) {
        highest = std::max(highest, r.second);
        for (Segment& s : m_segments) {
            const qint64 from = std::max(r.first, s.firstSeq);
            const qint64 to = std::min(r.second, s.endSeq - 1);
            for (qint64 seq = from; seq <= to; ++seq)
                clearLive(seq);
        }
    }
    // Numbers at or below a released range must never be handed out again.
    highest = std::max(highest, upTo);
    clearUpTo(upTo);
    m_watermark = upTo;
    m_nextSeq = std::max(highest + 1, m_minimumNextSeq);
    m_firstSeqThisRun = m_nextSeq;
    m_open = true;

    if (!m_segments.empty())
        qCInfo(lcJournal).noquote()
            << QStringLiteral("journal %1: %2 segment(s), %3 unreleased record(s), %4 garbage "
                              "line(s), %5 torn line(s)")
                   .arg(m_dir)
                   .arg(m_segments.size())
                   .arg(unreleasedCount())
                   .arg(m_garbage)
                   .arg(m_torn);
    prune();
    return true;
}

void Journal::scanSegment(Segment& segment, qint64 seqLimit, QList<QPair<qint64, qint64>>* releases,
                          qint64* upTo)
{
    QFile f(segment.path);
    if (!f.open(QIODevice::ReadOnly)) {
        qCWarning(lcJournal).noquote() << "cannot read" << segment.path << ":" << f.errorString();
        return;
    }
    const QByteArray data = f.readAll();
    segment.bytes = data.size();
    forEachLine(data, [&](const QByteArray& text, bool terminated) {
        const JournalLine line = parseLine(text);
        switch (line.kind) {
        case JournalLine::Record: {
            // Misplaced (counted as garbage below): outside this segment's range, or further
            // from its first seq than the file has bytes, which no real segment can be (and
            // which would make the bitmap below as big as the seq is large).
            if (line.seq < segment.firstSeq || line.seq >= seqLimit ||
                line.seq - segment.firstSeq >= qint64(data.size()))
                break;
            const auto index = size_t(line.seq - segment.firstSeq);
            if (index >= segment.live.size())
                segment.live.resize(index + 1, false);
            if (segment.live[index])
                break; // duplicate seq
            segment.live[index] = true;
            ++segment.liveCount;
            ++segment.records;
            segment.endSeq = std::max(segment.endSeq, line.seq + 1);
            return;
        }
        case JournalLine::Release:
            releases->append(line.ranges);
            return;
        case JournalLine::ReleaseUpTo:
            *upTo = std::max(*upTo, line.seq);
            return;
        case JournalLine::Garbage:
            break;
        }
        if (terminated) {
            ++m_garbage;
            qCWarning(lcJournal).noquote()
                << "skipping a garbage line in" << segment.path << ":" << text.left(80);
        } else {
            ++m_torn; // the write a crash interrupted
            qCWarning(lcJournal).noquote()
                << "skipping a torn last line in" << segment.path << ":" << text.left(80);
        }
    });
}

Journal::ReplayStats Journal::replay(const ReplayCallback& callback)
{
    ReplayStats stats;
    if (!m_open && !open())
        return stats;
    m_replaying = true; // the callback may release(): prune only afterwards
    const size_t oldSegments =
        size_t(std::count_if(m_segments.begin(), m_segments.end(),
                             [this](const Segment& s) { return s.firstSeq < m_firstSeqThisRun; }));
    for (size_t i = 0; i < oldSegments; ++i) {
        const QString path = m_segments[i].path;
        const qint64 firstSeq = m_segments[i].firstSeq;
        // Copies: the callback may release records, and a duplicated line must not be
        // delivered twice.
        const std::vector<bool> live = m_segments[i].live;
        std::vector<bool> pending = live;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            qCWarning(lcJournal).noquote() << "cannot read" << path << ":" << f.errorString();
            continue;
        }
        forEachLine(f.readAll(), [&](const QByteArray& text, bool terminated) {
            const JournalLine line = parseLine(text);
            if (line.kind == JournalLine::Release || line.kind == JournalLine::ReleaseUpTo)
                return;
            if (line.kind == JournalLine::Garbage) {
                ++(terminated ? stats.garbage : stats.torn);
                return;
            }
            const qint64 index = line.seq - firstSeq;
            if (index < 0 || index >= qint64(pending.size()) ||
                (live[size_t(index)] && !pending[size_t(index)])) {
                ++stats.garbage; // misplaced or duplicated, as open() counted it
                return;
            }
            if (!pending[size_t(index)]) {
                ++stats.released;
                return;
            }
            pending[size_t(index)] = false;
            ++stats.records;
            if (callback)
                callback(line.seq, QDateTime::fromMSecsSinceEpoch(line.t, Qt::UTC), line.name,
                         payloadOf(text, line.args));
        });
    }
    m_replaying = false;
    if (stats.garbage > 0 || stats.torn > 0)
        qCWarning(lcJournal).noquote()
            << QStringLiteral("journal %1: replayed %2 record(s), skipped %3 garbage and %4 torn "
                              "line(s)")
                   .arg(m_dir)
                   .arg(stats.records)
                   .arg(stats.garbage)
                   .arg(stats.torn);
    prune();
    return stats;
}

qint64 Journal::append(const QString& eventName, const QByteArray& payloadJson, qint64 receivedMs,
                       PayloadCheck check)
{
    return append(QList<Record>{Record{eventName, payloadJson, receivedMs, check}}).value(0, -1);
}

std::optional<QByteArray> Journal::checkedBody(const QString& eventName,
                                               const QByteArray& payloadJson, PayloadCheck check)
{
    QByteArray body = payloadJson.trimmed();
    if (body.isEmpty())
        return body;
    // Embedded verbatim, so it must be JSON: anything else would corrupt the line. A payload
    // the caller parsed already is not parsed again. A number out of range (1e999) is
    // journaled as it came.
    JsonParser& json = JsonParser::forThisThread();
    if (check == PayloadCheck::Parse && json.parse(body) != JsonParser::Status::Ok) {
        m_lastError = QStringLiteral("event \"%1\" not journaled: its payload is not valid "
                                     "JSON (%2)")
                          .arg(eventName, json.errorMessage());
        qCWarning(lcJournal).noquote() << m_lastError;
        return std::nullopt;
    }
    // Outside strings a line break is only whitespace (inside, JSON requires it escaped).
    if (body.contains('\n') || body.contains('\r'))
        body.replace('\n', ' ').replace('\r', ' ');
    return body;
}

void Journal::encodeLine(qint64 seq, qint64 receivedMs, const QString& eventName,
                         const QByteArray& body, QByteArray* out)
{
    const qint64 t = receivedMs >= 0 ? receivedMs : QDateTime::currentMSecsSinceEpoch();
    if (eventName != m_encodedNameOf) {
        // Events come under a handful of names: encode each change of name only.
        m_encodedName = QJsonDocument(QJsonArray{eventName}).toJson(QJsonDocument::Compact);
        m_encodedNameOf = eventName;
    }
    const QByteArrayView name = QByteArrayView(m_encodedName).sliced(1, m_encodedName.size() - 2);
    // The head through a stack buffer and the line in one resize: number() and five appends
    // allocated and re-checked the buffer for every record.
    char head[64];
    char* at = head;
    const auto put = [&at](std::string_view text) {
        std::memcpy(at, text.data(), text.size());
        at += text.size();
    };
    put("{\"seq\":");
    at = std::to_chars(at, head + sizeof head, seq).ptr;
    put(",\"t\":");
    at = std::to_chars(at, head + sizeof head, t).ptr;
    put(",\"name\":");
    const QByteArrayView marker(kArgsMarker);
    const qsizetype headSize = at - head;
    const qsizetype from = out->size();
    out->resize(from + headSize + name.size() + marker.size() + body.size() + 3);
    char* to = out->data() + from;
    const auto copy = [&to](const char* p, qsizetype n) {
        if (n > 0)
            std::memcpy(to, p, size_t(n));
        to += n;
    };
    copy(head, headSize);
    copy(name.data(), name.size());
    copy(marker.data(), marker.size());
    copy(body.constData(), body.size());
    copy("]}\n", 3);
}

QList<qint64> Journal::append(const QList<Record>& records)
{
    QList<qint64> seqs(records.size(), -1);
    if (!m_open) {
        m_lastError = QStringLiteral("journal %1 is not open").arg(m_dir);
        return seqs;
    }
    // One buffer for the batch's lines, written straight into it; the last batch's, emptied,
    // so a turn's lines do not allocate (and fault in) a fresh buffer each time.
    QByteArray lines = std::move(m_spareLines);
    lines.resize(0); // unlike clear(), keeps the capacity
    qsizetype estimate = 0;
    for (const Record& record : records)
        estimate += record.payload.size() + record.name.size() + 64;
    lines.reserve(std::min<qsizetype>(estimate, m_segmentMaxBytes));
    QList<qsizetype> pending; // indices of the records whose lines wait in `lines`
    const auto flush = [&]() {
        const qsizetype done = writeRecords(lines, pending.size());
        for (qsizetype k = 0; k < done; ++k)
            seqs[pending.at(k)] = m_nextSeq - done + k;
        const bool all = done == pending.size();
        lines.resize(0);
        pending.clear();
        return all;
    };
    for (qsizetype i = 0; i < records.size(); ++i) {
        const Record& record = records.at(i);
        const std::optional<QByteArray> body =
            checkedBody(record.name, record.payload, record.check);
        if (!body)
            continue;
        if (!ensureCurrent())
            break;
        const Segment& current = m_segments.back();
        const qint64 held = current.records + pending.size();
        if (held > 0 &&
            (current.bytes + lines.size() >= m_segmentMaxBytes || held >= m_segmentMaxRecords)) {
            if (!flush())
                break;
            closeCurrent();
            if (!startSegment())
                break;
            prune();
        }
        encodeLine(m_nextSeq + pending.size(), record.receivedMs, record.name, *body, &lines);
        pending.append(i);
    }
    if (!pending.isEmpty())
        flush();
    if (lines.capacity() <= kSpareLinesMaxBytes)
        m_spareLines = std::move(lines);
    return seqs;
}

qsizetype Journal::writeRecords(const QByteArray& lines, qsizetype count)
{
    if (count == 0)
        return 0;
    const bool newline = m_needNewline;
    const QByteArray data = newline ? '\n' + lines : lines;
    m_file.unsetError();
    const qint64 written = m_file.write(data);
    Segment& current = m_segments.back();
    if (written > 0)
        current.bytes += written;
    // A short write may still have put whole lines into the file: those records exist.
    qsizetype done = count;
    if (written != data.size()) {
        const QByteArrayView reached(data.constData(), std::max<qint64>(written, 0));
        done = std::max<qsizetype>(0, reached.count('\n') - (newline && written > 0 ? 1 : 0));
        done = std::min(done, count);
    }
    for (qsizetype k = 0; k < done; ++k) {
        ++m_nextSeq;
        current.live.push_back(true);
        ++current.liveCount;
        ++current.records;
    }
    if (done > 0)
        current.endSeq = m_nextSeq;
    if (written != data.size()) {
        // Whatever part of a line reached the file becomes a garbage line once the next
        // write ends it.
        m_needNewline = written > 0 ? data.at(written - 1) != '\n' : newline;
        fail(m_file.fileName(),
             QStringLiteral("write failed: %1").arg(SystemReason::forFile(m_file)));
        if (done > 0)
            noteWritten();
        return done;
    }
    m_needNewline = false;
    noteWritten();
    return done;
}

void Journal::noteWritten()
{
    if (m_failing) {
        m_failing = false;
        qCInfo(lcJournal).noquote() << "journal" << m_dir << "is writable again";
        emit writable();
    }
    m_dirty = true;
    if (!m_syncTimer.isActive())
        m_syncTimer.start();
}

bool Journal::ensureCurrent()
{
    return m_file.isOpen() || startSegment();
}

bool Journal::startSegment()
{
    Segment s;
    s.firstSeq = m_nextSeq;
    s.endSeq = m_nextSeq;
    s.path =
        QStringLiteral("%1/journal-%2.jsonl").arg(m_dir).arg(m_nextSeq, 20, 10, QLatin1Char('0'));
    m_file.setFileName(s.path);
    // NewOnly (O_EXCL): never appends to, or through a symlink at, a name that already exists.
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered |
                         QIODevice::NewOnly,
                     QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        fail(s.path,
             QStringLiteral("cannot create segment: %1").arg(SystemReason::forFile(m_file)));
        return false;
    }
    PrivateDirectory::sync(m_dir);
    m_needNewline = false;
    m_segments.push_back(std::move(s));
    return true;
}

void Journal::closeCurrent()
{
    if (!m_file.isOpen())
        return;
    sync();
    m_file.close();
}

bool Journal::writeLine(const QByteArray& line)
{
    const QByteArray data = m_needNewline ? '\n' + line : line;
    m_file.unsetError();
    const qint64 written = m_file.write(data);
    if (written > 0)
        m_segments.back().bytes += written;
    if (written != data.size()) {
        // Whatever part reached the file becomes a garbage line once the next write ends it.
        m_needNewline = true;
        fail(m_file.fileName(),
             QStringLiteral("write failed: %1").arg(SystemReason::forFile(m_file)));
        return false;
    }
    m_needNewline = false;
    noteWritten();
    return true;
}

bool Journal::sync()
{
    m_syncTimer.stop();
    if (!m_file.isOpen() || !m_dirty)
        return true;
    m_file.flush();
#if defined(Q_OS_LINUX)
    const int rc = ::fdatasync(m_file.handle());
#else
    const int rc = ::fsync(m_file.handle());
#endif
    if (rc != 0) {
        fail(m_file.fileName(), QStringLiteral("fdatasync failed: %1")
                                    .arg(QString::fromLocal8Bit(std::strerror(errno))));
        return false;
    }
    m_dirty = false;
    return true;
}

void Journal::close()
{
    if (!m_open)
        return;
    persistReleases();
    closeCurrent();
    m_syncTimer.stop();
    m_segments.clear();
    m_open = false;
}

Journal::Segment* Journal::segmentFor(qint64 seq)
{
    auto it = std::upper_bound(m_segments.begin(), m_segments.end(), seq,
                               [](qint64 s, const Segment& seg) { return s < seg.firstSeq; });
    if (it == m_segments.begin())
        return nullptr;
    return &*std::prev(it);
}

bool Journal::clearLive(qint64 seq)
{
    Segment* s = segmentFor(seq);
    if (!s)
        return false;
    const qint64 index = seq - s->firstSeq;
    if (index >= qint64(s->live.size()) || !s->live[size_t(index)])
        return false;
    s->live[size_t(index)] = false;
    --s->liveCount;
    return true;
}

void Journal::clearUpTo(qint64 seq)
{
    // Each bit is cleared at most once over the journal's life: amortized O(1) per record.
    for (Segment& s : m_segments) {
        if (s.firstSeq > seq)
            break;
        const qint64 from = std::max(s.firstSeq, m_watermark + 1);
        const qint64 to = std::min(seq, s.firstSeq + qint64(s.live.size()) - 1);
        for (qint64 q = from; q <= to; ++q) {
            const auto index = size_t(q - s.firstSeq);
            if (s.live[index]) {
                s.live[index] = false;
                --s.liveCount;
            }
        }
    }
}

void Journal::release(const QList<qint64>& seqs)
{
    if (!m_open)
        return;
    QList<qint64> changed;
    for (const qint64 seq : seqs) {
        if (seq > m_watermark && clearLive(seq))
            changed.append(seq);
    }
    if (changed.isEmpty())
        return;
    m_unpersisted.append(toRanges(changed));
    if (persistReleases())
        prune();
}

void Journal::releaseUpTo(qint64 seq)
{
    if (!m_open || seq <= m_watermark)
        return;
    clearUpTo(seq);
    m_watermark = seq;
    m_unpersistedUpTo = seq;
    if (persistReleases())
        prune();
}

bool Journal::persistReleases()
{
    if (m_unpersisted.isEmpty() && m_unpersistedUpTo == 0)
        return true;
    if (!ensureCurrent())
        return false;
    if (m_unpersistedUpTo > 0) {
        if (!writeLine("{\"release_upto\":" + QByteArray::number(m_unpersistedUpTo) + "}\n"))
            return false;
        m_unpersistedUpTo = 0;
    }
    if (!m_unpersisted.isEmpty()) {
        // Written into one buffer: a session's events are seldom neighbours in the journal, so
        // a save releases thousands of single-seq ranges, and a QByteArray per number was most
        // of a release's cost.
        static constexpr char head[] = "{\"release\":[";
        QByteArray line;
        line.resize(qsizetype(sizeof head) + m_unpersisted.size() * 44 + 4);
        char* out = line.data();
        std::memcpy(out, head, sizeof head - 1);
        out += sizeof head - 1;
        char* const end = line.data() + line.size();
        for (qsizetype i = 0; i < m_unpersisted.size(); ++i) {
            if (i > 0)
                *out++ = ',';
            *out++ = '[';
            out = std::to_chars(out, end, m_unpersisted[i].first).ptr;
            *out++ = ',';
            out = std::to_chars(out, end, m_unpersisted[i].second).ptr;
            *out++ = ']';
        }
        std::memcpy(out, "]}\n", 3);
        out += 3;
        line.truncate(out - line.constData());
        if (!writeLine(line))
            return false;
        m_unpersisted.clear();
    }
    return true;
}

bool Journal::isDead(const Segment& segment) const
{
    return segment.liveCount == 0;
}

void Journal::prune()
{
    // Deleting is justified by release lines, which must therefore be on disk first.
    if (m_replaying || !m_unpersisted.isEmpty() || m_unpersistedUpTo > 0)
        return;
    size_t dead = 0;
    const size_t candidates = m_segments.size() - (m_file.isOpen() ? 1 : 0);
    while (dead < candidates && isDead(m_segments[dead]))
        ++dead;
    if (dead == 0 || !sync())
        return;
    for (size_t i = 0; i < dead; ++i) {
        QFile f(m_segments.front().path);
        if (!f.remove()) {
            qCWarning(lcJournal).noquote()
                << "cannot delete released segment" << f.fileName() << ":" << f.errorString();
            return;
        }
        qCDebug(lcJournal).noquote() << "deleted released segment" << f.fileName();
        m_segments.pop_front();
    }
}

QStringList Journal::segmentFiles() const
{
    QStringList out;
    for (const Segment& s : m_segments)
        out.append(s.path);
    return out;
}

qint64 Journal::unreleasedCount() const
{
    qint64 n = 0;
    for (const Segment& s : m_segments)
        n += s.liveCount;
    return n;
}

} // namespace ea

#include "moc_Journal.cpp"
