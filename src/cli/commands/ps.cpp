// SPDX-License-Identifier: Apache-2.0
// berth ps / container ls: Podman's columns, filters, sorting and formats.
#include <algorithm>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"

namespace berth::cli {

namespace {

struct PsRow {
  const Json* summary = nullptr;
  bool noTrunc = false;
  format::TimeNs now = 0;

  const Json& at(const char* key) const { return (*summary)[key]; }
  std::string id() const {
    const std::string full = at("Id").get<std::string>();
    return noTrunc ? full : full.substr(0, 12);
  }
  std::string command() const {
    std::string joined;
    if (at("Command").is_array())
      for (const auto& a : at("Command"))
        joined += (joined.empty() ? "" : " ") + a.get<std::string>();
    // Podman cuts the command at 17 characters.
    if (!noTrunc && joined.size() > 17) joined = joined.substr(0, 17) + "...";
    return joined;
  }
  format::TimeNs created() const { return at("Created").get<std::int64_t>() * 1000000000; }
};

// Podman's PORTS column: "0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp".
std::string portsColumn(const Json& ports) {
  std::string out;
  if (!ports.is_array()) return out;
  for (const auto& p : ports) {
    std::string ip = p.value("host_ip", "");
    if (ip.empty()) ip = "0.0.0.0";
    const int host = p.value("host_port", 0);
    const int container = p.value("container_port", 0);
    const int range = p.value("range", 1);
    const std::string protocol = p.value("protocol", "tcp");
    if (!out.empty()) out += ", ";
    if (range > 1)
      out += fmt::format("{}:{}-{}->{}-{}/{}", ip, host, host + range - 1, container,
                         container + range - 1, protocol);
    else
      out += fmt::format("{}:{}->{}/{}", ip, host, container, protocol);
  }
  return out;
}

format::FieldTable<PsRow> psFields() {
  format::FieldTable<PsRow> table;
  table
      .add(
          "ID", [](const PsRow& r) { return Json(r.id()); }, "CONTAINER ID")
      .add("Image", [](const PsRow& r) { return r.at("Image"); })
      .add(
          "ImageID", [](const PsRow& r) { return r.at("ImageID"); }, "IMAGE ID")
      .add("Command", [](const PsRow& r) { return Json(r.command()); })
      .add(
          "CreatedHuman", [](const PsRow& r) { return Json(format::timeAgo(r.created(), r.now)); },
          "CREATED")
      .add(
          "CreatedAt", [](const PsRow& r) { return Json(format::formatGoTime(r.created())); },
          "CREATED AT")
      .add(
          "Created", [](const PsRow& r) { return Json(format::timeAgo(r.created(), r.now)); },
          "CREATED")
      .add(
          "RunningFor", [](const PsRow& r) { return Json(format::timeAgo(r.created(), r.now)); },
          "CREATED")
      .add("Status", [](const PsRow& r) { return r.at("Status"); })
      .add("State", [](const PsRow& r) { return r.at("State"); })
      .add("Ports", [](const PsRow& r) { return Json(portsColumn(r.at("Ports"))); })
      .add("Names",
           [](const PsRow& r) {
             std::string joined;
             for (const auto& n : r.at("Names"))
               joined += (joined.empty() ? "" : ",") + n.get<std::string>();
             return Json(joined);
           })
      .add("Labels",
           [](const PsRow& r) {
             const Json l = r.at("Labels");
             return l.is_object() ? l : Json::object();
           })
      .add("Pid", [](const PsRow& r) { return r.at("Pid"); })
      .add("ExitCode", [](const PsRow& r) { return r.at("ExitCode"); })
      .add("Exited", [](const PsRow& r) { return r.at("Exited"); })
      .add("AutoRemove", [](const PsRow& r) { return r.at("AutoRemove"); })
      .add("Mounts", [](const PsRow&) { return Json(""); })
      .add("Networks", [](const PsRow&) { return Json(""); })
      .add(
          "Pod",
          [](const PsRow& r) {
            const std::string pod = r.at("Pod").get<std::string>();
            return Json(r.noTrunc ? pod : pod.substr(0, 12));
          },
          "POD ID")
      .add(
          "PodName", [](const PsRow& r) { return r.at("PodName"); }, "PODNAME")
      .add("Size", [](const PsRow& r) {
        const Json& size = r.at("Size");
        if (!size.is_object()) return Json("");
        // Podman: "12B (virtual 1.2MB)".
        return Json(format::humanSize(double(size["rwSize"].get<std::int64_t>())) + " (virtual " +
                    format::humanSize(double(size["rootFsSize"].get<std::int64_t>())) + ")");
      });
  table.json([](const PsRow& r) { return *r.summary; });
  return table;
}

struct PsFlags {
  bool all = false;
  bool quiet = false;
  bool latest = false;
  int last = -1;
  bool noTrunc = false;
  bool noHeading = false;
  bool size = false;
  bool pod = false;
  std::vector<std::string> filters;
  std::string sort = "created";
  std::string format;
};

void sortRows(std::vector<PsRow>& rows, const std::string& by) {
  const auto key = [&](const PsRow& r) -> std::string {
    if (by == "command") return r.command();
    if (by == "id") return r.at("Id").get<std::string>();
    if (by == "image") return r.at("Image").get<std::string>();
    if (by == "names") return r.at("Names")[0].get<std::string>();
    if (by == "status") return r.at("Status").get<std::string>();
    if (by == "size") {
      const Json& size = r.at("Size");
      char padded[32];
      std::snprintf(
          padded, sizeof(padded), "%020lld",
          size.is_object() ? static_cast<long long>(size["rootFsSize"].get<std::int64_t>()) : 0LL);
      return std::string(padded);
    }
    return "";
  };
  if (by == "created" || by == "runningfor") {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const PsRow& a, const PsRow& b) { return a.created() > b.created(); });
    return;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const PsRow& a, const PsRow& b) { return key(a) < key(b); });
}

