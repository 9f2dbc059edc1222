// SPDX-License-Identifier: Apache-2.0
// Pure planning of the container's mounts; applying them is mount_apply.cpp.
#include "berth/runtime/mount_plan.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <array>

#include "berth/base/error.hpp"

namespace berth::runtime {

namespace {

enum class OptionEffect { Set, Clear, Propagation, RecursiveSet, RecursiveClear, CopyUp, NoCopyUp };

struct OptionEntry {
  std::string_view name;
  OptionEffect effect;
  unsigned long flags;
};

// crun's mount_flags.perf, less what a container spec has no business
// asking for (remount) and the *sync/*mand words mount_setattr cannot do
// recursively.
constexpr std::array kOptions{
    OptionEntry{"defaults", OptionEffect::Set, 0},
    OptionEntry{"bind", OptionEffect::Set, MS_BIND},
    OptionEntry{"rbind", OptionEffect::Set, MS_BIND | MS_REC},
    OptionEntry{"ro", OptionEffect::Set, MS_RDONLY},
    OptionEntry{"rw", OptionEffect::Clear, MS_RDONLY},
    OptionEntry{"nosuid", OptionEffect::Set, MS_NOSUID},
    OptionEntry{"suid", OptionEffect::Clear, MS_NOSUID},
    OptionEntry{"nodev", OptionEffect::Set, MS_NODEV},
    OptionEntry{"dev", OptionEffect::Clear, MS_NODEV},
    OptionEntry{"noexec", OptionEffect::Set, MS_NOEXEC},
    OptionEntry{"exec", OptionEffect::Clear, MS_NOEXEC},
    OptionEntry{"sync", OptionEffect::Set, MS_SYNCHRONOUS},
    OptionEntry{"async", OptionEffect::Clear, MS_SYNCHRONOUS},
    OptionEntry{"dirsync", OptionEffect::Set, MS_DIRSYNC},
    OptionEntry{"mand", OptionEffect::Set, MS_MANDLOCK},
    OptionEntry{"nomand", OptionEffect::Clear, MS_MANDLOCK},
    OptionEntry{"noatime", OptionEffect::Set, MS_NOATIME},
    OptionEntry{"atime", OptionEffect::Clear, MS_NOATIME},
    OptionEntry{"nodiratime", OptionEffect::Set, MS_NODIRATIME},
    OptionEntry{"diratime", OptionEffect::Clear, MS_NODIRATIME},
    OptionEntry{"relatime", OptionEffect::Set, MS_RELATIME},
    OptionEntry{"norelatime", OptionEffect::Clear, MS_RELATIME},
    OptionEntry{"strictatime", OptionEffect::Set, MS_STRICTATIME},
    OptionEntry{"nostrictatime", OptionEffect::Clear, MS_STRICTATIME},
    OptionEntry{"shared", OptionEffect::Propagation, MS_SHARED},
    OptionEntry{"rshared", OptionEffect::Propagation, MS_REC | MS_SHARED},
    OptionEntry{"slave", OptionEffect::Propagation, MS_SLAVE},
    OptionEntry{"rslave", OptionEffect::Propagation, MS_REC | MS_SLAVE},
    OptionEntry{"private", OptionEffect::Propagation, MS_PRIVATE},
    OptionEntry{"rprivate", OptionEffect::Propagation, MS_REC | MS_PRIVATE},
    OptionEntry{"unbindable", OptionEffect::Propagation, MS_UNBINDABLE},
    OptionEntry{"runbindable", OptionEffect::Propagation, MS_REC | MS_UNBINDABLE},
    OptionEntry{"rro", OptionEffect::RecursiveSet, MS_RDONLY},
    OptionEntry{"rrw", OptionEffect::RecursiveClear, MS_RDONLY},
    OptionEntry{"rnosuid", OptionEffect::RecursiveSet, MS_NOSUID},
    OptionEntry{"rsuid", OptionEffect::RecursiveClear, MS_NOSUID},
    OptionEntry{"rnodev", OptionEffect::RecursiveSet, MS_NODEV},
    OptionEntry{"rdev", OptionEffect::RecursiveClear, MS_NODEV},
    OptionEntry{"rnoexec", OptionEffect::RecursiveSet, MS_NOEXEC},
    OptionEntry{"rexec", OptionEffect::RecursiveClear, MS_NOEXEC},
    OptionEntry{"rnoatime", OptionEffect::RecursiveSet, MS_NOATIME},
    OptionEntry{"ratime", OptionEffect::RecursiveClear, MS_NOATIME},
    OptionEntry{"rnodiratime", OptionEffect::RecursiveSet, MS_NODIRATIME},
    OptionEntry{"rdiratime", OptionEffect::RecursiveClear, MS_NODIRATIME},
    OptionEntry{"rrelatime", OptionEffect::RecursiveSet, MS_RELATIME},
    OptionEntry{"rnorelatime", OptionEffect::RecursiveClear, MS_RELATIME},
    OptionEntry{"rstrictatime", OptionEffect::RecursiveSet, MS_STRICTATIME},
    OptionEntry{"rnostrictatime", OptionEffect::RecursiveClear, MS_STRICTATIME},
    OptionEntry{"tmpcopyup", OptionEffect::CopyUp, 0},
    OptionEntry{"notmpcopyup", OptionEffect::NoCopyUp, 0},
};

// Bare words (no '=') that are filesystem data, per filesystem. Types not
// listed here get every bare word passed to the kernel, which judges.
struct FsWords {
  std::string_view fsType;
  std::array<std::string_view, 4> words;
};
constexpr std::array kFsWords{
    FsWords{"proc", {}},
    FsWords{"sysfs", {}},
    FsWords{"mqueue", {}},
    FsWords{"devpts", {"newinstance"}},
    FsWords{"tmpfs", {"inode32", "inode64", "noswap"}},
    FsWords{"cgroup", {}},
    FsWords{"cgroup2", {"nsdelegate", "memory_recursiveprot", "favordynmods"}},
    FsWords{"overlay", {"userxattr", "volatile"}},
};

const FsWords* knownFs(std::string_view fsType) {
  for (const auto& fs : kFsWords)
    if (fs.fsType == fsType) return &fs;
  return nullptr;
}

struct DefaultDevice {
  std::string_view name;
  unsigned major, minor;
};
// crun's and runc's default devices.
constexpr std::array kDefaultDevices{
    DefaultDevice{"null", 1, 3}, DefaultDevice{"zero", 1, 5},   DefaultDevice{"full", 1, 7},
    DefaultDevice{"tty", 5, 0},  DefaultDevice{"random", 1, 8}, DefaultDevice{"urandom", 1, 9},
};

struct DevSymlink {
  std::string_view name;
  std::string_view target;
};
constexpr std::array kDevSymlinks{
    DevSymlink{"fd", "/proc/self/fd"},       DevSymlink{"stdin", "/proc/self/fd/0"},
    DevSymlink{"stdout", "/proc/self/fd/1"}, DevSymlink{"stderr", "/proc/self/fd/2"},
    DevSymlink{"core", "/proc/kcore"},
};

std::size_t pathDepth(std::string_view path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) -
         (path == "/" ? 1 : 0);
}

void addDevices(std::vector<MountStep>& steps, bool rootless, bool devpts) {
  for (const auto& device : kDefaultDevices) {
    MountStep step;
    step.target = "/dev/" + std::string(device.name);
    step.mountPoint = MountPointKind::File;
    if (rootless) {
      // A user namespace cannot mknod; the host's node, bound, works.
      step.kind = MountStepKind::BindDevice;
      step.source = step.target;
    } else {
      step.kind = MountStepKind::MakeDevice;
      step.source = step.target;  // bound from here if mknod is refused after all
      step.mode = 0666;
      step.major = device.major;
      step.minor = device.minor;
    }
    steps.push_back(std::move(step));
  }
  for (const auto& link : kDevSymlinks) {
    MountStep step;
    step.kind = MountStepKind::Symlink;
    step.target = "/dev/" + std::string(link.name);
    step.source = link.target;
    steps.push_back(std::move(step));
  }
  if (devpts) {
    MountStep step;
    step.kind = MountStepKind::Symlink;
    step.target = "/dev/ptmx";
    step.source = "pts/ptmx";
    steps.push_back(std::move(step));
  }
}

MountStep planSpecMount(const oci::Mount& mount) {
  MountStep step;
  step.target = cleanContainerPath(mount.destination, "mount destination");
  step.options = parseMountOptions(mount.options, mount.type, step.target);
  step.source = mount.source;
  step.fsType = mount.type;
  if (mount.type == "bind" || step.options.isBind()) {
    if (mount.source.empty() || mount.source.front() != '/')
      throwError(Errc::InvalidArgument, "mount source \"{}\" for {} is not an absolute path",
                 mount.source, step.target);
    step.kind = MountStepKind::Bind;
    step.options.flags |= MS_BIND;
    step.mountPoint = MountPointKind::LikeSource;
    step.fsType.clear();
    // "ro" on a recursive bind covers what is mounted below the source too
    // (a read-only volume must not have writable holes).
    if ((step.options.flags & MS_REC) && (step.options.flags & MS_RDONLY))
      step.options.recursiveFlags |= MS_RDONLY;
    return step;
  }
  if (mount.type.empty())
    throwError(Errc::InvalidArgument, "mount on {} has no type: expected bind, tmpfs, proc, ...",
               step.target);
  if (mount.type == "cgroup" || mount.type == "cgroup2") {
    step.kind = MountStepKind::Cgroup;
    step.source = "/sys/fs/cgroup";
    return step;
  }
  if (step.options.tmpcopyup && mount.type != "tmpfs")
    throwError(Errc::InvalidArgument, "mount option \"tmpcopyup\" for {} needs a tmpfs, not {}",
               step.target, mount.type);
  step.kind = MountStepKind::Mount;
  // Without a network (or ipc) namespace of its own, a user namespace may
  // not mount sysfs (or mqueue); crun binds the host's then, as does berth.
  if (mount.type == "sysfs") step.fallbackBindSource = "/sys";
  if (mount.type == "mqueue") step.fallbackBindSource = "/dev/mqueue";
  if (mount.type == "proc") step.fallbackBindSource = "/proc";
  return step;
}

}  // namespace

