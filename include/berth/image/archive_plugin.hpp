// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "berth/base/log.hpp"
#include "berth/image/import.hpp"
#include "berth/image/load.hpp"
#include "berth/image/save.hpp"
#include "berth/image/tree_tar.hpp"
#include "berth/state/paths.hpp"

namespace berth::image {

/// The operations that need libarchive and libcrypto. They live in a plugin
/// (libexec/berth/berth-archive.so) opened with dlopen on first use, so the
/// run path (run, ps, stop, ...) never loads those libraries (DESIGN.md,
/// performance budget). Errors cross the boundary as berth::Error. Bump
/// kArchivePluginAbi when the table changes.
struct ArchivePlugin {
  int abiVersion;
  void (*setLogLevel)(LogLevel level);
  LoadResult (*load)(const state::StorePaths& paths, const LoadOptions& options);
  void (*save)(const state::StorePaths& paths, const SaveOptions& options);
  ImportResult (*importImage)(const state::StorePaths& paths, const ImportOptions& options);
  void (*writeTreeTar)(const TreeTarOptions& options);  ///< since ABI 3 (berth export)
};

inline constexpr int kArchivePluginAbi = 3;
inline constexpr const char* kArchivePluginSymbol = "berth_archive_plugin_v1";

/// Opens the plugin once and returns its table. Throws Error naming the
/// plugin path and dlerror() when it cannot be loaded.
const ArchivePlugin& archivePlugin();

}  // namespace berth::image
