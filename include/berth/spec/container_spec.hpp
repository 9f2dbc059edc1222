// SPDX-License-Identifier: Apache-2.0
// The user's intent for one container, as `berth create/run` flags express
// it (Podman's specgen.SpecGenerator, the subset berth supports). CLI flags,
// kube YAML and compose files all become a ContainerSpec; generate.hpp turns
// it into an OCI runtime spec. Values here are already parsed and validated
// (parse.hpp); the record is what containers/<id>/config.json stores as "spec".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/spec/healthcheck.hpp"

namespace berth::spec {

/// One --ulimit: name as given ("nofile"), -1 = unlimited.
struct Ulimit {
  std::string name;
  std::int64_t soft = 0;
  std::int64_t hard = 0;

  bool operator==(const Ulimit&) const = default;
};

/// One mount from -v, --mount or --tmpfs.
struct MountSpec {
  /// "bind", "tmpfs", "volume" (a named or anonymous volume), or "image"
  /// (an image's root filesystem; options "ro" or "rw")
  std::string type;
  /// host path (bind), volume name ("" = anonymous), "tmpfs", or the image
  /// reference as given (image)
  std::string source;
  std::string destination;  ///< absolute, clean container path
  /// Validated option words as the user gave them ("ro", "rshared", "size=1m",
  /// "z"); the builder adds Podman's defaults (rw, rprivate, rbind, ...).
  std::vector<std::string> options;

  bool operator==(const MountSpec&) const = default;
};

/// One --secret: mounted as a file (type "mount", at /run/secrets/<target>
/// read-only, owned uid:gid with `mode`) or given as an environment
/// variable (type "env", named `target`). Only the name is kept; the data
/// is read from the secret store when the container starts.
struct SecretSpec {
  std::string name;
  std::string type = "mount";
  std::string target;  ///< absolute path (mount) or variable name (env); "" = from the name
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t mode = 0400;

  bool operator==(const SecretSpec&) const = default;
};

/// One bridge network a container is on (--network NAME[:ip=,mac=,alias=],
/// --ip, --mac-address, --network-alias).
struct NetworkAttachment {
  std::string name;  ///< as given; made the network's name at create
  std::vector<std::string> aliases;
  std::string ip;   ///< "" = allocated at start
  std::string mac;  ///< "" = random at start

  bool operator==(const NetworkAttachment&) const = default;
};

/// --network: the subset berth supports so far.
struct NetworkMode {
  /// Private: the default network, chosen at create (root: Bridge on the
  /// network "podman"; rootless: a user-mode stack, Slirp4netns or Pasta,
  /// net::chooseNetworkCommand); `networks` holds at most one unnamed
  /// attachment (--ip, --mac-address, --network-alias). Container: another
  /// container's network namespace. Bridge: the bridge networks in
  /// `networks`.
  enum class Kind { Private, None, Host, Path, Slirp4netns, Pasta, Container, Bridge };
  Kind kind = Kind::Private;
  std::string path;  ///< Path: "ns:/run/netns/x" -> "/run/netns/x"; Container: name or id
  /// slirp4netns:allow_host_loopback=true,mtu=1500 or pasta:--map-gw,... as given
  std::vector<std::string> options;
  std::vector<NetworkAttachment> networks;  ///< Bridge

  bool operator==(const NetworkMode&) const = default;
};

/// One -p/--publish mapping (Podman's types.PortMapping): host ports
/// hostPort..hostPort+range-1 to container ports containerPort.. on
/// hostIp ("" = all addresses). hostPort 0: a random free port, picked at
/// create. protocol: "tcp", "udp" or "sctp" (one; -p 80/tcp,udp gives two).
struct PortMapping {
  std::string hostIp;
  std::uint16_t containerPort = 0;
  std::uint16_t hostPort = 0;
  std::uint16_t range = 1;
  std::string protocol = "tcp";

  bool operator==(const PortMapping&) const = default;
};

/// --restart: Podman's policy names ("" = none given, "no", "on-failure",
/// "always", "unless-stopped") and on-failure's retry limit (0 = no limit).
struct RestartPolicy {
  std::string name;
  unsigned maxRetries = 0;

