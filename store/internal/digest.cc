#include "store/internal/digest.h"

namespace cairn::internal {

// Kept for the life of the process. Should the provider not answer, the
// legacy object still works, only slower.
const EVP_MD* Sha1() {
  static const EVP_MD* const digest = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    return fetched ? fetched : EVP_sha1();
  }();
  return digest;
}

const EVP_MD* Sha256() {
  static const EVP_MD* const digest = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return digest;
}

}  // namespace cairn::internal
