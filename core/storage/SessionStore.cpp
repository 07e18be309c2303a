#include "storage/SessionStore.h"

#include "util/AtomicFile.h"

#include "storage/GzipCodec.h"
#include "storage/PinnedSessions.h"
#include "storage/SessionFileName.h"
#include "util/PrivateDirectory.h"
#include "json/JsonArraySpans.h"
#include "json/JsonParser.h"
#include "json/JsonText.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>

#include <simdjson.h>

namespace ea {

Q_LOGGING_CATEGORY(lcStore, "ea.storage.store")

namespace {
// Adds "events": <eventsJson, indented> as the last member of an indented document.
void spliceIndentedEvents(QByteArray* doc, const QByteArray& eventsJson)
{
    const qsizetype close = doc->lastIndexOf('}');
    if (close < 0)
        return;
    QByteArray tail = doc->mid(close);
    doc->truncate(close);
    while (doc->endsWith('\n') || doc->endsWith(' '))
        doc->chop(1);
    if (!doc->endsWith('{'))
        doc->append(',');
    doc->append("\n    \"events\": ");
    JsonText::appendIndented(doc, eventsJson, 1);
    doc->append('\n');
    doc->append(tail);
}
} // namespace

// Why a path cannot be written to, for messages; empty when lstat finds nothing there.
SessionStore::SessionStore(const QString& directory, QObject* parent)
    : QObject(parent), m_dir(QDir::cleanPath(QDir(directory).absolutePath()))
{}

// Documents still pending are reported by the owner, which knows whether the journal holds
// their events (CaptureService::shutdown()).
SessionStore::~SessionStore() = default;

void SessionStore::setSummaryCache(std::unique_ptr<SessionSummaryCache> cache)
{
    m_summaryCache = std::move(cache);
}

void SessionStore::setPendingByteLimit(qint64 bytes)
{
    m_pendingByteLimit = bytes;
    evictPendingOverLimit();
}

QString SessionStore::absolute(const QString& name) const
{
    return m_dir + QLatin1Char('/') + name;
}

bool SessionStore::save(const QJsonObject& session)
{
    QJsonObject head = session;
    const QJsonValue events = head.take(QStringLiteral("events"));
    if (events.isUndefined())
        return save(head, QByteArray());
    return save(head, QJsonDocument(events.toArray()).toJson(QJsonDocument::Compact));
}

bool SessionStore::save(const QJsonObject& head, const QByteArray& eventsJson)
{
    return commit(prepare(head, eventsJson, m_compressionThreshold));
}

SessionStore::Prepared SessionStore::prepare(const QJsonObject& head, const QByteArray& eventsJson,
                                             qint64 compressionThreshold)
{
    if (head.value(QStringLiteral("session_id")).toString().isEmpty())
        return Prepared{};
    // Small documents are indented for people reading them; past the threshold they are
    // gzipped, where indentation only costs time. The compact size is known without writing it.
    QByteArray json = QJsonDocument(head).toJson(QJsonDocument::Compact);
    const qsizetype compactSize =
        json.size() +
        (eventsJson.isEmpty() ? 0 : eventsJson.size() + qsizetype(sizeof ",\"events\":") - 1);
    if (compactSize <= compressionThreshold) {
        json = QJsonDocument(head).toJson(QJsonDocument::Indented);
        if (!eventsJson.isEmpty())
            spliceIndentedEvents(&json, eventsJson);
    } else if (!eventsJson.isEmpty() && json.endsWith('}')) {
        // The events go in as text: parsing them into a tree only to write them out again
        // was most of the cost of saving a big session.
        json.chop(1);
        if (json.size() > 1)
            json.append(',');
        json.append("\"events\":");
        json.append(eventsJson);
        json.append('}');
    }
    const SessionSummary summary = SessionSummary::fromText(json);
    return prepareText(std::move(json), summary, compressionThreshold);
}

SessionStore::Prepared SessionStore::prepareText(QByteArray json, const SessionSummary& summary,
                                                 qint64 compressionThreshold)
{
    Prepared p;
    p.sessionId = summary.sessionId;
    p.summary = summary;
    if (p.sessionId.isEmpty())
        return p;
    p.jsonBytes = json.size();
    p.compressed = json.size() > compressionThreshold;
    if (!p.compressed) {
        p.data = std::move(json);
        return p;
    }
    std::optional<QByteArray> gz = GzipCodec::compress(json, &p.error);
    json = QByteArray(); // the text and its compressed copy are not held at once for long
    if (gz)
        p.data = std::move(*gz);
    return p;
}

QJsonObject SessionStore::Prepared::whole() const
{
    if (!compressed)
        return QJsonDocument::fromJson(data).object();
    QString why;
    const std::optional<QByteArray> json =
        GzipCodec::decompress(data, std::max<qint64>(jsonBytes, 1), &why);
    return json ? QJsonDocument::fromJson(*json).object() : QJsonObject();
}

bool SessionStore::commit(const Prepared& prepared)
{
    return commit(QList<Prepared>{prepared}) == 1;
}

QString SessionStore::pathFor(const Prepared& prepared)
{
    const QString& id = prepared.sessionId;
    if (id.isEmpty()) {
        failSave(id, m_dir, QStringLiteral("the document has no session_id string"), nullptr, 0);
        return {};
    }
    QString why;
    if (!ensureDirectory(&why)) {
        failSave(id, m_dir, why, &prepared, prepared.jsonBytes);
        return {};
    }
    ensureScanned();

    QString name = m_fileById.value(id);
    if (name.isEmpty()) {
        QDateTime start = prepared.summary.startTime;
        if (!start.isValid())
            start = QDateTime::currentDateTimeUtc();
        name = freeName(id, start);
    }
    const QString path = absolute(SessionFileName::withCompression(name, prepared.compressed));
    if (!prepared.error.isEmpty()) {
        failSave(id, path, prepared.error, &prepared, prepared.jsonBytes);
        return {};
    }
    return path;
}

int SessionStore::commit(const QList<Prepared>& batch)
{
    QList<std::pair<const Prepared*, QString>> toWrite;
    QList<AtomicFile::Item> items;
    toWrite.reserve(batch.size());
    items.reserve(batch.size());
    for (const Prepared& prepared : batch) {
        const QString path = pathFor(prepared);
        if (path.isEmpty())
            continue;
        toWrite.append({&prepared, path});
        items.append(AtomicFile::Item{path, prepared.data}); // shared, not copied
    }
    // One file-system sync for the whole batch, not one per file.
    const QStringList errors = AtomicFile::writeAll(items);
    items.clear();
    QList<std::pair<const Prepared*, QString>> written;
    written.reserve(toWrite.size());
    for (qsizetype i = 0; i < toWrite.size(); ++i) {
        const auto& [prepared, path] = toWrite.at(i);
        if (!errors.at(i).isEmpty()) {
            failSave(prepared->sessionId, path, errors.at(i), prepared, prepared->jsonBytes);
            continue;
        }
        written.append(toWrite.at(i));
    }
    if (written.isEmpty())
        return 0;
    // The caller may now drop its journal entries for these sessions, so the renames must be
    // on disk too, not just the files' contents (QSaveFile syncs only those): one directory
    // sync covers every file of the batch.
    PrivateDirectory::sync(m_dir);
    // A session saved twice in one batch: its file is the last document, and only that one
    // may be handed on as what the file holds.
    QHash<QString, qsizetype> last;
    for (qsizetype i = 0; i < written.size(); ++i)
        last.insert(written.at(i).second, i);
    for (qsizetype i = 0; i < written.size(); ++i) {
        const auto& [prepared, path] = written.at(i);
        finishCommit(*prepared, path, last.value(path) == i);
    }
    return int(written.size());
}

void SessionStore::finishCommit(const Prepared& prepared, const QString& path, bool fileHoldsIt)
{
    const QString& id = prepared.sessionId;
    const QString name = QFileInfo(path).fileName();
    // One session, one file: drop the variant written before the size crossed the threshold.
    const QString other = SessionFileName::withCompression(name, !prepared.compressed);
    const QFileInfo otherInfo(absolute(other));
    if (otherInfo.exists() || otherInfo.isSymLink()) {
        QString why;
        if (!removeFile(otherInfo.filePath(), Disposal::Delete, &why))
            qCWarning(lcStore).noquote() << why;
    }
    m_entries.remove(other);

    const QFileInfo written(path);
    IndexEntry entry;
    entry.mtimeMs = written.lastModified().toMSecsSinceEpoch();
    entry.size = written.size();
    entry.summary = prepared.summary;
    m_entries.insert(name, entry);
    m_fileById.insert(id, name);
    dropPending(id); // whatever was queued for this session is older than what was just written
    emit saved(id, path,
               fileHoldsIt ? SavedDocument{prepared.withoutEvents, entry.size, entry.mtimeMs}
                           : SavedDocument());
}

QString SessionStore::freeName(const QString& sessionId, const QDateTime& start)
{
    for (int attempt = 1;; ++attempt) {
        const QString name = SessionFileName::forSession(sessionId, start, attempt);
        const QString taken = takenBy(sessionId, name);
        if (taken.isEmpty())
            return name;
        qCWarning(lcStore).noquote()
            << QStringLiteral("%1 %2; session \"%3\" is saved under another name")
                   .arg(absolute(name), taken, sessionId.left(200));
    }
}

QString SessionStore::takenBy(const QString& sessionId, const QString& name)
{
    // Both variants: writing one removes the other.
    for (const bool gz : {false, true}) {
        const QString variant = SessionFileName::withCompression(name, gz);
        const QFileInfo fi(absolute(variant));
        // Never followed or replaced: a link planted there must not block the session either.
        if (fi.isSymLink())
            return QStringLiteral("is a symbolic link (not followed)");
        if (!fi.exists())
            continue;
        if (!fi.isFile())
            return QStringLiteral("is not a regular file");
        const qint64 mtime = fi.lastModified().toMSecsSinceEpoch();
        const qint64 size = fi.size();
        auto known = m_entries.constFind(variant);
        const IndexEntry entry =
            known != m_entries.constEnd() && known->mtimeMs == mtime && known->size == size
                ? *known
                : parseEntry(variant, mtime, size);
        if (entry.summary.damaged)
            return QStringLiteral("is damaged (kept as it is)");
        if (entry.summary.sessionId != sessionId)
            return QStringLiteral("holds another session");
    }
    return {};
}

void SessionStore::failSave(const QString& sessionId, const QString& path, const QString& reason,
                            const Prepared* queue, qint64 bytes)
{
    m_lastError =
        QStringLiteral("cannot save session \"%1\" to %2: %3").arg(sessionId, path, reason);
    ++m_failureCount;
    if (!m_failLogClock.isValid())
        m_failLogClock.start();
    const qint64 now = m_failLogClock.elapsed();
    if (m_failLoggedAtMs < 0 || now - m_failLoggedAtMs >= 60000) {
        qCWarning(lcStore).noquote()
            << m_lastError
            << (m_failsNotLogged > 0
                    ? QStringLiteral("(and %1 other failed save(s) in the last minute)")
                          .arg(QString::number(m_failsNotLogged))
                    : QStringLiteral("(kept in memory and retried; further failures are "
                                     "logged at most once a minute)"));
        m_failLoggedAtMs = now;
        m_failsNotLogged = 0;
    } else {
        ++m_failsNotLogged;
    }
    if (queue) {
        Pending pending{*queue, bytes, path, reason};
        pending.prepared.withoutEvents.clear(); // only the file's bytes count against the limit
        enqueuePending(std::move(pending));
    }
    emit saveFailed(path, reason);
}

void SessionStore::enqueuePending(Pending pending)
{
    dropPending(pending.prepared.sessionId);
    m_pendingBytes += pending.bytes;
    m_pending.append(std::move(pending));
    evictPendingOverLimit();
}

QList<SessionStore::Unsaved> SessionStore::unsaved() const
{
    QList<Unsaved> out;
    out.reserve(m_pending.size());
    for (const Pending& p : m_pending)
        out.append(Unsaved{p.prepared.sessionId, p.path, p.reason});
    return out;
}

void SessionStore::dropPending(const QString& sessionId)
{
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
        if (it->prepared.sessionId == sessionId) {
            m_pendingBytes -= it->bytes;
            m_pending.erase(it);
            return;
        }
    }
}

