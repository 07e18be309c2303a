// Maps a session id and start time to a file name that cannot escape the activity directory.
#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

namespace ea {

class SessionFileName
{
public:
    // What a listed file name says about itself. idPart is the reduced id, not the session id.
    struct Parts
    {
        QString idPart;
        QDateTime startUtc;
        bool compressed = false;
    };

    // Longest reduced id kept verbatim; longer ids are cut and get the hash suffix.
    static constexpr int maxIdLength = 100;
    // Bytes of SHA-256 in the suffix (twice as many hex digits).
    static constexpr int hashBytes = 16;

    // session_<id>_<yyyy-MM-ddTHH-mm-ss>.json. The id is reduced to [A-Za-z0-9_-]; if that
    // changed or cut it, or the result could be mistaken for a reduced id, "-" plus 32 hex
    // digits of SHA-256 of the original id is appended, so distinct ids give distinct names.
    // SessionStore still never writes over a file that holds another session_id.
    // attempt > 1 appends "-<attempt>" to the id part: the next name to try when a file of
    // another session already has this one.
    static QString forSession(const QString& sessionId, const QDateTime& startUtc, int attempt = 1);

    // The <id> part forSession() uses.
    static QString idPart(const QString& sessionId);

    // Parses a name produced by forSession() (with .json or .json.gz); nullopt otherwise.
    static std::optional<Parts> parse(const QString& fileName);

    // True for names the store lists: session_*.json and session_*.json.gz (includes names
    // written by the Python aggregator, which parse() may not understand).
    static bool isSessionFile(const QString& fileName);

    // The same name with the other extension: .json <-> .json.gz.
    static QString withCompression(const QString& fileName, bool compressed);
};

} // namespace ea
