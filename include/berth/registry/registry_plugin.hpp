// SPDX-License-Identifier: Apache-2.0
// The distribution-protocol client lives in a plugin (libexec/berth/
// berth-registry.so, opened with dlopen on first use), so the run path never
// loads libcurl (DESIGN.md, performance budget). This header is the table it
// exports and what crosses the boundary; errors cross as berth::Error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/log.hpp"
#include "berth/registry/auth.hpp"
#include "berth/registry/platform.hpp"
#include "berth/state/paths.hpp"

namespace berth::registry {

/// What a pull or push reports while it works, for the CLI to render as
/// Podman does. Sent from worker threads, one call at a time.
struct ProgressEvent {
  enum class Kind {
    Note,               ///< text: a line of its own ("Trying to pull X...")
    GettingSignatures,  ///< "Getting image source signatures"
    BlobStart,          ///< "Copying blob <digest>"; total = its size
    BlobSkipped,        ///< "Copying blob <digest> skipped: already exists"
    BlobBytes,          ///< done of total bytes of <digest> so far
    BlobDone,           ///< <digest> complete
    Config,             ///< "Copying config <digest>"
    WritingManifest,    ///< "Writing manifest to image destination"
    StoringSignatures,  ///< "Storing signatures"
    Retrying,           ///< text: Podman's "Failed, retrying in 1s ... (1/3). Error: ..."
  };
  Kind kind;
  std::string digest;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::string text;
};
using ProgressSink = std::function<void(const ProgressEvent&)>;

/// How to reach and authenticate to a registry.
struct AccessOptions {
  std::optional<Credentials> credentials;  ///< --creds: used instead of the auth files
  std::vector<std::string> authFiles;      ///< authFilesToRead()
  bool insecure = false;                   ///< --tls-verify=false or registries.conf insecure
  std::string certDir;                     ///< --cert-dir ("" = /etc/containers/certs.d/HOST)
  bool rootless = false;
  int retries = 3;          ///< attempts after the first on connection errors and 5xx
  int retryDelayMs = 1000;  ///< doubled after each attempt
  int parallel = 6;         ///< layers transferred at once
};

struct PullOptions {
  std::string reference;  ///< fully qualified, normalized ("host/repo:tag" or "host/repo@digest")
  std::string name;       ///< the name to give the image ("" = none, for a digest pull)
  PlatformWant platform;
  AccessOptions access;
};

struct PullResult {
  std::string imageId;         ///< 64 hex
  std::string manifestDigest;  ///< of the image manifest stored
  std::vector<std::string> warnings;
};

struct PushOptions {
  std::string source;       ///< a local image (name or id)
  std::string destination;  ///< fully qualified "host/repo[:tag]"
  std::string format;       ///< "" (as stored), "oci" or "v2s2"
  std::string compression;  ///< "" (as stored), "gzip" or "zstd": layers recompressed
  AccessOptions access;
};

struct PushResult {
  std::string manifestDigest;
};

struct LoginOptions {
  std::string registry;  ///< "host[:port]", optionally with a repository path
  Credentials credentials;
  AccessOptions access;
};

struct RegistryPlugin {
  int abiVersion;
  void (*setLogLevel)(LogLevel level);
  /// Pulls one image into the store. Nothing is listed in the store unless
  /// the whole image (every blob verified, every layer extracted) is there.
  PullResult (*pull)(const state::StorePaths& paths, const PullOptions& options,
                     const ProgressSink& progress);
  /// Pushes a stored image.
  PushResult (*push)(const state::StorePaths& paths, const PushOptions& options,
                     const ProgressSink& progress);
  /// Checks credentials against the registry (GET /v2/, and a token for a
  /// bearer registry). Error(PermissionDenied) "invalid username/password".
  void (*checkLogin)(const LoginOptions& options);
  /// The tags of `repository` ("host/path"), all pages of /tags/list.
  std::vector<std::string> (*listTags)(const std::string& repository, const AccessOptions& access);
};

inline constexpr int kRegistryPluginAbi = 3;
inline constexpr const char* kRegistryPluginSymbol = "berth_registry_plugin_v1";

/// Opens the plugin once and returns its table. Throws Error naming the
/// plugin path and dlerror() when it cannot be loaded.
const RegistryPlugin& registryPlugin();

}  // namespace berth::registry