void SessionStore::evictPendingOverLimit()
{
    while (m_pendingBytes > m_pendingByteLimit && !m_pending.isEmpty()) {
        const Pending p = m_pending.takeFirst();
        m_pendingBytes -= p.bytes;
        ++m_evictedCount;
        qCCritical(lcStore).noquote()
            << QStringLiteral("dropping unsaved session \"%1\" (%2 bytes): documents waiting to be "
                              "saved to %3 exceed %4 bytes")
                   .arg(p.prepared.sessionId)
                   .arg(p.bytes)
                   .arg(m_dir)
                   .arg(m_pendingByteLimit);
        emit pendingDropped(p.prepared.sessionId, p.bytes);
    }
}

int SessionStore::retryPending()
{
    const QList<Pending> batch = std::exchange(m_pending, {});
    m_pendingBytes = 0;
    int succeeded = 0;
    for (const Pending& p : batch) {
        // A failure queues the document again, so a retry never loses it. The file's
        // contents are kept as they were prepared, so numbers keep their digits.
        if (commit(p.prepared))
            ++succeeded;
    }
    return succeeded;
}

bool SessionStore::ensureDirectory(QString* error)
{
    return PrivateDirectory::ensure(m_dir, error);
}

bool SessionStore::removeFile(const QString& path, Disposal disposal, QString* error)
{
    QFile f(path);
    if (disposal == Disposal::Trash ? f.moveToTrash() : f.remove())
        return true;
    *error = QStringLiteral("cannot %1 %2: %3")
                 .arg(disposal == Disposal::Trash ? QStringLiteral("move to the trash")
                                                  : QStringLiteral("remove"),
                      path, f.errorString());
    return false;
}

