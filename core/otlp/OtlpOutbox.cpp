#include "otlp/OtlpOutbox.h"

#include "util/AtomicFile.h"
#include "util/PrivateDirectory.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>

namespace ea {

Q_LOGGING_CATEGORY(lcOutbox, "ea.otlp.outbox", QtInfoMsg)

namespace {
QString outboxDir(const QString& dir)
{
    return dir + QStringLiteral("/outbox");
}
QString ledgerPath(const QString& dir)
{
    return dir + QStringLiteral("/forwarded");
}
} // namespace

OtlpOutbox::OtlpOutbox(QString directory, qint64 maxBytes)
    : m_dir(std::move(directory)), m_maxBytes(maxBytes)
{}

bool OtlpOutbox::open(QString* error)
{
    if (!PrivateDirectory::ensure(m_dir, error) ||
        !PrivateDirectory::ensure(outboxDir(m_dir), error))
        return false;
    m_entries.clear();
    m_bytes = 0;
    m_known.clear();
    m_ledger.clear();
    static const QRegularExpression name(QStringLiteral("^([0-9]{16})-([0-9a-f]{32})\\.json$"));
    const QFileInfoList files =
        QDir(outboxDir(m_dir)).entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo& f : files) {
        const QRegularExpressionMatch m = name.match(f.fileName());
        if (!m.hasMatch() || f.isSymLink())
            continue; // a temporary of an interrupted write, or not ours
        m_entries.append({f.absoluteFilePath(), m.captured(2).toLatin1(), f.size()});
        m_bytes += f.size();
        m_known.insert(m.captured(2).toLatin1());
        m_nextSeq = std::max(m_nextSeq, m.captured(1).toLongLong() + 1);
    }
    QFile ledger(ledgerPath(m_dir));
    if (ledger.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : ledger.readAll().split('\n')) {
            const QByteArray id = line.trimmed();
            if (id.size() == 32 && !m_known.contains(id)) {
                m_ledger.append(id);
                m_known.insert(id);
            }
        }
    }
    if (!m_entries.isEmpty())
        qCInfo(lcOutbox).noquote()
            << m_entries.size() << "turns (" << m_bytes << "bytes) wait in" << outboxDir(m_dir);
    return true;
}

bool OtlpOutbox::knows(const QByteArray& traceId) const
{
    return m_known.contains(traceId);
}

void OtlpOutbox::evictFor(qint64 incoming)
{
    while (!m_entries.isEmpty() && m_bytes + incoming > m_maxBytes) {
        const Entry oldest = m_entries.takeFirst();
        m_bytes -= oldest.bytes;
        QFile::remove(oldest.path);
        ++m_evicted;
        qCWarning(lcOutbox).noquote()
            << "outbox over" << m_maxBytes << "bytes: dropped the oldest turn, trace"
            << QString::fromLatin1(oldest.traceId) << "(" << m_evicted << "dropped so far)";
    }
}

bool OtlpOutbox::enqueue(const QByteArray& traceId, const QByteArray& body, QString* error)
{
    QStringList errors;
    if (enqueueAll({{traceId, body}}, &errors) == 1)
        return true;
    *error = errors.value(0);
    return false;
}

int OtlpOutbox::enqueueAll(const QList<Request>& requests, QStringList* errors)
{
    qint64 incoming = 0;
    for (const Request& r : requests)
        incoming += r.body.size();
    evictFor(incoming);
    QList<AtomicFile::Item> items;
    items.reserve(requests.size());
    for (const Request& r : requests)
        items.append({QStringLiteral("%1/%2-%3.json")
                          .arg(outboxDir(m_dir))
                          .arg(m_nextSeq++, 16, 10, QLatin1Char('0'))
                          .arg(QString::fromLatin1(r.traceId)),
                      r.body});
    const QStringList failed = AtomicFile::writeAll(items);
    int queued = 0;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        if (!failed.value(i).isEmpty()) {
            errors->append(failed.value(i));
            continue;
        }
        const Request& r = requests.at(i);
        m_entries.append({items.at(i).path, r.traceId, r.body.size()});
        m_bytes += r.body.size();
        m_known.insert(r.traceId);
        m_ledger.append(r.traceId);
        ++queued;
    }
    while (m_ledger.size() > kMaxLedger)
        m_known.remove(m_ledger.takeFirst());
    evictFor(0); // a batch bigger than the whole outbox keeps only its newest
    // The outbox files already say they are queued; a ledger that could not be written only
    // means a turn may be queued again after it was acknowledged (same ids, so a backend
    // de-duplicates it).
    QString why;
    if (queued > 0 && !writeLedger(&why))
        qCWarning(lcOutbox).noquote() << "cannot write" << ledgerPath(m_dir) << ":" << why;
    if (queued > 0)
        PrivateDirectory::sync(outboxDir(m_dir));
    return queued;
}

bool OtlpOutbox::writeLedger(QString* error)
{
    QByteArray text;
    text.reserve(m_ledger.size() * 33);
    for (const QByteArray& id : std::as_const(m_ledger))
        text += id + '\n';
    return AtomicFile::write(ledgerPath(m_dir), text, error);
}

std::optional<OtlpOutbox::Entry> OtlpOutbox::front() const
{
    if (m_entries.isEmpty())
        return std::nullopt;
    return m_entries.first();
}

QByteArray OtlpOutbox::read(const Entry& entry, QString* error) const
{
    QFile f(entry.path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = f.errorString();
        return {};
    }
    return f.readAll();
}

void OtlpOutbox::remove(const Entry& entry)
{
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).path == entry.path) {
            m_bytes -= m_entries.at(i).bytes;
            m_entries.removeAt(i);
            break;
        }
    }
    if (!QFile::remove(entry.path) && QFileInfo::exists(entry.path))
        qCWarning(lcOutbox).noquote() << "cannot remove" << entry.path;
}

} // namespace ea
