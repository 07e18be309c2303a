// gzip (RFC 1952) compression of whole documents in memory, with a bound on inflated size.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace ea {

class GzipCodec
{
public:
    // A gzip member with header and CRC, as `gzip` and Python's gzip module write it.
    static std::optional<QByteArray> compress(const QByteArray& data, QString* error = nullptr);

    // Inflates a gzip member; fails (rather than allocating) once the output would exceed
    // maxOutputBytes, so a small hostile file cannot exhaust memory.
    static std::optional<QByteArray> decompress(const QByteArray& data, qint64 maxOutputBytes,
                                                QString* error = nullptr);

    // The two magic bytes every gzip member starts with.
    static bool looksCompressed(const QByteArray& data);
};

} // namespace ea
