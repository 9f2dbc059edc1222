// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth::runtime {

namespace {

// Indexed by the kernel's capability number (linux/capability.h). Names are
// berth's own table rather than libcap's, so that a name is valid or not
// regardless of which libcap the host has, and the child needs no library.
constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
static_assert(CAP_SETFCAP == 31 && CAP_SYS_CHROOT == 18 && CAP_NET_BIND_SERVICE == 10);

constexpr std::string_view kAll = "ALL";

std::string upper(std::string_view text) {
  std::string result(text);
  for (auto& c : result)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return result;
}

// The highest capability the running kernel has; our table's last when
// /proc is unreadable (then PR_CAPBSET_DROP reports EINVAL past the end,
// which applyCapabilities tolerates as crun does).
int lastCapability() {
  static const int last = [] {
    int value = static_cast<int>(kCapabilityNames.size()) - 1;
    try {
      const auto text = readFileIfExists("/proc/sys/kernel/cap_last_cap");
      if (text) value = std::min(value, std::atoi(text->c_str()));
    } catch (const Error&) {
    }
    return value;
  }();
  return last;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> normalizeAll(const std::vector<std::string>& names) {
  std::vector<std::string> result;
  result.reserve(names.size());
  for (const auto& name : names)
    result.push_back(normalizeCapability(name));
  return result;
}

// Keeps the order of `list`, dropping what `allowed` lacks.
std::vector<std::string> keepOnly(const std::vector<std::string>& list,
                                  const std::vector<std::string>& allowed) {
  std::vector<std::string> result;
  for (const auto& name : list)
    if (contains(allowed, name)) result.push_back(name);
  return result;
}

bool isRootUser(const CapabilityOptions& options) {
  const std::string_view user = std::string_view(options.user).substr(0, options.user.find(':'));
  if (user.empty()) return !options.keepId;
  return user == "root" || user == "0";
}

std::uint64_t maskOf(const std::vector<std::string>& names) {
  std::uint64_t mask = 0;
  for (const auto& name : names)
    mask |= std::uint64_t{1} << capabilityNumber(name);
  return mask;
}

}  // namespace

int capabilityNumber(std::string_view name) {
  std::string wanted = upper(name);
  if (!wanted.starts_with("CAP_")) wanted.insert(0, "CAP_");
  for (std::size_t i = 0; i < kCapabilityNames.size(); ++i)
    if (kCapabilityNames[i] == wanted) return static_cast<int>(i);
  throwError(Errc::InvalidArgument, "unknown capability \"{}\"", wanted);
}

std::string capabilityName(int number) {
  if (number < 0 || number >= static_cast<int>(kCapabilityNames.size()))
    throwError(Errc::InvalidArgument, "unknown capability number {}", number);
  return std::string(kCapabilityNames[static_cast<std::size_t>(number)]);
}

std::string normalizeCapability(std::string_view name) {
  if (upper(name) == kAll) return std::string(kAll);
  return capabilityName(capabilityNumber(name));
}

std::vector<std::string> allCapabilities() {
  std::vector<std::string> result;
  for (int cap = 0; cap <= lastCapability(); ++cap)
    result.push_back(capabilityName(cap));
  return result;
}

std::vector<std::string> currentBoundingSet() {
  std::vector<std::string> result;
  for (int cap = 0; cap <= lastCapability(); ++cap) {
    const int held = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (held < 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      throwErrno("read capability {} of the bounding set", capabilityName(cap));
    }
    if (held == 1) result.push_back(capabilityName(cap));
  }
  return result;
}

std::vector<std::string> defaultCapabilities() {
  return {"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",    "CAP_FSETID",
          "CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",   "CAP_SETGID",
          "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT"};
}

std::vector<std::string> mergeCapabilities(const std::vector<std::string>& base,
                                           const std::vector<std::string>& adds,
                                           const std::vector<std::string>& drops,
                                           const std::vector<std::string>& boundingSet) {
  std::vector<std::string> start = normalizeAll(base);
  // Podman returns the base untouched (not re-sorted) when nothing changes.
  if (adds.empty() && drops.empty()) return start;
  const std::vector<std::string> dropList = normalizeAll(drops);
  std::vector<std::string> addList = normalizeAll(adds);

  if (contains(dropList, kAll)) {
    if (contains(addList, kAll))
      throwError(Errc::InvalidArgument, "adding all caps and removing all caps not allowed");
    std::sort(addList.begin(), addList.end());
    addList.erase(std::unique(addList.begin(), addList.end()), addList.end());
    return addList;
  }
  if (contains(addList, kAll)) {
    start = normalizeAll(boundingSet);
    addList.clear();  // ALL with a cap dropped: all but that one, no conflict
  }
  for (const auto& add : addList)
    if (contains(dropList, add))
      throwError(Errc::InvalidArgument, "capability \"{}\" cannot be dropped and added", add);

  std::vector<std::string> result;
  for (const auto& cap : start)
    if (!contains(dropList, cap) && !contains(result, cap)) result.push_back(cap);
  for (const auto& cap : addList)
    if (!contains(result, cap)) result.push_back(cap);
  std::sort(result.begin(), result.end());
  return result;
}

CapabilitySets computeCapabilities(const CapabilityOptions& options,
                                   const std::vector<std::string>& boundingSet) {
  const std::vector<std::string> bounding = normalizeAll(boundingSet);
  std::vector<std::string> caps;
  if (options.privileged) {
    caps = bounding;
  } else {
    caps = keepOnly(mergeCapabilities(options.defaults, options.add, options.drop, bounding),
                    bounding);
  }

  CapabilitySets sets;
  sets.bounding = caps;
  if (isRootUser(options)) {
    sets.effective = caps;
    sets.permitted = caps;
    return sets;
  }
  // A non-root user gets only what was added for it explicitly; ambient and
  // inheritable carry those across its exec (Podman does the same).
  const auto userCaps = keepOnly(mergeCapabilities({}, options.add, {}, bounding), bounding);
  sets.effective = userCaps;
  sets.permitted = userCaps;
  sets.inheritable = userCaps;
  sets.ambient = userCaps;
  return sets;
}

CapabilitySets computeCapabilities(const CapabilityOptions& options) {
  return computeCapabilities(options, currentBoundingSet());
}

CapabilityMasks capabilityMasks(const CapabilitySets& sets) {
  lastCapability();  // read /proc now, in the parent, so the child needs not
  return {maskOf(sets.bounding), maskOf(sets.effective), maskOf(sets.inheritable),
          maskOf(sets.permitted), maskOf(sets.ambient)};
}

void applyCapabilities(const CapabilityMasks& masks, std::optional<ProcessUser> user) {
  const int last = lastCapability();
  const std::uint64_t valid = last >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;

  // The bounding set first: dropping needs CAP_SETPCAP in the effective set,
  // which the capset below may remove.
  for (int cap = 0; cap <= last; ++cap) {
    if (masks.bounding & (std::uint64_t{1} << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      throwErrno("drop {} from the bounding set", capabilityName(cap));
  }

  // Keep the permitted set across setresuid to a non-zero uid; the kernel
  // clears the effective set there, and capset restores it below.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) throwErrno("prctl PR_SET_KEEPCAPS");
  if (user) {
    if (::setresgid(user->gid, user->gid, user->gid) < 0) throwErrno("setresgid {}", user->gid);
    if (::setresuid(user->uid, user->uid, user->uid) < 0) throwErrno("setresuid {}", user->uid);
  }

  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  const std::uint64_t effective = masks.effective & valid;
  const std::uint64_t permitted = masks.permitted & valid;
  const std::uint64_t inheritable = masks.inheritable & valid;
  data[0].effective = static_cast<std::uint32_t>(effective);
  data[1].effective = static_cast<std::uint32_t>(effective >> 32);
  data[0].permitted = static_cast<std::uint32_t>(permitted);
  data[1].permitted = static_cast<std::uint32_t>(permitted >> 32);
  data[0].inheritable = static_cast<std::uint32_t>(inheritable);
  data[1].inheritable = static_cast<std::uint32_t>(inheritable >> 32);
  if (::syscall(SYS_capset, &header, data) < 0) throwErrno("capset");

  // Ambient capabilities (Linux 4.3) must be in both permitted and inheritable.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    throwErrno("clear the ambient capabilities");
  for (int cap = 0; cap <= last; ++cap) {
    if (!(masks.ambient & (std::uint64_t{1} << cap))) continue;
    // EPERM: not in permitted and inheritable; crun skips those too.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EINVAL &&
        errno != EPERM)
      throwErrno("raise ambient capability {}", capabilityName(cap));
  }
}

void applyCapabilities(const CapabilitySets& sets, std::optional<ProcessUser> user) {
  applyCapabilities(capabilityMasks(sets), user);
}

}  // namespace berth::runtime
