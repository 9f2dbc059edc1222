// SPDX-License-Identifier: Apache-2.0
// berth cp: files between a container and the host, or two containers, or
// a tar stream on standard input/output, with Podman's path rules
// (copy_plan.cpp). A running container's root is its /proc/<pid>/root; a
// stopped one's is mounted for the time of the copy by a forked child
// (container_root.cpp), which then does all the work. Both sides are
// reached through a root directory fd and openat2(RESOLVE_IN_ROOT)
// (copy_stream.cpp), the host's being "/".
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/engine/copy_plan.hpp"
#include "berth/engine/copy_stream.hpp"
#include "berth/engine/engine.hpp"
#include "berth/state/container_store.hpp"
#include "container_internal.hpp"
#include "container_root.hpp"

namespace berth::engine {

namespace {

/// One side of the copy, looked up before anything is mounted.
struct Side {
  CopyArgument argument;
  std::string absolutePath;  ///< inside its root
  std::string where;         ///< "container NAME" / "the host"
  std::string id;            ///< empty for the host
  std::optional<detail::ContainerLayers> layers;
  pid_t pid = 0;  ///< a running container's init
  std::uint64_t pidStartTime = 0;
  std::string runDir;
  /// The container's primary uid/gid (its runtime spec's process.user).
  std::pair<uid_t, gid_t> user{0, 0};
};

/// Runs `body` with an fd of the side's root: "/" for the host, the running
/// container's root, or its layers mounted in a child.
void withRoot(const Side& side, detail::RootfsAccess access,
              const std::function<void(int rootFd)>& body) {
  if (side.id.empty()) {
    UniqueFd root = openFile("/", O_PATH | O_DIRECTORY);
    body(root.get());
    return;
  }
  if (side.pid > 0) {
    UniqueFd root = openFile("/proc/" + std::to_string(side.pid) + "/root", O_PATH | O_DIRECTORY);
    // The pid could have been reused before the open: check it is still ours.
    if (!detail::processAlive(side.pid, side.pidStartTime))
      throwError(Errc::InvalidState, "{} exited during the copy", side.where);
    body(root.get());
    return;
  }
  detail::runWithRootfs(*side.layers, access, side.runDir, body);
}

CopySide describe(const Side& side, int rootFd, bool withParent) {
  CopySide out;
  out.path = side.argument.path;
  out.where = side.where;
  out.facts = detail::resolveInRoot(rootFd, side.absolutePath);
  if (withParent && !out.facts.exists) {
    const std::string& resolved = out.facts.resolved;
    const auto slash = resolved.rfind('/');
    out.parent = detail::resolveInRoot(rootFd, slash == 0 ? "/" : resolved.substr(0, slash));
  }
  return out;
}

}  // namespace

void Engine::copyFiles(const CopyRequest& request) const {
  const CopyArgument source = parseCopyArgument(request.source);
  const CopyArgument destination = parseCopyArgument(request.destination);
  if (source.path.empty() || destination.path.empty())
    throwError(Errc::InvalidArgument, "invalid arguments \"{}\", \"{}\": you must specify paths",
               request.source, request.destination);
  // Podman copies to a container unless the source names one: with no
  // container at all, the one it looks up is "".
  if (source.container.empty() && destination.container.empty())
    throwError(Errc::InvalidArgument, "name or ID cannot be empty");
  const bool fromStdin = source.container.empty() && source.path == "-";
  const bool toStdout = destination.container.empty() && destination.path == "-";

  enterUserNamespace();
  state::ContainerStore store(paths_);
  std::vector<Side> sides(2);
  sides[0].argument = source;
  sides[1].argument = destination;
  for (Side& side : sides) {
    const std::string& path = side.argument.path;
    if (side.argument.container.empty()) {
      side.where = "the host";
      if (path.empty() || path[0] != '/') {
        char* cwd = ::getcwd(nullptr, 0);
        if (cwd == nullptr) throwErrno("getcwd");
        side.absolutePath = std::string(cwd) + "/" + path;
        std::free(cwd);
      } else {
        side.absolutePath = path;
      }
      continue;
    }
    // Container paths are relative to its root, the leading '/' optional.
    side.absolutePath = path[0] == '/' ? path : "/" + path;
    side.where = "container " + side.argument.container;
    try {
      side.id = store.resolve(side.argument.container);
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchContainer) throw;
      throwError(Errc::NoSuchContainer, "container \"{}\" does not exist", side.argument.container);
    }
  }

