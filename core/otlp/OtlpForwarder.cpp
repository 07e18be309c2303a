#include "otlp/OtlpForwarder.h"

#include "storage/GzipCodec.h"
#include "util/Clock.h"
#include "util/SystemClock.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <algorithm>
#include <utility>

namespace ea {

Q_LOGGING_CATEGORY(lcForwarder, "ea.otlp.forwarder", QtInfoMsg)

namespace {
constexpr qint64 kMaxSessionFileBytes = qint64(256) << 20;
constexpr qint64 kMaxRetryAfterMs = qint64(10) * 60 * 1000;

// Retry-After: delay-seconds or an HTTP-date; -1 when absent or unreadable.
qint64 retryAfterMs(const QByteArray& value, const QDateTime& now)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return -1;
    bool ok = false;
    const qint64 seconds = v.toLongLong(&ok);
    if (ok)
        return seconds < 0 ? -1 : std::min(seconds * 1000, kMaxRetryAfterMs);
    // An IMF-fixdate ("Thu, 01 Jan 2026 10:00:30 GMT"); Qt reads the zone as an offset.
    QString date = QString::fromLatin1(v);
    if (date.endsWith(QLatin1String(" GMT")))
        date = date.chopped(4) + QStringLiteral(" +0000");
    const QDateTime at = QDateTime::fromString(date, Qt::RFC2822Date);
    if (!at.isValid())
        return -1;
    return std::clamp<qint64>(now.msecsTo(at), 0, kMaxRetryAfterMs);
}

QString excerpt(const QByteArray& body)
{
    return QString::fromUtf8(body.left(300)).simplified();
}
} // namespace

OtlpForwarder::OtlpForwarder(Settings settings, QString outboxDirectory, const Clock* clock,
                             QObject* parent)
    : QObject(parent), m_settings(std::move(settings)),
      m_ownClock(clock ? nullptr : std::make_unique<SystemClock>()),
      m_clock(clock ? clock : m_ownClock.get()),
      m_outbox(std::make_unique<OtlpOutbox>(std::move(outboxDirectory), m_settings.outboxMaxBytes)),
      m_builder(m_settings.trace)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &OtlpForwarder::armTimer);
    connect(m_clock, &Clock::jumped, this, &OtlpForwarder::armTimer);
}

OtlpForwarder::~OtlpForwarder()
{
    if (m_inFlight)
        m_inFlight->abort();
}

bool OtlpForwarder::start(QString* error)
{
    if (!m_outbox->open(error))
        return false;
    m_network = new QNetworkAccessManager(this);
    m_started = true;
    qCInfo(lcForwarder).noquote() << "forwarding turns to"
                                  << m_settings.endpoint.toString(QUrl::RemoveUserInfo);
    for (const auto& [id, path] : std::exchange(m_savedBeforeStart, {}))
        onSessionSaved(id, path);
    sendNext();
    return true;
}

void OtlpForwarder::onSessionSaved(const QString& sessionId, const QString& path)
{
    if (!m_started) {
        m_savedBeforeStart.append({sessionId, path});
        return;
    }
    QFile f(path);
    QByteArray text;
    QString why;
    if (f.open(QIODevice::ReadOnly))
        text = f.read(kMaxSessionFileBytes + 1);
    else
        why = f.errorString();
    if (GzipCodec::looksCompressed(text)) {
        const std::optional<QByteArray> plain =
            GzipCodec::decompress(text, kMaxSessionFileBytes, &why);
        text = plain.value_or(QByteArray());
    }
    QList<OtlpTraceBuilder::Trace> traces;
    QJsonObject resource;
    RedactionManifest redacted;
    if (text.isEmpty() ||
        !m_builder.build(text, &traces, &resource, &why, &redacted,
                         [this](const QByteArray& id) { return m_outbox->knows(id); })) {
        ++m_counters.unreadable;
        qCWarning(lcForwarder).noquote()
            << "session" << sessionId.left(64) << "not forwarded:" << path << why;
        return;
    }
    QList<OtlpOutbox::Request> fresh;
    for (const OtlpTraceBuilder::Trace& t : std::as_const(traces)) {
        if (!m_outbox->knows(t.traceId))
            fresh.append({t.traceId, OtlpTraceBuilder::request(
                                         QJsonArray{m_builder.resourceSpans(resource, t.spans)})});
    }
    if (fresh.isEmpty())
        return;
    QStringList errors;
    const int queued = m_outbox->enqueueAll(fresh, &errors);
    for (const QString& e : std::as_const(errors))
        qCWarning(lcForwarder).noquote()
            << "cannot queue a turn of session" << sessionId.left(64) << ":" << e;
    m_counters.queued += quint64(queued);
    // Counted once per save that queues a turn.
    if (queued > 0)
        m_counters.redacted += quint64(redacted.total());
    const bool added = queued > 0;
    if (added) {
        Q_EMIT changed();
        if (!m_inFlight && m_retryDueMs < 0)
            sendNext();
    }
}

void OtlpForwarder::sendNext()
{
    if (m_inFlight || !m_started)
        return;
    const std::optional<OtlpOutbox::Entry> entry = m_outbox->front();
    if (!entry)
        return;
    QString why;
    QByteArray body = m_outbox->read(*entry, &why);
    if (body.isEmpty()) {
        qCWarning(lcForwarder).noquote()
            << "outbox entry unreadable, dropped:" << entry->path << why;
        m_outbox->remove(*entry);
        QTimer::singleShot(0, this, &OtlpForwarder::sendNext);
        return;
    }
    QNetworkRequest request(m_settings.endpoint);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(m_settings.timeoutMs);
    for (const auto& [name, value] : std::as_const(m_settings.headers))
        request.setRawHeader(name, value);
    if (m_settings.gzip) {
        if (const std::optional<QByteArray> packed = GzipCodec::compress(body)) {
            body = *packed;
            request.setRawHeader("Content-Encoding", "gzip");
        }
    }
    m_sending = *entry;
    m_inFlight = m_network->post(request, body);
    connect(m_inFlight, &QNetworkReply::finished, this,
            [this, reply = m_inFlight.data()] { onFinished(reply); });
    Q_EMIT changed();
}

