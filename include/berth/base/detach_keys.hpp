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

}  // namespace berth
