// SPDX-License-Identifier: Apache-2.0
// The CLI: flags in, engine calls, reports out. No other logic lives here.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "berth/engine/engine.hpp"

namespace berth::cli {

/// Flags every command accepts (before or after the command name).
struct GlobalFlags {
  std::string root;
  std::string runRoot;
  std::string logLevel = "warn";
};

/// One `berth <verb>`: its CLI11 app and what to run when it was chosen.
/// `run` returns the process exit code.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
  /// false: `berth version foo` is an error. true: the command reads its
  /// remaining() tokens itself (unshare passes them to the program).
  bool takesArguments = false;
};

/// Shared by all command definitions: the root app, the global flags, and
/// the engine, built on first use (after the flags were parsed).
class Cli {
 public:
  Cli();

  CLI::App& root() { return root_; }
  GlobalFlags& flags() { return flags_; }

  /// Adds `berth <name>`; `setup` adds its flags and returns what to run.
  CLI::App* addCommand(const std::string& name, const std::string& description,
                       bool takesArguments = false);
  void setRun(CLI::App* app, std::function<int()> run);

  /// The engine for the parsed global flags.
  engine::Engine& engine();

  /// Parses argv and runs the chosen command; returns the exit code. Every
  /// error ends here as one `Error: ...` line on stderr.
  int main(int argc, char** argv);

 private:
  int dispatch();

  CLI::App root_;
  GlobalFlags flags_;
  std::vector<Command> commands_;
  std::unique_ptr<engine::Engine> engine_;
};

// One function per file in commands/, each adding one verb.
void addInfoCommand(Cli& cli);
void addLoadCommand(Cli& cli);
void addUnshareCommand(Cli& cli);
void addVersionCommand(Cli& cli);

}  // namespace berth::cli
