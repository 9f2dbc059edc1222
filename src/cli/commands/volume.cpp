// SPDX-License-Identifier: Apache-2.0
// berth volume create, ls, inspect, rm, prune, exists, export, import.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"

namespace berth::cli {

namespace {

// The template view of one volume: CreatedAt as Go prints a time.Time.
Json volumeView(const Json& volume) {
  Json view = volume;
  const auto created = format::parseRfc3339(volume.value("CreatedAt", "")).value_or(0);
  view["CreatedAt"] = format::formatGoTime(created);
  for (const char* key : {"UID", "GID", "MountCount"})
    if (!view.contains(key)) view[key] = 0;
  for (const char* key : {"Anonymous", "NeedsCopyUp", "NeedsChown"})
    if (!view.contains(key)) view[key] = false;
  return view;
}

void requireArgs(const std::vector<std::string>& args, std::size_t n) {
  if (args.size() != n)
    throwError(Errc::InvalidArgument, "accepts {} arg(s), received {}", n, args.size());
}

std::uint32_t parseIdFlag(const std::string& value, std::string_view flag) {
  std::uint32_t id = 0;
  bool ok = !value.empty() && value.size() <= 10;
  for (char c : value)
    ok = ok && c >= '0' && c <= '9';
  if (ok) {
    const auto wide = std::stoull(value);
    ok = wide <= 0xffffffffULL;
    id = static_cast<std::uint32_t>(wide);
  }
  if (!ok)
    throwError(Errc::InvalidArgument,
               "invalid argument \"{}\" for \"{}\" flag: strconv.ParseUint: parsing \"{}\": "
               "invalid syntax",
               value, flag, value);
  return id;
}

void defineCreate(Cli& cli) {
  CLI::App* app = cli.addCommand("volume create", "Create a new volume", true);
  auto driver = std::make_shared<std::string>();
  auto labels = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<std::vector<std::string>>();
  auto uid = std::make_shared<std::string>();
  auto gid = std::make_shared<std::string>();
  auto ignore = std::make_shared<bool>(false);
  app->add_option("-d,--driver", *driver, "Specify volume driver name");
  app->add_option("-l,--label", *labels, "Set metadata for a volume (e.g., --label mykey=value)")
      ->allow_extra_args(false);
  app->add_option("-o,--opt", *options, "Set driver specific options")->allow_extra_args(false);
  app->add_option("--uid", *uid, "Set the UID of the volume owner");
  app->add_option("--gid", *gid, "Set the GID of the volume owner");
  app->add_flag("--ignore", *ignore, "Don't fail if volume already exists");
  cli.setRun(app, [&cli, driver, labels, options, uid, gid, ignore] {
    const auto& args = cli.args();
    if (args.size() > 1)
      throwError(Errc::InvalidArgument, "too many arguments, create takes at most 1 argument");
    engine::Engine::VolumeCreateRequest request;
    request.name = args.empty() ? "" : args.front();
    request.driver = *driver;
    request.labels = *labels;
    request.options = *options;
    if (!uid->empty()) request.uid = parseIdFlag(*uid, "--uid");
    if (!gid->empty()) request.gid = parseIdFlag(*gid, "--gid");
    request.ignore = *ignore;
    writeStdout(cli.engine().createVolume(request) + "\n");
    return 0;
  });
}

format::FieldTable<Json> volumeFields() {
  format::FieldTable<Json> table;
  for (const char* key : {"Name", "Driver", "Mountpoint", "CreatedAt", "Labels", "Scope", "Options",
                          "UID", "GID", "Anonymous", "MountCount", "NeedsCopyUp", "NeedsChown"}) {
    const std::string name = key;
    table.add(
        name, [name](const Json& v) { return v.value(name, Json()); },
        name == "Name" ? "VOLUME NAME" : "");
  }
  return table;
}

void defineLs(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "List volumes", false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto noHeading = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  app->add_option("-f,--filter", *filters, "Filter volume output")->allow_extra_args(false);
  app->add_option("--format", *format, "Format volume output using Go template");
  app->add_flag("-n,--noheading", *noHeading, "Do not print headers");
  app->add_flag("-q,--quiet", *quiet, "Print volume output in quiet mode");
  cli.setRun(app, [&cli, filters, format, noHeading, quiet] {
    const Json volumes = cli.engine().listVolumes(*filters);
    if (format::isJsonFormat(*format)) {
      writeStdout(format::renderJson(volumes, 2, format::JsonStyle::Jsoniter) + "\n");
      return 0;
    }
    // Podman prints nothing at all, not even the header, for no volumes.
    if (volumes.empty()) return 0;
    std::vector<Json> rows;
    for (const auto& v : volumes)
      rows.push_back(volumeView(v));
    format::ReportOptions options;
    options.format = *quiet ? "{{.Name}}" : *format;
    options.noHeading = *noHeading;
    options.name = "volume ls";
    writeStdout(
        format::renderReport(volumeFields(), rows, options, "table {{.Driver}}\t{{.Name}}"));
    return 0;
  });
}

void defineInspect(Cli& cli) {
  CLI::App* app =
      cli.addCommand("volume inspect", "Display detailed information on one or more volumes", true);
  auto format = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  app->add_option("-f,--format", *format, "Format volume output using JSON or a Go template");
  app->add_flag("-a,--all", *all, "Inspect all volumes");
  cli.setRun(app, [&cli, format, all] {
    const std::vector<std::string> names = cli.args();
    if (*all && !names.empty())
      throwError(Errc::InvalidArgument,
                 "when using the --all switch, you may not pass any volume names");
    if (!*all && names.empty())
      throwError(Errc::InvalidArgument, "provide one or more volume names or use --all");
    Json found = Json::array();
    std::vector<std::string> errors;
    if (*all) {
      found = cli.engine().listVolumes({});
    } else {
      for (const auto& name : names) {
        try {
          found.push_back(cli.engine().inspectVolume(name));
        } catch (const Error& e) {
          if (e.kind() != Errc::NoSuchObject) throw;
          errors.push_back("no such volume " + name);
        }
      }
    }
    if (!format->empty() && !format::isJsonFormat(*format)) {
      Json views = Json::array();
      for (const auto& v : found)
        views.push_back(volumeView(v));
      found = views;
    }
    printInspectResults(found, errors, *format, 5, "inspecting object: ", Errc::NoSuchObject);
    return 0;
  });
}

void defineRm(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Remove one or more volumes", true);
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<unsigned>>();
  app->add_flag("-a,--all", *all, "Remove all volumes");
  app->add_flag("-f,--force", *force,
                "Remove a volume by force, even if it is being used by a container");
  app->add_option("-t,--time", *time,
                  "Seconds to wait for running containers to stop before killing the container");
  cli.setRun(app, [&cli, all, force, time] {
    const auto report = cli.engine().removeVolumes(cli.args(), *force, *all, *time);
    std::string out;
    for (const auto& name : report.removed)
      out += name + "\n";
    writeStdout(out);
    if (report.errors.empty()) return 0;
    for (std::size_t i = 0; i + 1 < report.errors.size(); ++i)
      std::fprintf(stderr, "Error: %s\n", report.errors[i].c_str());
    throw ExitCodeError(Errc::InvalidState, report.errors.back(), report.exitCode);
  });
}

void definePrune(Cli& cli) {
  CLI::App* app = cli.addCommand("volume prune", "Remove all unused volumes", false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  app->add_option("--filter", *filters, "Provide filter values (e.g. 'label=<key>=<value>')")
      ->allow_extra_args(false);
  app->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cli.setRun(app, [&cli, filters, force] {
    if (!*force && !confirmPrune("WARNING! This will remove all volumes not used by at least "
                                 "one container.\n"))
      return 0;
    std::string out;
    for (const auto& name : cli.engine().pruneVolumes(*filters))
      out += name + "\n";
    writeStdout(out);
    return 0;
  });
}

void defineExists(Cli& cli) {
  CLI::App* app = cli.addCommand("volume exists", "Check if volume exists", true);
  cli.setRun(app, [&cli] {
    requireArgs(cli.args(), 1);
    return cli.engine().volumeExists(cli.args().front()) ? 0 : 1;
  });
}

void defineExport(Cli& cli) {
  CLI::App* app = cli.addCommand("volume export", "Export volumes", true);
  auto output = std::make_shared<std::string>();
  app->add_option("-o,--output", *output,
                  "Write to a specified file (default: stdout, which must be redirected)");
  cli.setRun(app, [&cli, output] {
    requireArgs(cli.args(), 1);
    if (output->empty() && ::isatty(STDOUT_FILENO))
      throwError(Errc::InvalidArgument,
                 "cannot write to terminal, use command-line redirection or the --output flag");
    cli.engine().exportVolume(cli.args().front(), *output);
    return 0;
  });
}

void defineImport(Cli& cli) {
  CLI::App* app = cli.addCommand("volume import", "Import a tarball contents into a volume", true);
  cli.setRun(app, [&cli] {
    requireArgs(cli.args(), 2);
    cli.engine().importVolume(cli.args()[0], cli.args()[1]);
    return 0;
  });
}

}  // namespace

void addVolumeCommands(Cli& cli) {
  cli.group("volume", "Manage volumes");
  defineCreate(cli);
  defineLs(cli, "volume ls");
  defineInspect(cli);
  defineRm(cli, "volume rm");
  definePrune(cli);
  defineExists(cli);
  defineExport(cli);
  defineImport(cli);
}

}  // namespace berth::cli
