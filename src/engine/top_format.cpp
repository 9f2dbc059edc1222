// SPDX-License-Identifier: Apache-2.0
// psgo's descriptors and cell formats (containers/psgo, as Podman 4.3.1
// vendors it): what `berth top` prints for each process.
#include <time.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/engine/top.hpp"
#include "berth/runtime/capabilities.hpp"

namespace berth::engine {

namespace {

template <class Map, class Id>
std::string nameOf(const Map& names, Id id) {
  if (auto it = names.find(id); it != names.end()) return it->second;
  return std::to_string(id);
}

/// Go's fmtFrac/fmtInt pieces of Duration.String.
std::string fraction(std::uint64_t value, int precision, std::uint64_t& rest) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < precision; ++i) {
    const auto digit = value % 10;
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    value /= 10;
  }
  if (print) digits.insert(digits.begin(), '.');
  rest = value;
  return digits;
}

std::string elapsedSince(const TopProcess& p, const TopContext& c) {
  const std::int64_t startNs = static_cast<std::int64_t>(
      (c.bootTimeSeconds + p.startTicks / static_cast<std::uint64_t>(c.clockTicks)) *
      1000000000ULL);
  return goDurationString(c.nowNs - startNs);
}

std::string joinIds(const std::vector<gid_t>& ids, const std::map<gid_t, std::string>& names) {
  std::string out;
  for (const auto id : ids) {
    if (!out.empty()) out += ',';
    out += nameOf(names, id);
  }
  return out;
}

}  // namespace

const std::vector<TopDescriptor>& topDescriptors() {
  static const std::vector<TopDescriptor> table = {
      {"pcpu", "%C", "%CPU"},
      {"group", "%G", "GROUP"},
      {"groups", "", "GROUPS"},
      {"ppid", "%P", "PPID"},
      {"user", "%U", "USER"},
      {"args", "%a", "COMMAND"},
      {"comm", "%c", "COMMAND"},
      {"rgroup", "%g", "RGROUP"},
      {"nice", "%n", "NI"},
      {"pid", "%p", "PID"},
      {"pgid", "%r", "PGID"},
      {"etime", "%t", "ELAPSED"},
      {"ruser", "%u", "RUSER"},
      {"time", "%x", "TIME"},
      {"tty", "%y", "TTY"},
      {"vsz", "%z", "VSZ"},
      {"capamb", "", "AMBIENT CAPS"},
      {"capinh", "", "INHERITED CAPS"},
      {"capprm", "", "PERMITTED CAPS"},
      {"capeff", "", "EFFECTIVE CAPS"},
      {"capbnd", "", "BOUNDING CAPS"},
      {"seccomp", "", "SECCOMP"},
      {"label", "", "LABEL"},
      {"hpid", "", "HPID"},
      {"huser", "", "HUSER"},
      {"hgroup", "", "HGROUP"},
      {"hgroups", "", "HGROUPS"},
      {"rss", "", "RSS"},
      {"state", "", "STATE"},
      {"stime", "", "STIME"},
  };
  return table;
}

std::vector<TopDescriptor> parseTopDescriptors(const std::vector<std::string>& arguments) {
  std::vector<std::string> words;
  for (const auto& argument : arguments) {
    std::size_t pos = 0;
    while (pos < argument.size()) {
      const auto end = argument.find_first_of(", \t", pos);
      const std::string word = argument.substr(pos, end == std::string::npos ? end : end - pos);
      if (!word.empty()) words.push_back(word);
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  if (words.empty()) words = {"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"};
  std::vector<TopDescriptor> out;
  for (const auto& word : words) {
    const auto& table = topDescriptors();
    const auto it = std::find_if(table.begin(), table.end(), [&word](const TopDescriptor& d) {
      return word == d.normal || (!d.code.empty() && word == d.code);
    });
    if (it == table.end()) throwError(Errc::InvalidArgument, "'{}': unknown descriptor", word);
    out.push_back(*it);
  }
  return out;
}

std::string goDurationString(std::int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  const bool negative = nanoseconds < 0;
  std::uint64_t u = negative ? static_cast<std::uint64_t>(-(nanoseconds + 1)) + 1
                             : static_cast<std::uint64_t>(nanoseconds);
  std::string out;
  if (u < 1000000000ULL) {
    // Under a second: ns, µs or ms with a fraction.
    int precision = 0;
    std::string unit;
    if (u < 1000ULL) {
      unit = "ns";
    } else if (u < 1000000ULL) {
      precision = 3;
      unit = "\xC2\xB5s";
    } else {
      precision = 6;
      unit = "ms";
    }
    std::uint64_t rest = 0;
    const std::string frac = fraction(u, precision, rest);
    out = std::to_string(rest) + frac + unit;
  } else {
    std::uint64_t rest = 0;
    const std::string frac = fraction(u, 9, rest);
    u = rest;
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

std::string capabilitySetString(std::uint64_t mask, int lastCap) {
  const std::uint64_t full = lastCap >= 63 ? ~0ULL : (1ULL << (lastCap + 1)) - 1;
  if (mask != 0 && (mask & full) == full) return "full";
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit) {
    if ((mask & (1ULL << bit)) == 0) continue;
    std::string name;
    try {
      name = runtime::capabilityName(bit);
    } catch (const Error&) {
      continue;  // a capability newer than berth: psgo skips it too
    }
    names.push_back(name.substr(name.rfind("CAP_") == 0 ? 4 : 0));
  }
  if (names.empty()) return "none";
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names)
    out += (out.empty() ? "" : ",") + name;
  return out;
}

std::map<unsigned, std::string> parseIdNames(std::string_view text) {
  std::map<unsigned, std::string> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    // name:password:id:...
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const auto third = line.find(':', second + 1);
    const std::string id(line.substr(
        second + 1, third == std::string_view::npos ? std::string_view::npos : third - second - 1));
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) continue;
    out.emplace(static_cast<unsigned>(std::stoul(id)), std::string(line.substr(0, first)));
  }
  return out;
}

