#include "attention/LiveState.h"

#include <array>

namespace ea {

namespace {
struct Names
{
    LiveState::Kind kind;
    const char* name;
    const char* label;
};
constexpr std::array<Names, LiveState::KindCount> kNames{{
    {LiveState::Kind::Working, "working", "working"},
    {LiveState::Kind::NeedsPermission, "needs_permission", "needs permission"},
    {LiveState::Kind::Waiting, "waiting", "waiting for you"},
    {LiveState::Kind::Blocked, "blocked", "probably blocked"},
    {LiveState::Kind::Idle, "idle", "idle"},
    {LiveState::Kind::Ended, "ended", "ended"},
}};
} // namespace

QString LiveState::name(Kind kind)
{
    for (const Names& n : kNames)
        if (n.kind == kind)
            return QLatin1String(n.name);
    return {};
}

QString LiveState::label(Kind kind)
{
    for (const Names& n : kNames)
        if (n.kind == kind)
            return QLatin1String(n.label);
    return {};
}

std::optional<LiveState::Kind> LiveState::fromName(QStringView name)
{
    for (const Names& n : kNames)
        if (name == QLatin1String(n.name))
            return n.kind;
    return std::nullopt;
}

QJsonObject LiveState::toJson() const
{
    QJsonObject o{
        {QStringLiteral("state"), name(kind)},
        {QStringLiteral("reason"), reason},
        {QStringLiteral("since"),
         since.isValid() ? QJsonValue(since.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue()}};
    if (!tool.isEmpty())
        o.insert(QStringLiteral("tool"), tool);
    return o;
}

std::optional<LiveState> LiveState::fromJson(const QJsonObject& object)
{
    const auto kind = fromName(object.value(QLatin1String("state")).toString());
    if (!kind)
        return std::nullopt;
    LiveState s;
    s.kind = *kind;
    s.reason = object.value(QLatin1String("reason")).toString();
    s.since = QDateTime::fromString(object.value(QLatin1String("since")).toString(), Qt::ISODate);
    s.tool = object.value(QLatin1String("tool")).toString();
    return s;
}

} // namespace ea
