// SPDX-License-Identifier: Apache-2.0
// Pods on disk: pods/<id>/pod.json (written by pod create, rewritten only
// under the pod's lock) and pod-names/<name> -> <id>. A pod has no state
// record of its own: its status is computed from its containers' states
// (podStatus), as Podman does.
//
// Lock order: a pod's lock is taken before the lock of any of its
// containers, never the other way round.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/file_lock.hpp"
#include "berth/base/json.hpp"
#include "berth/state/container.hpp"
#include "berth/state/name_registry.hpp"
#include "berth/state/paths.hpp"

namespace berth::state {

inline constexpr int kPodConfigVersion = 1;

/// A pod's configuration (pod.json). `extra` keeps the record as read, so
/// fields berth does not know survive a rewrite.
struct PodConfig {
  std::string id;
  std::string name;
  std::int64_t createdNs = 0;
  std::vector<std::string> createCommand;
  std::map<std::string, std::string> labels;
  std::string hostname;  ///< "" = the pod's name
  /// Namespaces the members share with the infra, sorted: a subset of
  /// "ipc", "net", "pid", "uts" (Podman's default: ipc, net, uts).
  std::vector<std::string> sharedNamespaces;
  bool createInfra = true;
  std::string infraId;                  ///< "" without infra
  std::string exitPolicy = "continue";  ///< "continue" or "stop"
  /// The infra's published ports as spec::PortMapping records (hostIp,
  /// containerPort, hostPort, range, protocol); an array.
  Json ports = Json::array();
  /// --network: "" (the default network), "none", "host", "slirp4netns",
  /// "pasta" (with options after a colon, as given).
  std::string network;
  std::string cgroupParent;
  Json extra = Json::object();

  bool shares(std::string_view ns) const;
  Json toJson() const;
  /// Error(InvalidArgument) naming `what` for a malformed record.
  static PodConfig fromJson(const Json& json, std::string_view what);
};

/// Podman's pod status from its containers' statuses (infra included):
/// "Created" with none; "Running" when all run; "Degraded" when some run;
/// "Paused" when all are paused; "Exited" when all are stopped or exited;
/// "Stopped" when some are; "Error" for unknown ones; else "Created".
std::string podStatus(const std::vector<ContainerStatus>& members);

/// The pods of one store.
class PodStore {
 public:
  explicit PodStore(StorePaths paths);

  const StorePaths& paths() const noexcept { return paths_; }

  /// Validates and reserves the name, then writes pod.json (into a hidden
  /// directory renamed into place). Error(AlreadyExists) when the name is
  /// taken, Error(InvalidArgument) for a bad name; nothing is left behind.
  void create(const PodConfig& config);

  /// Full id for a full id, a name or a unique id prefix. Error(NoSuchPod)
  /// `no pod with name or ID x found: no such pod`.
  std::string resolve(std::string_view idOrName) const;
  std::vector<std::string> listIds() const;
  bool exists(std::string_view id) const;

  PodConfig read(const std::string& id) const;
  /// Rewrites pod.json atomically. The caller holds lock(id).
  void write(const PodConfig& config) const;

  /// The pod's lock (runroot/locks/pod-<id>.lock).
  FileLock lock(const std::string& id) const;

  /// Deletes the pod's record and frees its name. The caller holds lock(id)
  /// and has removed its containers.
  void remove(const std::string& id) const;

 private:
  std::string dir(const std::string& id) const;

  StorePaths paths_;
  NameRegistry names_;
};

}  // namespace berth::state
