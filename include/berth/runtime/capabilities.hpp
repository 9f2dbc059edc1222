// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runtime {

/// The capability sets of a container process as the OCI runtime spec
/// writes them (process.capabilities): lists of "CAP_X" names.
struct CapabilitySets {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;

  bool operator==(const CapabilitySets&) const = default;
};

/// The kernel number of a capability. Accepts "CAP_CHOWN", "chown",
/// "Cap_Chown" (case-insensitive, prefix optional, as Podman does). Throws
/// Error(InvalidArgument) `unknown capability "CAP_FOO"`.
int capabilityNumber(std::string_view name);

/// "CAP_CHOWN" for 0. Throws Error(InvalidArgument) for a number berth has
/// no name for.
std::string capabilityName(int number);

/// "chown" -> "CAP_CHOWN"; "all" -> "ALL". Throws like capabilityNumber.
std::string normalizeCapability(std::string_view name);

/// Every capability berth knows that the running kernel has (numbers up to
/// /proc/sys/kernel/cap_last_cap), in kernel order.
std::vector<std::string> allCapabilities();

/// The capabilities of the calling process's bounding set (PR_CAPBSET_READ),
/// in kernel order: what `--privileged` and `--cap-add ALL` grant.
std::vector<std::string> currentBoundingSet();

/// Podman's default set (containers.conf default_capabilities, Podman 4.3):
/// CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP SETGID
/// SETPCAP SETUID SYS_CHROOT, sorted by name as Podman reports them.
std::vector<std::string> defaultCapabilities();

/// containers/common MergeCapabilities: `base` with `drops` removed and
/// `adds` added, all normalized, sorted by name.
/// - "ALL" in drops: only the adds remain (and ALL in both is an error);
/// - "ALL" in adds: `boundingSet` minus the drops;
/// - a capability both added and dropped is an error
///   (`capability "CAP_X" cannot be dropped and added`).
/// Throws Error(InvalidArgument).
std::vector<std::string> mergeCapabilities(const std::vector<std::string>& base,
                                           const std::vector<std::string>& adds,
                                           const std::vector<std::string>& drops,
                                           const std::vector<std::string>& boundingSet);

/// What the user asked for (run/create flags).
struct CapabilityOptions {
  std::vector<std::string> defaults = defaultCapabilities();
  std::vector<std::string> add;   ///< --cap-add
  std::vector<std::string> drop;  ///< --cap-drop
  bool privileged = false;        ///< --privileged
  std::string user;               ///< --user as given ("", "root", "0", "1000:1000", "nobody")
  bool keepId = false;            ///< --userns=keep-id (the default user is then not root)
};

/// process.capabilities as Podman 4.3 computes them (specgen
/// securityConfigureGenerator):
/// - privileged: everything in `boundingSet`; otherwise
///   mergeCapabilities(defaults, add, drop) kept to what `boundingSet` has;
/// - bounding = that list; inheritable and ambient empty;
/// - root user ("" without keep-id, "root", "0", with any ":group"):
///   effective = permitted = bounding;
/// - any other user: effective = permitted = inheritable = ambient = only
///   the --cap-add capabilities (in `boundingSet`), so a non-root process
///   has no capability unless it was added for it, and keeps the added ones
///   across exec through the ambient set.
/// Throws Error(InvalidArgument) for unknown names and add/drop conflicts.
CapabilitySets computeCapabilities(const CapabilityOptions& options,
                                   const std::vector<std::string>& boundingSet);

/// computeCapabilities against the calling process's bounding set.
CapabilitySets computeCapabilities(const CapabilityOptions& options);

/// CapabilitySets as kernel bit masks (bit n = capability n), for the child.
struct CapabilityMasks {
  std::uint64_t bounding = 0;
  std::uint64_t effective = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t permitted = 0;
  std::uint64_t ambient = 0;

  bool operator==(const CapabilityMasks&) const = default;
};

/// Converts names to masks; call it before clone. Throws
/// Error(InvalidArgument) for an unknown name.
CapabilityMasks capabilityMasks(const CapabilitySets& sets);

/// The ids the container process runs as, when it is not root.
struct ProcessUser {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Sets the calling process's capabilities, in the container's init just
/// before exec, in crun's order: drop from the bounding set what is not in
/// it (needs CAP_SETPCAP, so first), PR_SET_KEEPCAPS, then, with `user`,
/// setresgid/setresuid (permitted survives the uid change thanks to
/// KEEPCAPS), capset effective/permitted/inheritable, then clear the
/// ambient set and raise each ambient capability. Capabilities above the
/// kernel's cap_last_cap are ignored. Supplementary groups must be set
/// before (setgroups needs CAP_SETGID). No_new_privs and seccomp are the
/// caller's next steps. Allocates nothing on success; throws Error naming
/// the failed step.
void applyCapabilities(const CapabilityMasks& masks,
                       std::optional<ProcessUser> user = std::nullopt);

/// The convenience form: capabilityMasks then applyCapabilities.
void applyCapabilities(const CapabilitySets& sets, std::optional<ProcessUser> user = std::nullopt);

}  // namespace berth::runtime