QString SessionStore::resolved(const QString& path) const
{
    return QFileInfo(path).isRelative() ? absolute(path) : path;
}

std::optional<QByteArray> SessionStore::readFile(const QString& path, QString* error) const
{
    const QString p = resolved(path);
    auto fail = [&](const QString& message) -> std::optional<QByteArray> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    const QFileInfo fi(p);
    if (fi.isSymLink())
        return fail(QStringLiteral("%1 is a symbolic link; not followed").arg(p));
    if (!fi.exists())
        return fail(QStringLiteral("%1 does not exist").arg(p));
    if (!fi.isFile())
        return fail(QStringLiteral("%1 is not a regular file").arg(p));
    if (fi.size() > m_maxDocumentBytes)
        return fail(QStringLiteral("%1 is larger than %2 bytes").arg(p).arg(m_maxDocumentBytes));
    QFile f(p);
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot open %1: %2").arg(p, f.errorString()));
    // read(n) allocates n bytes up front: ask for what stat() saw, plus one to notice growth.
    QByteArray raw = f.read(std::min(fi.size(), m_maxDocumentBytes) + 1);
    if (f.error() != QFileDevice::NoError)
        return fail(QStringLiteral("cannot read %1: %2").arg(p, f.errorString()));
    if (raw.size() > m_maxDocumentBytes)
        return fail(QStringLiteral("%1 is larger than %2 bytes").arg(p).arg(m_maxDocumentBytes));
    if (GzipCodec::looksCompressed(raw)) {
        QString why;
        std::optional<QByteArray> inflated = GzipCodec::decompress(raw, m_maxDocumentBytes, &why);
        if (!inflated)
            return fail(QStringLiteral("cannot decompress %1: %2").arg(p, why));
        raw = std::move(*inflated);
    } else if (p.endsWith(QLatin1String(".gz"))) {
        return fail(QStringLiteral("%1 is not gzip data").arg(p));
    }
    return raw;
}

