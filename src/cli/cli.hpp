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

  /// Adds `berth <path>`: "save" or, inside a command group, "image save"
  /// (the group is created on first use). Add flags to the returned app and
  /// give it what to run with setRun. A command reachable two ways (`images`
  /// and `image ls`) is added twice by its add function.
  CLI::App* addCommand(const std::string& path, const std::string& description,
                       bool takesArguments = false);
  /// The group `berth <name>` (image, container, ...), created on first use;
  /// a non-empty description replaces the group's.
  CLI::App* group(const std::string& name, const std::string& description);
  void setRun(CLI::App* app, std::function<int()> run);

  /// The positional arguments of the chosen command (one added with
  /// takesArguments), in order.
  const std::vector<std::string>& args() const { return args_; }

  /// The process's command line, as main received it.
  int argc() const { return argc_; }
  char** argv() const { return argv_; }

  /// The engine for the parsed global flags.
  engine::Engine& engine();

  /// Parses argv and runs the chosen command; returns the exit code. Every
  /// error ends here as one `Error: ...` line on stderr.
  int main(int argc, char** argv);

 private:
  int dispatch();
  std::vector<std::string> rewriteShortFlagValues(int argc, char** argv) const;
  /// "image ls" for the app of `berth image ls`.
  static std::string commandPath(const CLI::App* app);

  CLI::App root_;
  GlobalFlags flags_;
  std::vector<Command> commands_;
  std::vector<std::string> args_;
  std::vector<std::pair<std::string, CLI::App*>> groups_;
  std::unique_ptr<engine::Engine> engine_;
  int argc_ = 0;
  char** argv_ = nullptr;
};

// One function per file in commands/, each adding one verb.
void addContainerCommands(Cli& cli);
void addCopyCommand(Cli& cli);
void addCreateCommand(Cli& cli);
void addDiffCommand(Cli& cli);
void addEventsCommand(Cli& cli);
void addExecCommand(Cli& cli);
void addExportCommand(Cli& cli);
void addHealthcheckCommand(Cli& cli);
void addImageCommands(Cli& cli);
void addLogsCommand(Cli& cli);
void addMountCommands(Cli& cli);
void addPauseCommands(Cli& cli);
void addPodCommands(Cli& cli);
void addPortCommand(Cli& cli);
void addPsCommand(Cli& cli);
void addRunCommand(Cli& cli);
void addImagesCommand(Cli& cli);
void addImportCommand(Cli& cli);
void addInfoCommand(Cli& cli);
void addKubeCommands(Cli& cli);
void addGenerateKubeCommand(Cli& cli);
void addLoadCommand(Cli& cli);
void addLoginCommands(Cli& cli);
void addPullCommand(Cli& cli);
void addPushCommand(Cli& cli);
void addSaveCommand(Cli& cli);
void addSecretCommands(Cli& cli);
void addStatsCommand(Cli& cli);
void addTopCommand(Cli& cli);
void addUnshareCommand(Cli& cli);
void addVersionCommand(Cli& cli);
void addVolumeCommands(Cli& cli);
void addSystemCommands(Cli& cli);
void addNetworkCommands(Cli& cli);

}  // namespace berth::cli
