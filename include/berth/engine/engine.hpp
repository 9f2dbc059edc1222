// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "berth/base/json.hpp"
#include "berth/state/paths.hpp"

namespace berth::engine {

/// What every command shares: where the store is.
struct EngineOptions {
  state::PathOverrides paths;
};

/// The operations the CLI calls. Reports are JSON values in Podman's field
/// order and names (camelCase keys as Podman's --format json prints them);
/// the CLI only renders them. Library code: never prints, throws Error.
class Engine {
 public:
  /// Resolves the store paths (throws Error(InvalidArgument) for a bad
  /// --root/--runroot). Creates nothing on disk.
  explicit Engine(const EngineOptions& options);

  const state::StorePaths& paths() const noexcept { return paths_; }

  /// `berth version`: {"Client": {APIVersion, Version, CompilerVersion,
  /// GitCommit, BuiltTime, Built, OsArch, Os}}.
  Json version() const;

  /// `berth info`: {host, store, registries, plugins, version}, as Podman's
  /// info with berth's own facts (helpers found on PATH, monitor path).
  Json info() const;

 private:
  state::StorePaths paths_;
};

}  // namespace berth::engine
