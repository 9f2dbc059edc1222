// SPDX-License-Identifier: Apache-2.0
// berth pod create, ps, inspect, start, stop, restart, kill, pause,
// unpause, rm, prune, exists, top, logs.
#include <unistd.h>

#include <cstdio>

#include "../cli.hpp"
#include "../log_printer.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"
#include "berth/format/report.hpp"
#include "berth/format/tabwriter.hpp"
#include "berth/spec/parse.hpp"
#include "berth/spec/ports.hpp"

namespace berth::cli {

namespace {

constexpr int kExitEngineError = 125;

std::string absolutePath(const std::string& path) {
  if (path.starts_with("/")) return path;
  char cwd[4096] = {};
  if (::getcwd(cwd, sizeof(cwd) - 1) == nullptr)
    throwErrno("error getting current working directory");
  return std::string(cwd) + "/" + path;
}

// The pod ids --pod-id-file names (systemd units pass them); a missing
// file is skipped with `ignore`, an error otherwise.
std::vector<std::string> readPodIdFiles(const std::vector<std::string>& files, bool ignore) {
  std::vector<std::string> ids;
  for (const auto& file : files) {
    std::optional<std::string> text;
    try {
      text = readFileIfExists(file);
    } catch (const Error& e) {
      throwError(Errc::InvalidArgument, "reading pod ID file {}: {}", file, e.message());
    }
    if (!text) {
      if (ignore) continue;
      throwError(Errc::InvalidArgument,
                 "reading pod ID file {}: open {}: no such file or directory", file, file);
    }
    std::string id = *text;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' '))
      id.pop_back();
    if (id.empty()) throwError(Errc::InvalidArgument, "pod ID file {} is empty", file);
    ids.push_back(id);
  }
  return ids;
}

std::vector<std::string> podTargets(Cli& cli, bool all, bool latest,
                                    const std::vector<std::string>& podIdFiles = {},
                                    bool ignore = false) {
  std::vector<std::string> names = cli.args();
  if (!podIdFiles.empty()) {
    if (all || latest || !names.empty())
      throwError(Errc::InvalidArgument,
                 "--all, --latest, --pod-id-file and pods cannot be used together");
    return readPodIdFiles(podIdFiles, ignore);
  }
  if ((all || latest) && !names.empty())
    throwError(Errc::InvalidArgument, "--all, --latest and pods cannot be used together");
  if (all) return cli.engine().podIds();
  if (latest) {
    const Json pods = cli.engine().listPods({});
    if (pods.empty()) throwError(Errc::NoSuchObject, "no pods to act on");
    return {pods.front()["Id"].get<std::string>()};
  }
  if (names.empty()) throwError(Errc::InvalidArgument, "you must provide at least one name or id");
  return names;
}

// Runs `action` per pod; prints the pod's id, or its errors ("Error: ...")
// and exits 125 at the end.
int forEachPod(const std::vector<std::string>& names,
               const std::function<engine::Engine::PodReport(const std::string&)>& action) {
  int code = 0;
  for (const auto& name : names) {
    try {
      const auto report = action(name);
      if (report.errors.empty()) {
        writeStdout(report.id + "\n");
        continue;
      }
      for (const auto& e : report.errors)
        std::fprintf(stderr, "Error: %s\n", e.c_str());
      code = kExitEngineError;
    } catch (const Error& e) {
      std::fprintf(stderr, "Error: %s\n", e.what());
      code = kExitEngineError;
    }
  }
  return code;
}

std::optional<unsigned> timeoutFlag(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return static_cast<unsigned>(spec::parseUintFlag(*value, "--time"));
}

