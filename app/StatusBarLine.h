// Words a running instance's status as one line a status bar shows (waybar, i3blocks, plain).
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace ea {

class StatusBarLine
{
public:
    enum class Format
    {
        Waybar,   // {"text","tooltip","class","alt"}: waybar's custom module, return-type json
        I3blocks, // {"full_text","short_text","color"}: i3blocks with format=json
        Plain     // the text alone (polybar, tmux, scripts)
    };
    static std::optional<Format> formatFromName(const QString& name);

    struct Line
    {
        QString text;     // "⚠ 1 needs you · 2 working"
        QString tooltip;  // one line per live session, those needing you first
        QString cssClass; // attention, waiting, working, idle, none, stopped, not-running
    };
    // status: what `status --json` prints (states, live_states, capturing).
    static Line of(const QJsonObject& status, const QDateTime& now);
    // No instance is running.
    static Line notRunning();
    static QByteArray render(const Line& line, Format format);
    // "2m 14s", "1h 3m", "12s".
    static QString duration(qint64 ms);
};

} // namespace ea
