// SPDX-License-Identifier: Apache-2.0
// Renders pull/push progress as Podman does: plain lines on stderr when it
// is not a terminal, per-blob bars with bytes and rate when it is.
#pragma once

#include <CLI/CLI.hpp>

#include "berth/engine/engine.hpp"

namespace berth::cli {

/// A sink for Engine::pull/push. `quiet`: nothing (Podman's -q). Retries
/// are printed as warnings even when quiet.
engine::Engine::ProgressSink progressPrinter(bool quiet);

/// The registry flags pull, push, login and run share, bound to `access`.
/// Call tlsVerifyGiven() when running: CLI11 cannot tell "not given" apart.
struct RegistryFlags {
  engine::Engine::RegistryAccess access;
  bool tlsVerify = true;
  CLI::Option* tlsOption = nullptr;
  int retry = 3;
  CLI::Option* retryOption = nullptr;
  /// The access with --tls-verify and --retry filled in when given.
  engine::Engine::RegistryAccess resolved() const;
};
void addRegistryFlags(CLI::App* app, RegistryFlags& flags, bool creds, bool certDir, bool retry);

}  // namespace berth::cli
