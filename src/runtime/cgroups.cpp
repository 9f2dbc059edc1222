// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/cgroups.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/scope_exit.hpp"

namespace berth::runtime {

namespace {

// The v1 controllers the kernel knows (named hierarchies such as
// name=systemd hold none and are left out).
constexpr std::string_view kKnownV1Controllers[] = {
    "blkio",  "cpu",  "cpuacct", "cpuset",   "devices",    "freezer", "hugetlb",
    "memory", "misc", "net_cls", "net_prio", "perf_event", "pids",    "rdma",
};

// The v1 hierarchies a container's cgroup goes into (as runc/crun's cgroupfs
// manager: what berth limits, plus what stats, pause and devices need).
constexpr std::string_view kV1Controllers[] = {"memory", "pids",    "cpu",   "cpuacct",
                                               "cpuset", "freezer", "blkio", "devices"};

// The v2 controllers enabled for the container's cgroup where available.
constexpr std::string_view kV2Controllers[] = {"memory", "pids", "cpu", "cpuset", "io"};

// What a rootless delegation must give for berth to call limits available
// (systemd delegates these three to user@UID.service by default).
constexpr std::string_view kRootlessControllers[] = {"memory", "pids", "cpu"};

constexpr std::string_view kCgroupPrefix = "berth-";

std::vector<std::string_view> splitFields(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  while (!text.empty()) {
    const auto end = text.find(separator);
    const std::string_view field = text.substr(0, end);
    if (!field.empty()) fields.push_back(field);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return fields;
}

std::vector<std::string_view> lines(std::string_view text) {
  return splitFields(text, '\n');
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  while (!text.empty() && (text.front() == '\n' || text.front() == ' '))
    text.remove_prefix(1);
  return text;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeMountField(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (digits.size() == 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out +=
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

bool underSysFsCgroup(const std::string& mountPoint) {
  return mountPoint == "/sys/fs/cgroup" || mountPoint.starts_with("/sys/fs/cgroup/");
}

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string parentCgroupPath(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string joinCgroupPath(std::string_view base, std::string_view name) {
  std::string out(base);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

bool isDirectory(const std::string& path) noexcept {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Writes `value` to a control file in one write(2), as the kernel wants it.
// Returns 0 or the errno.
int writeControl(const std::string& path, std::string_view value) noexcept {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t written;
  do {
    written = ::write(fd, value.data(), value.size());
  } while (written < 0 && errno == EINTR);
  const int err = written < 0 ? errno : 0;
  ::close(fd);
  return err;
}

void writeControlOrThrow(const std::string& path, std::string_view value) {
  if (const int err = writeControl(path, value); err != 0)
    throwErrnoValue(err, fmt::format("write {} to {}", value, path));
}

std::vector<std::string> readControllerList(const std::string& file) {
  std::vector<std::string> out;
  const auto text = readFileIfExists(file);
  if (!text) return out;
  for (const auto name : splitFields(trim(*text), ' '))
    out.emplace_back(name);
  return out;
}

// Makes `dir` (its parent exists); true when this call created it.
bool makeCgroupDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return true;
  if (errno == EEXIST && isDirectory(dir)) return false;
  throwErrno("create cgroup {}", dir);
}

// Enables each of `wanted` that `dir` offers in its cgroup.subtree_control,
// one at a time so that one the kernel refuses (a realtime task keeps cpu
// off, processes in a non-root cgroup keep all off) does not stop the
// others. Best effort: a limit on a controller left off fails later with
// the file named.
void enableControllers(const std::string& dir) {
  const auto available = readControllerList(dir + "/cgroup.controllers");
  const auto enabled = readControllerList(dir + "/cgroup.subtree_control");
  for (const auto controller : kV2Controllers) {
    if (!contains(available, controller) || contains(enabled, controller)) continue;
    (void)writeControl(dir + "/cgroup.subtree_control", fmt::format("+{}", controller));
  }
}

// A v1 cpuset cgroup starts with empty cpus and mems and takes no task
// until they are set: copy the parent's.
void inheritCpuset(const std::string& dir) {
  const std::string parent = dirName(dir);
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    const auto own = readFileIfExists(dir + "/" + file);
    if (!own || !trim(*own).empty()) continue;
    const std::string value(trim(readFile(parent + "/" + file)));
    writeControlOrThrow(dir + "/" + file, value);
  }
}

void checkContainerPath(std::string_view path) {
  const auto slash = path.rfind('/');
  if (path.empty() || path.front() != '/' || slash == std::string_view::npos ||
      !path.substr(slash + 1).starts_with(kCgroupPrefix) ||
      path.substr(slash + 1).size() == kCgroupPrefix.size() || path.find("/..") != path.npos)
    throwError(Errc::InvalidArgument,
               "cgroup path '{}': expected a berth container's (/.../berth-ID)", path);
}

std::string validCgroupId(const std::string& containerId) {
  if (containerId.empty() || containerId.find('/') != std::string::npos || containerId == "." ||
      containerId == "..")
    throwError(Errc::InvalidArgument, "container id '{}': cannot name a cgroup", containerId);
  return std::string(kCgroupPrefix) + containerId;
}

void sleepMilliseconds(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::string_view cgroupModeName(CgroupMode mode) noexcept {
  switch (mode) {
    case CgroupMode::None:
      return "none";
    case CgroupMode::Legacy:
      return "legacy";
    case CgroupMode::Hybrid:
      return "hybrid";
    case CgroupMode::Unified:
      return "unified";
  }
  return "none";
}

CgroupMode CgroupMounts::mode() const noexcept {
  if (!v1.empty()) return unified ? CgroupMode::Hybrid : CgroupMode::Legacy;
  return unified ? CgroupMode::Unified : CgroupMode::None;
}

const CgroupHierarchy* CgroupMounts::v1Hierarchy(std::string_view controller) const noexcept {
  for (const auto& hierarchy : v1)
    if (contains(hierarchy.controllers, controller)) return &hierarchy;
  return nullptr;
}

CgroupMounts parseCgroupMounts(std::string_view mountinfo) {
  CgroupMounts mounts;
  int unifiedRank = 3;  // lower is better: /sys/fs/cgroup, .../unified, anything else
  for (const auto line : lines(mountinfo)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    const auto fields = splitFields(line, ' ');
    if (fields.size() < 8) continue;
    std::size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-")
      ++dash;
    if (dash + 1 >= fields.size()) continue;
    const std::string_view fsType = fields[dash + 1];
    if (fsType != "cgroup" && fsType != "cgroup2") continue;
    CgroupHierarchy hierarchy{unescapeMountField(fields[4]), unescapeMountField(fields[3]), {}};
    if (fsType == "cgroup2") {
      const int rank = hierarchy.mountPoint == "/sys/fs/cgroup"           ? 0
                       : hierarchy.mountPoint == "/sys/fs/cgroup/unified" ? 1
                                                                          : 2;
      if (rank < unifiedRank) {
        unifiedRank = rank;
        mounts.unified = std::move(hierarchy);
      }
      continue;
    }
    const std::string_view superOptions = dash + 3 < fields.size() ? fields[dash + 3] : "";
    for (const auto option : splitFields(superOptions, ','))
      if (std::find(std::begin(kKnownV1Controllers), std::end(kKnownV1Controllers), option) !=
          std::end(kKnownV1Controllers))
        hierarchy.controllers.emplace_back(option);
    if (hierarchy.controllers.empty()) continue;
    std::sort(hierarchy.controllers.begin(), hierarchy.controllers.end());
    auto same = std::find_if(mounts.v1.begin(), mounts.v1.end(), [&](const CgroupHierarchy& h) {
      return h.controllers == hierarchy.controllers;
    });
    if (same == mounts.v1.end())
      mounts.v1.push_back(std::move(hierarchy));
    else if (!underSysFsCgroup(same->mountPoint) && underSysFsCgroup(hierarchy.mountPoint))
      *same = std::move(hierarchy);
  }
  return mounts;
}

ProcessCgroups parseProcessCgroups(std::string_view text) {
  ProcessCgroups cgroups;
  for (const auto line : lines(text)) {
    const auto first = line.find(':');
    if (first == std::string_view::npos) continue;
    const auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string path(line.substr(second + 1));
    if (id.empty() || path.empty() || path.front() != '/') continue;
    if (controllers.empty()) {
      if (id == "0") cgroups.unified = path;
      continue;
    }
    for (const auto controller : splitFields(controllers, ','))
      cgroups.v1[std::string(controller)] = path;
  }
  return cgroups;
}

std::optional<std::string> cgroupDirectory(const CgroupHierarchy& hierarchy,
                                           std::string_view cgroupPath) {
  if (cgroupPath.empty() || cgroupPath.front() != '/') return std::nullopt;
  for (const auto component : splitFields(cgroupPath, '/'))
    if (component == "..") return std::nullopt;
  std::string_view root = hierarchy.root;
  while (root.size() > 1 && root.back() == '/')
    root.remove_suffix(1);
  std::string_view rest;
  if (root == "/" || root.empty()) {
    rest = cgroupPath;
  } else if (cgroupPath == root) {
    rest = "";
  } else if (cgroupPath.starts_with(root) && cgroupPath[root.size()] == '/') {
    rest = cgroupPath.substr(root.size());
  } else {
    return std::nullopt;
  }
  while (!rest.empty() && rest.back() == '/')
    rest.remove_suffix(1);
  return hierarchy.mountPoint + std::string(rest);
}

CgroupMounts readCgroupMounts() {
  return parseCgroupMounts(readFile("/proc/self/mountinfo"));
}

ProcessCgroups readProcessCgroups(pid_t pid) {
  return parseProcessCgroups(
      readFile(pid == 0 ? std::string("/proc/self/cgroup") : fmt::format("/proc/{}/cgroup", pid)));
}

namespace {

CgroupSupport unavailable(CgroupMode mode, std::string reason) {
  return CgroupSupport{false, mode, std::move(reason)};
}

CgroupSupport probeRoot(const CgroupMounts& mounts) {
  const CgroupMode mode = mounts.mode();
  if (mode == CgroupMode::None) return unavailable(mode, "no cgroup filesystem is mounted");
  if (mode == CgroupMode::Unified) {
    const std::string& dir = mounts.unified->mountPoint;
    const auto controllers = readControllerList(dir + "/cgroup.controllers");
    if (!contains(controllers, "memory") && !contains(controllers, "pids") &&
        !contains(controllers, "cpu"))
      return unavailable(
          mode, fmt::format("{} offers none of the memory, pids and cpu controllers", dir));
    if (::access(dir.c_str(), W_OK) != 0)
      return unavailable(mode, fmt::format("{} is not writable: {}", dir, errnoText(errno)));
    return CgroupSupport{true, mode, ""};
  }
  std::string why;
  for (const char* controller : {"memory", "pids", "cpu"}) {
    const CgroupHierarchy* hierarchy = mounts.v1Hierarchy(controller);
    if (hierarchy == nullptr) continue;
    if (::access(hierarchy->mountPoint.c_str(), W_OK) == 0) return CgroupSupport{true, mode, ""};
    why = fmt::format("{} is not writable: {}", hierarchy->mountPoint, errnoText(errno));
  }
  if (why.empty()) why = "none of the memory, pids and cpu cgroup v1 controllers is mounted";
  return unavailable(mode, why);
}

CgroupSupport probeRootless(const CgroupMounts& mounts) {
  const CgroupMode mode = mounts.mode();
  if (mode == CgroupMode::None) return unavailable(mode, "no cgroup filesystem is mounted");
  if (mode != CgroupMode::Unified)
    return unavailable(mode, fmt::format("rootless containers cannot use cgroup v1 controllers "
                                         "(cgroups are in {} mode)",
                                         cgroupModeName(mode)));
  const auto own = readProcessCgroups().unified;
  if (!own) return unavailable(mode, "this process has no cgroup v2 path in /proc/self/cgroup");
  const std::string basePath = parentCgroupPath(*own);
  const auto base = cgroupDirectory(*mounts.unified, basePath);
  if (!base)
    return unavailable(mode, fmt::format("cgroup {} is not visible under {}", basePath,
                                         mounts.unified->mountPoint));
  for (const std::string& path : {*base, *base + "/cgroup.procs"})
    if (::access(path.c_str(), W_OK) != 0)
      return unavailable(mode, fmt::format("cgroup {} is not delegated to this user ({}: {})",
                                           *base, path, errnoText(errno)));
  const auto enabled = readControllerList(*base + "/cgroup.subtree_control");
  std::string missing;
  for (const auto controller : kRootlessControllers)
    if (!contains(enabled, controller))
      missing += fmt::format("{}{}", missing.empty() ? "" : ", ", controller);
  if (!missing.empty())
    return unavailable(
        mode, fmt::format("controllers {} are not delegated to cgroup {}", missing, *base));
  return CgroupSupport{true, mode, ""};
}

}  // namespace

CgroupSupport probeCgroups(bool rootless) noexcept {
  try {
    const CgroupMounts mounts = readCgroupMounts();
    return rootless ? probeRootless(mounts) : probeRoot(mounts);
  } catch (const std::exception& e) {
    return unavailable(CgroupMode::None, e.what());
  }
}

bool cgroupsAvailable(bool rootless) noexcept {
  return probeCgroups(rootless).available;
}

std::optional<std::uint64_t> cgroupKeyedValue(std::string_view text, std::string_view key) {
  for (const auto line : lines(text)) {
    const auto fields = splitFields(line, ' ');
    if (fields.size() != 2 || fields[0] != key) continue;
    std::uint64_t value = 0;
    const auto [end, ec] =
        std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), value);
    if (ec != std::errc() || end != fields[1].data() + fields[1].size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::uint64_t cpuSharesToWeight(std::uint64_t shares) noexcept {
  if (shares == 0) return 0;
  if (shares < 2) return 1;
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::vector<CgroupWrite> planCgroupWrites(const oci::LinuxResources& resources, bool unified) {
  std::vector<CgroupWrite> writes;
  const auto add = [&](std::string controller, std::string file,
                       std::string value) -> CgroupWrite& {
    writes.push_back(CgroupWrite{std::move(controller), std::move(file), std::move(value)});
    return writes.back();
  };
  // v2 files with a .max/.low suffix take "max" for "no limit".
  const auto v2Value = [](std::int64_t value) {
    return value < 0 ? std::string("max") : std::to_string(value);
  };

  if (const auto& memory = resources.memory) {
    if (memory->limit) {
      if (unified) {
        add("memory", "memory.max", v2Value(*memory->limit));
      } else {
        add("memory", "memory.limit_in_bytes", std::to_string(*memory->limit)).retryAfterNext =
            memory->swap.has_value();
      }
    }
    if (memory->swap) {
      std::int64_t swap = *memory->swap;
      if (unified && swap > 0) {
        // The spec's swap is memory+swap; v2's memory.swap.max is swap alone.
        // 0 (no swap) and -1 (unlimited) pass unchanged.
        if (!memory->limit || *memory->limit < 0)
          throwError(Errc::InvalidArgument,
                     "memory+swap limit {}: cannot set a swap limit without a memory limit", swap);
        if (swap < *memory->limit)
          throwError(Errc::InvalidArgument,
                     "memory+swap limit {} is lower than the memory limit {}", swap,
                     *memory->limit);
        swap -= *memory->limit;
      }
      add("memory", unified ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
          unified ? v2Value(swap) : std::to_string(swap))
          .optional = true;
    }
    if (memory->reservation)
      add("memory", unified ? "memory.low" : "memory.soft_limit_in_bytes",
          unified ? v2Value(*memory->reservation) : std::to_string(*memory->reservation));
  }

  if (resources.pidsLimit && *resources.pidsLimit != 0)
    add("pids", "pids.max", v2Value(*resources.pidsLimit));

  if (const auto& cpu = resources.cpu) {
    if (cpu->shares && *cpu->shares != 0) {
      if (unified)
        add("cpu", "cpu.weight", std::to_string(cpuSharesToWeight(*cpu->shares)));
      else
        add("cpu", "cpu.shares", std::to_string(*cpu->shares));
    }
    const bool hasQuota = cpu->quota && *cpu->quota != 0;
    const bool hasPeriod = cpu->period && *cpu->period != 0;
    if (unified) {
      const std::int64_t quota = hasQuota ? *cpu->quota : -1;
      if (quota > 0 || hasPeriod) {
        const std::uint64_t period = hasPeriod ? *cpu->period : 100000;
        add("cpu", "cpu.max",
            quota < 0 ? fmt::format("max {}", period) : fmt::format("{} {}", quota, period));
      }
    } else {
      if (hasPeriod)
        add("cpu", "cpu.cfs_period_us", std::to_string(*cpu->period)).retryAfterNext = hasQuota;
      if (hasQuota) add("cpu", "cpu.cfs_quota_us", std::to_string(*cpu->quota));
    }
    if (!cpu->cpus.empty()) add("cpuset", "cpuset.cpus", cpu->cpus);
    if (!cpu->mems.empty()) add("cpuset", "cpuset.mems", cpu->mems);
  }
  return writes;
}

namespace {

// The v1 hierarchies berth uses, each once (cpu and cpuacct are often one).
std::vector<const CgroupHierarchy*> usedV1Hierarchies(const CgroupMounts& mounts) {
  std::vector<const CgroupHierarchy*> used;
  for (const auto controller : kV1Controllers) {
    const CgroupHierarchy* hierarchy = mounts.v1Hierarchy(controller);
    if (hierarchy != nullptr && std::find(used.begin(), used.end(), hierarchy) == used.end())
      used.push_back(hierarchy);
  }
  return used;
}

}  // namespace

ContainerCgroup ContainerCgroup::create(const std::string& containerId,
                                        const oci::LinuxResources& resources, bool rootless) {
  const std::string leafName = validCgroupId(containerId);
  const CgroupMounts mounts = readCgroupMounts();
  const CgroupMode mode = mounts.mode();
  // Check the limits before making anything.
  const bool unified = mode == CgroupMode::Unified;
  const std::vector<CgroupWrite> writes = planCgroupWrites(resources, unified);

  std::string path;
  std::vector<Directory> directories;
  std::vector<std::string> created;
  ScopeExit rollback([&] {
    for (auto it = created.rbegin(); it != created.rend(); ++it)
      ::rmdir(it->c_str());
  });

  if (rootless || unified) {
    if (!unified)
      throwError(Errc::Unsupported,
                 "cannot create the cgroup of container {}: rootless containers cannot use cgroup "
                 "v1 controllers (cgroups are in {} mode)",
                 containerId, cgroupModeName(mode));
    const CgroupHierarchy& hierarchy = *mounts.unified;
    std::string basePath;
    if (rootless) {
      // A sibling of our own cgroup: ours holds processes (this monitor), so
      // by the no-internal-processes rule it cannot pass controllers down.
      const auto own = readProcessCgroups().unified;
      if (!own)
        throwError(Errc::Unsupported,
                   "cannot create the cgroup of container {}: no cgroup v2 path in "
                   "/proc/self/cgroup",
                   containerId);
      basePath = parentCgroupPath(*own);
    } else {
      basePath = joinCgroupPath(hierarchy.root, "berth");
    }
    path = joinCgroupPath(basePath, leafName);
    const auto baseDir = cgroupDirectory(hierarchy, basePath);
    const auto dir = cgroupDirectory(hierarchy, path);
    if (!baseDir || !dir)
      throwError(Errc::Unsupported, "cgroup {} is not visible under {}", path,
                 hierarchy.mountPoint);
    if (!rootless) {
      enableControllers(hierarchy.mountPoint);
      makeCgroupDir(*baseDir);
    }
    enableControllers(*baseDir);
    if (makeCgroupDir(*dir)) created.push_back(*dir);
    directories.push_back(Directory{*dir, readControllerList(*dir + "/cgroup.controllers")});
  } else if (mode == CgroupMode::Legacy || mode == CgroupMode::Hybrid) {
    for (const CgroupHierarchy* hierarchy : usedV1Hierarchies(mounts)) {
      const std::string basePath = joinCgroupPath(hierarchy->root, "berth");
      const std::string leafPath = joinCgroupPath(basePath, leafName);
      if (path.empty()) path = leafPath;
      const auto baseDir = cgroupDirectory(*hierarchy, basePath);
      const auto dir = cgroupDirectory(*hierarchy, leafPath);
      if (!baseDir || !dir) continue;
      const bool cpuset = contains(hierarchy->controllers, "cpuset");
      makeCgroupDir(*baseDir);
      if (cpuset) inheritCpuset(*baseDir);
      if (makeCgroupDir(*dir)) created.push_back(*dir);
      if (cpuset) inheritCpuset(*dir);
      directories.push_back(Directory{*dir, hierarchy->controllers});
    }
    if (directories.empty())
      throwError(Errc::Unsupported,
                 "cannot create the cgroup of container {}: none of the cgroup v1 controllers "
                 "berth uses is mounted",
                 containerId);
  } else {
    throwError(Errc::Unsupported,
               "cannot create the cgroup of container {}: no cgroup filesystem is mounted",
               containerId);
  }

  ContainerCgroup cgroup(std::move(path), unified, std::move(directories));
  const auto apply = [&](const CgroupWrite& write) -> int {
    std::string dir = cgroup.directory(write.controller);
    if (dir.empty() && unified) dir = cgroup.directories_.front().path;
    if (dir.empty())
      throwError(Errc::Unsupported, "cannot set {} to {}: the {} cgroup controller is not mounted",
                 write.file, write.value, write.controller);
    const std::string file = dir + "/" + write.file;
    const int err = writeControl(file, write.value);
    if (err == ENOENT && write.optional) return 0;
    if (err == ENOENT && unified && cgroup.directory(write.controller).empty())
      throw Error(Errc::Unsupported,
                  fmt::format("write {} to {}: {}: the {} controller is not enabled for {}",
                              write.value, file, errnoText(err), write.controller, dir),
                  err);
    return err;
  };
  const auto fail = [&](const CgroupWrite& write, int err) {
    const std::string dir = cgroup.directory(write.controller);
    throwErrnoValue(err,
                    fmt::format("write {} to {}/{}", write.value,
                                dir.empty() ? cgroup.directories_.front().path : dir, write.file));
  };
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const int err = apply(writes[i]);
    if (err == 0) continue;
    if (err == EINVAL && writes[i].retryAfterNext && i + 1 < writes.size()) {
      if (const int next = apply(writes[i + 1]); next != 0) fail(writes[i + 1], next);
      if (const int again = apply(writes[i]); again != 0) fail(writes[i], again);
      ++i;
      continue;
    }
    fail(writes[i], err);
  }
  rollback.dismiss();
  return cgroup;
}

std::optional<ContainerCgroup> ContainerCgroup::open(const std::string& cgroupPath) {
  checkContainerPath(cgroupPath);
  const CgroupMounts mounts = readCgroupMounts();
  std::vector<Directory> directories;
  const bool unified = mounts.mode() == CgroupMode::Unified;
  if (unified) {
    const auto dir = cgroupDirectory(*mounts.unified, cgroupPath);
    if (dir && isDirectory(*dir))
      directories.push_back(Directory{*dir, readControllerList(*dir + "/cgroup.controllers")});
  } else {
    for (const CgroupHierarchy* hierarchy : usedV1Hierarchies(mounts)) {
      const auto dir = cgroupDirectory(*hierarchy, cgroupPath);
      if (dir && isDirectory(*dir)) directories.push_back(Directory{*dir, hierarchy->controllers});
    }
  }
  if (directories.empty()) return std::nullopt;
  return ContainerCgroup(cgroupPath, unified, std::move(directories));
}

void ContainerCgroup::addProcess(pid_t pid) const {
  const std::string value = std::to_string(pid);
  for (const auto& dir : directories_)
    writeControlOrThrow(dir.path + "/cgroup.procs", value);
}

std::vector<std::string> ContainerCgroup::directories() const {
  std::vector<std::string> out;
  for (const auto& dir : directories_)
    out.push_back(dir.path);
  return out;
}

std::string ContainerCgroup::directory(std::string_view controller) const {
  for (const auto& dir : directories_)
    if (contains(dir.controllers, controller)) return dir.path;
  return "";
}

bool ContainerCgroup::oomKilled() const noexcept {
  try {
    const std::string dir = directory("memory");
    if (dir.empty()) return false;
    const auto text = readFileIfExists(dir + (unified_ ? "/memory.events" : "/memory.oom_control"));
    if (!text) return false;
    return cgroupKeyedValue(*text, "oom_kill").value_or(0) > 0;
  } catch (...) {
    return false;
  }
}

std::string ContainerCgroup::oomEventsFile() const {
  if (!unified_) return "";
  const std::string dir = directory("memory");
  return dir.empty() ? "" : dir + "/memory.events";
}

void ContainerCgroup::remove() {
  std::vector<std::string> left = directories();
  // About a second in all: SIGKILL is immediate, but a process leaves the
  // cgroup only once it has exited, and its parent may be slow to notice.
  constexpr int kRounds = 200;
  int lastError = 0;
  for (int round = 0; round < kRounds && !left.empty(); ++round) {
    for (const auto& dir : left) {
      // COMPAT(kernel 5.14): cgroup.kill kills the whole subtree at once,
      // racing no fork; older kernels and v1 get SIGKILL pid by pid.
      if (unified_ && round == 0 && writeControl(dir + "/cgroup.kill", "1") == 0) continue;
      const auto procs = readFileIfExists(dir + "/cgroup.procs");
      if (!procs) continue;
      for (const auto line : lines(*procs)) {
        pid_t pid = 0;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec == std::errc() && pid > 0) ::kill(pid, SIGKILL);
      }
    }
    std::vector<std::string> busy;
    for (const auto& dir : left) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
      if (errno != EBUSY) throwErrno("remove cgroup {}", dir);
      lastError = errno;
      busy.push_back(dir);
    }
    left = std::move(busy);
    if (!left.empty()) sleepMilliseconds(5);
  }
  if (!left.empty()) throwErrnoValue(lastError, fmt::format("remove cgroup {}", left.front()));
}

void removeContainerCgroup(const std::string& cgroupPath) {
  if (auto cgroup = ContainerCgroup::open(cgroupPath)) cgroup->remove();
}

}  // namespace berth::runtime
