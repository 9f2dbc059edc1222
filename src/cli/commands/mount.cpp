// SPDX-License-Identifier: Apache-2.0
// berth mount / unmount (umount), also under `container`: a container's
// root filesystem mounted for the user's own tools.
#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/report.hpp"
#include "berth/format/tabwriter.hpp"

namespace berth::cli {

namespace {

struct MountFlags {
  bool all = false;
  bool latest = false;
  bool noTrunc = false;
  std::string format;
  std::vector<std::string> arguments;
};

struct UnmountFlags {
  bool all = false;
  bool force = false;
  bool latest = false;
  std::vector<std::string> arguments;
};

int listMounts(Cli& cli, const MountFlags& flags) {
  const auto mounted = cli.engine().mountedContainers();
  if (format::isJsonFormat(flags.format)) {
    Json list = Json::array();
    for (const auto& m : mounted)
      list.push_back({{"id", m.id}, {"Names", m.names}, {"mountpoint", m.mountPoint}});
    writeStdout(format::renderJson(list, 1, format::JsonStyle::Go) + "\n");
    return 0;
  }
  if (!flags.format.empty())
    throwError(Errc::InvalidArgument, "unknown --format argument: \"{}\"", flags.format);
  format::TabWriter writer;
  for (const auto& m : mounted)
    writer.write((flags.noTrunc ? m.id : m.id.substr(0, 12)) + "\t" + m.mountPoint + "\n");
  writeStdout(writer.take());
  return 0;
}

void defineMount(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Mount a working container's root filesystem");
  auto flags = std::make_shared<MountFlags>();
  app->add_flag("-a,--all", flags->all, "Mount all containers");
  app->add_option("--format", flags->format,
                  "Print the mounted containers in specified format (json)");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  app->add_flag("--no-trunc,--notruncate", flags->noTrunc, "Do not truncate output");
  app->add_option("container", flags->arguments, "CONTAINER");
  cli.setRun(app, [&cli, flags] {
    std::vector<std::string> names = flags->arguments;
    if (flags->all) names = cli.engine().containerIds();
    if (flags->latest) {
      const std::string latest = cli.engine().latestContainer();
      if (latest.empty())
        throwError(Errc::NoSuchContainer, "no containers to mount: no such container");
      names.push_back(latest);
    }
    if (names.empty() && !flags->all) return listMounts(cli, *flags);
    std::string out;
    for (const auto& name : names) {
      const std::string mountPoint = cli.engine().mountContainer(name);
      out += names.size() == 1 && !flags->all ? mountPoint + "\n" : name + " " + mountPoint + "\n";
    }
    writeStdout(out);
    return 0;
  });
}

void defineUnmount(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Unmount working container's root filesystem");
  auto flags = std::make_shared<UnmountFlags>();
  app->add_flag("-a,--all", flags->all, "Unmount all of the currently mounted containers");
  app->add_flag("-f,--force", flags->force,
                "Force the complete unmount of the specified mounted containers");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  app->add_option("container", flags->arguments, "CONTAINER");
  cli.setRun(app, [&cli, flags] {
    std::vector<std::string> names = flags->arguments;
    if (flags->all) {
      names.clear();
      for (const auto& m : cli.engine().mountedContainers())
        names.push_back(m.id);
    } else if (flags->latest) {
      const std::string latest = cli.engine().latestContainer();
      if (latest.empty())
        throwError(Errc::NoSuchContainer, "no containers to unmount: no such container");
      names.push_back(latest);
    } else if (names.empty()) {
      throwError(Errc::InvalidArgument, "you must provide at least one name or ID");
    }
    std::string out;
    for (const auto& name : names) {
      cli.engine().unmountContainer(name, flags->force || flags->all);
      out += name + "\n";
    }
    writeStdout(out);
    return 0;
  });
}

}  // namespace

void addMountCommands(Cli& cli) {
  defineMount(cli, "mount");
  defineMount(cli, "container mount");
  defineUnmount(cli, "unmount");
  defineUnmount(cli, "umount");
  defineUnmount(cli, "container unmount");
  defineUnmount(cli, "container umount");
}

}  // namespace berth::cli
