// SHA-256 through OpenSSL's libcrypto (EVP digests), for event identities and file names.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace ea {

class Sha256
{
public:
    // The 32-byte digest of a followed by b (b may be empty).
    static QByteArray digest(QByteArrayView a, QByteArrayView b = {});
    // Its first 8 bytes, big-endian: a 64-bit key.
    static quint64 prefix64(QByteArrayView a, QByteArrayView b = {});
};

} // namespace ea
