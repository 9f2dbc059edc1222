// SPDX-License-Identifier: Apache-2.0
// `berth kube play`: Kubernetes documents in, a plan out (volumes, secrets,
// pods of ContainerSpecs, and a warning for every field berth does not
// honour), as Podman 4.3's pkg/specgen/generate/kube does. Pure: the engine
// applies the plan; lookups of the host go through callbacks.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/spec/container_spec.hpp"

namespace berth::kube {

struct PlanOptions {
  std::optional<spec::NetworkMode> network;  ///< --network
  std::vector<spec::PortMapping> publish;    ///< --publish (added to / overriding the YAML's)
  std::string logDriver;                     ///< --log-driver ("" = the default)
  std::vector<Json> configMaps;              ///< ConfigMap documents of --configmap files
  /// "Directory", "File" or "" (missing, or something else) for a host path.
  std::function<std::string(const std::string&)> hostPathKind;
};

/// A named volume for a PersistentVolumeClaim (or for a ConfigMap/Secret
/// volume: `files` are written into it).
struct PlannedVolume {
  std::string name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> files;  ///< file name -> content
};

/// A Secret document: a berth secret named after it, holding the
/// document's data as JSON {key: value} (decoded).
struct PlannedSecret {
  std::string name;
  std::string data;
};

struct PlannedContainer {
  spec::ContainerSpec spec;  ///< name "<pod>-<container>"
  std::string pullPolicy;    ///< "missing", "always" or "never"
};

struct PlannedPod {
  std::string name;
  std::string kind;  ///< the document's kind
  std::map<std::string, std::string> labels;
  std::string hostname;                      ///< spec.hostname ("" = the pod's name)
  spec::NetworkMode network;                 ///< hostNetwork or --network
  std::vector<spec::PortMapping> ports;      ///< every hostPort and --publish: the infra's
  std::vector<PlannedContainer> containers;  ///< they join the pod: no network, ports, hostname
  std::vector<std::string> hostDirectories;  ///< DirectoryOrCreate paths to make
};

struct Plan {
  std::vector<PlannedVolume> volumes;
  std::vector<PlannedSecret> secrets;
  std::vector<PlannedPod> pods;
  std::vector<std::string>
      warnings;  ///< "spec.containers[0].readinessProbe: not supported, ignored"
};

/// Throws Error(InvalidArgument) "document N: <field path>: <problem>" for
/// an unknown kind, a missing or mistyped required field, a host path that
/// does not exist: before anything is made.
Plan planKube(const std::vector<Json>& documents, const PlanOptions& options);

/// The names `kube down` removes for these documents: pods' containers
/// ("<pod>-<container>"), pods, volumes of PersistentVolumeClaims, secrets.
struct DownTargets {
  std::vector<std::string> pods;
  std::vector<std::string> containers;
  std::vector<std::string> volumes;
  std::vector<std::string> secrets;
};
DownTargets downTargets(const std::vector<Json>& documents);

}  // namespace berth::kube
