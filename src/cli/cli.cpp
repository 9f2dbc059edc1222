// SPDX-License-Identifier: Apache-2.0
#include "cli.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "berth/base/error.hpp"
#include "berth/base/log.hpp"
#include "berth_config.h"

namespace berth::cli {

namespace {

/// A token CLI11 did not consume, as Podman (cobra) names it.
std::string unknownTokenMessage(const std::string& token, const std::string& commandPath,
                                bool isGroup) {
  if (token.size() > 1 && token[0] == '-') {
    if (token[1] == '-') return "unknown flag: " + token.substr(0, token.find('='));
    return fmt::format("unknown shorthand flag: '{}' in {}", token[1], token);
  }
  if (commandPath.empty()) return "unrecognized command `berth " + token + "`";
  if (isGroup) return "unrecognized command `berth " + commandPath + " " + token + "`";
  return "`berth " + commandPath + "` takes no arguments";
}

}  // namespace

Cli::Cli() : root_("Manage containers and images, daemonless and rootless", "berth") {
  root_.set_version_flag("--version", "berth version " BERTH_VERSION, "Print the version");
  root_.allow_extras();
  root_.require_subcommand(0, 1);
  root_.fallthrough();  // global flags work after the command name too
  root_.add_option("--root", flags_.root, "Path to the persistent store (images, containers)");
  root_.add_option("--runroot", flags_.runRoot, "Path to the volatile state (tmpfs)");
  root_
      .add_option("--log-level", flags_.logLevel,
                  "Log messages at and above: error, warn, info, debug")
      ->capture_default_str();
}

CLI::App* Cli::group(const std::string& name, const std::string& description) {
  for (const auto& [groupName, app] : groups_)
    if (groupName == name) {
      if (!description.empty()) app->description(description);
      return app;
    }
  CLI::App* app = root_.add_subcommand(name, description);
  app->allow_extras();
  app->fallthrough();
  app->require_subcommand(0, 1);
  groups_.emplace_back(name, app);
  return app;
}

CLI::App* Cli::addCommand(const std::string& path, const std::string& description,
                          bool takesArguments) {
  CLI::App* parent = &root_;
  std::string name = path;
  if (const auto space = path.find(' '); space != std::string::npos) {
    parent = group(path.substr(0, space), "");
    name = path.substr(space + 1);
  }
  CLI::App* app = parent->add_subcommand(name, description);
  app->allow_extras();
  commands_.push_back(Command{app, nullptr, takesArguments});
  return app;
}

std::string Cli::commandPath(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* p = app->get_parent(); p != nullptr && p->get_parent() != nullptr;
       p = p->get_parent())
    path = p->get_name() + " " + path;
  return path;
}

void Cli::setRun(CLI::App* app, std::function<int()> run) {
  for (auto& command : commands_)
    if (command.app == app) command.run = std::move(run);
}

engine::Engine& Cli::engine() {
  if (!engine_) {
    engine::EngineOptions options;
    if (!flags_.root.empty()) options.paths.graphRoot = flags_.root;
    if (!flags_.runRoot.empty()) options.paths.runRoot = flags_.runRoot;
    engine_ = std::make_unique<engine::Engine>(options);
  }
  return *engine_;
}