void OtlpForwarder::onFinished(QNetworkReply* reply)
{
    reply->deleteLater();
    m_inFlight.clear();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const qint64 retryAfter = retryAfterMs(reply->rawHeader("Retry-After"), m_clock->currentUtc());
    if (status >= 200 && status < 300) {
        m_outbox->remove(m_sending);
        ++m_counters.acknowledged;
        // Partial success: the rest was taken; what was rejected must not be sent again.
        const QJsonObject partial = QJsonDocument::fromJson(body)
                                        .object()
                                        .value(QLatin1String("partialSuccess"))
                                        .toObject();
        const qint64 rejected =
            partial.value(QLatin1String("rejectedSpans")).toVariant().toLongLong();
        if (rejected > 0 || !partial.value(QLatin1String("errorMessage")).toString().isEmpty()) {
            m_counters.spansRejected += quint64(std::max<qint64>(rejected, 0));
            qCWarning(lcForwarder).noquote()
                << "collector rejected" << rejected << "spans of trace"
                << QString::fromLatin1(m_sending.traceId) << ":"
                << partial.value(QLatin1String("errorMessage")).toString().left(300);
        }
        m_backoff.reset();
        m_lastError.clear();
        Q_EMIT changed();
        sendNext();
        return;
    }
    const bool retryable = status == 0 || status == 408 || status == 429 || status >= 500;
    const QString why = status == 0 ? reply->errorString()
                                    : QStringLiteral("HTTP %1 %2").arg(status).arg(excerpt(body));
    if (!retryable) {
        // The collector will never take this request: sending it again would block the rest.
        m_outbox->remove(m_sending);
        ++m_counters.refused;
        m_lastError = why;
        qCWarning(lcForwarder).noquote()
            << "collector refused trace" << QString::fromLatin1(m_sending.traceId)
            << "for good, dropped:" << why;
        Q_EMIT changed();
        sendNext();
        return;
    }
    retryLater(why, retryAfter);
}

void OtlpForwarder::retryLater(const QString& why, qint64 retryAfter)
{
    ++m_counters.retries;
    const qint64 delay = std::max<qint64>(m_backoff.nextDelayMs(), retryAfter);
    if (m_lastError != why)
        qCWarning(lcForwarder).noquote()
            << "collector" << m_settings.endpoint.toString() << "did not take the turn:" << why
            << "- retrying in" << delay << "ms";
    m_lastError = why;
    m_retryDueMs = m_clock->monotonicMs() + delay;
    m_retryTimer.start(int(delay));
    Q_EMIT changed();
}

void OtlpForwarder::armTimer()
{
    if (m_retryDueMs < 0)
        return;
    const qint64 left = m_retryDueMs - m_clock->monotonicMs();
    if (left > 0) {
        m_retryTimer.start(int(left));
        return;
    }
    m_retryDueMs = -1;
    m_retryTimer.stop();
    sendNext();
}

QJsonObject OtlpForwarder::statusJson() const
{
    QJsonObject o{
        {QStringLiteral("endpoint"), m_settings.endpoint.toString(QUrl::RemoveUserInfo)},
        {QStringLiteral("outbox_turns"), m_outbox->count()},
        {QStringLiteral("outbox_bytes"), double(m_outbox->bytes())},
        {QStringLiteral("outbox_max_bytes"), double(m_outbox->maxBytes())},
        {QStringLiteral("evicted"), double(m_outbox->evicted())},
        {QStringLiteral("queued"), double(m_counters.queued)},
        {QStringLiteral("acknowledged"), double(m_counters.acknowledged)},
        {QStringLiteral("spans_rejected"), double(m_counters.spansRejected)},
        {QStringLiteral("refused"), double(m_counters.refused)},
        {QStringLiteral("retries"), double(m_counters.retries)},
        {QStringLiteral("unreadable"), double(m_counters.unreadable)},
        {QStringLiteral("redacted"), double(m_counters.redacted)},
        {QStringLiteral("sending"), !m_inFlight.isNull()},
        {QStringLiteral("last_error"), m_lastError},
    };
    if (m_retryDueMs >= 0)
        o.insert(QStringLiteral("retry_in_ms"),
                 double(std::max<qint64>(0, m_retryDueMs - m_clock->monotonicMs())));
    return o;
}

QString OtlpForwarder::summary() const
{
    const int waiting = m_outbox->count();
    QString line = waiting == 0   ? tr("OTLP: all turns delivered")
                   : waiting == 1 ? tr("OTLP: 1 turn waiting")
                                  : tr("OTLP: %1 turns waiting").arg(waiting);
    if (m_retryDueMs >= 0)
        line += tr(" (retry in %1 s: %2)")
                    .arg((std::max<qint64>(0, m_retryDueMs - m_clock->monotonicMs()) + 999) / 1000)
                    .arg(m_lastError.left(80));
    if (m_outbox->evicted() > 0)
        line += tr(", %1 dropped (outbox full)").arg(m_outbox->evicted());
    return line;
}

} // namespace ea

#include "moc_OtlpForwarder.cpp"
