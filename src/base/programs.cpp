// SPDX-License-Identifier: Apache-2.0
#include "berth/base/programs.hpp"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <string_view>

#include "berth/base/fs.hpp"
#include "berth_config.h"

namespace berth {

namespace {

std::string selfDirectory() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "";
  return dirName(std::string_view(buffer, static_cast<std::size_t>(n)));
}

bool isExecutable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string findInPath(const std::string& name) {
  const char* path = ::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (isExecutable(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return "";
}

std::string findBerthHelper(const std::string& name) {
  const std::string self = selfDirectory();
  // Where each helper is built in a build tree, relative to src/cli/.
  const std::string buildSubdir = name == "berth-pause"         ? "pause"
                                  : name == "berth-init"        ? "init"
                                  : name == "berth-archive.so"  ? "image/archive"
                                  : name == "berth-registry.so" ? "registry/curl"
                                                                : "monitor";
  for (const std::string& candidate :
       {self + "/../libexec/berth/" + name, self + "/../" + buildSubdir + "/" + name,
        std::string(BERTH_LIBEXECDIR) + "/" + name}) {
    if (!self.empty() && isExecutable(candidate)) {
      char resolved[4096];
      if (::realpath(candidate.c_str(), resolved) != nullptr) return resolved;
      return candidate;
    }
  }
  return "";
}

}  // namespace berth
