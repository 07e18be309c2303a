// Reads and writes the UTC timestamps of session files: ISO 8601, milliseconds, "Z".
#pragma once

#include <QDateTime>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace ea {

class IsoTime
{
public:
    static QString toString(const QDateTime& time);     // empty when invalid
    static QJsonValue toJson(const QDateTime& time);    // null when invalid
    static QDateTime fromJson(const QJsonValue& value); // invalid when unreadable
    // The ISO 8601 variants the dashboards send (offsets, microseconds, "+00:00Z").
    static std::optional<QDateTime> parse(QStringView text);
    // Seconds or milliseconds since 1970, told apart by magnitude; nullopt outside 0..9999.
    static std::optional<QDateTime> fromNumber(double number);
    // Appends what toString() gives for a UTC instant ("2026-07-27T16:30:05.120Z") without
    // QDateTime; false (nothing appended) outside the years 1000-9999.
    static bool appendUtc(qint64 msSinceEpoch, QByteArray* out);
    // The same UtcLength characters into b, for writers with a buffer of their own.
    static constexpr int UtcLength = 24;
    static bool writeUtc(qint64 msSinceEpoch, char* b);
};

} // namespace ea
