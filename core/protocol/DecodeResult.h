#pragma once

#include <QString>

#include <utility>

namespace ea {

// The outcome of decoding untrusted bytes: a value, or an error that says what was wrong.
template <typename T> struct DecodeResult
{
    T value{};
    QString error;

    bool ok() const { return error.isEmpty(); }

    static DecodeResult success(T v) { return DecodeResult{std::move(v), QString()}; }
    static DecodeResult failure(QString why)
    {
        // An error must never be empty, or ok() would lie.
        return DecodeResult{T{}, why.isEmpty() ? QStringLiteral("unknown error") : std::move(why)};
    }
};

} // namespace ea
