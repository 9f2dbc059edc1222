// SPDX-License-Identifier: Apache-2.0
// berth-quadlet: a systemd generator (systemd.generator(7)) turning the
// Quadlet files of berth's search directories into service units, as
// Podman's quadlet. Installed as lib/systemd/system-generators/
// berth-system-generator and user-generators/berth-user-generator.
//
//   berth-quadlet [--user] [--dryrun] OUTPUT_DIR [EARLY_DIR LATE_DIR]
//
// Search directories: $BERTH_QUADLET_UNIT_DIRS (colon-separated) if set;
// otherwise /etc/berth/systemd (system), or $XDG_CONFIG_HOME/berth/systemd
// (~/.config/berth/systemd) and /etc/berth/systemd/users/UID (user).
// A bad file is reported ("Error: FILE:LINE: ...") and skipped; the exit
// status is then 125.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/systemd/quadlet.hpp"
#include "berth_config.h"

namespace {

std::vector<std::string> searchDirs(bool user) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("BERTH_QUADLET_UNIT_DIRS"); env != nullptr && *env != '\0') {
    std::string all = env;
    std::size_t start = 0;
    for (;;) {
      const auto colon = all.find(':', start);
      const std::string dir = all.substr(start, colon - start);
      if (!dir.empty()) dirs.push_back(dir);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    return dirs;
  }
  if (!user) return {"/etc/berth/systemd"};
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config != nullptr && *config != '\0')
    dirs.push_back(std::string(config) + "/berth/systemd");
  else if (const char* home = std::getenv("HOME"); home != nullptr)
    dirs.push_back(std::string(home) + "/.config/berth/systemd");
  dirs.push_back("/etc/berth/systemd/users/" + std::to_string(::getuid()));
  return dirs;
}

std::vector<std::string> quadletFiles(const std::string& given) {
  std::vector<std::string> files;
  // SourcePath= must be a normalized path.
  char* resolved = ::realpath(given.c_str(), nullptr);
  if (resolved == nullptr) return files;
  const std::string dir = resolved;
  std::free(resolved);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return files;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    for (const char* ext : {".container", ".volume", ".pod", ".network"})
      if (name.size() > std::string(ext).size() && name.ends_with(ext))
        files.push_back(dir + "/" + name);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

// [Install] WantedBy=/RequiredBy= of a generated unit: a generator cannot
// be enabled, so the links systemctl enable would make go in the output.
void linkInstall(const std::string& outDir, const berth::systemd::Unit& unit) {
  const std::string& text = unit.content;
  const auto install = text.find("\n[Install]\n");
  if (install == std::string::npos) return;
  std::size_t at = install + 11;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.starts_with("[")) break;
    for (const char* key : {"WantedBy=", "RequiredBy="}) {
      if (!line.starts_with(key)) continue;
      const std::string suffix = std::string(key) == "WantedBy=" ? ".wants" : ".requires";
      for (const auto& target : berth::systemd::splitWords(line.substr(std::string(key).size()))) {
        const std::string dir = outDir + "/" + target + suffix;
        berth::makeDirs(dir, 0755);
        const std::string link = dir + "/" + unit.name + ".service";
        ::unlink(link.c_str());
        if (::symlink(("../" + unit.name + ".service").c_str(), link.c_str()) != 0)
          berth::throwErrno("symlink {}", link);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string self = argv[0];
  bool user = self.find("user") != std::string::npos;
  bool dryRun = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--user" || arg == "-user") {
      user = true;
    } else if (arg == "--dryrun" || arg == "-dryrun") {
      dryRun = true;
    } else if (arg.starts_with("-")) {
      std::fprintf(stderr, "Error: unknown flag: %s\n", arg.c_str());
      return 125;
    } else {
      positional.push_back(arg);
    }
  }
  if (!dryRun && positional.empty()) {
    std::fprintf(stderr,
                 "Error: missing output directory (usage: berth-quadlet [--user] "
                 "[--dryrun] OUTPUT_DIR [EARLY_DIR LATE_DIR])\n");
    return 125;
  }
  berth::systemd::QuadletContext context;
  context.executable = BERTH_BINDIR "/berth";
  if (const char* exe = std::getenv("BERTH_QUADLET_BERTH"); exe != nullptr && *exe != '\0')
    context.executable = exe;
  // Every file of every directory, converted together (Pod=x.pod and the
  // like name files of the set); a name already seen in an earlier
  // directory is shadowed, as in Podman's quadlet.
  std::vector<berth::systemd::QuadletFile> files;
  std::set<std::string> seen;
  int status = 0;
  for (const auto& dir : searchDirs(user)) {
    for (const auto& file : quadletFiles(dir)) {
      if (!seen.insert(file.substr(file.rfind('/') + 1)).second) continue;
      try {
        if (auto text = berth::readFileIfExists(file)) files.push_back({file, std::move(*text)});
      } catch (const berth::Error& error) {
        std::fprintf(stderr, "Error: %s\n", error.what());
        status = 125;
      }
    }
  }
  for (const auto& result : berth::systemd::quadletUnits(files, context)) {
    try {
      if (!result.unit) berth::throwError(berth::Errc::InvalidArgument, "{}", result.error);
      const berth::systemd::Unit& unit = *result.unit;
      if (dryRun) {
        std::printf("---%s.service---\n%s\n", unit.name.c_str(), unit.content.c_str());
        continue;
      }
      berth::writeFileAtomic(positional.front() + "/" + unit.name + ".service", unit.content, 0644,
                             false);
      linkInstall(positional.front(), unit);
    } catch (const berth::Error& error) {
      std::fprintf(stderr, "Error: %s\n", error.what());
      status = 125;
    }
  }
  std::fflush(stdout);
  return status;
}