int runPs(Cli& cli, const PsFlags& flags) {
  static const std::set<std::string> kSortKeys = {"command", "created",    "id",   "image",
                                                  "names",   "runningfor", "size", "status"};
  if (kSortKeys.count(flags.sort) == 0)
    throwError(Errc::InvalidArgument,
               "invalid option for --sort, options are: command, created, id, image, names, "
               "runningfor, size, or status");
  if (flags.quiet && !flags.format.empty() && format::isJsonFormat(flags.format))
    throwError(Errc::InvalidArgument, "quiet and format cannot be used together");
  Json summaries =
      cli.engine().listContainers(flags.all || flags.latest || flags.last > 0, flags.filters,
                                  flags.size || flags.format.find(".Size") != std::string::npos);
  // Newest first already; -l and -n keep the newest ones.
  const std::size_t keep = flags.latest      ? 1
                           : flags.last >= 0 ? std::size_t(flags.last)
                                             : summaries.size();
  if (summaries.size() > keep)
    summaries.erase(summaries.begin() + static_cast<long>(keep), summaries.end());

  if (format::isJsonFormat(flags.format)) {
    writeStdout(format::renderJson(summaries, 4, format::JsonStyle::Go) + "\n");
    return 0;
  }
  const format::TimeNs now = format::nowNs();
  std::vector<PsRow> rows;
  for (const auto& s : summaries)
    rows.push_back(PsRow{&s, flags.noTrunc, now});
  sortRows(rows, flags.sort);
  if (flags.quiet) {
    std::string out;
    for (const auto& row : rows)
      out += row.id() + "\n";
    writeStdout(out);
    return 0;
  }
  format::ReportOptions options;
  options.format = flags.format;
  options.noHeading = flags.noHeading;
  options.name = "ps";
  std::string defaultFormat =
      "table "
      "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
  if (flags.pod) defaultFormat += "\t{{.Pod}}\t{{.PodName}}";
  if (flags.size) defaultFormat += "\t{{.Size}}";
  writeStdout(format::renderReport(psFields(), rows, options, defaultFormat));
  return 0;
}

CLI::App* definePs(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "List containers", false);
  auto flags = std::make_shared<PsFlags>();
  app->add_flag("-a,--all", flags->all,
                "Show all the containers, default is only running containers");
  app->add_flag("-q,--quiet", flags->quiet, "Print the numeric IDs of the containers only");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  app->add_option("-n,--last", flags->last, "Print the n last created containers (all states)");
  app->add_flag("--no-trunc", flags->noTrunc, "Display the extended information");
  app->add_flag("--noheading", flags->noHeading, "Do not print headers");
  app->add_flag("-s,--size", flags->size, "Display the total file sizes");
  app->add_flag("-p,--pod", flags->pod,
                "Print the ID and name of the pod the containers are "
                "associated with");
  app->add_option("-f,--filter", flags->filters, "Filter output based on conditions given")
      ->allow_extra_args(false);
  app->add_option("--sort", flags->sort,
                  "Sort output by: command, created, id, image, names, runningfor, size, status");
  app->add_option("--format", flags->format,
                  "Pretty-print containers to JSON or using a Go template");
  cli.setRun(app, [&cli, flags] { return runPs(cli, *flags); });
  return app;
}

}  // namespace

void addPsCommand(Cli& cli) {
  definePs(cli, "ps");
  definePs(cli, "container ls")->alias("list")->alias("ps");
}

}  // namespace berth::cli