namespace {
// The one tree of a file's text, or why there is none.
std::optional<QJsonObject> objectOf(const QByteArray& text, const QString& path, QString* error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    QString why;
    if (pe.error != QJsonParseError::NoError)
        why = QStringLiteral("%1 is not valid JSON: %2 at byte %3")
                  .arg(path, pe.errorString())
                  .arg(pe.offset);
    else if (!doc.isObject())
        why = QStringLiteral("%1 does not hold a JSON object").arg(path);
    if (why.isEmpty())
        return doc.object();
    if (error)
        *error = why;
    return std::nullopt;
}
} // namespace

std::optional<QByteArray> SessionStore::loadText(const QString& path, QString* error) const
{
    std::optional<QByteArray> raw = readFile(path, error);
    if (!raw || !objectOf(*raw, resolved(path), error))
        return std::nullopt;
    return raw;
}

std::optional<QJsonObject> SessionStore::load(const QString& path, QString* error) const
{
    const std::optional<QByteArray> raw = readFile(path, error);
    if (!raw)
        return std::nullopt;
    return objectOf(*raw, resolved(path), error);
}

std::optional<QByteArray> SessionStore::loadWithoutEvents(const QString& path, JsonParser& parser,
                                                          QString* error) const
{
    std::optional<QByteArray> raw = readFile(path, error);
    if (!raw)
        return std::nullopt;
    const QString p = resolved(path);
    if (parser.parse(*raw) != JsonParser::Status::Ok) {
        // In Qt's words, as load() reports it.
        if (!objectOf(*raw, p, error))
            return std::nullopt;
        return raw;
    }
    if (!parser.root().is_object()) {
        if (error)
            *error = QStringLiteral("%1 does not hold a JSON object").arg(p);
        return std::nullopt;
    }
    const QByteArrayView text = parser.text();
    const QByteArrayView events = JsonArraySpans::member(text, "events");
    const QByteArrayView metrics = JsonArraySpans::member(text, "metrics");
    if (events.isEmpty() || !metrics.startsWith('{') ||
        JsonArraySpans::member(metrics, "total_events").isEmpty())
        return parser.numbersAsText() == 0 ? std::move(raw) : text.toByteArray();
    const qsizetype at = events.data() - text.data();
    QByteArray rest;
    rest.reserve(text.size() - events.size() + 2);
    rest.append(text.first(at)).append("[]").append(text.sliced(at + events.size()));
    return rest;
}