bool MountOptions::isBind() const noexcept {
  return (flags & MS_BIND) != 0;
}

std::string cleanContainerPath(std::string_view path, std::string_view what) {
  if (path.empty() || path.front() != '/')
    throwError(Errc::InvalidArgument, "{} \"{}\" is not an absolute path", what, path);
  std::string clean;
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..")
      throwError(Errc::InvalidArgument, "{} \"{}\" contains \"..\": not allowed", what, path);
    clean += '/';
    clean += part;
  }
  return clean.empty() ? "/" : clean;
}

MountOptions parseMountOptions(const std::vector<std::string>& options, std::string_view fsType,
                               std::string_view destination) {
  MountOptions parsed;
  std::vector<std::string_view> data;
  for (const auto& option : options) {
    const auto entry = std::find_if(kOptions.begin(), kOptions.end(),
                                    [&](const OptionEntry& e) { return e.name == option; });
    if (entry != kOptions.end()) {
      switch (entry->effect) {
        case OptionEffect::Set:
          parsed.flags |= entry->flags;
          parsed.clearFlags &= ~entry->flags;
          break;
        case OptionEffect::Clear:
          parsed.flags &= ~entry->flags;
          parsed.clearFlags |= entry->flags;
          break;
        case OptionEffect::Propagation:
          parsed.propagation = entry->flags;
          break;
        case OptionEffect::RecursiveSet:
          parsed.recursiveFlags |= entry->flags;
          break;
        case OptionEffect::RecursiveClear:
          parsed.recursiveFlags &= ~entry->flags;
          break;
        case OptionEffect::CopyUp:
          parsed.tmpcopyup = true;
          break;
        case OptionEffect::NoCopyUp:
          parsed.tmpcopyup = false;
          break;
      }
      continue;
    }
    if (option == "idmap" || option.starts_with("idmap="))
      throwError(Errc::Unsupported, "mount option \"{}\" for {}: idmapped mounts are not supported",
                 option, destination);
    data.push_back(option);
  }
  const bool bind = fsType == "bind" || parsed.isBind();
  const FsWords* fs = knownFs(fsType);
  for (const auto word : data) {
    const bool keyValue = word.find('=') != std::string_view::npos && word.front() != '=';
    const bool fsWord =
        fs == nullptr || std::find(fs->words.begin(), fs->words.end(), word) != fs->words.end();
    if (bind || word.empty() || (!keyValue && !fsWord))
      throwError(Errc::InvalidArgument, "unknown mount option \"{}\" for {}", word, destination);
    if (!parsed.data.empty()) parsed.data += ',';
    parsed.data += word;
  }
  return parsed;
}

