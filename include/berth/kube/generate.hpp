// SPDX-License-Identifier: Apache-2.0
// `berth kube generate`: containers (their recorded specs and their images'
// defaults) in, Kubernetes YAML out, as Podman 4.3's libpod/kube.go writes
// it, plus what Podman drops (labels, resources, probes, PVCs). Pure: no
// store access, so it is unit-tested with plain records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/spec/container_spec.hpp"

namespace berth::kube {

/// One container as the generator needs it.
struct GenerateContainer {
  std::string name;       ///< the container's name
  std::string imageName;  ///< as recorded ("localhost/busybox:latest")
  spec::ContainerSpec spec;
  oci::RunConfig image;  ///< the image's defaults (Cmd, Entrypoint, Env, WorkingDir)
  /// Bind mount sources: "Directory" or "File" (hostPath.type); others
  /// get no type.
  std::map<std::string, std::string> hostPathTypes;
};

struct GenerateRequest {
  /// The pod's name; "" = the first container's name (without '_') + "-pod".
  std::string podName;
  std::map<std::string, std::string> podLabels;  ///< the pod's own --label
  std::string hostname;                          ///< "" = the first container's -h
  /// Each named volume they use becomes a PersistentVolumeClaim.
  std::vector<GenerateContainer> containers;
  std::string type = "pod";  ///< pod, deployment, daemonset or job
  std::optional<unsigned> replicas;
  bool service = false;           ///< -s: a NodePort Service for published ports
  std::string creationTimestamp;  ///< RFC 3339 seconds, "2026-11-27T23:46:37Z"
  std::string version;            ///< berth's, for the header comment
};

/// The documents (PersistentVolumeClaims, then the workload, then the
/// Service), as JSON in Kubernetes' field names. Throws
/// Error(InvalidArgument) for a bad type or replicas with a type that has
/// none ("--replicas can only be set for deployment").
std::vector<Json> generateKubeDocuments(const GenerateRequest& request);

/// The YAML text: Podman's header comment, documents separated by "---".
std::string generateKube(const GenerateRequest& request);

}  // namespace berth::kube
