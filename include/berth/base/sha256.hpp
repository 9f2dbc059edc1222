// SPDX-License-Identifier: Apache-2.0
// A small SHA-256 (FIPS 180-4) for the core library: chain ids and other
// short inputs. Bulk hashing of layers uses libcrypto in the archive plugin.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

class Sha256Hasher {
 public:
  Sha256Hasher();
  void update(std::string_view data);
  /// The 32-byte digest; the hasher must not be used afterwards.
  std::array<std::uint8_t, 32> finish();

 private:
  void block(const std::uint8_t* p);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

/// Lower-case hex sha256 of `data`.
std::string sha256Hex(std::string_view data);

/// "sha256:<hex>" of `data`.
std::string sha256Digest(std::string_view data);

}  // namespace berth
