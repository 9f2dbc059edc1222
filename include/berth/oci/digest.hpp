// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace berth::oci {

/// A content digest as the OCI image spec writes it: "<algorithm>:<hex>".
/// Only the registered algorithms with lower-case hex of the right length
/// are valid: sha256 (64), sha384 (96) and sha512 (128), as go-digest
/// accepts them. This type only parses and compares; hashing lives elsewhere.
/// A default-constructed Digest is empty (no algorithm, no hex).
class Digest {
 public:
  Digest() = default;

  /// Parses "sha256:<64 lower-case hex>" (or sha384/sha512). Throws
  /// Error(InvalidArgument) naming the text, e.g.
  /// `invalid digest "sha256:xyz": expected sha256:<64 hex characters>`.
  static Digest parse(std::string_view text);

  /// Like parse, but std::nullopt instead of throwing.
  static std::optional<Digest> tryParse(std::string_view text) noexcept;

  /// Builds "<algorithm>:<hex>" and validates it like parse.
  static Digest fromParts(std::string_view algorithm, std::string_view hex);

  /// The message parse would throw for `text`, or "" when it is valid.
  static std::string validationError(std::string_view text);

  bool empty() const noexcept { return value_.empty(); }
  /// "sha256"; empty for an empty Digest.
  std::string_view algorithm() const noexcept;
  /// The hex part after the colon; empty for an empty Digest.
  std::string_view hex() const noexcept;
  /// The whole "<algorithm>:<hex>" text; "" for an empty Digest.
  const std::string& str() const noexcept { return value_; }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend std::strong_ordering operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string value, std::size_t colon) : value_(std::move(value)), colon_(colon) {}

  std::string value_;
  std::size_t colon_ = 0;
};

}  // namespace berth::oci

/// Lets Digest key std::unordered_map and std::unordered_set.
template <>
struct std::hash<berth::oci::Digest> {
  std::size_t operator()(const berth::oci::Digest& digest) const noexcept {
    return std::hash<std::string>{}(digest.str());
  }
};
