// Token counts of a turn or a session, as claude-mpm reports them on stop / token_usage_updated.
#pragma once

#include <QJsonObject>
#include <QJsonValue>

#include <optional>

namespace ea {

struct TokenUsage
{
    qint64 input = 0;
    qint64 output = 0;
    qint64 cacheCreation = 0;
    qint64 cacheRead = 0;

    qint64 total() const { return input + output + cacheCreation + cacheRead; }
    bool isZero() const { return total() == 0; }
    TokenUsage& operator+=(const TokenUsage& other);
    bool operator==(const TokenUsage& other) const = default;

    // claude-mpm reads the session transcript on every Stop and sends the session's
    // cumulative sum; what one turn used is the difference to the previous turn's sum. A sum
    // that went down (a server that sends per-turn counts, a new transcript) is taken whole.
    TokenUsage since(const TokenUsage& previous) const;

    // stop: data.usage {input_tokens, output_tokens, cache_creation_input_tokens,
    // cache_read_input_tokens}; token_usage_updated: data {input_tokens, output_tokens,
    // cache_creation_tokens, cache_read_tokens, total_tokens}. nullopt when no count is there.
    static std::optional<TokenUsage> fromStopData(const QJsonObject& data);
    static std::optional<TokenUsage> fromUpdateData(const QJsonObject& data);

    // {input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
    // total_tokens}
    QJsonObject toJson() const;
    static std::optional<TokenUsage> fromJson(const QJsonValue& value);
};

} // namespace ea
