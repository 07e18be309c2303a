#include "model/TokenUsage.h"

#include "model/HookFields.h"

namespace ea {

namespace {

std::optional<qint64> count(const QJsonObject& o, const char* key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 1e15)
        return std::nullopt;
    return qint64(v.toDouble());
}

std::optional<TokenUsage> read(const QJsonObject& o, const char* creationKey, const char* readKey)
{
    const auto input = count(o, ea::hook::inputTokens);
    const auto output = count(o, ea::hook::outputTokens);
    const auto creation = count(o, creationKey);
    const auto cacheRead = count(o, readKey);
    if (!input && !output && !creation && !cacheRead)
        return std::nullopt;
    TokenUsage u;
    u.input = input.value_or(0);
    u.output = output.value_or(0);
    u.cacheCreation = creation.value_or(0);
    u.cacheRead = cacheRead.value_or(0);
    return u;
}

} // namespace

TokenUsage& TokenUsage::operator+=(const TokenUsage& other)
{
    input += other.input;
    output += other.output;
    cacheCreation += other.cacheCreation;
    cacheRead += other.cacheRead;
    return *this;
}

TokenUsage TokenUsage::since(const TokenUsage& previous) const
{
    if (input < previous.input || output < previous.output ||
        cacheCreation < previous.cacheCreation || cacheRead < previous.cacheRead)
        return *this;
    TokenUsage d;
    d.input = input - previous.input;
    d.output = output - previous.output;
    d.cacheCreation = cacheCreation - previous.cacheCreation;
    d.cacheRead = cacheRead - previous.cacheRead;
    return d;
}

std::optional<TokenUsage> TokenUsage::fromStopData(const QJsonObject& data)
{
    const QJsonValue usage = data.value(QLatin1String(ea::hook::usage));
    if (!usage.isObject())
        return std::nullopt;
    return read(usage.toObject(), ea::hook::cacheCreationInputTokens,
                ea::hook::cacheReadInputTokens);
}

std::optional<TokenUsage> TokenUsage::fromUpdateData(const QJsonObject& data)
{
    if (auto u = read(data, ea::hook::cacheCreationTokens, ea::hook::cacheReadTokens))
        return u;
    return read(data, ea::hook::cacheCreationInputTokens, ea::hook::cacheReadInputTokens);
}

QJsonObject TokenUsage::toJson() const
{
    QJsonObject o;
    o.insert(QLatin1String(ea::hook::inputTokens), input);
    o.insert(QLatin1String(ea::hook::outputTokens), output);
    o.insert(QLatin1String(ea::hook::cacheCreationInputTokens), cacheCreation);
    o.insert(QLatin1String(ea::hook::cacheReadInputTokens), cacheRead);
    o.insert(QLatin1String("total_tokens"), total());
    return o;
}

std::optional<TokenUsage> TokenUsage::fromJson(const QJsonValue& value)
{
    if (!value.isObject())
        return std::nullopt;
    return read(value.toObject(), ea::hook::cacheCreationInputTokens,
                ea::hook::cacheReadInputTokens);
}

} // namespace ea