std::optional<QJsonObject> SessionStore::loadSession(const QString& sessionId, QString* error)
{
    // A save still waiting for disk space is newer than any file: reopening from the file
    // would drop the events only the queued document holds.
    for (auto it = m_pending.crbegin(); it != m_pending.crend(); ++it) {
        if (it->prepared.sessionId == sessionId)
            return it->prepared.whole();
    }
    ensureScanned();
    const QString name = m_fileById.value(sessionId);
    if (name.isEmpty()) {
        if (error)
            *error = QStringLiteral("no saved session \"%1\" in %2").arg(sessionId, m_dir);
        return std::nullopt;
    }
    return load(absolute(name), error);
}

QString SessionStore::filePath(const QString& sessionId)
{
    ensureScanned();
    const QString name = m_fileById.value(sessionId);
    return name.isEmpty() ? QString() : absolute(name);
}

void SessionStore::ensureScanned()
{
    if (!m_scanned)
        scan();
}

SessionStore::IndexEntry SessionStore::parseEntry(const QString& name, qint64 mtimeMs, qint64 size)
{
    IndexEntry entry;
    entry.mtimeMs = mtimeMs;
    entry.size = size;
    QString why;
    const std::optional<QByteArray> raw = readFile(absolute(name), &why);
    bool read = false;
    if (raw) {
        // simdjson reads a listing's fields in a fraction of a Qt tree's time; what it refuses
        // is put in Qt's words, as load() would.
        JsonParser parser(maxDocumentBytes());
        if (parser.parse(*raw) == JsonParser::Status::Ok && parser.root().is_object()) {
            entry.summary = SessionSummary::fromDocument(parser.root());
            read = true;
        } else if (const auto doc = objectOf(*raw, resolved(absolute(name)), &why)) {
            entry.summary = SessionSummary::fromDocument(*doc);
            read = true;
        }
    }
    if (read && entry.summary.sessionId.isEmpty())
        why = QStringLiteral("%1 has no session_id").arg(absolute(name));
    if (!why.isEmpty()) {
        entry.summary = SessionSummary{};
        entry.summary.damaged = true;
        entry.summary.error = why;
        qCWarning(lcStore).noquote() << "damaged session file:" << why;
    }
    return entry;
}

