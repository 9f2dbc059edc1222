// SPDX-License-Identifier: Apache-2.0
// berth start, stop, kill, restart, rm, wait, rename, inspect, container
// exists/prune/cleanup: the container lifecycle commands that take names.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/detach_keys.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/spec/parse.hpp"

namespace berth::cli {

namespace {

// Runs `action` for each name; failures are printed as they happen and the
// last one decides the exit code (Podman reports every error it met).
int forEach(const std::vector<std::string>& names,
            const std::function<void(const std::string&)>& action,
            const std::function<int(const Error&)>& exitCodeOf) {
  int code = 0;
  for (const auto& name : names) {
    try {
      action(name);
    } catch (const Error& e) {
      std::fprintf(stderr, "Error: %s\n", e.what());
      code = exitCodeOf(e);
    }
  }
  return code;
}

int engineExit(const Error& e) {
  if (const auto* withCode = dynamic_cast<const ExitCodeError*>(&e)) return withCode->exitCode();
  return kExitEngineError;
}

std::vector<std::string> targets(Cli& cli, bool all, bool latest, const char* verb) {
  std::vector<std::string> names = cli.args();
  if ((all || latest) && !names.empty())
    throwError(Errc::InvalidArgument, "--all, --latest and containers cannot be used together");
  if (all) return cli.engine().containerIds();
  if (latest) {
    const std::string id = cli.engine().latestContainer();
    if (id.empty()) throwError(Errc::NoSuchContainer, "no containers to {}", verb);
    return {id};
  }
  if (names.empty())
    throwError(Errc::InvalidArgument, "you must provide at least one container name or id");
  return names;
}

// --cidfile: the ids in the files, after the named containers. A missing
// file with --ignore is skipped (the unit that wrote it never started).
std::vector<std::string> withCidfiles(std::vector<std::string> names,
                                      const std::vector<std::string>& cidfiles, bool ignore) {
  for (const auto& file : cidfiles) {
    const auto content = readFileIfExists(file);
    if (!content) {
      if (ignore) continue;
      throwError(Errc::InvalidArgument, "reading CIDFile: open {}: no such file or directory",
                 file);
    }
    std::string id = *content;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' '))
      id.pop_back();
    names.push_back(id);
  }
  return names;
}

std::optional<unsigned> timeoutFlag(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return static_cast<unsigned>(spec::parseUintFlag(*value, "--time"));
}

void defineStart(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Start one or more containers", true);
  auto attach = std::make_shared<bool>(false);
  auto interactive = std::make_shared<bool>(false);
  auto sigProxy = std::make_shared<bool>(true);
  auto detachKeys = std::make_shared<std::string>(kDefaultDetachKeys);
  auto all = std::make_shared<bool>(false);
  auto filters = std::make_shared<std::vector<std::string>>();
  app->add_flag("--all", *all, "Start all containers regardless of their state or configuration");
  app->add_option("-f,--filter", *filters, "Filter output based on conditions given")
      ->allow_extra_args(false);
  app->add_flag("-a,--attach", *attach, "Attach container's STDOUT and STDERR");
  app->add_option("--detach-keys", *detachKeys,
                  "Select the key sequence for detaching a container. Format is a single "
                  "character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _")
      ->default_str(std::string(kDefaultDetachKeys));
  app->add_flag("-i,--interactive", *interactive, "Keep STDIN open even if not attached");
  app->add_flag("--sig-proxy", *sigProxy, "Proxy received signals to the process");
  cli.setRun(app, [&cli, attach, interactive, sigProxy, detachKeys, all, filters] {
    const std::string keys = parseDetachKeys(*detachKeys);
    auto names = targets(cli, *all, false, "start");
    if (!filters->empty()) {
      // Podman: --filter narrows --all, or the containers named.
      std::vector<std::string> matching;
      for (const auto& container : cli.engine().listContainers(true, *filters))
        matching.push_back(container.value("Id", ""));
      std::erase_if(names, [&](const std::string& name) {
        return std::find(matching.begin(), matching.end(), cli.engine().resolveContainer(name)) ==
               matching.end();
      });
    }
    if (*attach) {
      if (names.size() > 1)
        throwError(Errc::InvalidArgument,
                   "you cannot start and attach multiple containers at once");
      engine::Engine::AttachRequest request;
      request.stdinFd = *interactive ? 0 : -1;
      request.sigProxy = *sigProxy;
      request.detachKeys = keys;
      return cli.engine().runAttached(names.front(), request);
    }
    return forEach(
        names,
        [&](const std::string& name) {
          cli.engine().startContainer(name);
          writeStdout(name + "\n");
        },
        engineExit);
  });
}

