// SPDX-License-Identifier: Apache-2.0
// The OCI runtime-spec config.json (runtime-spec specs-go/config.go), the
// part berth writes and its launcher reads. Field names and order are the Go
// struct's; optional fields are written the way Go's omitempty does, and
// every record keeps the object it was read from (`extra`), so fields berth
// does not model (hooks, devices, apparmorProfile, ...) survive a rewrite
// and an unchanged document serialises back to its own bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/seccomp.hpp"

namespace berth::oci {

class JsonReader;

/// process.user
struct User {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::optional<std::uint32_t> umask;  ///< a *uint32: 0 is written, absent is not
  std::vector<std::uint32_t> additionalGids;
  std::string username;
  Json extra = Json::object();

  Json toJson() const;
  static User fromJson(const JsonReader& reader);
};

/// process.capabilities: capability names such as "CAP_CHOWN". The same five
/// sets as runtime::CapabilitySets, kept here so oci does not depend on runtime.
struct LinuxCapabilities {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;
  Json extra = Json::object();

  Json toJson() const;
  static LinuxCapabilities fromJson(const JsonReader& reader);
};

/// One process.rlimits entry: {"type": "RLIMIT_NOFILE", "hard": N, "soft": N}.
struct PosixRlimit {
  std::string type;
  std::uint64_t hard = 0;
  std::uint64_t soft = 0;
  Json extra = Json::object();

  Json toJson() const;
  static PosixRlimit fromJson(const JsonReader& reader);
};

/// process
struct Process {
  bool terminal = false;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;  ///< "KEY=value"
  std::string cwd;               ///< always written (no omitempty in Go)
  std::optional<LinuxCapabilities> capabilities;
  std::vector<PosixRlimit> rlimits;
  bool noNewPrivileges = false;
  std::optional<int> oomScoreAdj;
  Json extra = Json::object();  ///< consoleSize, apparmorProfile, selinuxLabel, ...

  Json toJson() const;
  static Process fromJson(const JsonReader& reader);
};

/// root
struct Root {
  std::string path;
  bool readonly = false;
  Json extra = Json::object();

  Json toJson() const;
  static Root fromJson(const JsonReader& reader);
};

/// One mounts entry. options are mount(8)-style words ("ro", "rbind",
/// "mode=755"); the launcher's mount plan gives them meaning.
struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  Json extra = Json::object();  ///< uidMappings, gidMappings (idmapped mounts)

  Json toJson() const;
  static Mount fromJson(const JsonReader& reader);
};

/// linux.uidMappings / gidMappings entry.
struct LinuxIdMapping {
  std::uint32_t containerId = 0;  ///< "containerID"
  std::uint32_t hostId = 0;       ///< "hostID"
  std::uint32_t size = 0;

  Json toJson() const;
  static LinuxIdMapping fromJson(const JsonReader& reader);
};

/// linux.namespaces entry: type is one of pid, network, mount, ipc, uts,
/// user, cgroup, time; a path means "join this one" instead of "create".
struct LinuxNamespace {
  std::string type;
  std::string path;

  Json toJson() const;
  static LinuxNamespace fromJson(const JsonReader& reader);
};

/// linux.resources.memory (the part berth models; the rest stays in extra).
struct LinuxMemory {
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> reservation;
  std::optional<std::int64_t> swap;
  Json extra = Json::object();

  Json toJson() const;
  static LinuxMemory fromJson(const JsonReader& reader);
};

/// linux.resources.cpu (the part berth models).
struct LinuxCpu {
  std::optional<std::uint64_t> shares;
  std::optional<std::int64_t> quota;
  std::optional<std::uint64_t> period;
  std::string cpus;
  std::string mems;
  Json extra = Json::object();

  Json toJson() const;
  static LinuxCpu fromJson(const JsonReader& reader);
};

/// linux.resources: a model only; cgroups apply it.
struct LinuxResources {
  std::optional<LinuxMemory> memory;
  std::optional<LinuxCpu> cpu;
  std::optional<std::int64_t> pidsLimit;  ///< "pids": {"limit": N}
  Json extra = Json::object();            ///< devices, blockIO, unified, ...

  Json toJson() const;
  static LinuxResources fromJson(const JsonReader& reader);
};

/// linux
struct Linux {
  std::vector<LinuxIdMapping> uidMappings;
  std::vector<LinuxIdMapping> gidMappings;
  std::map<std::string, std::string> sysctl;
  std::optional<LinuxResources> resources;  ///< a pointer in Go: {} is kept when present
  std::string cgroupsPath;
  std::vector<LinuxNamespace> namespaces;
  std::optional<LinuxSeccomp> seccomp;
  std::vector<std::string> maskedPaths;
  std::vector<std::string> readonlyPaths;
  std::string mountLabel;
  Json extra = Json::object();  ///< devices, rootfsPropagation, intelRdt, ...

  /// The entry of namespace `type`, or nullptr when the spec has none.
  const LinuxNamespace* findNamespace(std::string_view type) const noexcept;

  Json toJson() const;
  static Linux fromJson(const JsonReader& reader);
};

/// config.json
struct Spec {
  std::string ociVersion = "1.0.2-dev";
  std::optional<Process> process;
  std::optional<Root> root;
  std::string hostname;
  std::vector<Mount> mounts;
  std::map<std::string, std::string> annotations;
  /// "linux" (not named so: `linux` is a predefined macro in GNU C++ modes).
  std::optional<Linux> linuxConfig;
  Json extra = Json::object();  ///< domainname, hooks, ...

  /// Go struct order (ociVersion, process, root, hostname, mounts,
  /// annotations, linux), omitempty as in specs-go. Serialise with
  /// encodeJson to get the bytes Podman writes.
  Json toJson() const;
  /// Checks types and required fields (ociVersion; process.cwd and args
  /// when a process is given; root.path). Throws Error(InvalidArgument)
  /// "<what>: spec.process.user.uid: expected ...".
  static Spec fromJson(const Json& json, std::string_view what);
};

}  // namespace berth::oci