void SessionStore::scan()
{
    if (!m_scanned)
        loadCache();
    m_scanned = true;
    m_lastParseCount = 0;
    m_odd.clear();

    const QDir dir(m_dir);
    const QFileInfoList infos =
        dir.entryInfoList({QStringLiteral("session_*.json"), QStringLiteral("session_*.json.gz")},
                          QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot);
    QHash<QString, IndexEntry> fresh;
    fresh.reserve(infos.size());
    for (const QFileInfo& fi : infos) {
        const QString name = fi.fileName();
        if (fi.isSymLink() || !fi.isFile()) {
            SessionSummary odd;
            odd.damaged = true;
            odd.error =
                fi.isSymLink()
                    ? QStringLiteral("%1 is a symbolic link; not followed").arg(absolute(name))
                    : QStringLiteral("%1 is not a regular file").arg(absolute(name));
            m_odd.insert(name, odd);
            continue;
        }
        const qint64 mtime = fi.lastModified().toMSecsSinceEpoch();
        const qint64 size = fi.size();
        auto known = m_entries.constFind(name);
        if (known != m_entries.constEnd() && known->mtimeMs == mtime && known->size == size) {
            fresh.insert(name, *known);
            continue;
        }
        fresh.insert(name, parseEntry(name, mtime, size));
        ++m_lastParseCount;
    }
    m_entries = std::move(fresh);

    // Two files may claim one id (a Python-era name and ours); updates go to the newest.
    m_fileById.clear();
    m_fileById.reserve(m_entries.size());
    for (auto it = m_entries.constBegin(); it != m_entries.constEnd(); ++it) {
        if (it->summary.damaged)
            continue;
        const QString& id = it->summary.sessionId;
        const auto existing = m_fileById.constFind(id);
        if (existing == m_fileById.constEnd() || m_entries.value(*existing).mtimeMs < it->mtimeMs)
            m_fileById.insert(id, it.key());
    }
}

QList<SessionSummary> SessionStore::list()
{
    scan();
    QList<SessionSummary> out;
    out.reserve(m_entries.size() + m_odd.size());
    auto finish = [this](SessionSummary s, const QString& name) {
        s.filePath = absolute(name);
        s.compressed = name.endsWith(QLatin1String(".gz"));
        if (s.damaged) {
            const std::optional<SessionFileName::Parts> parts = SessionFileName::parse(name);
            s.sessionId = parts ? parts->idPart : name;
            if (parts && !s.startTime.isValid())
                s.startTime = parts->startUtc;
        }
        return s;
    };
    for (auto it = m_entries.constBegin(); it != m_entries.constEnd(); ++it) {
        SessionSummary s = finish(it->summary, it.key());
        s.fileSize = it->size;
        s.modified = QDateTime::fromMSecsSinceEpoch(it->mtimeMs, Qt::UTC);
        out.append(std::move(s));
    }
    for (auto it = m_odd.constBegin(); it != m_odd.constEnd(); ++it)
        out.append(finish(*it, it.key()));
    std::sort(out.begin(), out.end(), [](const SessionSummary& a, const SessionSummary& b) {
        const QDateTime ta = a.startTime.isValid() ? a.startTime : a.modified;
        const QDateTime tb = b.startTime.isValid() ? b.startTime : b.modified;
        if (ta != tb)
            return ta > tb;
        return a.filePath < b.filePath;
    });
    return out;
}

