// The digests the store hashes with, fetched from OpenSSL once. Given
// EVP_sha1() or EVP_sha256(), OpenSSL 3 looks the implementation up again
// on every EVP_DigestInit_ex, which costs more than hashing a short input.
#ifndef CAIRN_STORE_INTERNAL_DIGEST_H_
#define CAIRN_STORE_INTERNAL_DIGEST_H_

#include <openssl/evp.h>

namespace cairn::internal {

const EVP_MD* Sha1();    // name-based event ids (UUID version 5)
const EVP_MD* Sha256();  // the hash chain

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_DIGEST_H_