void defineCreate(Cli& cli) {
  CLI::App* app = cli.addCommand("pod create", "Create a new empty pod", true);
  struct Flags {
    std::string name;
    std::vector<std::string> publish;
    std::string share = "ipc,net,uts";
    bool infra = true;
    bool noInfra = false;
    std::string infraName;
    std::string hostname;
    std::vector<std::string> labels;
    std::vector<std::string> network;
    std::string exitPolicy = "continue";
    std::vector<std::string> dns;
    std::vector<std::string> addHosts;
    std::string podIdFile;
    std::string infraConmonPidfile;
    bool replace = false;
    std::string userns;
  };
  auto f = std::make_shared<Flags>();
  app->add_option("-n,--name", f->name, "Assign a name to the pod");
  app->add_option("-p,--publish", f->publish,
                  "Publish a container's port, or a range of ports, "
                  "to the host")
      ->allow_extra_args(false);
  app->add_option("--share", f->share,
                  "A comma delimited list of kernel namespaces the pod will share");
  app->add_option("--infra", f->infra,
                  "Create an infra container associated with the pod to "
                  "share namespaces with");
  app->add_flag("--no-infra", f->noInfra, "Do not create an infra container");
  app->add_option("--infra-name", f->infraName, "The name used as infra container name");
  app->add_option("--hostname", f->hostname, "Set container hostname");
  app->add_option("-l,--label", f->labels, "Set metadata on pod (default [])")
      ->allow_extra_args(false);
  app->add_option("--network,--net", f->network, "Connect the pod to a network")
      ->allow_extra_args(false);
  app->add_option("--exit-policy", f->exitPolicy,
                  "Behaviour when the last container exits (continue or stop)");
  app->add_option("--dns", f->dns, "Set custom DNS servers")->allow_extra_args(false);
  app->add_option("--add-host", f->addHosts, "Add a custom host-to-IP mapping (host:ip)")
      ->allow_extra_args(false);
  app->add_option("--pod-id-file", f->podIdFile, "Write the pod ID to the file");
  app->add_option("--infra-conmon-pidfile", f->infraConmonPidfile,
                  "Path to the file that will receive the PID of the infra container's "
                  "monitor");
  app->add_flag("--replace", f->replace, "If a pod with the same name exists, replace it");
  app->add_option("--userns", f->userns, "User namespace to use (host)");
  cli.setRun(app, [&cli, f] {
    if (cli.args().size() > 1)
      throwError(Errc::InvalidArgument, "too many arguments: pod create takes at most 1 (a name)");
    engine::Engine::PodCreateRequest request;
    request.name = f->name;
    if (!cli.args().empty()) {
      if (!f->name.empty() && f->name != cli.args().front())
        throwError(Errc::InvalidArgument, "cannot specify --name and a name argument");
      request.name = cli.args().front();
    }
    for (int i = 0; i < cli.argc(); ++i)
      request.commandLine.push_back(cli.argv()[i]);
    if (!request.commandLine.empty()) request.commandLine.front() = "berth";
    for (const auto& p : f->publish)
      for (auto& mapping : spec::parsePublish(p))
        request.ports.push_back(std::move(mapping));
    request.share = f->share;
    request.infra = f->infra && !f->noInfra;
    request.infraName = f->infraName;
    request.hostname = f->hostname;
    for (const auto& l : f->labels)
      spec::parseKeyValue(l, "label", request.labels);
    if (!f->network.empty()) request.network = spec::parseNetworkModes(f->network, "", "", {});
    request.exitPolicy = f->exitPolicy;
    request.replace = f->replace;
    request.userns = f->userns;
    if (!f->infraConmonPidfile.empty())
      request.infraConmonPidFile = absolutePath(f->infraConmonPidfile);
    for (const auto& d : f->dns)
      request.dns.push_back(spec::parseDnsServer(d));
    for (const auto& h : f->addHosts)
      request.addHosts.push_back(spec::parseAddHost(h));
    const std::string id = cli.engine().createPod(request);
    if (!f->podIdFile.empty()) {
      std::FILE* file = std::fopen(f->podIdFile.c_str(), "w");
      if (file != nullptr) {
        std::fputs(id.c_str(), file);
        std::fclose(file);
      }
    }
    writeStdout(id + "\n");
    return 0;
  });
}

// The template view of one pod (Podman's ListPodReporter).
struct PodRow {
  Json pod;
  bool noTrunc = false;
  std::int64_t now = 0;
};