bool SessionStore::remove(const QString& sessionId, Disposal disposal)
{
    ensureScanned();
    const QString name = m_fileById.value(sessionId);
    dropPending(sessionId);
    if (name.isEmpty()) {
        m_lastError = QStringLiteral("no saved session \"%1\" in %2").arg(sessionId, m_dir);
        return false;
    }
    bool ok = true;
    for (const bool gz : {false, true}) {
        const QString variant = SessionFileName::withCompression(name, gz);
        const QFileInfo fi(absolute(variant));
        if (fi.exists() || fi.isSymLink()) {
            QString why;
            if (!removeFile(fi.filePath(), disposal, &why)) {
                m_lastError = why;
                qCWarning(lcStore).noquote() << why;
                ok = false;
                continue;
            }
        }
        m_entries.remove(variant);
    }
    if (!ok)
        return false;
    m_fileById.remove(sessionId);
    emit removed(sessionId, absolute(name));
    return true;
}

int SessionStore::cleanup(int days, bool dryRun, QStringList* removedPaths, bool distrustClock)
{
    if (days == 0)
        return 0; // 0 means never, wherever it is given
    QList<CleanupItem> removed;
    const int n = cleanup(days, 0, dryRun, &removed, distrustClock);
    if (removedPaths) {
        for (const CleanupItem& item : removed)
            removedPaths->append(item.session.filePath);
    }
    return n < 0 ? 0 : n;
}

QSet<QString> SessionStore::pinnedIds() const
{
    return PinnedSessions(m_dir).load();
}

bool SessionStore::setPinned(const QString& sessionId, bool pinned)
{
    QString why;
    if (!PinnedSessions(m_dir).set(sessionId, pinned, &why)) {
        m_lastError = why;
        qCWarning(lcStore).noquote() << why;
        return false;
    }
    emit pinnedChanged(sessionId, pinned);
    return true;
}

QList<SessionStore::CleanupItem> SessionStore::planCleanup(int days, qint64 maxTotalBytes,
                                                           bool distrustClock, QString* error)
{
    QList<CleanupItem> plan;
    if (days < 0 || maxTotalBytes < 0) {
        if (error)
            *error = QStringLiteral("cleanup: days and max_total_mb must not be negative");
        return plan;
    }
    QString pinError;
    const QSet<QString> pinned = PinnedSessions(m_dir).load(&pinError);
    if (!pinError.isEmpty()) {
        // Without the pins any session might be a pinned one: nothing is removed.
        if (error)
            *error = QStringLiteral("cleanup refused: %1").arg(pinError);
        return plan;
    }
    const QList<SessionSummary> all = list();
    QDateTime now = QDateTime::currentDateTimeUtc();
    if (distrustClock) {
        // File times are written by this machine's clock when the files were saved, when it
        // may still have been right; event times come from the network and are not trusted.
        QDateTime newest;
        for (const SessionSummary& s : all) {
            if (s.modified.isValid() && (!newest.isValid() || s.modified > newest))
                newest = s.modified;
        }
        if (newest.isValid() && newest < now)
            now = newest;
    }
    // Aged by this machine's clock as well as the events' own: a session recorded today
    // with timestamps from long ago (replays, skewed clocks) is not deleted on sight.
    const auto endedAt = [](const SessionSummary& s) {
        QDateTime ended = s.endTime.isValid() ? s.endTime : s.modified;
        if (s.modified.isValid() && s.modified > ended)
            ended = s.modified;
        return ended;
    };
    const auto removable = [&pinned](const SessionSummary& s) {
        return !s.damaged && s.isEnded() && !pinned.contains(s.sessionId);
    };
    QSet<QString> chosen; // file paths
    qint64 total = 0;
    for (const SessionSummary& s : all)
        total += s.fileSize;
    if (days > 0) {
        const QDateTime cutoff = now.addDays(-days);
        for (const SessionSummary& s : all) {
            const QDateTime ended = endedAt(s);
            if (!removable(s) || !ended.isValid() || ended >= cutoff)
                continue;
            plan.append({s, QStringLiteral("ended %1 day(s) ago, older than %2 day(s)")
                                .arg(ended.daysTo(now))
                                .arg(days)});
            chosen.insert(s.filePath);
            total -= s.fileSize;
        }
    }
    if (maxTotalBytes > 0 && total > maxTotalBytes) {
        QList<SessionSummary> oldestFirst;
        for (const SessionSummary& s : all) {
            if (removable(s) && !chosen.contains(s.filePath))
                oldestFirst.append(s);
        }
        std::sort(oldestFirst.begin(), oldestFirst.end(),
                  [](const SessionSummary& a, const SessionSummary& b) {
                      const QDateTime ta = a.startTime.isValid() ? a.startTime : a.modified;
                      const QDateTime tb = b.startTime.isValid() ? b.startTime : b.modified;
                      if (ta != tb)
                          return ta < tb;
                      return a.filePath < b.filePath;
                  });
        const double mb = 1024.0 * 1024.0;
        for (const SessionSummary& s : oldestFirst) {
            if (total <= maxTotalBytes)
                break;
            plan.append({s, QStringLiteral("oldest ended session while the session files take "
                                           "%1 MB, more than %2 MB")
                                .arg(total / mb, 0, 'f', 1)
                                .arg(maxTotalBytes / mb, 0, 'f', 0)});
            total -= s.fileSize;
        }
    }
    return plan;
}

