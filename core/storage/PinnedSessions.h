// The sessions no cleanup removes: a small sidecar file in the activity directory.
#pragma once

#include <QSet>
#include <QString>

namespace ea {

// `.pinned.json` ({"pinned": ["<session id>", ...]}) beside the session files, written with
// AtomicFile, so pins survive deleting the session database. Changes take a QLockFile beside it
// (`.pinned.lock`), so a `pin` from a shell and one from the browser never lose each other.
class PinnedSessions
{
public:
    static inline const QString fileName = QStringLiteral(".pinned.json");

    explicit PinnedSessions(const QString& activityDirectory);

    // The pinned session ids; empty when there is no file. A damaged file reads as empty with
    // *error set (cleanup then refuses to run rather than delete a pinned session).
    QSet<QString> load(QString* error = nullptr) const;
    bool isPinned(const QString& sessionId) const { return load().contains(sessionId); }
    // Pins or unpins; true also when nothing had to change. False with *error when the file
    // could not be written.
    bool set(const QString& sessionId, bool pinned, QString* error);
    QString path() const { return m_path; }

private:
    QString m_dir;
    QString m_path;
};

} // namespace ea
