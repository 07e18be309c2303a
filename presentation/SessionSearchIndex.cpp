#include "presentation/SessionSearchIndex.h"

#include "model/EventCategory.h"
#include "presentation/SavedEventFields.h"
#include "storage/SessionStore.h"
#include "util/SystemReason.h"

#include <QByteArrayMatcher>
#include <QDataStream>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QSaveFile>

#include <initializer_list>
#include <utility>

namespace ea {

Q_LOGGING_CATEGORY(lcSearch, "ea.storage.search")

namespace {
constexpr quint32 kCacheMagic = 0x45415349; // "EASI"
constexpr quint32 kCacheVersion = 1;
constexpr int kBatchSize = 64;

// Collects the distinct strings of one field, in order of appearance.
struct FieldText
{
    QStringList parts;
    QSet<QString> seen;
    void add(const QString& s)
    {
        const QString t = s.trimmed();
        if (t.isEmpty() || seen.contains(t))
            return;
        seen.insert(t);
        parts.append(t);
    }
    void add(const QJsonValue& v)
    {
        if (v.isString())
            add(v.toString());
        else if (v.isArray())
            for (const QJsonValue& item : v.toArray())
                add(item);
    }
    QByteArray bytes() const
    {
        QByteArray b = parts.join(QLatin1Char('\n')).toLower().toUtf8();
        if (b.size() > SessionSearchIndex::MaxFieldBytes)
            b.truncate(SessionSearchIndex::MaxFieldBytes);
        return b;
    }
};

QString firstString(const QJsonObject& o, std::initializer_list<const char*> keys)
{
    for (const char* k : keys) {
        const QJsonValue v = o.value(QLatin1String(k));
        if (v.isString() && !v.toString().isEmpty())
            return v.toString();
    }
    return {};
}
} // namespace

SessionSearchIndex::SessionSearchIndex(QObject* parent) : QObject(parent) {}

SessionSearchIndex::~SessionSearchIndex()
{
    if (m_worker) {
        m_cancel->store(true);
        m_worker->wait();
        delete m_worker;
        m_worker = nullptr;
    }
    if (m_dirty)
        writeCache();
}

SessionSearchIndex::Document SessionSearchIndex::extract(const QJsonObject& session)
{
    Document d;
    d.sessionId = session.value(QLatin1String("session_id")).toString();
    std::array<FieldText, FieldCount> f;
    f[Prompts].add(session.value(QLatin1String("initial_prompt")));
    f[Responses].add(session.value(QLatin1String("final_response")));
    f[Files].add(session.value(QLatin1String("working_directory")));

    const QJsonArray events = session.value(QLatin1String("events")).toArray();
    for (const QJsonValue& v : events) {
        const QJsonObject e = v.toObject();
        const QString type = e.value(QLatin1String("event_type")).toString();
        const auto category =
            EventCategory::fromName(e.value(QLatin1String("category")).toString());
        if (category)
            d.categories |= quint16(1u << int(*category));
        const QJsonObject data = savedHookData(e);
        if (type == QLatin1String("user_prompt")) {
            f[Prompts].add(firstString(data, {"prompt_text", "prompt"}));
        } else if (type == QLatin1String("assistant_response") || type == QLatin1String("stop") ||
                   type == QLatin1String("subagent_stop")) {
            f[Responses].add(
                firstString(data, {"response_text", "response", "last_assistant_message"}));
        } else if (type == QLatin1String("notification")) {
            f[Responses].add(firstString(data, {"message"}));
        }
    }
    const QJsonArray operations = session.value(QLatin1String("tool_operations")).toArray();
    for (const QJsonValue& v : operations) {
        const QJsonObject op = v.toObject();
        f[Tools].add(op.value(QLatin1String("tool_name")));
        f[Tools].add(op.value(QLatin1String("error")));
        const QJsonObject input = op.value(QLatin1String("input_data")).toObject();
        f[Tools].add(input.value(QLatin1String("command")));
        f[Tools].add(input.value(QLatin1String("pattern")));
        f[Files].add(op.value(QLatin1String("file_path")));
        f[Files].add(input.value(QLatin1String("file_path")));
    }
    const QJsonArray delegations = session.value(QLatin1String("delegations")).toArray();
    for (const QJsonValue& v : delegations) {
        const QJsonObject del = v.toObject();
        f[Agents].add(del.value(QLatin1String("agent_type")));
        f[Agents].add(del.value(QLatin1String("task_description")));
        f[Prompts].add(del.value(QLatin1String("prompt")));
        f[Responses].add(del.value(QLatin1String("response")));
        f[Files].add(del.value(QLatin1String("file_changes")));
    }
    const QJsonObject metrics = session.value(QLatin1String("metrics")).toObject();
    f[Tools].add(metrics.value(QLatin1String("tools_used")));
    f[Agents].add(metrics.value(QLatin1String("agents_used")));
    f[Files].add(metrics.value(QLatin1String("files_read")));
    f[Files].add(metrics.value(QLatin1String("files_modified")));
    const QJsonObject byCategory = metrics.value(QLatin1String("events_by_category")).toObject();
    for (auto it = byCategory.constBegin(); it != byCategory.constEnd(); ++it) {
        const auto category = EventCategory::fromName(it.key());
        if (category && it.value().toInt() > 0)
            d.categories |= quint16(1u << int(*category));
    }
    for (int i = 0; i < FieldCount; ++i)
        d.text[size_t(i)] = f[size_t(i)].bytes();
    return d;
}

int SessionSearchIndex::categoriesOf(const QString& sessionId) const
{
    const auto it = m_byId.constFind(sessionId);
    if (it == m_byId.constEnd() || it->isEmpty())
        return -1;
    return m_docs.value(*it->constBegin()).categories;
}

int SessionSearchIndex::refresh(const QList<SessionSummary>& files)
{
    if (!m_cacheLoaded) {
        m_cacheLoaded = true;
        loadCache();
    }
    if (m_worker) {
        // One worker at a time; the newest listing is taken up when it is done.
        m_again = files;
        m_haveAgain = true;
        return 0;
    }
    m_wanted.clear();
    QStringList toRead;
    for (const SessionSummary& s : files) {
        if (s.damaged || s.filePath.isEmpty())
            continue;
        const qint64 mtime = s.modified.isValid() ? s.modified.toMSecsSinceEpoch() : 0;
        m_wanted.insert(s.filePath, {mtime, s.fileSize});
        const auto known = m_docs.constFind(s.filePath);
        if (known == m_docs.constEnd() || known->mtimeMs != mtime || known->size != s.fileSize)
            toRead.append(s.filePath);
    }
    QStringList gone;
    for (auto it = m_docs.constBegin(); it != m_docs.constEnd(); ++it) {
        if (!m_wanted.contains(it.key()))
            gone.append(it.key());
    }
    for (const QString& path : std::as_const(gone))
        removePath(path);
    if (!gone.isEmpty())
        Q_EMIT updated();
    if (toRead.isEmpty())
        return 0;
    startWorker(toRead);
    return int(toRead.size());
}

void SessionSearchIndex::startWorker(QStringList paths)
{
    m_pending = int(paths.size());
    m_total = m_pending;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_cancel;
    m_worker = QThread::create([this, paths = std::move(paths), cancel] {
        // A store of its own: SessionStore::load() has the size limits and symlink checks.
        SessionStore reader(QFileInfo(paths.first()).absolutePath());
        QList<Document> batch;
        int read = 0;
        const auto post = [&] {
            // Queued to this object's thread; the destructor joins the worker before the
            // object's pending events go, so `this` outlives every posted call.
            QMetaObject::invokeMethod(
                this, [this, docs = std::move(batch), read] { receive(docs, read); },
                Qt::QueuedConnection);
            batch = {};
            read = 0;
        };
        for (const QString& path : paths) {
            if (cancel->load())
                return;
            const QFileInfo fi(path);
            QString error;
            const auto doc = reader.load(path, &error);
            ++read;
            if (doc) {
                Document d = extract(*doc);
                d.filePath = path;
                d.mtimeMs = fi.lastModified().toMSecsSinceEpoch();
                d.size = fi.size();
                batch.append(std::move(d));
            } else {
                qCDebug(lcSearch).noquote() << "not indexed:" << error;
            }
            if (read >= kBatchSize)
                post();
        }
        if (read > 0)
            post();
    });
    connect(m_worker, &QThread::finished, this, &SessionSearchIndex::workerDone,
            Qt::QueuedConnection);
    m_worker->start(QThread::LowPriority);
}

void SessionSearchIndex::receive(QList<Document> docs, int readCount)
{
    m_filesRead += quint64(readCount);
    m_pending = std::max(0, m_pending - readCount);
    for (Document& d : docs) {
        // The listing's mtime and size decide freshness, as it is what refresh() compares.
        const auto wanted = m_wanted.constFind(d.filePath);
        if (wanted != m_wanted.constEnd()) {
            d.mtimeMs = wanted->first;
            d.size = wanted->second;
        }
        insert(std::move(d));
    }
    Q_EMIT progress(m_total - m_pending, m_total);
    Q_EMIT updated();
}

void SessionSearchIndex::workerDone()
{
    if (!m_worker)
        return;
    m_worker->deleteLater();
    m_worker = nullptr;
    m_pending = 0;
    if (m_dirty)
        writeCache();
    if (m_haveAgain) {
        m_haveAgain = false;
        if (refresh(std::exchange(m_again, {})) > 0)
            return;
    }
    Q_EMIT finished();
}

void SessionSearchIndex::insert(Document doc)
{
    removePath(doc.filePath);
    m_byId[doc.sessionId].insert(doc.filePath);
    m_docs.insert(doc.filePath, std::move(doc));
    m_dirty = true;
}

void SessionSearchIndex::removePath(const QString& path)
{
    const auto it = m_docs.find(path);
    if (it == m_docs.end())
        return;
    auto ids = m_byId.find(it->sessionId);
    if (ids != m_byId.end()) {
        ids->remove(path);
        if (ids->isEmpty())
            m_byId.erase(ids);
    }
    m_docs.erase(it);
    m_dirty = true;
}

QSet<QString> SessionSearchIndex::search(const QString& query, Fields fields) const
{
    QList<QByteArrayMatcher> words;
    for (const QString& w : query.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts))
        words.append(QByteArrayMatcher(w.toUtf8()));
    QSet<QString> hits;
    for (auto it = m_docs.constBegin(); it != m_docs.constEnd(); ++it) {
        bool all = true;
        for (const QByteArrayMatcher& word : std::as_const(words)) {
            bool found = false;
            for (int f = 0; f < FieldCount && !found; ++f) {
                if (fields & (1u << f))
                    found = word.indexIn(it->text[size_t(f)]) >= 0;
            }
            if (!found) {
                all = false;
                break;
            }
        }
        if (all)
            hits.insert(it->sessionId);
    }
    return hits;
}