  // Both locks, in id order (never inverted), held throughout as Podman
  // does: start, rm and cleanup wait for the copy.
  std::vector<std::string> ids;
  for (const Side& side : sides)
    if (!side.id.empty()) ids.push_back(side.id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<FileLock> locks;
  for (const auto& id : ids)
    locks.push_back(store.lock(id));
  for (Side& side : sides) {
    if (side.id.empty()) continue;
    if (!store.exists(side.id))
      throwError(Errc::NoSuchContainer, "container \"{}\" does not exist", side.argument.container);
    const detail::ContainerRecord record = detail::loadContainer(store, side.id);
    const auto status = record.state.status;
    if ((status == state::ContainerStatus::Running || status == state::ContainerStatus::Paused) &&
        !record.stale) {
      side.pid = record.state.pid;
      side.pidStartTime = record.state.pidStartTime;
    } else {
      side.layers = detail::containerLayers(paths_, record.config);
      side.runDir = paths_.runContainerDir(side.id);
    }
    if (const auto spec = readJsonFileIfExists(detail::runtimeSpecPath(paths_, side.id))) {
      const Json user = spec->value("process", Json::object()).value("user", Json::object());
      side.user = {user.value("uid", 0u), user.value("gid", 0u)};
    }
  }
  const Side& from = sides[0];
  const Side& to = sides[1];

  detail::ExtractPolicy policy;
  policy.overwrite = request.overwrite;
  policy.where = to.where;
  if (to.id.empty()) {
    // Podman gives what lands on the host to the user who runs cp.
    policy.chownTo = std::make_pair(::geteuid(), ::getegid());
  } else if (request.archive) {
    policy.chownTo = to.user;
  }

  if (fromStdin) {
    withRoot(to, detail::RootfsAccess::Writable, [&](int rootFd) {
      const std::string dir = planCopyFromStream(describe(to, rootFd, false));
      detail::ExtractSink sink(rootFd, dir, policy);
      detail::readTar(request.stdinFd, sink);
    });
    return;
  }
  if (toStdout) {
    withRoot(from, detail::RootfsAccess::ReadOnly, [&](int rootFd) {
      const CopyPlan plan = planCopyToStream(describe(from, rootFd, false));
      detail::TarWriterSink sink(request.stdoutFd, "standard output");
      detail::walkTree(rootFd, plan.sourcePath, plan.topName, sink);
    });
    return;
  }
  const auto copyBetween = [&](int fromRoot, int toRoot) {
    const CopyPlan plan = planCopy(describe(from, fromRoot, false), describe(to, toRoot, true));
    detail::ExtractSink sink(toRoot, plan.destinationDir, policy);
    detail::walkTree(fromRoot, plan.sourcePath, plan.topName, sink);
  };
  if (!from.id.empty() && from.id == to.id) {
    withRoot(to, detail::RootfsAccess::Writable, [&](int rootFd) { copyBetween(rootFd, rootFd); });
    return;
  }
  // Nested: the inner side's child inherits the outer side's root fd.
  withRoot(from, detail::RootfsAccess::ReadOnly, [&](int fromRoot) {
    withRoot(to, detail::RootfsAccess::Writable,
             [&](int toRoot) { copyBetween(fromRoot, toRoot); });
  });
}

}  // namespace berth::engine