void defineStop(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Stop one or more containers", true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto ignore = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<std::string>>();
  app->add_flag("-a,--all", *all, "Stop all running containers");
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  app->add_flag("-i,--ignore", *ignore, "Ignore errors when a specified container is missing");
  app->add_option("-t,--time", *time, "Seconds to wait for stop before killing the container");
  auto cidfiles = std::make_shared<std::vector<std::string>>();
  app->add_option("--cidfile", *cidfiles, "Read the container ID from the file")
      ->allow_extra_args(false);
  cli.setRun(app, [&cli, all, latest, ignore, time, cidfiles] {
    const auto timeout = timeoutFlag(*time);
    std::vector<std::string> names = cidfiles->empty()
                                         ? targets(cli, *all, *latest, "stop")
                                         : withCidfiles(cli.args(), *cidfiles, *ignore);
    if (!cidfiles->empty() && (*all || *latest))
      throwError(Errc::InvalidArgument, "--all, --latest and --cidfile cannot be used together");
    if (*all) {
      names.clear();  // --all: the running ones
      for (const auto& c : cli.engine().listContainers(false, {}))
        names.push_back(c["Id"].get<std::string>());
    }
    return forEach(
        names,
        [&](const std::string& name) {
          try {
            cli.engine().stopContainer(name, timeout);
          } catch (const Error& e) {
            if (*ignore && e.kind() == Errc::NoSuchContainer) return;
            throw;
          }
          writeStdout(name + "\n");
        },
        engineExit);
  });
}

void defineKill(Cli& cli, const std::string& path) {
  CLI::App* app =
      cli.addCommand(path, "Kill one or more running containers with a specific signal", true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto signal = std::make_shared<std::string>("KILL");
  app->add_flag("-a,--all", *all, "Signal all running containers");
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  app->add_option("-s,--signal", *signal, "Signal to send to the container");
  cli.setRun(app, [&cli, all, latest, signal] {
    const int number = spec::parseSignal(*signal);
    auto names = targets(cli, *all, *latest, "kill");
    if (*all) {
      // Only the running ones: --all means "every running container".
      std::vector<std::string> running;
      for (const auto& c : cli.engine().listContainers(false, {}))
        running.push_back(c["Id"].get<std::string>());
      names = running;
    }
    return forEach(
        names,
        [&](const std::string& name) {
          cli.engine().killContainer(name, number);
          writeStdout(name + "\n");
        },
        engineExit);
  });
}

void defineRestart(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Restart one or more containers", true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<std::string>>();
  app->add_flag("-a,--all", *all, "Restart all non-running containers");
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  app->add_option("-t,--time", *time, "Seconds to wait for stop before killing the container");
  cli.setRun(app, [&cli, all, latest, time] {
    const auto timeout = timeoutFlag(*time);
    return forEach(
        targets(cli, *all, *latest, "restart"),
        [&](const std::string& name) {
          cli.engine().restartContainer(name, timeout);
          writeStdout(name + "\n");
        },
        engineExit);
  });
}

void defineRm(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Remove one or more containers", true);
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto ignore = std::make_shared<bool>(false);
  auto volumes = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<std::string>>();
  app->add_flag("-a,--all", *all, "Remove all containers");
  app->add_flag("-f,--force", *force, "Force removal of a running or unusable container");
  app->add_flag("-i,--ignore", *ignore, "Ignore errors when a specified container is missing");
  app->add_flag("-v,--volumes", *volumes, "Remove anonymous volumes associated with the container");
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  app->add_option("-t,--time", *time, "Seconds to wait for stop before killing the container");
  auto cidfiles = std::make_shared<std::vector<std::string>>();
  app->add_option("--cidfile", *cidfiles, "Read the container ID from the file")
      ->allow_extra_args(false);
  cli.setRun(app, [&cli, all, force, ignore, volumes, latest, time, cidfiles] {
    const auto timeout = timeoutFlag(*time);
    if (!cidfiles->empty() && (*all || *latest))
      throwError(Errc::InvalidArgument, "--all, --latest and --cidfile cannot be used together");
    return forEach(
        cidfiles->empty() ? targets(cli, *all, *latest, "remove")
                          : withCidfiles(cli.args(), *cidfiles, *ignore),
        [&](const std::string& name) {
          try {
            const std::string id = cli.engine().resolveContainer(name);
            cli.engine().removeContainer(id, *force, timeout, *volumes);
            writeStdout(id + "\n");
          } catch (const Error& e) {
            if (*ignore && e.kind() == Errc::NoSuchContainer) return;
            throw;
          }
        },
        [](const Error& e) {
          if (e.kind() == Errc::NoSuchContainer) return 1;
          return engineExit(e);
        });
  });
}

void defineWait(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Block on one or more containers", true);
  auto conditions = std::make_shared<std::vector<std::string>>();
  auto latest = std::make_shared<bool>(false);
  app->add_option("--condition", *conditions, "Condition to wait on")->allow_extra_args(false);
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  cli.setRun(app, [&cli, conditions, latest] {
    return forEach(
        targets(cli, false, *latest, "wait"),
        [&](const std::string& name) {
          const int code = cli.engine().waitContainer(name, *conditions);
          writeStdout(std::to_string(code) + "\n");
        },
        engineExit);
  });
}

void defineRename(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Rename an existing container", true);
  cli.setRun(app, [&cli] {
    const auto& args = cli.args();
    if (args.size() != 2)
      throwError(Errc::InvalidArgument, "accepts 2 arg(s), received {}", args.size());
    cli.engine().renameContainer(args[0], args[1]);
    return 0;
  });
}

void defineInspect(Cli& cli, const std::string& path, bool imagesToo) {
  CLI::App* app = cli.addCommand(path, "Display the configuration of a container", true);
  auto format = std::make_shared<std::string>();
  auto latest = std::make_shared<bool>(false);
  app->add_option("-f,--format", *format, "Format the output to a Go template or json");
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  cli.setRun(app, [&cli, format, latest, imagesToo] {
    const auto names = targets(cli, false, *latest, "inspect");
    Json found = Json::array();
    std::vector<std::string> errors;
    for (const auto& name : names) {
      try {
        found.push_back(cli.engine().inspectContainer(name));
      } catch (const Error& e) {
        if (e.kind() != Errc::NoSuchContainer) throw;
        if (imagesToo) {
          try {
            found.push_back(cli.engine().inspectImage(name));
            continue;
          } catch (const Error& imageError) {
            if (imageError.kind() != Errc::NoSuchImage) throw;
          }
          errors.push_back(fmt::format("no such object: \"{}\"", name));
        } else {
          errors.push_back(e.what());
        }
      }
    }
    // Podman's inspect data has a method State.Healthcheck() returning
    // State.Health: templates may use either name (the JSON has only Health).
    if (format->find("Healthcheck") != std::string::npos)
      for (auto& object : found)
        if (auto state = object.find("State"); state != object.end() && state->contains("Health"))
          (*state)["Healthcheck"] = (*state)["Health"];
    printInspectResults(found, errors, *format, 4, "", Errc::NoSuchContainer);
    return 0;
  });
}

}  // namespace