void SessionSearchIndex::loadCache()
{
    if (m_cacheFile.isEmpty())
        return;
    QFile f(m_cacheFile);
    if (!f.open(QIODevice::ReadOnly))
        return;
    QDataStream in(&f);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0, version = 0;
    qint32 count = 0;
    in >> magic >> version >> count;
    if (magic != kCacheMagic || version != kCacheVersion || count < 0) {
        qCInfo(lcSearch).noquote() << "search cache" << m_cacheFile << "is unusable; rebuilding";
        return;
    }
    QHash<QString, Document> docs;
    docs.reserve(count);
    for (qint32 i = 0; i < count && in.status() == QDataStream::Ok; ++i) {
        Document d;
        in >> d.sessionId >> d.filePath >> d.mtimeMs >> d.size >> d.categories;
        for (QByteArray& t : d.text)
            in >> t;
        docs.insert(d.filePath, std::move(d));
    }
    if (in.status() != QDataStream::Ok) {
        qCInfo(lcSearch).noquote() << "search cache" << m_cacheFile << "is truncated; rebuilding";
        return;
    }
    for (Document& d : docs)
        insert(std::move(d));
    m_dirty = false;
}

bool SessionSearchIndex::writeCache()
{
    if (m_cacheFile.isEmpty())
        return false;
    QDir().mkpath(QFileInfo(m_cacheFile).absolutePath());
    QSaveFile f(m_cacheFile);
    if (!f.open(QIODevice::WriteOnly)) {
        qCWarning(lcSearch).noquote()
            << "cannot write search cache" << m_cacheFile << ":" << SystemReason::forFile(f);
        return false;
    }
    // It holds prompts and responses: as private as the session files themselves.
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QDataStream out(&f);
    out.setVersion(QDataStream::Qt_6_4);
    out << kCacheMagic << kCacheVersion << qint32(m_docs.size());
    for (const Document& d : std::as_const(m_docs)) {
        out << d.sessionId << d.filePath << d.mtimeMs << d.size << d.categories;
        for (const QByteArray& t : d.text)
            out << t;
    }
    if (!f.commit()) {
        qCWarning(lcSearch).noquote()
            << "cannot write search cache" << m_cacheFile << ":" << SystemReason::forFile(f);
        return false;
    }
    m_dirty = false;
    return true;
}

} // namespace ea
