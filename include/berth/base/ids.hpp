// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace berth {

inline constexpr std::size_t kIdLength = 64;
inline constexpr std::size_t kShortIdLength = 12;

/// A new random id: 64 lower-case hex characters from getrandom(2). Like
/// Docker's, its 12-character short form is never all digits (so it cannot
/// be mistaken for a number).
std::string generateId();

/// The first 12 characters of an id.
std::string_view shortId(std::string_view id) noexcept;

/// True for exactly 64 lower-case hex characters.
bool isFullId(std::string_view text) noexcept;

/// True for 1..64 lower-case hex characters (a possible id prefix).
bool isIdPrefix(std::string_view text) noexcept;

}  // namespace berth