void defineAttach(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Attach to a running container", true);
  auto detachKeys = std::make_shared<std::string>(kDefaultDetachKeys);
  auto latest = std::make_shared<bool>(false);
  auto noStdin = std::make_shared<bool>(false);
  auto sigProxy = std::make_shared<bool>(true);
  app->add_option("--detach-keys", *detachKeys,
                  "Select the key sequence for detaching a container. Format is a single "
                  "character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _")
      ->default_str(std::string(kDefaultDetachKeys));
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  app->add_flag("--no-stdin", *noStdin, "Do not attach STDIN. The default is false");
  app->add_flag("--sig-proxy", *sigProxy, "Proxy received signals to the process");
  cli.setRun(app, [&cli, detachKeys, latest, noStdin, sigProxy] {
    const std::string keys = parseDetachKeys(*detachKeys);
    const auto names = targets(cli, false, *latest, "attach");
    if (names.size() > 1)
      throwError(Errc::InvalidArgument, "attach requires the name or id of one running container");
    engine::Engine::AttachRequest request;
    request.stdinFd = *noStdin ? -1 : 0;
    request.sigProxy = *sigProxy;
    request.detachKeys = keys;
    return cli.engine().attachContainer(names.front(), request);
  });
}

void addContainerCommands(Cli& cli) {
  cli.group("container", "Manage containers");
  for (const std::string prefix : {"", "container "}) {
    defineAttach(cli, prefix + "attach");
    defineStart(cli, prefix + "start");
    defineStop(cli, prefix + "stop");
    defineKill(cli, prefix + "kill");
    defineRestart(cli, prefix + "restart");
    defineRm(cli, prefix + "rm");
    defineWait(cli, prefix + "wait");
    defineRename(cli, prefix + "rename");
  }
  defineInspect(cli, "inspect", true);
  defineInspect(cli, "container inspect", false);

  CLI::App* exists =
      cli.addCommand("container exists", "Check if a container exists in local storage", true);
  cli.setRun(exists, [&cli] {
    if (cli.args().size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", cli.args().size());
    return cli.engine().containerExists(cli.args().front()) ? 0 : 1;
  });

  CLI::App* cleanup = cli.addCommand(
      "container cleanup", "Clean up network and mountpoints of one or more containers", true);
  auto cleanupAll = std::make_shared<bool>(false);
  cleanup->add_flag("-a,--all", *cleanupAll, "Cleans up all containers");
  cli.setRun(cleanup, [&cli, cleanupAll] {
    return forEach(
        targets(cli, *cleanupAll, false, "clean up"),
        [&](const std::string& name) { cli.engine().cleanupContainer(name); }, engineExit);
  });

  CLI::App* prune = cli.addCommand("container prune", "Remove all non running containers", false);
  auto force = std::make_shared<bool>(false);
  prune->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cli.setRun(prune, [&cli, force] {
    if (!*force && !confirmPrune("WARNING! This will remove all non running containers.\n"))
      return 0;
    const auto report = cli.engine().pruneContainers();
    std::string out;
    for (const auto& id : report.removed)
      out += id + "\n";
    writeStdout(out);
    for (const auto& error : report.errors)
      std::fprintf(stderr, "Error: %s\n", error.c_str());
    return report.errors.empty() ? 0 : kExitEngineError;
  });
}

}  // namespace berth::cli
