#include "storage/SessionFileName.h"

#include "util/Sha256.h"

#include <QRegularExpression>

namespace ea {

static const QString kPrefix = QStringLiteral("session_");
static const QString kJson = QStringLiteral(".json");
static const QString kGz = QStringLiteral(".json.gz");
static const QString kTimeFormat = QStringLiteral("yyyy-MM-dd'T'HH-mm-ss");

static bool isAllowed(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
           u == '-';
}

QString SessionFileName::idPart(const QString& sessionId)
{
    QString reduced;
    reduced.reserve(qMin<qsizetype>(sessionId.size(), maxIdLength));
    bool changed = false;
    bool upper = false;
    for (const QChar c : sessionId) {
        if (!isAllowed(c)) {
            changed = true;
            continue;
        }
        upper = upper || (c.unicode() >= 'A' && c.unicode() <= 'Z');
        if (reduced.size() == maxIdLength) {
            changed = true;
            break;
        }
        reduced.append(c);
    }
    if (reduced.isEmpty()) {
        reduced = QStringLiteral("unnamed");
        changed = true;
    }
    // Without a suffix the name is the id itself, so these cases need one to stay distinct:
    // an id that looks like "<something>-<hash>" (today's 32 hex digits or the 8 of earlier
    // versions) would collide with a suffixed reduction, and ids differing only in case
    // collide on case-insensitive file systems.
    static const QRegularExpression looksSuffixed(QStringLiteral("-[0-9a-f]{8}([0-9a-f]{24})?$"));
    if (changed || upper || looksSuffixed.match(reduced).hasMatch()) {
        // 128 bits: finding two ids with one name is infeasible (4 bytes took 0.6 s).
        const QByteArray digest = Sha256::digest(sessionId.toUtf8());
        reduced += QLatin1Char('-') + QString::fromLatin1(digest.left(hashBytes).toHex());
    }
    return reduced;
}

QString SessionFileName::forSession(const QString& sessionId, const QDateTime& startUtc,
                                    int attempt)
{
    const QDateTime when =
        startUtc.isValid() ? startUtc.toUTC() : QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
    QString id = idPart(sessionId);
    if (attempt > 1)
        id += QLatin1Char('-') + QString::number(attempt);
    return kPrefix + id + QLatin1Char('_') + when.toString(kTimeFormat) + kJson;
}

std::optional<SessionFileName::Parts> SessionFileName::parse(const QString& fileName)
{
    // The id part may itself contain "_" and timestamps, so the greedy match takes the last one.
    static const QRegularExpression re(QStringLiteral(
        "^session_([A-Za-z0-9_-]+)_(\\d{4}-\\d{2}-\\d{2})T(\\d{2}-\\d{2}-\\d{2})\\.json(\\.gz)?$"));
    const QRegularExpressionMatch m = re.match(fileName);
    if (!m.hasMatch())
        return std::nullopt;
    // Date and time separately: parsing the whole as local time could hit a DST gap.
    const QDate date = QDate::fromString(m.captured(2), QStringLiteral("yyyy-MM-dd"));
    const QTime time = QTime::fromString(m.captured(3), QStringLiteral("HH-mm-ss"));
    if (!date.isValid() || !time.isValid())
        return std::nullopt;
    return Parts{m.captured(1), QDateTime(date, time, Qt::UTC), m.capturedLength(4) > 0};
}

bool SessionFileName::isSessionFile(const QString& fileName)
{
    if (!fileName.startsWith(kPrefix))
        return false;
    return fileName.endsWith(kJson) || fileName.endsWith(kGz);
}

QString SessionFileName::withCompression(const QString& fileName, bool compressed)
{
    QString base = fileName;
    if (base.endsWith(kGz))
        base.chop(kGz.size());
    else if (base.endsWith(kJson))
        base.chop(kJson.size());
    return base + (compressed ? kGz : kJson);
}

} // namespace ea
