// SPDX-License-Identifier: Apache-2.0
// berth exec / container exec: run a process in a running container.
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/detach_keys.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct ExecFlags {
  bool detach = false;
  bool interactive = false;
  bool tty = false;
  bool latest = false;
  bool privileged = false;
  std::string detachKeys{kDefaultDetachKeys};
  std::vector<std::string> env;
  std::vector<std::string> envFiles;
  std::string user;
  std::string workdir;
  unsigned preserveFds = 0;
};

void defineExec(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Run a process in a running container", true);
  app->prefix_command();
  app->fallthrough(false);
  auto f = std::make_shared<ExecFlags>();
  app->add_flag("-d,--detach", f->detach, "Run the exec session in detached mode (backgrounded)");
  app->add_option("--detach-keys", f->detachKeys,
                  "Select the key sequence for detaching a container. Format is a single "
                  "character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _")
      ->default_str(std::string(kDefaultDetachKeys));
  app->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  app->add_option("--env-file", f->envFiles, "Read in a file of environment variables")
      ->allow_extra_args(false);
  app->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached");
  app->add_flag("-l,--latest", f->latest, "Act on the latest container berth is aware of");
  app->add_option("--preserve-fds", f->preserveFds,
                  "Pass N additional file descriptors to the container");
  app->add_flag("--privileged", f->privileged,
                "Give the process extended Linux capabilities inside the container.  The "
                "default is false");
  app->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY. The default is false");
  app->add_option("-u,--user", f->user,
                  "Sets the username or UID used and optionally the groupname or GID for the "
                  "specified command");
  app->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cli.setRun(app, [&cli, f] {
    std::vector<std::string> args = cli.args();
    if (!args.empty() && args.front().size() > 1 && args.front()[0] == '-')
      throwError(Errc::InvalidArgument, "unknown flag: {}",
                 args.front().substr(0, args.front().find('=')));
    const std::string detachKeys = parseDetachKeys(f->detachKeys);
    engine::Engine::ExecRequest request;
    if (f->latest) {
      request.container = cli.engine().latestContainer();
      if (request.container.empty()) throwError(Errc::NoSuchContainer, "no containers to exec in");
    } else {
      if (args.empty())
        throwError(Errc::InvalidArgument,
                   "exec requires the name or ID of a container or the --latest flag");
      request.container = args.front();
      args.erase(args.begin());
    }
    request.command = std::move(args);
    request.env = f->env;
    request.envFiles = f->envFiles;
    request.user = f->user;
    request.workdir = f->workdir;
    request.privileged = f->privileged;
    request.detach = f->detach;
    request.stdinFd = f->interactive ? 0 : -1;
    request.preserveFds = f->preserveFds;
    request.tty = f->tty;
    request.detachKeys = detachKeys;
    const auto report = cli.engine().execContainer(request);
    if (f->detach) writeStdout(report.sessionId + "\n");
    return report.exitCode;
  });
}

}  // namespace

void addExecCommand(Cli& cli) {
  defineExec(cli, "exec");
  defineExec(cli, "container exec");
}

}  // namespace berth::cli