MountPlan planMounts(const oci::Spec& spec, const MountPlanOptions& options) {
  MountPlan plan;
  if (!spec.root || spec.root->path.empty())
    throwError(Errc::InvalidArgument, "the spec has no root.path");
  if (spec.root->path.front() != '/')
    throwError(Errc::InvalidArgument, "root.path \"{}\" is not an absolute path", spec.root->path);
  plan.rootfs = spec.root->path;

  std::vector<MountStep> mounts;
  for (const auto& mount : spec.mounts)
    mounts.push_back(planSpecMount(mount));
  for (const auto& init : options.volumeInits) {
    const auto step = std::find_if(mounts.begin(), mounts.end(), [&](const MountStep& s) {
      return s.kind == MountStepKind::Bind && s.target == init.destination;
    });
    if (step == mounts.end())
      throwError(Errc::InvalidArgument, "volume to prepare on {}: no bind mount there",
                 init.destination);
    step->copyUp = init.copyUp;
    step->initOwner = init.initOwner;
    step->ownerUid = options.processUid;
    step->ownerGid = options.processGid;
  }
  if (std::any_of(mounts.begin(), mounts.end(), [](const MountStep& s) { return s.target == "/"; }))
    throwError(Errc::InvalidArgument, "a mount on \"/\" is not allowed: the root is root.path");
  // Parents before children: Podman's order (sort by depth), kept stable so
  // that two mounts on one destination stay in the spec's order.
  std::stable_sort(mounts.begin(), mounts.end(), [](const MountStep& a, const MountStep& b) {
    return pathDepth(a.target) < pathDepth(b.target);
  });
  const bool devpts = std::any_of(mounts.begin(), mounts.end(), [](const MountStep& s) {
    return s.target == "/dev/pts" && s.kind == MountStepKind::Mount && s.fsType == "devpts";
  });
  for (auto& step : mounts) {
    const bool devTmpfs = step.target == "/dev" && step.kind == MountStepKind::Mount;
    plan.steps.push_back(std::move(step));
    // A /dev of the container's own gets the default nodes and links; a
    // bind of the host's /dev has them already.
    if (devTmpfs) addDevices(plan.steps, options.rootless, devpts);
  }

  if (spec.linuxConfig) {
    for (const auto& path : spec.linuxConfig->maskedPaths) {
      MountStep step;
      step.kind = MountStepKind::Mask;
      step.phase = MountPhase::AfterPivot;
      step.target = cleanContainerPath(path, "masked path");
      step.source = "/dev/null";
      step.optional = true;
      plan.steps.push_back(std::move(step));
    }
    for (const auto& path : spec.linuxConfig->readonlyPaths) {
      MountStep step;
      step.kind = MountStepKind::ReadOnly;
      step.phase = MountPhase::AfterPivot;
      step.target = cleanContainerPath(path, "read-only path");
      step.options.flags = MS_BIND | MS_REC | MS_RDONLY;
      step.optional = true;
      plan.steps.push_back(std::move(step));
    }
  }
  if (spec.root->readonly) {
    MountStep step;
    step.kind = MountStepKind::RootReadOnly;
    step.phase = MountPhase::AfterPivot;
    step.target = "/";
    step.options.flags = MS_BIND | MS_RDONLY;
    plan.steps.push_back(std::move(step));
  }
  return plan;
}

}  // namespace berth::runtime
