// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <iostream>

#include "../cli.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct LoginFlags {
  RegistryFlags registry;
  std::string username;
  std::string password;
  bool passwordStdin = false;
  bool getLogin = false;
  bool verbose = false;
};

void defineLogin(Cli& cli) {
  CLI::App* app = cli.addCommand("login", "Login to a container registry", true);
  auto flags = std::make_shared<LoginFlags>();
  addRegistryFlags(app, flags->registry, false, true, false);
  app->add_flag("--get-login", flags->getLogin, "Return the current login user for the registry");
  app->add_option("-p,--password", flags->password, "Password for registry");
  app->add_flag("--password-stdin", flags->passwordStdin, "Take the password from stdin");
  app->add_option("-u,--username", flags->username, "Username for registry");
  app->add_flag("-v,--verbose", flags->verbose, "Write more detailed information to stdout");
  cli.setRun(app, [&cli, flags] {
    const auto& args = cli.args();
    if (args.size() > 1)
      throwError(Errc::InvalidArgument, "accepts at most 1 arg(s), received {}", args.size());
    const std::string registry = args.empty() ? "" : args[0];
    if (flags->getLogin) {
      writeStdout(cli.engine().loginUser(registry, flags->registry.access.authFile) + "\n");
      return 0;
    }
    if (flags->passwordStdin && !flags->password.empty())
      throwError(Errc::InvalidArgument, "--password and --password-stdin are mutually exclusive");
    std::string password = flags->password;
    if (flags->passwordStdin) {
      if (flags->username.empty())
        throwError(Errc::InvalidArgument, "must provide --username with --password-stdin");
      std::string all;
      char buffer[4096];
      ssize_t n;
      while ((n = ::read(STDIN_FILENO, buffer, sizeof(buffer))) > 0)
        all.append(buffer, static_cast<std::size_t>(n));
      while (!all.empty() && (all.back() == '\n' || all.back() == '\r'))
        all.pop_back();
      password = all;
    }
    if (flags->username.empty() || password.empty())
      throwError(Errc::InvalidArgument,
                 "berth cannot prompt: give the username with -u and the password with -p or "
                 "--password-stdin");
    engine::Engine::LoginRequest request;
    request.registry = registry;
    request.username = flags->username;
    request.password = password;
    request.access = flags->registry.resolved();
    cli.engine().login(request);
    writeStdout("Login Succeeded!\n");
    return 0;
  });
}

void defineLogout(Cli& cli) {
  CLI::App* app = cli.addCommand("logout", "Logout of a container registry", true);
  auto authFile = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  app->add_flag("-a,--all", *all,
                "Remove the cached credentials for all registries in the auth file");
  app->add_option("--authfile", *authFile,
                  "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
                  "to override");
  cli.setRun(app, [&cli, authFile, all] {
    const auto& args = cli.args();
    if (args.size() > 1)
      throwError(Errc::InvalidArgument, "accepts at most 1 arg(s), received {}", args.size());
    if (*all) {
      cli.engine().logout("", *authFile, true);
      writeStdout("Removed login credentials for all registries\n");
      return 0;
    }
    if (args.empty()) throwError(Errc::InvalidArgument, "registry must be given");
    cli.engine().logout(args[0], *authFile, false);
    std::string key = args[0];
    for (std::string_view scheme : {"http://", "https://", "docker://"})
      if (key.rfind(scheme, 0) == 0) key = key.substr(scheme.size());
    writeStdout("Removed login credentials for " + key + "\n");
    return 0;
  });
}

}  // namespace

void addLoginCommands(Cli& cli) {
  defineLogin(cli);
  defineLogout(cli);
}

}  // namespace berth::cli
