// SPDX-License-Identifier: Apache-2.0
#include "berth/base/signal_names.hpp"

#include <array>

namespace berth {

namespace {

struct SignalName {
  std::string_view name;
  int number;
};

// containers/common pkg/signal SignalMap for Linux (RT signals: 34..64).
constexpr std::array<SignalName, 34> kSignals{{
    {"ABRT", 6},    {"ALRM", 14},   {"BUS", 7},   {"CHLD", 17}, {"CLD", 17},  {"CONT", 18},
    {"FPE", 8},     {"HUP", 1},     {"ILL", 4},   {"INT", 2},   {"IO", 29},   {"IOT", 6},
    {"KILL", 9},    {"PIPE", 13},   {"POLL", 29}, {"PROF", 27}, {"PWR", 30},  {"QUIT", 3},
    {"SEGV", 11},   {"STKFLT", 16}, {"STOP", 19}, {"SYS", 31},  {"TERM", 15}, {"TRAP", 5},
    {"TSTP", 20},   {"TTIN", 21},   {"TTOU", 22}, {"URG", 23},  {"USR1", 10}, {"USR2", 12},
    {"VTALRM", 26}, {"WINCH", 28},  {"XCPU", 24}, {"XFSZ", 25},
}};
constexpr int kSigRtMin = 34;

// "3" of "RTMIN+3": 1 to `limit`, no leading zero.
std::optional<int> offset(std::string_view text, int limit) noexcept {
  if (text.empty() || text.size() > 2 || text.front() == '0') return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > limit) return std::nullopt;
  return n;
}

}  // namespace

std::optional<int> signalByName(std::string_view upperName) noexcept {
  for (const auto& signal : kSignals)
    if (signal.name == upperName) return signal.number;
  if (upperName == "RTMIN") return kSigRtMin;
  if (upperName == "RTMAX") return kSignalMax;
  if (upperName.starts_with("RTMIN+"))
    if (auto n = offset(upperName.substr(6), 15)) return kSigRtMin + *n;
  if (upperName.starts_with("RTMAX-"))
    if (auto n = offset(upperName.substr(6), 14)) return kSignalMax - *n;
  return std::nullopt;
}

}  // namespace berth
