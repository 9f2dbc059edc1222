// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "berth/base/json.hpp"

namespace berth::engine {

/// What `info` reports about the machine. Probed from /proc, /sys, uname,
/// sysinfo and PATH look-ups only: no helper program is run.
struct HostFacts {
  std::string kernel;
  std::string hostname;
  std::string distribution;  ///< os-release ID
  std::string distributionVersion;
  std::string distributionCodename;
  std::string cgroupVersion;  ///< "v1" or "v2"
  std::vector<std::string> cgroupControllers;
  long cpus = 0;
  std::uint64_t memTotal = 0;
  std::uint64_t memFree = 0;
  std::uint64_t swapTotal = 0;
  std::uint64_t swapFree = 0;
  long uptimeSeconds = 0;
  bool seccompEnabled = false;
  std::string monitorPath;
  Json helpers;  ///< {"newuidmap": "/usr/bin/newuidmap" or "", ...}
};

HostFacts probeHost();

/// GOARCH spelling of the machine ("amd64", "arm64"), as Podman reports it.
std::string goArch();

/// "g++ 12.2.0" or "clang 14.0.6": what berth was built with.
std::string compilerVersion();

}  // namespace berth::engine
