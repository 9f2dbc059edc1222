// SPDX-License-Identifier: Apache-2.0
// berth generate systemd: units for a container.
#include <unistd.h>

#include <map>
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/engine/systemd.hpp"
#include "berth/spec/parse.hpp"

namespace berth::cli {

namespace {

struct SystemdFlags {
  systemd::GenerateOptions options;
  bool files = false;
  std::string format;
  std::string restartPolicy = "on-failure";
  std::string restartSec;
  std::string startTimeout;
  std::string stopTimeout;
  std::string time;
  bool newContainer = false;
};

unsigned parseUint(const std::string& value, const char* flag) {
  return static_cast<unsigned>(spec::parseUintFlag(value, flag));
}

int generateSystemd(Cli& cli, CLI::App* app, SystemdFlags& f) {
  const auto& args = cli.args();
  if (args.size() != 1)
    throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", args.size());
  systemd::GenerateOptions options = f.options;
  const bool newChanged = app->count("--new") > 0;
  options.newContainer = f.newContainer;
  if (newChanged && !f.newContainer && options.templateUnit)
    throwError(Errc::InvalidArgument, "--template cannot be set with --new=false");
  if (options.templateUnit) options.newContainer = true;
  if (app->count("--restart-policy") > 0) {
    systemd::validateRestartPolicy(f.restartPolicy);
    options.restartPolicy = f.restartPolicy;
  }
  if (app->count("--restart-sec") > 0)
    options.restartSec = parseUint(f.restartSec, "--restart-sec");
  if (app->count("--start-timeout") > 0)
    options.startTimeout = parseUint(f.startTimeout, "--start-timeout");
  const bool stopSet = app->count("--stop-timeout") > 0;
  const bool timeSet = app->count("--time") > 0;
  if (stopSet && timeSet)
    throwError(Errc::InvalidArgument,
               "stop-timeout and time are redundant and cannot be used "
               "together");
  if (stopSet) options.stopTimeout = parseUint(f.stopTimeout, "--stop-timeout");
  if (timeSet) options.stopTimeout = parseUint(f.time, "--time");
  if (!f.format.empty() && f.format != "json")
    throwError(Errc::InvalidArgument, "unknown --format argument: {}", f.format);

  const auto units = engine::generateSystemd(cli.engine(), args.front(), options);
  // Podman prints the units of a map: by name.
  std::map<std::string, std::string> shown;
  if (f.files) {
    char cwd[4096] = {};
    if (::getcwd(cwd, sizeof(cwd) - 1) == nullptr)
      throwErrno("error getting current working directory");
    const auto paths = engine::writeUnitFiles(units, cwd);
    for (std::size_t i = 0; i < units.size(); ++i)
      shown[units[i].name] = paths[i] + (f.format.empty() ? "\n" : "");
  } else {
    for (const auto& unit : units)
      shown[unit.name] = unit.content;
  }
  if (f.format == "json") {
    writeStdout(Json(shown).dump(1) + "\n");
    return 0;
  }
  std::string out;
  for (const auto& [name, text] : shown)
    out += text;
  writeStdout(out);
  return 0;
}

}  // namespace

void addGenerateSystemdCommand(Cli& cli) {
  cli.group("generate", "Generate structured data based on containers, pods or volumes");
  CLI::App* app = cli.addCommand("generate systemd", "Generate systemd units.", true);
  auto f = std::make_shared<SystemdFlags>();
  app->add_flag("-n,--name", f->options.useName, "Use container/pod names instead of IDs");
  app->add_flag("-f,--files", f->files, "Generate .service files instead of printing to stdout");
  app->add_flag("--template", f->options.templateUnit,
                "Make it a template file and use %i and %I specifiers. Working only for "
                "containers");
  app->add_option("--start-timeout", f->startTimeout, "Start timeout override");
  app->add_option("--stop-timeout", f->stopTimeout, "Stop timeout override")->default_str("10");
  app->add_option("-t,--time", f->time, "Backwards alias for --stop-timeout")->group("");
  app->add_flag("--new", f->newContainer,
                "Create a new container or pod instead of starting an existing one");
  app->add_flag("--no-header", f->options.noHeader, "Skip header generation");
  app->add_option("--container-prefix", f->options.containerPrefix,
                  "Systemd unit name prefix for containers")
      ->capture_default_str();
  app->add_option("--pod-prefix", f->options.podPrefix, "Systemd unit name prefix for pods")
      ->capture_default_str();
  app->add_option("--separator", f->options.separator,
                  "Systemd unit name separator between name/id and prefix")
      ->capture_default_str();
  app->add_option("--restart-policy", f->restartPolicy, "Systemd restart-policy")
      ->capture_default_str();
  app->add_option("--restart-sec", f->restartSec, "Systemd restart-sec");
  app->add_option("--format", f->format, "Print the created units in specified format (json)");
  app->add_option("--wants", f->options.wants,
                  "Add (weak) requirement dependencies to the generated unit file")
      ->allow_extra_args(false);
  app->add_option("--after", f->options.after, "Add dependencies order to the generated unit file")
      ->allow_extra_args(false);
  app->add_option("--requires", f->options.requires_,
                  "Similar to wants, but declares stronger requirement dependencies")
      ->allow_extra_args(false);
  app->add_option("-e,--env", f->options.environment,
                  "Set environment variables to the systemd unit files")
      ->allow_extra_args(false);
  cli.setRun(app, [&cli, app, f] { return generateSystemd(cli, app, *f); });

  CLI::App* quadlet = cli.addCommand(
      "generate quadlet",
      "Generate a Quadlet file for berth-quadlet(1) from a container, pod, volume or network",
      true);
  cli.setRun(quadlet, [&cli] {
    if (cli.args().size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", cli.args().size());
    const systemd::Unit file = engine::generateQuadlet(cli.engine(), cli.args().front());
    writeStdout("# " + file.name + "\n" + file.content);
    return 0;
  });
}

}  // namespace berth::cli