format::FieldTable<PodRow> podFields() {
  format::FieldTable<PodRow> table;
  const auto id = [](const PodRow& r, const char* key) {
    std::string value = r.pod.value(key, "");
    return r.noTrunc ? value : value.substr(0, 12);
  };
  table.add(
      "ID", [id](const PodRow& r) { return Json(id(r, "Id")); }, "POD ID");
  table.add(
      "Name", [](const PodRow& r) { return r.pod["Name"]; }, "NAME");
  table.add(
      "Status", [](const PodRow& r) { return r.pod["Status"]; }, "STATUS");
  table.add(
      "Created",
      [](const PodRow& r) {
        const auto created = format::parseRfc3339(r.pod.value("Created", "")).value_or(0);
        return Json(format::timeAgo(created, r.now));
      },
      "CREATED");
  table.add(
      "InfraID", [id](const PodRow& r) { return Json(id(r, "InfraId")); }, "INFRA ID");
  table.add(
      "NumberOfContainers", [](const PodRow& r) { return Json(r.pod["Containers"].size()); },
      "# OF CONTAINERS");
  table.add(
      "Labels", [](const PodRow& r) { return r.pod["Labels"]; }, "LABELS");
  table.add(
      "Networks",
      [](const PodRow& r) {
        std::string out;
        for (const auto& n : r.pod.value("Networks", Json::array()))
          out += (out.empty() ? "" : ",") + n.get<std::string>();
        return Json(out);
      },
      "NETWORKS");
  table.add(
      "Cgroup", [](const PodRow& r) { return r.pod["Cgroup"]; }, "CGROUP");
  table.add(
      "ContainerNames",
      [](const PodRow& r) {
        std::string out;
        for (const auto& c : r.pod["Containers"])
          out += (out.empty() ? "" : ",") + c.value("Names", "");
        return Json(out);
      },
      "NAMES");
  table.add(
      "ContainerIds",
      [](const PodRow& r) {
        std::string out;
        for (const auto& c : r.pod["Containers"]) {
          const std::string cid = c.value("Id", "");
          out += (out.empty() ? "" : ",") + (r.noTrunc ? cid : cid.substr(0, 12));
        }
        return Json(out);
      },
      "IDS");
  table.add(
      "ContainerStatuses",
      [](const PodRow& r) {
        std::string out;
        for (const auto& c : r.pod["Containers"])
          out += (out.empty() ? "" : ",") + c.value("Status", "");
        return Json(out);
      },
      "STATUS");
  return table;
}

void definePs(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "List pods", false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto noHeading = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  auto noTrunc = std::make_shared<bool>(false);
  auto ctrNames = std::make_shared<bool>(false);
  auto ctrIds = std::make_shared<bool>(false);
  auto ctrStatus = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  app->add_option("-f,--filter", *filters, "Filter output based on conditions given")
      ->allow_extra_args(false);
  app->add_option("--format", *format, "Pretty-print pods to JSON or using a Go template");
  app->add_flag("--noheading", *noHeading, "Do not print headers");
  app->add_flag("-q,--quiet", *quiet, "Print the numeric IDs of the pods only");
  app->add_flag("--no-trunc", *noTrunc, "Do not truncate pod and container IDs");
  app->add_flag("--ctr-names", *ctrNames, "Display the container names");
  app->add_flag("--ctr-ids", *ctrIds,
                "Display the container UUIDs. If no-trunc is not set they "
                "will be truncated");
  app->add_flag("--ctr-status", *ctrStatus, "Display the container status");
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  cli.setRun(app, [&cli, filters, format, noHeading, quiet, noTrunc, ctrNames, ctrIds, ctrStatus,
                   latest] {
    Json pods = cli.engine().listPods(*filters);
    if (*latest && pods.size() > 1) pods = Json::array({pods.front()});
    if (format::isJsonFormat(*format)) {
      writeStdout(format::renderJson(pods, 2, format::JsonStyle::Jsoniter) + "\n");
      return 0;
    }
    std::vector<PodRow> rows;
    const std::int64_t now = format::nowNs();
    for (const auto& p : pods)
      rows.push_back({p, *noTrunc, now});
    std::string defaultFormat = "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}";
    if (*ctrIds) defaultFormat += "\t{{.ContainerIds}}";
    if (*ctrNames) defaultFormat += "\t{{.ContainerNames}}";
    if (*ctrStatus) defaultFormat += "\t{{.ContainerStatuses}}";
    if (!*ctrIds && !*ctrNames && !*ctrStatus) defaultFormat += "\t{{.NumberOfContainers}}";
    format::ReportOptions options;
    options.format = *quiet ? "{{.ID}}" : *format;
    options.noHeading = *noHeading;
    options.name = "pod ps";
    writeStdout(format::renderReport(podFields(), rows, options, defaultFormat));
    return 0;
  });
}