int SessionStore::cleanup(int days, qint64 maxTotalBytes, bool dryRun, QList<CleanupItem>* done,
                          bool distrustClock)
{
    QString error;
    const QList<CleanupItem> plan = planCleanup(days, maxTotalBytes, distrustClock, &error);
    if (!error.isEmpty()) {
        m_lastError = error;
        qCWarning(lcStore).noquote() << error;
        return -1;
    }
    int count = 0;
    for (const CleanupItem& item : plan) {
        const SessionSummary& s = item.session;
        if (!dryRun) {
            if (m_fileById.value(s.sessionId) == QFileInfo(s.filePath).fileName()) {
                if (!remove(s.sessionId))
                    continue;
            } else {
                // A second file claiming an id that has a newer one: delete just this file.
                QString why;
                if (!removeFile(s.filePath, Disposal::Delete, &why)) {
                    m_lastError = why;
                    qCWarning(lcStore).noquote() << why;
                    continue;
                }
                m_entries.remove(QFileInfo(s.filePath).fileName());
                emit removed(s.sessionId, s.filePath);
            }
        }
        if (done)
            done->append(item);
        ++count;
    }
    if (count > 0)
        qCInfo(lcStore).noquote() << (dryRun ? "cleanup would delete" : "cleanup deleted") << count
                                  << "session(s) from" << m_dir;
    return count;
}

void SessionStore::loadCache()
{
    // Earlier versions kept the listing in a file of its own; the session database has it now.
    const QFileInfo obsolete(absolute(obsoleteIndexFileName));
    if (obsolete.isFile() && !obsolete.isSymLink() && QFile::remove(obsolete.filePath()))
        qCInfo(lcStore).noquote() << "removed the old listing file" << obsolete.filePath();
    if (!m_summaryCache)
        return;
    QHash<QString, SessionSummaryCache::Entry> cached = m_summaryCache->load();
    m_entries.reserve(cached.size());
    for (auto it = cached.begin(); it != cached.end(); ++it) {
        if (!SessionFileName::isSessionFile(it.key()) || it.key().contains(QLatin1Char('/')))
            continue;
        IndexEntry entry;
        entry.mtimeMs = it->mtimeMs;
        entry.size = it->size;
        entry.summary = std::move(it->summary);
        m_entries.insert(it.key(), std::move(entry));
    }
}

} // namespace ea

#include "moc_SessionStore.cpp"
