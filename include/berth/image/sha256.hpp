// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace berth::image {

/// Streaming SHA-256 (OpenSSL's, which uses the CPU's SHA extensions).
/// Lives in the archive plugin: the run path does not load libcrypto.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }

  /// "sha256:<64 hex>"; the hasher cannot be updated afterwards.
  std::string digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The digest of a whole file, read in large blocks.
std::string sha256File(const std::string& path);

}  // namespace berth::image