void defineInspect(Cli& cli) {
  CLI::App* app = cli.addCommand("pod inspect", "Displays a pod configuration", true);
  auto format = std::make_shared<std::string>();
  auto latest = std::make_shared<bool>(false);
  app->add_option("-f,--format", *format, "Format the output to a Go template or json");
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  cli.setRun(app, [&cli, format, latest] {
    const auto names = podTargets(cli, false, *latest);
    if (names.size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", names.size());
    const Json pod = cli.engine().inspectPod(names.front());
    printObjectReport(
        pod, pod, *format,
        [](const Json& report) {
          return format::renderJson(report, 5, format::JsonStyle::Go) + "\n";
        },
        JsonLayout{5, format::JsonStyle::Go});
    return 0;
  });
}

void defineSimple(Cli& cli, const std::string& verb, const std::string& description,
                  const std::function<engine::Engine::PodReport(Cli&, const std::string&)>& run) {
  CLI::App* app = cli.addCommand("pod " + verb, description, true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto idFiles = std::make_shared<std::vector<std::string>>();
  app->add_flag("-a,--all", *all, verb + " all pods");
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  if (verb == "start")
    app->add_option("--pod-id-file", *idFiles, "Read the pod ID from the file")
        ->allow_extra_args(false);
  cli.setRun(app, [&cli, all, latest, idFiles, run] {
    return forEachPod(podTargets(cli, *all, *latest, *idFiles),
                      [&](const std::string& name) { return run(cli, name); });
  });
}

void defineStop(Cli& cli) {
  CLI::App* app = cli.addCommand("pod stop", "Stop one or more pods", true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto ignore = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<std::string>>();
  app->add_flag("-a,--all", *all, "Stop all running pods");
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  app->add_flag("-i,--ignore", *ignore, "Ignore errors when a specified pod is missing");
  app->add_option("-t,--time", *time, "Seconds to wait for pod stop before killing the container");
  auto idFiles = std::make_shared<std::vector<std::string>>();
  app->add_option("--pod-id-file", *idFiles, "Read the pod ID from the file")
      ->allow_extra_args(false);
  cli.setRun(app, [&cli, all, latest, ignore, time, idFiles] {
    const auto timeout = timeoutFlag(*time);
    return forEachPod(podTargets(cli, *all, *latest, *idFiles, *ignore),
                      [&](const std::string& name) {
                        try {
                          return cli.engine().stopPod(name, timeout);
                        } catch (const Error& e) {
                          if (*ignore && e.kind() == Errc::NoSuchObject)
                            return engine::Engine::PodReport{name, {}};
                          throw;
                        }
                      });
  });
}

void defineKill(Cli& cli) {
  CLI::App* app = cli.addCommand("pod kill",
                                 "Send the specified signal or SIGKILL to containers "
                                 "in pod",
                                 true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto signal = std::make_shared<std::string>("KILL");
  app->add_flag("-a,--all", *all, "Kill all containers in all pods");
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  app->add_option("-s,--signal", *signal, "Signal to send to the containers in the pod");
  cli.setRun(app, [&cli, all, latest, signal] {
    const int number = spec::parseSignal(*signal);
    return forEachPod(podTargets(cli, *all, *latest),
                      [&](const std::string& name) { return cli.engine().killPod(name, number); });
  });
}

void defineRm(Cli& cli) {
  CLI::App* app = cli.addCommand("pod rm", "Remove one or more pods", true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto ignore = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<std::string>>();
  app->add_flag("-a,--all", *all, "Remove all running pods");
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  app->add_flag("-f,--force", *force,
                "Force removal of a running pod by first stopping all containers, then removing "
                "all containers in the pod");
  app->add_flag("-i,--ignore", *ignore, "Ignore errors when a specified pod is missing");
  app->add_option("-t,--time", *time, "Seconds to wait for pod stop before killing the container");
  auto idFiles = std::make_shared<std::vector<std::string>>();
  app->add_option("--pod-id-file", *idFiles, "Read the pod ID from the file")
      ->allow_extra_args(false);
  cli.setRun(app, [&cli, all, latest, force, ignore, time, idFiles] {
    const auto timeout = timeoutFlag(*time);
    std::vector<std::string> names = podTargets(cli, *all, *latest, *idFiles, *ignore);
    int code = 0;
    for (const auto& name : names) {
      try {
        const auto report = cli.engine().removePod(name, *force, timeout);
        if (report.errors.empty()) {
          writeStdout(report.id + "\n");
          continue;
        }
        for (const auto& e : report.errors)
          std::fprintf(stderr, "Error: %s\n", e.c_str());
        code = kExitEngineError;
      } catch (const Error& e) {
        if (*ignore && e.kind() == Errc::NoSuchObject) continue;
        std::fprintf(stderr, "Error: %s\n", e.what());
        // Podman: 1 for an unknown pod, 2 for one that needs --force.
        code = e.kind() == Errc::NoSuchObject   ? 1
               : e.kind() == Errc::InvalidState ? 2
                                                : kExitEngineError;
      }
    }
    return code;
  });
}

void definePrune(Cli& cli) {
  CLI::App* app =
      cli.addCommand("pod prune", "Remove all stopped pods and their containers", false);
  auto force = std::make_shared<bool>(false);
  app->add_flag("-f,--force", *force, "Do not prompt for confirmation.  The default is false");
  cli.setRun(app, [&cli, force] {
    if (!*force && !confirmPrune("WARNING! This will remove all stopped/exited pods..\n")) return 0;
    std::string out;
    for (const auto& id : cli.engine().prunePods())
      out += id + "\n";
    writeStdout(out);
    return 0;
  });
}

void defineExists(Cli& cli) {
  CLI::App* app = cli.addCommand("pod exists", "Check if a pod exists in local storage", true);
  cli.setRun(app, [&cli] {
    if (cli.args().size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", cli.args().size());
    return cli.engine().podExists(cli.args().front()) ? 0 : 1;
  });
}

void defineTop(Cli& cli) {
  CLI::App* app =
      cli.addCommand("pod top", "Display the running processes of containers in a pod", true);
  auto latest = std::make_shared<bool>(false);
  app->add_flag("-l,--latest", *latest, "Act on the latest pod berth is aware of");
  cli.setRun(app, [&cli, latest] {
    std::vector<std::string> args = cli.args();
    std::string pod;
    if (*latest) {
      pod = podTargets(cli, false, true).front();
    } else {
      if (args.empty())
        throwError(Errc::InvalidArgument, "you must provide the name or id of a running pod");
      pod = args.front();
      args.erase(args.begin());
    }
    const std::string id = cli.engine().resolvePod(pod);
    std::vector<std::vector<std::string>> rows;
    bool any = false;
    for (const auto& ctr : cli.engine().podContainers(id)) {
      std::vector<std::vector<std::string>> part;
      try {
        part = cli.engine().containerTop(ctr, args);
      } catch (const Error& e) {
        if (e.kind() == Errc::InvalidState) continue;  // not running
        throw;
      }
      any = true;
      for (std::size_t i = rows.empty() ? 0 : 1; i < part.size(); ++i)
        rows.push_back(part[i]);
    }
    if (!any)
      throwError(Errc::InvalidState,
                 "pod top can only be used on pods with at least one running container");
    format::TabWriter writer;
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i)
        line += (i == 0 ? "" : "\t") + row[i];
      writer.write(line + "\n");
    }
    writeStdout(writer.take());
    return 0;
  });
}

void defineLogs(Cli& cli) {
  CLI::App* app =
      cli.addCommand("pod logs", "Fetch logs for pod with one or more containers", true);
  struct Flags : LogFlags {
    std::string container;
    bool latest = false;
  };
  auto f = std::make_shared<Flags>();
  app->add_option("-c,--container", f->container,
                  "Filter logs by container name or id which belongs to pod");
  addLogFlags(app, *f, "Output container names instead of container IDs in the log",
              "Output the containers within a pod with different colors in the log");
  app->add_flag("-l,--latest", f->latest, "Act on the latest pod berth is aware of");
  cli.setRun(app, [&cli, f] {
    if (cli.args().size() > 1) throwError(Errc::InvalidArgument, "requires exactly 1 arg");
    if (!f->latest && cli.args().empty())
      throwError(Errc::InvalidArgument, "specify at least one pod name or ID to log");
    LogPrintOptions options = logPrintOptions(*f);
    const std::string pod = podTargets(cli, false, f->latest).front();
    const auto sources = cli.engine().podLogSources(pod, f->container);
    options.prefix = sources.size() > 1;  // Podman: only to tell several apart
    printLogs(cli, sources, options);
    return 0;
  });
}

}  // namespace

void addPodCommands(Cli& cli) {
  cli.group("pod", "Manage pods");
  defineCreate(cli);
  definePs(cli, "pod ps");
  definePs(cli, "pod ls");
  definePs(cli, "pod list");
  defineInspect(cli);
  defineSimple(cli, "start", "Start one or more pods",
               [](Cli& c, const std::string& n) { return c.engine().startPod(n); });
  defineStop(cli);
  defineSimple(cli, "restart", "Restart one or more pods",
               [](Cli& c, const std::string& n) { return c.engine().restartPod(n); });
  defineKill(cli);
  defineSimple(cli, "pause", "Pause one or more pods",
               [](Cli& c, const std::string& n) { return c.engine().pausePod(n); });
  defineSimple(cli, "unpause", "Unpause one or more pods",
               [](Cli& c, const std::string& n) { return c.engine().unpausePod(n); });
  defineRm(cli);
  definePrune(cli);
  defineExists(cli);
  defineTop(cli);
  defineLogs(cli);
}

}  // namespace berth::cli
