// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

namespace berth {

/// The highest signal number on Linux (SIGRTMAX as Go's containers/common
/// counts it).
inline constexpr int kSignalMax = 64;

/// The number of a signal named as containers/common's Linux SignalMap
/// spells it, upper case and without "SIG": "TERM" -> 15, "RTMIN" -> 34,
/// "RTMIN+3" -> 37, "RTMAX-1" -> 63 (offsets without leading zeros, RTMIN+
/// up to 15, RTMAX- up to 14). std::nullopt for anything else.
std::optional<int> signalByName(std::string_view upperName) noexcept;

}  // namespace berth
