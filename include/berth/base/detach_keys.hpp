// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace berth {

/// Podman's default --detach-keys.
inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

/// The bytes of a --detach-keys sequence, as Podman (Docker's term.ToBytes)
/// reads it: comma-separated keys, each one character ("a"), or
/// "ctrl-X" with X one of @ a-z [ \ ] ^ _, or "DEL". "" is no sequence:
/// detaching is off. Throws Error(InvalidArgument) `invalid detach keys
/// "ctrl-1": unknown character "ctrl-1"`.
std::string parseDetachKeys(std::string_view keys);

/// Watches input typed at an attached container for the detach sequence.
/// Bytes that could start the sequence are held back until it is clear
/// whether they do: then dropped (it completed) or passed on.
class DetachKeyMatcher {
 public:
  /// `keys`: bytes from parseDetachKeys; empty never matches.
  explicit DetachKeyMatcher(std::string keys) : keys_(std::move(keys)) {}

  /// Appends to `forward` what of `input` goes to the container. Returns
  /// true when the sequence completed (what follows it is dropped).
  bool feed(std::string_view input, std::string& forward);

 private:
  std::string keys_;
  std::size_t matched_ = 0;
};

}  // namespace berth