std::string topCell(const TopDescriptor& d, const TopProcess& p, const TopContext& c) {
  const std::string_view n = d.normal;
  const auto cpuSeconds =
      static_cast<std::int64_t>(p.cpuTicks / static_cast<std::uint64_t>(c.clockTicks));
  if (n == "pcpu") {
    const std::int64_t startNs = static_cast<std::int64_t>(
        (c.bootTimeSeconds + p.startTicks / static_cast<std::uint64_t>(c.clockTicks)) *
        1000000000ULL);
    const double elapsed = static_cast<double>(c.nowNs - startNs) / 1e9;
    const double pcpu = elapsed > 0 ? 100.0 * static_cast<double>(cpuSeconds) / elapsed : 0.0;
    return fmt::format("{:.3f}", pcpu);
  }
  if (n == "group") return nameOf(c.groups, p.gids[1]);
  if (n == "groups") return joinIds(p.groups, c.groups);
  if (n == "ppid") return std::to_string(p.ppid);
  if (n == "user") return nameOf(c.users, p.uids[1]);
  if (n == "args") {
    if (p.args.empty() || p.args.front().empty()) return "[" + p.comm + "]";
    std::string out;
    for (const auto& arg : p.args)
      out += (out.empty() ? "" : " ") + arg;
    return out;
  }
  if (n == "comm") return p.comm;
  if (n == "rgroup") return nameOf(c.groups, p.gids[0]);
  if (n == "nice") return std::to_string(p.nice);
  if (n == "pid") return std::to_string(p.pid);
  if (n == "pgid") return std::to_string(p.pgid);
  if (n == "etime") return elapsedSince(p, c);
  if (n == "ruser") return nameOf(c.users, p.uids[0]);
  if (n == "time") return goDurationString(cpuSeconds * 1000000000LL);
  if (n == "tty") return p.tty.empty() ? "?" : p.tty;
  if (n == "vsz") return std::to_string(p.vsizeBytes / 1024);
  if (n == "capamb") return capabilitySetString(p.capAmb, c.lastCap);
  if (n == "capinh") return capabilitySetString(p.capInh, c.lastCap);
  if (n == "capprm") return capabilitySetString(p.capPrm, c.lastCap);
  if (n == "capeff") return capabilitySetString(p.capEff, c.lastCap);
  if (n == "capbnd") return capabilitySetString(p.capBnd, c.lastCap);
  if (n == "seccomp") {
    if (p.seccomp == "0") return "disabled";
    if (p.seccomp == "1") return "strict";
    if (p.seccomp == "2") return "filter";
    return "?";
  }
  if (n == "label") return p.label.empty() ? "?" : p.label;
  if (n == "hpid") return std::to_string(p.hostPid);
  if (n == "huser") return nameOf(c.hostUsers, p.hostUid);
  if (n == "hgroup") return nameOf(c.hostGroups, p.hostGid);
  if (n == "hgroups") return joinIds(p.hostGroups, c.hostGroups);
  if (n == "rss") return p.rssKb.empty() ? "0" : p.rssKb;
  if (n == "state") return p.state;
  if (n == "stime") {
    // Go's default time format: "2006-01-02 15:04:05 -0700 MST".
    const time_t start = static_cast<time_t>(
        c.bootTimeSeconds + p.startTicks / static_cast<std::uint64_t>(c.clockTicks));
    struct tm local {};
    ::localtime_r(&start, &local);
    char buffer[64];
    ::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S %z %Z", &local);
    return buffer;
  }
  return "?";
}

}  // namespace berth::engine
