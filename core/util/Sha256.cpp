#include "util/Sha256.h"

#include <QtEndian>

#include <openssl/evp.h>

namespace ea {

namespace {
// Fetched once: OpenSSL 3 looks the algorithm up again on every call given EVP_sha256().
const EVP_MD* sha256()
{
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md ? md : EVP_sha256();
}

// One context per thread, reused: EVP_Digest() would allocate and free one per call.
struct Context
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

void hash(QByteArrayView a, QByteArrayView b, unsigned char out[EVP_MAX_MD_SIZE])
{
    thread_local Context context;
    unsigned int length = 0;
    if (!context.ctx || !EVP_DigestInit_ex2(context.ctx, sha256(), nullptr) ||
        !EVP_DigestUpdate(context.ctx, a.data(), size_t(a.size())) ||
        (!b.isEmpty() && !EVP_DigestUpdate(context.ctx, b.data(), size_t(b.size()))) ||
        !EVP_DigestFinal_ex(context.ctx, out, &length)) {
        // Out of memory inside OpenSSL: the one-shot call as a last resort.
        QByteArray joined = a.toByteArray() + b.toByteArray();
        EVP_Digest(joined.constData(), size_t(joined.size()), out, &length, sha256(), nullptr);
    }
}
} // namespace

QByteArray Sha256::digest(QByteArrayView a, QByteArrayView b)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    hash(a, b, out);
    return QByteArray(reinterpret_cast<const char*>(out), 32);
}

quint64 Sha256::prefix64(QByteArrayView a, QByteArrayView b)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    hash(a, b, out);
    return qFromBigEndian<quint64>(out);
}

} // namespace ea
