// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/runtime/subid.hpp"
#include "berth/state/paths.hpp"

namespace berth::runtime {

/// Where a rootless process stands relative to the user's namespace.
enum class UserNamespaceState {
  Host,    ///< real root on the host: no user namespace needed
  Joined,  ///< was outside, joined (or created) the persistent namespace
  Inside,  ///< already inside a user namespace (e.g. under `berth unshare`)
};

/// The uid and gid maps berth gives the user's namespace: 0 -> the user,
/// 1.. -> the /etc/subuid and /etc/subgid ranges. `warning` is set when the
/// user has no subordinate ranges (a single-id mapping).
struct UserNamespaceMaps {
  std::vector<IdMapEntry> uidMap;
  std::vector<IdMapEntry> gidMap;
  std::string warning;
};

/// The maps for the current user from /etc/subuid and /etc/subgid.
UserNamespaceMaps currentUserMaps();

/// Puts the calling process into the user's persistent user namespace: joins
/// the one berth-pause holds (setns), or creates it first (fork a child that
/// unshares, map it with newuidmap/newgidmap, exec berth-pause, record
/// <runroot>/pause.pid as "pid starttime"). A pause process that is gone, or
/// whose pid was reused (start time differs), is replaced with the same
/// mapping, so ownership of files on disk stays valid.
///
/// Call at the top of main, before any thread exists (setns into a user
/// namespace fails in a multi-threaded process). No-op for real root and
/// inside a user namespace already. Throws Error naming what failed
/// (newuidmap's own message included).
UserNamespaceState enterUserNamespace(const state::StorePaths& paths);

/// Joins the mount namespace berth-pause holds (it unshares one, owned by
/// the user namespace, when it starts), so mounts made there by `berth
/// mount` under `berth unshare` are seen by every later `berth unshare`.
/// Call inside the user namespace, single-threaded. False (and no change)
/// when there is no berth-pause or it holds no mount namespace of its own;
/// true when joined or already in it.
bool joinPauseMountNamespace(const state::StorePaths& paths);

/// True when the process runs inside a user namespace other than the
/// initial one (its uid_map is not the identity "0 0 4294967295").
bool inUserNamespace();

/// /proc/<pid>/stat field 22 (start time in clock ticks since boot), 0 when
/// the process does not exist or is a zombie. Used with a pid to detect pid reuse.
unsigned long long processStartTime(pid_t pid);

}  // namespace berth::runtime
