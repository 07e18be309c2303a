#include "storage/GzipCodec.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace ea {

static void setError(QString* error, const QString& message)
{
    if (error)
        *error = message;
}

static QString zlibMessage(const z_stream& zs, int rc)
{
    if (zs.msg)
        return QString::fromLatin1(zs.msg);
    return QStringLiteral("zlib error %1").arg(rc);
}

std::optional<QByteArray> GzipCodec::compress(const QByteArray& data, QString* error)
{
    z_stream zs{};
    // windowBits 15 + 16 asks zlib for a gzip header and trailer instead of a zlib wrapper.
    // Level 1: session files compress about 8:1 at it, and a save of a big session is about
    // three times faster than at the default level (tests/bench).
    int rc = deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        setError(error,
                 QStringLiteral("cannot start gzip compression: %1").arg(zlibMessage(zs, rc)));
        return std::nullopt;
    }
    QByteArray out;
    out.resize(qsizetype(deflateBound(&zs, uLong(data.size()))));
    const auto* in = reinterpret_cast<const Bytef*>(data.constData());
    qsizetype inLeft = data.size();
    qsizetype produced = 0;
    do {
        // avail_in/avail_out are 32-bit, so feed documents over 4 GiB in slices.
        const auto chunk = std::min<qsizetype>(inLeft, UINT_MAX / 2);
        zs.next_in = const_cast<Bytef*>(in);
        zs.avail_in = uInt(chunk);
        in += chunk;
        inLeft -= chunk;
        const int flush = inLeft == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            if (out.size() - produced < 65536)
                out.resize(out.size() + std::max<qsizetype>(65536, out.size() / 2));
            zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
            const auto room = std::min<qsizetype>(out.size() - produced, UINT_MAX / 2);
            zs.avail_out = uInt(room);
            rc = deflate(&zs, flush);
            produced += room - zs.avail_out;
            if (rc == Z_STREAM_ERROR) {
                setError(error,
                         QStringLiteral("gzip compression failed: %1").arg(zlibMessage(zs, rc)));
                deflateEnd(&zs);
                return std::nullopt;
            }
        } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    } while (inLeft > 0);
    deflateEnd(&zs);
    out.truncate(produced);
    return out;
}

std::optional<QByteArray> GzipCodec::decompress(const QByteArray& data, qint64 maxOutputBytes,
                                                QString* error)
{
    if (!looksCompressed(data)) {
        setError(error, QStringLiteral("not gzip data (bad magic bytes)"));
        return std::nullopt;
    }
    z_stream zs{};
    int rc = inflateInit2(&zs, 15 + 16);
    if (rc != Z_OK) {
        setError(error,
                 QStringLiteral("cannot start gzip decompression: %1").arg(zlibMessage(zs, rc)));
        return std::nullopt;
    }
    QByteArray out;
    const auto* in = reinterpret_cast<const Bytef*>(data.constData());
    qsizetype inLeft = data.size();
    qsizetype produced = 0;
    rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (zs.avail_in == 0) {
            if (inLeft == 0) {
                inflateEnd(&zs);
                setError(error, QStringLiteral("gzip data is truncated"));
                return std::nullopt;
            }
            const auto chunk = std::min<qsizetype>(inLeft, UINT_MAX / 2);
            zs.next_in = const_cast<Bytef*>(in);
            zs.avail_in = uInt(chunk);
            in += chunk;
            inLeft -= chunk;
        }
        if (out.size() - produced == 0) {
            // The buffer stops at maxOutputBytes + 1: filling it means the bound was crossed.
            if (produced > maxOutputBytes) {
                inflateEnd(&zs);
                setError(
                    error,
                    QStringLiteral("gzip data inflates to more than %1 bytes").arg(maxOutputBytes));
                return std::nullopt;
            }
            const qint64 grow = std::max<qint64>(65536, produced);
            out.resize(qsizetype(std::min<qint64>(produced + grow, maxOutputBytes + 1)));
        }
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        const auto room = std::min<qsizetype>(out.size() - produced, UINT_MAX / 2);
        zs.avail_out = uInt(room);
        rc = inflate(&zs, Z_NO_FLUSH);
        produced += room - zs.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            const QString why = zlibMessage(zs, rc);
            inflateEnd(&zs);
            setError(error, QStringLiteral("gzip data is corrupt: %1").arg(why));
            return std::nullopt;
        }
        if (produced > maxOutputBytes) {
            inflateEnd(&zs);
            setError(
                error,
                QStringLiteral("gzip data inflates to more than %1 bytes").arg(maxOutputBytes));
            return std::nullopt;
        }
    }
    inflateEnd(&zs);
    if (produced > maxOutputBytes) {
        setError(error,
                 QStringLiteral("gzip data inflates to more than %1 bytes").arg(maxOutputBytes));
        return std::nullopt;
    }
    out.truncate(produced);
    return out;
}

bool GzipCodec::looksCompressed(const QByteArray& data)
{
    return data.size() >= 2 && uchar(data.at(0)) == 0x1f && uchar(data.at(1)) == 0x8b;
}

} // namespace ea
