// SPDX-License-Identifier: Apache-2.0
#include "berth/engine/host.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "berth/base/fs.hpp"
#include "berth/base/programs.hpp"
#include "berth_config.h"

namespace berth::engine {

namespace {

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return std::string(value);
}

void readOsRelease(HostFacts& facts) {
  auto text = readFileIfExists("/etc/os-release");
  if (!text) text = readFileIfExists("/usr/lib/os-release");
  if (!text) return;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const auto key = line.substr(0, eq);
    const auto value = unquote(line.substr(eq + 1));
    if (key == "ID") facts.distribution = value;
    if (key == "VERSION_ID") facts.distributionVersion = value;
    if (key == "VERSION_CODENAME") facts.distributionCodename = value;
  }
}

/// v2: the unified hierarchy is mounted at /sys/fs/cgroup and lists its
/// controllers. v1 (or hybrid): the enabled controllers of /proc/cgroups
/// that have a hierarchy (a non-zero hierarchy id).
void readCgroups(HostFacts& facts) {
  struct statfs st {};
  if (::statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) {
    facts.cgroupVersion = "v2";
    if (auto text = readFileIfExists("/sys/fs/cgroup/cgroup.controllers")) {
      std::string_view rest = *text;
      while (!rest.empty()) {
        const auto end = rest.find_first_of(" \n");
        if (end != 0) facts.cgroupControllers.emplace_back(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
      }
    }
    return;
  }
  facts.cgroupVersion = "v1";
  auto text = readFileIfExists("/proc/cgroups");
  if (!text) return;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    // subsys_name hierarchy num_cgroups enabled
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    const auto tab3 = line.rfind('\t');
    if (tab1 == std::string_view::npos || tab2 == std::string_view::npos) continue;
    const auto hierarchy = line.substr(tab1 + 1, tab2 - tab1 - 1);
    const auto enabled = line.substr(tab3 + 1);
    if (hierarchy != "0" && enabled == "1")
      facts.cgroupControllers.emplace_back(line.substr(0, tab1));
  }
}

bool seccompAvailable() {
  auto status = readFileIfExists("/proc/self/status");
  return status && status->find("\nSeccomp:") != std::string::npos;
}

}  // namespace

std::string goArch() {
  struct utsname uts {};
  ::uname(&uts);
  const std::string_view machine = uts.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i686" || machine == "i386") return "386";
  if (machine == "armv7l") return "arm";
  return std::string(machine);
}

std::string compilerVersion() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

HostFacts probeHost() {
  HostFacts facts;
  struct utsname uts {};
  if (::uname(&uts) == 0) {
    facts.kernel = uts.release;
    facts.hostname = uts.nodename;
  }
  readOsRelease(facts);
  readCgroups(facts);
  facts.cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  struct sysinfo si {};
  if (::sysinfo(&si) == 0) {
    facts.memTotal = static_cast<std::uint64_t>(si.totalram) * si.mem_unit;
    facts.memFree = static_cast<std::uint64_t>(si.freeram) * si.mem_unit;
    facts.swapTotal = static_cast<std::uint64_t>(si.totalswap) * si.mem_unit;
    facts.swapFree = static_cast<std::uint64_t>(si.freeswap) * si.mem_unit;
    facts.uptimeSeconds = si.uptime;
  }
  facts.seccompEnabled = seccompAvailable();
  facts.monitorPath = findBerthHelper("berth-monitor");
  facts.helpers = Json::object();
  for (const char* helper : {"fuse-overlayfs", "newgidmap", "newuidmap", "pasta", "slirp4netns"})
    facts.helpers[helper] = findInPath(helper);
  return facts;
}

}  // namespace berth::engine
