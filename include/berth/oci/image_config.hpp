// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/digest.hpp"

namespace berth::oci {

class JsonReader;

/// Docker's HEALTHCHECK settings (moby HealthConfig), kept in image configs
/// of Docker format. Durations are nanoseconds; 0 means "inherit".
struct Healthcheck {
  /// {} inherit, {"NONE"} disable, {"CMD", args...}, {"CMD-SHELL", command}.
  std::vector<std::string> test;
  std::int64_t interval = 0;
  std::int64_t timeout = 0;
  std::int64_t startPeriod = 0;
  std::int64_t startInterval = 0;
  std::int64_t retries = 0;
  Json extra = Json::object();

  /// moby order: Test, Interval, Timeout, StartPeriod, StartInterval, Retries;
  /// zero fields left out.
  Json toJson() const;
  static Healthcheck fromJson(const JsonReader& reader);
};

/// The "config" object of an image config: defaults for containers run from
/// the image (OCI ImageConfig plus Docker's Healthcheck, OnBuild and Shell).
struct RunConfig {
  std::string user;
  std::set<std::string> exposedPorts;  ///< "80/tcp"; a Go map[string]struct{}
  std::vector<std::string> env;        ///< "KEY=value"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::set<std::string> volumes;  ///< container paths; a Go map[string]struct{}
  std::string workingDir;
  std::map<std::string, std::string> labels;
  std::string stopSignal;
  std::optional<Healthcheck> healthcheck;
  std::vector<std::string> onBuild;
  std::vector<std::string> shell;
  Json extra = Json::object();  ///< the object as read (ArgsEscaped, Hostname, ... survive)

  /// Field order of OCI's ImageConfig (User, ExposedPorts, Env, Entrypoint,
  /// Cmd, Volumes, WorkingDir, Labels, StopSignal) then Docker's extensions
  /// (Healthcheck, OnBuild, Shell); empty fields left out.
  Json toJson() const;
  /// Entrypoint, Cmd and Shell may also be a single string, as Docker's
  /// strslice accepts; it becomes a one-element list.
  static RunConfig fromJson(const JsonReader& reader);
};

/// rootfs: the layers' uncompressed digests, base first.
struct RootFs {
  std::string type = "layers";  ///< must be "layers"
  std::vector<Digest> diffIds;  ///< "diff_ids"
  Json extra = Json::object();

  Json toJson() const;
  static RootFs fromJson(const JsonReader& reader);
};

/// One history entry; entries with emptyLayer have no layer in rootfs.
struct HistoryEntry {
  std::string created;  ///< RFC 3339
  std::string createdBy;
  std::string author;
  std::string comment;
  bool emptyLayer = false;
  Json extra = Json::object();

  /// OCI order: created, created_by, author, comment, empty_layer.
  Json toJson() const;
  static HistoryEntry fromJson(const JsonReader& reader);
};

/// An image configuration blob (OCI application/vnd.oci.image.config.v1+json
/// or Docker application/vnd.docker.container.image.v1+json).
struct ImageConfig {
  std::string created;  ///< RFC 3339, e.g. "2023-05-19T20:19:07.468578455Z"
  std::string author;
  std::string architecture;             ///< "amd64"
  std::string os;                       ///< "linux"
  std::string osVersion;                ///< "os.version"
  std::vector<std::string> osFeatures;  ///< "os.features"
  std::string variant;
  RunConfig config;
  RootFs rootfs;
  std::vector<HistoryEntry> history;
  Json extra = Json::object();  ///< the document as read (Docker's container_config, ...)

  /// Go order of OCI's Image: created, author, architecture, os, os.version,
  /// os.features, variant, config, rootfs, history; empty optional fields
  /// left out; architecture, os, config and rootfs always written. Serialise
  /// the result with encodeJson to get the bytes a Go writer would hash.
  Json toJson() const;
  /// Validates types, timestamps, rootfs (required, type "layers", valid
  /// diff_ids). Throws Error(InvalidArgument) "<what>: image.rootfs.diff_ids[1]: ...".
  static ImageConfig fromJson(const Json& json, std::string_view what);
};

}  // namespace berth::oci
