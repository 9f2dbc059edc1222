// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::spec {

/// The ids a container process runs as.
struct ResolvedUser {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additionalGids;  ///< groups of /etc/group naming the user
  std::string home = "/";                     ///< the passwd entry's, "/" without one

  bool operator==(const ResolvedUser&) const = default;
};

/// Resolves `-u user[:group]` as Podman does (runc's GetExecUser) against
/// `rootfs`/etc/passwd and `rootfs`/etc/group, reading them only:
/// - "" is root; a name must have a passwd entry ("unable to find user
///   nobody: no matching entries in passwd file"); a number needs none (gid
///   0 and home "/" then, or the entry's gid and home);
/// - ":group" by name ("unable to find group x: no matching entries in group
///   file") or number overrides the passwd gid;
/// - supplementary groups: every /etc/group entry listing the user's name,
///   except the primary gid.
/// A missing file counts as empty. Throws Error(InvalidArgument).
ResolvedUser resolveUser(std::string_view user, const std::string& rootfs);

/// The same against a root filesystem not mounted yet: `roots` are image
/// layer directories, top first, and each file is read from the first
/// layer that has it (a layer's copy hides the ones below, as overlay shows).
ResolvedUser resolveUser(std::string_view user, const std::vector<std::string>& roots);

}  // namespace berth::spec
