#ifndef INLET_COPENSSL_SHIM_H
#define INLET_COPENSSL_SHIM_H
// Typed wrappers around the few libcrypto calls Inlet needs: SHA-256 (one-shot
// and incremental), HMAC-SHA256 and MD5. Only non-deprecated OpenSSL 3 API.
//
// Why the digest is fetched once: in OpenSSL 3 `EVP_sha256()` and `HMAC()`
// look the algorithm up in the provider store on every call, which costs more
// than hashing a SigV4 string to sign. `inlet_sha256_md()` fetches it once.
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <openssl/opensslv.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define INLET_SHA256_LENGTH 32
#define INLET_MD5_LENGTH 16

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static EVP_MD *inlet_fetched_sha256_ = NULL;
static EVP_MD *inlet_fetched_md5_ = NULL;
static pthread_once_t inlet_fetch_once_ = PTHREAD_ONCE_INIT;
static void inlet_fetch_digests_(void) {
    inlet_fetched_sha256_ = EVP_MD_fetch(NULL, "SHA256", NULL);
    inlet_fetched_md5_ = EVP_MD_fetch(NULL, "MD5", NULL);
}
#endif

/// The SHA-256 digest, fetched once per process (falls back to EVP_sha256()).
static inline const EVP_MD *inlet_sha256_md(void) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    pthread_once(&inlet_fetch_once_, inlet_fetch_digests_);
    if (inlet_fetched_sha256_ != NULL) return inlet_fetched_sha256_;
#endif
    return EVP_sha256();
}

/// The MD5 digest, fetched once per process (falls back to EVP_md5()).
static inline const EVP_MD *inlet_md5_md(void) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    pthread_once(&inlet_fetch_once_, inlet_fetch_digests_);
    if (inlet_fetched_md5_ != NULL) return inlet_fetched_md5_;
#endif
    return EVP_md5();
}

/// A new digest context, or NULL when out of memory. Free with inlet_digest_ctx_free.
static inline EVP_MD_CTX *inlet_digest_ctx_new(void) { return EVP_MD_CTX_new(); }

/// Frees a context from inlet_digest_ctx_new (NULL is allowed).
static inline void inlet_digest_ctx_free(EVP_MD_CTX *ctx) { EVP_MD_CTX_free(ctx); }

/// Starts (or restarts) a SHA-256 computation on ctx. Returns 1 on success.
static inline int inlet_sha256_init(EVP_MD_CTX *ctx) {
    return EVP_DigestInit_ex(ctx, inlet_sha256_md(), NULL);
}

/// Feeds len bytes to ctx. Returns 1 on success.
static inline int inlet_digest_update(EVP_MD_CTX *ctx, const void *data, size_t len) {
    return EVP_DigestUpdate(ctx, data, len);
}

/// Writes the digest of everything fed to ctx into out (32 bytes for SHA-256). Returns 1 on success.
static inline int inlet_digest_final(EVP_MD_CTX *ctx, uint8_t *out) {
    unsigned int n = 0;
    return EVP_DigestFinal_ex(ctx, out, &n);
}

/// One-shot SHA-256 of len bytes into out[32]. Returns 1 on success.
static inline int inlet_sha256(const void *data, size_t len, uint8_t *out) {
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, inlet_sha256_md(), NULL);
}

/// One-shot MD5 of len bytes into out[16] (for S3 Content-MD5). Returns 1 on success.
static inline int inlet_md5(const void *data, size_t len, uint8_t *out) {
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, inlet_md5_md(), NULL);
}

/// One-shot HMAC-SHA256 via OpenSSL's HMAC(); out[32]. Returns 1 on success.
static inline int inlet_hmac_sha256(const void *key, size_t key_len,
                                    const void *data, size_t data_len, uint8_t *out) {
    unsigned int n = 0;
    if (key_len > 0x7fffffff) return 0;
    return HMAC(inlet_sha256_md(), key, (int)key_len, (const unsigned char *)data, data_len,
                out, &n) != NULL;
}

/// HMAC-SHA256 (RFC 2104) computed on a caller-owned digest context, so a chain
/// of HMACs (the SigV4 signing key) reuses one context. out[32]. Returns 1 on success.
static inline int inlet_hmac_sha256_with(EVP_MD_CTX *ctx, const void *key, size_t key_len,
                                         const void *data, size_t data_len, uint8_t *out) {
    uint8_t block[64];
    uint8_t inner[INLET_SHA256_LENGTH];
    uint8_t hashed_key[INLET_SHA256_LENGTH];
    const uint8_t *k = (const uint8_t *)key;
    if (key_len > 64) {
        if (!inlet_sha256_init(ctx) || !inlet_digest_update(ctx, key, key_len)
            || !inlet_digest_final(ctx, hashed_key)) return 0;
        k = hashed_key;
        key_len = INLET_SHA256_LENGTH;
    }
    memset(block, 0x36, sizeof block);
    for (size_t i = 0; i < key_len; i++) block[i] ^= k[i];
    if (!inlet_sha256_init(ctx) || !inlet_digest_update(ctx, block, sizeof block)
        || !inlet_digest_update(ctx, data, data_len) || !inlet_digest_final(ctx, inner)) return 0;
    memset(block, 0x5c, sizeof block);
    for (size_t i = 0; i < key_len; i++) block[i] ^= k[i];
    if (!inlet_sha256_init(ctx) || !inlet_digest_update(ctx, block, sizeof block)
        || !inlet_digest_update(ctx, inner, sizeof inner) || !inlet_digest_final(ctx, out)) return 0;
    return 1;
}

#endif
