// Decides which live-state changes become a desktop notification, and words them.
#pragma once

#include "attention/LiveState.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <functional>

namespace ea {

// One notification per transition that matters (needs permission, probably blocked, finished
// its turn), and at most one per session per turn: a session that asked for permission and
// then finished the same turn is not announced twice. Changes are gathered for CoalesceMs (a
// permission answered at once is never shown; several sessions make one notification) and
// notifications come at least MinGapMs apart (what comes meanwhile is merged into the next).
// Nothing is shown while held (the tray menu is open) or with Do Not Disturb.
class AttentionNotifier : public QObject
{
    Q_OBJECT
public:
    enum class Kind
    {
        Permission,
        Blocked,
        Finished
    };
    static constexpr int CoalesceMs = 50;
    static constexpr int MinGapMs = 4000;

    struct Session
    {
        QString project; // folder name of the working directory
        QString branch;
        // The turn that just ended: duration, tools, failures, tokens (-1: unknown).
        qint64 turnMs = -1;
        int tools = -1;
        int failures = -1;
        qint64 tokens = -1;
    };
    struct Notification
    {
        Kind kind;            // of the first (most urgent) session in it
        QStringList sessions; // ids, most urgent first
        QString title;
        QString body;
    };

    explicit AttentionNotifier(QObject* parent = nullptr);

    // Where the words about a session come from (the capture controller).
    void setDescriber(std::function<Session(const QString& sessionId)> describe)
    {
        m_describe = std::move(describe);
    }
    void setKindEnabled(Kind kind, bool on);
    bool isKindEnabled(Kind kind) const { return !m_disabled.contains(int(kind)); }
    void setDoNotDisturb(bool on);
    bool doNotDisturb() const { return m_dnd; }
    // Held while the tray menu is open: shown when it closes.
    void setHeld(bool held);

    static QString where(const Session& s);
    static QString tokensText(qint64 tokens); // "21.9k tokens"
    static QString durationText(qint64 ms);   // "2 m 14 s"

public Q_SLOTS:
    void onStateChanged(const QString& sessionId, const ea::LiveState& state);

Q_SIGNALS:
    void notify(const ea::AttentionNotifier::Notification& notification);

private:
    struct Pending
    {
        QString sessionId;
        Kind kind;
        LiveState state;
    };
    void flush();
    Notification compose(const QList<Pending>& items) const;

    std::function<Session(const QString&)> m_describe;
    QSet<int> m_disabled;
    bool m_dnd = false;
    bool m_held = false;
    QHash<QString, LiveState::Kind> m_last; // each session's previous state
    QSet<QString> m_notifiedThisTurn;
    QList<Pending> m_pending;
    QTimer m_coalesce;
    QTimer m_gap;
};

} // namespace ea

Q_DECLARE_METATYPE(ea::AttentionNotifier::Notification)
