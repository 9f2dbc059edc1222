// SPDX-License-Identifier: Apache-2.0
// Printing container logs, shared by `logs` and `pod logs`.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "berth/engine/engine.hpp"
#include "berth/state/container_log.hpp"

namespace berth::cli {

class Cli;

/// The flags `logs` and `pod logs` share, as typed.
struct LogFlags {
  bool follow = false;
  bool timestamps = false;
  bool names = false;
  bool color = false;
  std::string since;
  std::string until;
  std::string tail = "-1";
};

/// Adds -f, -t, --names (described as `namesHelp`), --color, --since,
/// --until and -n/--tail to `app`, bound to `flags` (which must outlive it).
void addLogFlags(CLI::App* app, LogFlags& flags, const std::string& namesHelp,
                 const std::string& colorHelp);

/// How the logs of one or more containers are printed.
struct LogPrintOptions {
  bool follow = false;      ///< -f: keep printing until every container has exited
  bool timestamps = false;  ///< -t
  bool prefix = false;      ///< prefix each line with the container's short id or name
  bool names = false;       ///< the prefix is the name, not the short id
  bool color = false;       ///< --color: each container's lines in its own ANSI color
  state::LogReadOptions read;
};

/// The options of `flags` (prefix left false): --since, --until and
/// --tail parsed, Error(InvalidArgument) naming the flag for a bad time or
/// number.
LogPrintOptions logPrintOptions(const LogFlags& flags);

/// Prints the logs of `sources` (stdout lines on stdout, stderr lines on
/// stderr): the lines already logged, of all containers merged in time
/// order (--tail counts per container); with `follow`, then new lines of
/// every container as they are written, until each has exited and all it
/// wrote is printed. Error(InvalidArgument) before printing anything when
/// a source has the `none` log driver.
void printLogs(Cli& cli, const std::vector<engine::Engine::LogSource>& sources,
               const LogPrintOptions& options);

}  // namespace berth::cli