int Cli::dispatch() {
  setLogLevel(parseLogLevel(flags_.logLevel));
  // Tokens nobody consumed: an unknown flag or command, or stray arguments.
  const Command* chosen = nullptr;
  for (const auto& command : commands_)
    if (command.app->parsed()) chosen = &command;
  const CLI::App* chosenGroup = nullptr;
  for (const auto& [name, app] : groups_)
    if (app->parsed()) chosenGroup = app;
  // A command that takes arguments gets its positional tokens; a token that
  // looks like a flag is one nobody knows.
  // (Subcommands inherit fallthrough, so unknown tokens end up in the root's
  // remaining list.)
  if (chosen != nullptr && chosen->takesArguments && !chosen->app->get_prefix_command()) {
    args_ = root_.remaining();
    if (args_.empty()) args_ = chosen->app->remaining();
    for (const auto& token : args_) {
      if (token == "--") break;
      if (token.size() > 1 && token[0] == '-')
        throw Error(Errc::InvalidArgument, unknownTokenMessage(token, "", false));
    }
    args_.erase(std::remove(args_.begin(), args_.end(), "--"), args_.end());
    return chosen->run();
  }
  // With fallthrough, a stray token after the command lands in the root's
  // remaining list too; a positional one then belongs to the command.
  if (!root_.remaining().empty()) {
    const std::string token = root_.remaining().front();
    const bool positional = token.empty() || token[0] != '-';
    if (positional && chosen == nullptr && chosenGroup != nullptr)
      throw Error(Errc::InvalidArgument,
                  unknownTokenMessage(token, commandPath(chosenGroup), true));
    throw Error(Errc::InvalidArgument,
                unknownTokenMessage(
                    token, positional && chosen != nullptr ? commandPath(chosen->app) : "", false));
  }
  if (chosen == nullptr && chosenGroup != nullptr)
    throw Error(Errc::InvalidArgument,
                fmt::format("missing command 'berth {} COMMAND'", commandPath(chosenGroup)));
  if (chosen == nullptr)
    throw Error(Errc::InvalidArgument, "missing command 'berth COMMAND'; see 'berth --help'");
  const std::vector<std::string> stray = chosen->app->remaining();
  if (chosen->takesArguments) args_ = stray;  // a prefix command: everything after its flags
  if (!chosen->takesArguments && !stray.empty())
    throw Error(Errc::InvalidArgument,
                unknownTokenMessage(stray.front(), commandPath(chosen->app), false));
  return chosen->run();
}

std::vector<std::string> Cli::rewriteShortFlagValues(int argc, char** argv) const {
  // The command is the first tokens naming subcommands (a group, then its
  // subcommand); its boolean flags given as "-X=value" (pflag syntax) become
  // "--long=value", which CLI11 understands.
  std::vector<std::string> args(argv + 1, argv + argc);
  const CLI::App* command = &root_;
  for (auto& token : args) {
    if (token == "--") break;
    if (token.empty() || token[0] != '-') {
      const auto subs =
          command->get_subcommands([&](const CLI::App* sub) { return sub->check_name(token); });
      if (!subs.empty()) command = subs.front();
      continue;
    }
    if (token.size() < 4 || token[1] == '-' || token[2] != '=') continue;
    const CLI::Option* option = command->get_option_no_throw(token.substr(0, 2));
    if (option == nullptr || option->get_expected_max() != 0 || option->get_lnames().empty())
      continue;
    token = "--" + option->get_lnames().front() + token.substr(2);
  }
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  return args;
}

int Cli::main(int argc, char** argv) {
  argc_ = argc;
  argv_ = argv;
  try {
    try {
      root_.parse(rewriteShortFlagValues(argc, argv));
    } catch (const CLI::CallForHelp& e) {
      return root_.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return root_.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return root_.exit(e);
    } catch (const CLI::ArgumentMismatch& e) {
      // CLI11: "--format: 1 required TEXT missing"; cobra (Podman) says
      // "flag needs an argument: --format".
      const std::string message = e.what();
      const auto colon = message.find(": ");
      if (colon != std::string::npos && message.find(" required ") != std::string::npos)
        throw Error(Errc::InvalidArgument, "flag needs an argument: " + message.substr(0, colon));
      throw Error(Errc::InvalidArgument, message);
    } catch (const CLI::ParseError& e) {
      throw Error(Errc::InvalidArgument, e.what());
    }
    return dispatch();
  } catch (const ExitCodeError& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return e.exitCode();
  } catch (const Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
  }
  return kExitEngineError;
}

}  // namespace berth::cli
