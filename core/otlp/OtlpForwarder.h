// Sends each settled turn of every saved session to an OpenTelemetry collector (OTLP/HTTP JSON).
#pragma once

#include "otlp/OtlpOutbox.h"
#include "otlp/OtlpTraceBuilder.h"
#include "protocol/Backoff.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace ea {

class Clock;

// A saved session's turns go to the outbox on disk first, then to the collector one request
// at a time, oldest first; a request leaves the outbox only when the collector took it (2xx,
// partial success included: what it rejected is counted and logged, not sent again) or
// refused it for good (400 and other 4xx but 408/429). 408, 429, 5xx and network errors are
// retried with a backoff (1 s doubling to 60 s, jittered), waiting at least what Retry-After
// asks for.
class OtlpForwarder : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QUrl endpoint;
        QList<QPair<QByteArray, QByteArray>> headers; // environment variables already expanded
        int timeoutMs = 10000;
        bool gzip = false;
        qint64 outboxMaxBytes = qint64(64) << 20;
        OtlpTraceBuilder::Options trace;
    };

    // outboxDirectory: where the outbox lives (<activity>/.otlp). clock: what backoff delays
    // are measured on (a SystemClock when null); it must outlive the forwarder.
    OtlpForwarder(Settings settings, QString outboxDirectory, const Clock* clock = nullptr,
                  QObject* parent = nullptr);
    ~OtlpForwarder() override;

    // Opens the outbox and starts sending what it holds. False with *error when the outbox
    // directory is unusable.
    bool start(QString* error);

    struct Counters
    {
        quint64 queued = 0;        // turns put in the outbox
        quint64 acknowledged = 0;  // requests the collector took
        quint64 spansRejected = 0; // partial success: spans the collector refused
        quint64 refused = 0;       // requests refused for good (400, ...): dropped
        quint64 retries = 0;       // attempts that failed and are tried again
        quint64 unreadable = 0;    // saved sessions that could not be read or built
        quint64 redacted = 0;      // secrets taken out of sessions whose turns were queued
    };
    const Counters& counters() const { return m_counters; }
    const OtlpOutbox& outbox() const { return *m_outbox; }
    // The outbox and counters for `status --json`.
    QJsonObject statusJson() const;
    // One line for the tray tooltip, e.g. "OTLP: 3 turns waiting (retry in 4 s: HTTP 503)".
    QString summary() const;

public Q_SLOTS:
    // A session file was written: its settled turns not yet queued are queued and sent (before
    // start(): once it has started).
    void onSessionSaved(const QString& sessionId, const QString& path);

Q_SIGNALS:
    // The outbox or the connection's state changed.
    void changed();

private:
    void sendNext();
    void onFinished(QNetworkReply* reply);
    void retryLater(const QString& why, qint64 retryAfterMs);
    void armTimer();

    Settings m_settings;
    std::unique_ptr<Clock> m_ownClock;
    const Clock* m_clock;
    std::unique_ptr<OtlpOutbox> m_outbox;
    OtlpTraceBuilder m_builder;
    QNetworkAccessManager* m_network = nullptr;
    QPointer<QNetworkReply> m_inFlight;
    OtlpOutbox::Entry m_sending;
    Backoff m_backoff{BackoffSettings{1000, 60000, 2.0, 0.5}};
    QTimer m_retryTimer;
    qint64 m_retryDueMs = -1; // on m_clock; -1: no retry waiting
    QString m_lastError;
    Counters m_counters;
    bool m_started = false;
    QList<QPair<QString, QString>> m_savedBeforeStart;
};

} // namespace ea
