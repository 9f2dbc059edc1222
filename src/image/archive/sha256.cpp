// SPDX-License-Identifier: Apache-2.0
#include "berth/image/sha256.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth::image {

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
    throwError(Errc::Internal, "sha256: cannot initialise the digest");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(state_->context, data, size) != 1)
    throwError(Errc::Internal, "sha256: update failed");
}

std::string Sha256::digest() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state_->context, raw, &length) != 1)
    throwError(Errc::Internal, "sha256: final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[raw[i] >> 4]);
    out.push_back(kHex[raw[i] & 0xf]);
  }
  return out;
}

std::string sha256File(const std::string& path) {
  UniqueFd fd = openFile(path, O_RDONLY);
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read '{}'", path);
    }
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<std::size_t>(n));
  }
  return hash.digest();
}

}  // namespace berth::image