  bool operator==(const RestartPolicy&) const = default;
};

struct ContainerSpec {
  std::string name;
  std::string image;    ///< as the user named it
  std::string imageId;  ///< the resolved image's id (hex)
  std::vector<std::string> command;
  /// --entrypoint: nullopt = the image's; {""} = explicitly empty
  /// (`--entrypoint ''`); {} = `--entrypoint '[]'`.
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> env;           ///< -e, resolved "KEY=value", in order
  std::vector<std::string> envFiles;      ///< --env-file paths, as given
  std::vector<std::string> envFromFiles;  ///< their entries, read and resolved at parse time
  std::string workdir;                    ///< -w ("" = the image's)
  std::string user;                       ///< -u as given ("" = the image's)
  std::string hostname;                   ///< -h ("" = the container id's first 12 chars)
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  /// --pod: the pod's name or id; create records the full id. Members
  /// join the namespaces the pod shares with its infra at start.
  std::string pod;
  /// The pod's infra container: berth-pause in an empty root filesystem,
  /// no image (made by Engine::createPod only).
  bool infra = false;
  int stopSignal = 0;  ///< 0 = the image's StopSignal, else SIGTERM
  std::optional<unsigned> stopTimeout;
  bool init = false;
  bool readOnly = false;
  bool readOnlyTmpfs = true;       ///< --read-only-tmpfs: tmpfs on /tmp /var/tmp /run
  std::vector<MountSpec> tmpfs;    ///< --tmpfs
  std::vector<MountSpec> volumes;  ///< -v
  std::vector<MountSpec> mounts;   ///< --mount
  /// --volumes-from CTR[:OPTS], as given; create copies their mounts into
  /// `volumes`.
  std::vector<std::string> volumesFrom;
  std::vector<SecretSpec> secrets;  ///< --secret
  std::vector<std::string> capAdd;
  std::vector<std::string> capDrop;
  bool privileged = false;
  // --security-opt
  bool noNewPrivileges = false;
  std::string seccompProfile;  ///< "" default, "unconfined", or a path
  bool labelDisable = false;   ///< label=disable (berth has no SELinux support: no effect)
  std::vector<std::string> labelOptions;  ///< other label=... values, kept, unused
  bool unmaskAll = false;                 ///< systempaths=unconfined
  std::vector<Ulimit> ulimits;
  std::map<std::string, std::string> sysctls;
  std::optional<std::int64_t> memory;  ///< bytes
  /// --pids-limit; nullopt = Podman's default 2048 where cgroups can apply it;
  /// <= 0 = unlimited.
  std::optional<std::int64_t> pidsLimit;
  std::optional<double> cpus;
  std::optional<std::uint64_t> cpuShares;
  NetworkMode network;
  /// -p, as parsed; after create: Podman's final mappings (random host
  /// ports picked, -P's exposed ports added, adjacent ports joined).
  std::vector<PortMapping> ports;
  bool publishAll = false;              ///< -P
  std::vector<std::string> dns;         ///< --dns servers: replace the stack's and the host's
  std::vector<std::string> dnsSearch;   ///< --dns-search: replace the host's search domains
  std::vector<std::string> dnsOptions;  ///< --dns-option: replace the host's options
  std::vector<std::string> addHosts;    ///< --add-host "name:ip", as given
  bool rm = false;
  std::optional<std::uint32_t> umask;  ///< nullopt = 0022
  bool tty = false;
  bool interactive = false;
  std::string logDriver = "k8s-file";
  std::map<std::string, std::string> logOpts;
  RestartPolicy restart;  ///< applied by the container's monitor
  /// --health-* (or --no-healthcheck: test {"NONE"}); nullopt: none given,
  /// create then takes the image's HEALTHCHECK.
  std::optional<HealthCheck> healthcheck;
  std::string healthOnFailure = "none";  ///< --health-on-failure

  /// Every field, named in camelCase; defaults are written too, so the record
  /// reads back the same after berth's defaults change.
  Json toJson() const;
  /// Missing fields take their defaults; wrong types throw
  /// Error(InvalidArgument) "<what>: spec.memory: expected a number".
  static ContainerSpec fromJson(const Json& json, std::string_view what);
};

}  // namespace berth::spec
