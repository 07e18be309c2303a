#include "app/StatusBarLine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace ea {

std::optional<StatusBarLine::Format> StatusBarLine::formatFromName(const QString& name)
{
    if (name == QLatin1String("waybar"))
        return Format::Waybar;
    if (name == QLatin1String("i3blocks"))
        return Format::I3blocks;
    if (name == QLatin1String("plain"))
        return Format::Plain;
    return std::nullopt;
}

QString StatusBarLine::duration(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60);
}

StatusBarLine::Line StatusBarLine::of(const QJsonObject& status, const QDateTime& now)
{
    const QJsonObject counts = status.value(QLatin1String("states")).toObject();
    const auto n = [&](const char* key) { return counts.value(QLatin1String(key)).toInt(); };
    const int needs = n("needs_permission") + n("blocked");
    const int waiting = n("waiting");
    const int working = n("working");
    const int idle = n("idle");
    Line line;
    QStringList parts;
    if (needs > 0)
        parts.append(needs == 1 ? QStringLiteral("⚠ 1 needs you")
                                : QStringLiteral("⚠ %1 need you").arg(needs));
    if (waiting > 0)
        parts.append(QStringLiteral("%1 waiting").arg(waiting));
    if (working > 0)
        parts.append(QStringLiteral("%1 working").arg(working));
    if (parts.isEmpty() && idle > 0)
        parts.append(QStringLiteral("%1 idle").arg(idle));
    line.text =
        parts.isEmpty() ? QStringLiteral("no live sessions") : parts.join(QStringLiteral(" · "));
    line.cssClass = needs > 0     ? QStringLiteral("attention")
                    : waiting > 0 ? QStringLiteral("waiting")
                    : working > 0 ? QStringLiteral("working")
                    : idle > 0    ? QStringLiteral("idle")
                                  : QStringLiteral("none");
    if (!status.value(QLatin1String("capturing")).toBool(true)) {
        line.cssClass = QStringLiteral("stopped");
        line.text = QStringLiteral("capture stopped");
    }
    QStringList tips;
    for (const QJsonValue& v : status.value(QLatin1String("live_states")).toArray()) {
        const QJsonObject s = v.toObject();
        QString where = s.value(QLatin1String("project")).toString();
        if (where.isEmpty())
            where = s.value(QLatin1String("session")).toString().left(8);
        const QString branch = s.value(QLatin1String("branch")).toString();
        if (!branch.isEmpty() && branch != QLatin1String("Unknown"))
            where += QStringLiteral(" (%1)").arg(branch);
        const QDateTime since =
            QDateTime::fromString(s.value(QLatin1String("since")).toString(), Qt::ISODate);
        QString tip =
            QStringLiteral("%1: %2").arg(where, s.value(QLatin1String("reason")).toString());
        if (since.isValid())
            tip += QStringLiteral(" (%1)").arg(duration(since.msecsTo(now)));
        tips.append(tip);
    }
    line.tooltip = tips.isEmpty() ? line.text : tips.join(QLatin1Char('\n'));
    return line;
}

StatusBarLine::Line StatusBarLine::notRunning()
{
    return {QStringLiteral("not running"), QStringLiteral("event-aggregator is not running"),
            QStringLiteral("not-running")};
}

QByteArray StatusBarLine::render(const Line& line, Format format)
{
    switch (format) {
    case Format::Waybar:
        return QJsonDocument(QJsonObject{{QStringLiteral("text"), line.text},
                                         {QStringLiteral("tooltip"), line.tooltip},
                                         {QStringLiteral("class"), line.cssClass},
                                         {QStringLiteral("alt"), line.cssClass}})
                   .toJson(QJsonDocument::Compact) +
               '\n';
    case Format::I3blocks: {
        // Colours that read on dark and light bars alike; the text says it too.
        QString color;
        if (line.cssClass == QLatin1String("attention"))
            color = QStringLiteral("#FF8C00");
        else if (line.cssClass == QLatin1String("waiting"))
            color = QStringLiteral("#4FA3FF");
        QJsonObject o{{QStringLiteral("full_text"), line.text},
                      {QStringLiteral("short_text"), line.text}};
        if (!color.isEmpty())
            o.insert(QStringLiteral("color"), color);
        return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    }
    case Format::Plain:
        break;
    }
    QString text = line.text;
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return text.toUtf8() + '\n';
}

} // namespace ea
