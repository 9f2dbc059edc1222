// SPDX-License-Identifier: Apache-2.0
// berth stats / container stats: Podman's columns, --format and streaming.
#include <unistd.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/base/log.hpp"
#include "berth/format/human.hpp"
#include "berth/format/report.hpp"

namespace berth::cli {

namespace {

using Stats = engine::Engine::ContainerStats;

struct StatsFlags {
  bool all = false;
  bool latest = false;
  bool noStream = false;
  bool noReset = false;
  std::string format;
  int interval = 5;
  bool pod = false;  ///< pod stats: the arguments are pods
};

// One row: a sample and the CPU percentages against the previous one.
struct StatsRow {
  const Stats* stats = nullptr;
  std::optional<double> cpuPercent;
  std::optional<double> avgCpu;
  std::string pod;  ///< pod stats: the pod's id
};

constexpr const char* kNone = "--";

std::string percent(std::optional<double> value) {
  // Podman's floatToPercentString: "--" for 0 as well.
  if (!value || *value == 0.0 || !std::isfinite(*value)) return kNone;
  return fmt::format("{:.2f}%", *value);
}

std::string pair(const std::optional<std::uint64_t>& a, const std::optional<std::uint64_t>& b,
                 std::string (*show)(double)) {
  // Podman's combineHumanValues: "-- / --" when both are 0 (or unknown).
  if (a.value_or(0) == 0 && b.value_or(0) == 0) return "-- / --";
  const auto one = [show](const std::optional<std::uint64_t>& v) {
    return v ? show(static_cast<double>(*v)) : std::string(kNone);
  };
  return one(a) + " / " + one(b);
}

// go-units BytesSize: binary units, "%.4g%s".
std::string bytesSize(double size) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (size >= 1024 && unit < 6) {
    size /= 1024;
    ++unit;
  }
  return fmt::format("{:.4g}{}", size, kUnits[unit]);
}

// Go's time.Duration.String() for CPU time.
std::string goDuration(std::uint64_t ns) {
  if (ns == 0) return "0s";
  if (ns < 1000) return fmt::format("{}ns", ns);
  const auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0')
        s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (ns < 1000000) return trim(fmt::format("{:.3f}", double(ns) / 1e3)) + "µs";
  if (ns < 1000000000) return trim(fmt::format("{:.6f}", double(ns) / 1e6)) + "ms";
  std::string out;
  std::uint64_t seconds = ns / 1000000000;
  const std::uint64_t fraction = ns % 1000000000;
  if (seconds >= 3600) out += fmt::format("{}h", seconds / 3600);
  if (seconds >= 60) out += fmt::format("{}m", (seconds % 3600) / 60);
  seconds %= 60;
  return out + trim(fmt::format("{}.{:09}", seconds, fraction)) + "s";
}

format::FieldTable<StatsRow> statsFields() {
  format::FieldTable<StatsRow> table;
  table.add("ID", [](const StatsRow& r) { return Json(r.stats->id.substr(0, 12)); })
      .add("Name", [](const StatsRow& r) { return Json(r.stats->name); })
      .add(
          "CPUPerc", [](const StatsRow& r) { return Json(percent(r.cpuPercent)); }, "CPU %")
      .add(
          "MemUsage",
          [](const StatsRow& r) {
            return Json(pair(r.stats->memoryUsage, r.stats->memoryLimit, format::humanSize));
          },
          "MEM USAGE / LIMIT")
      .add(
          "MemUsageBytes",
          [](const StatsRow& r) {
            return Json(pair(r.stats->memoryUsage, r.stats->memoryLimit, bytesSize));
          },
          "MEM USAGE / LIMIT")
      .add(
          "MemPerc",
          [](const StatsRow& r) {
            const auto& s = *r.stats;
            std::optional<double> p;
            if (s.memoryUsage && s.memoryLimit && *s.memoryLimit > 0)
              p = 100.0 * double(*s.memoryUsage) / double(*s.memoryLimit);
            return Json(percent(p));
          },
          "MEM %")
      .add(
          "NetIO",
          [](const StatsRow& r) {
            return Json(pair(r.stats->netInput, r.stats->netOutput, format::humanSize));
          },
          "NET IO")
      .add(
          "BlockIO",
          [](const StatsRow& r) {
            return Json(pair(r.stats->blockInput, r.stats->blockOutput, format::humanSize));
          },
          "BLOCK IO")
      .add(
          "PIDS",
          [](const StatsRow& r) {
            const auto& p = r.stats->pids;
            return Json(p && *p > 0 ? std::to_string(*p) : std::string(kNone));
          },
          "PIDS")
      .add(
          "CPU",
          [](const StatsRow& r) {
            return Json(r.stats->cpuNs ? goDuration(*r.stats->cpuNs) : std::string(kNone));
          },
          "CPU TIME")
      .add(
          "AVGCPU", [](const StatsRow& r) { return Json(percent(r.avgCpu)); }, "AVG CPU %")
      .add(
          "UpTime",
          [](const StatsRow& r) {
            return Json(r.stats->cpuNs ? goDuration(*r.stats->cpuNs) : std::string(kNone));
          },
          "CPU TIME");
  return table;
}

// pod stats: Podman's fields (.CPU is the percentage here).
format::FieldTable<StatsRow> podStatsFields() {
  const auto container = statsFields();
  const auto field = [container](const char* name) {
    return
        [container, key = std::string(name)](const StatsRow& r) { return container.view(r)[key]; };
  };
  format::FieldTable<StatsRow> table;
  table
      .add(
          "Pod", [](const StatsRow& r) { return Json(r.pod.substr(0, 12)); }, "POD")
      .add("CID", field("ID"), "CID")
      .add("Name", field("Name"), "NAME")
      .add("CPU", field("CPUPerc"), "CPU %")
      .add("MemUsage", field("MemUsage"), "MEM USAGE/ LIMIT")
      .add("MemUsageBytes", field("MemUsageBytes"), "MEM USAGE/ LIMIT")
      .add("Mem", field("MemPerc"), "MEM %")
      .add("NetIO", field("NetIO"), "NET IO")
      .add("BlockIO", field("BlockIO"), "BLOCK IO")
      .add("PIDS", field("PIDS"), "PIDS");
  return table;
}

struct Previous {
  std::uint64_t cpuNs = 0;
  std::int64_t sampledNs = 0;
  double avg = 0;
  int points = 0;
};

int runStats(Cli& cli, const StatsFlags& flags) {
  if (flags.interval < 1)
    throwError(Errc::InvalidArgument, "invalid interval {}: it must be at least 1 (seconds)",
               flags.interval);
  std::vector<std::string> names = cli.args();
  std::map<std::string, std::string> podOf;  // container id -> pod id
  if (flags.pod) {
    // Every container of the named pods (of all pods without names).
    std::vector<std::string> pods = names;
    if (flags.latest) {
      const Json all = cli.engine().listPods({});
      if (all.empty()) throwError(Errc::NoSuchObject, "no pods to get stats of");
      pods = {all.front()["Id"].get<std::string>()};
    } else if (pods.empty() || flags.all) {
      if (flags.all && !pods.empty())
        throwError(Errc::InvalidArgument, "--all and pods cannot be used together");
      pods = cli.engine().podIds();
    }
    names.clear();
    for (const auto& pod : pods) {
      const std::string id = cli.engine().resolvePod(pod);
      for (const auto& ctr : cli.engine().podContainers(id)) {
        podOf[ctr] = id;
        names.push_back(ctr);
      }
    }
    if (names.empty()) return 0;
  } else if (flags.latest) {
    if (!names.empty())
      throwError(Errc::InvalidArgument, "--latest and containers cannot be used together");
    const std::string id = cli.engine().latestContainer();
    if (id.empty()) throwError(Errc::NoSuchContainer, "no containers to get stats of");
    names.push_back(id);
  }
  if (flags.all && !names.empty() && !flags.pod)
    throwError(Errc::InvalidArgument, "--all and containers cannot be used together");
  const bool json = format::isJsonFormat(flags.format);
  std::map<std::string, Previous> previous;
  std::set<std::string> warned;
  const auto table = statsFields();
  for (;;) {
    std::vector<Stats> samples;
    if (flags.pod) {
      // Only the running members: a pod's stopped containers have none.
      for (auto& s : cli.engine().containerStats(names, true))
        if (s.running) samples.push_back(std::move(s));
    } else {
      samples = cli.engine().containerStats(names, flags.all);
    }
    std::vector<StatsRow> rows;
    for (const auto& s : samples) {
      StatsRow row{&s, std::nullopt, std::nullopt, podOf.count(s.id) ? podOf[s.id] : ""};
      if (!s.missing.empty() && warned.insert(s.id).second)
        logWarn("container {}: {}", s.name, s.missing);
      if (s.cpuNs) {
        auto& prev = previous[s.id];
        const std::int64_t since = prev.sampledNs != 0 ? prev.sampledNs : s.startedNs;
        // Podman: 100 * CPU time / wall time since the last sample (the
        // start, for the first).
        const double cpu = *s.cpuNs > prev.cpuNs && s.sampledNs > since
                               ? 100.0 * double(*s.cpuNs - prev.cpuNs) / double(s.sampledNs - since)
                               : 0.0;
        row.cpuPercent = cpu;
        prev.avg = (prev.avg * prev.points + cpu) / (prev.points + 1);
        ++prev.points;
        row.avgCpu = prev.avg;
        prev.cpuNs = *s.cpuNs;
        prev.sampledNs = s.sampledNs;
      }
      rows.push_back(row);
    }
    std::string out;
    if (flags.pod) {
      const auto podTable = podStatsFields();
      if (json) {
        Json array = Json::array();
        for (const auto& row : rows)
          array.push_back(podTable.view(row));
        out = format::renderJson(array, 4) + "\n";
      } else {
        format::ReportOptions options;
        options.format = flags.format;
        options.name = "pod stats";
        out =
            format::renderReport(podTable, rows, options,
                                 "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{."
                                 "Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}");
      }
    } else if (json) {
      Json array = Json::array();
      for (const auto& row : rows) {
        const Json view = table.view(row);
        array.push_back(Json{{"id", view["ID"]},
                             {"name", view["Name"]},
                             {"cpu_time", view["CPU"]},
                             {"cpu_percent", view["CPUPerc"]},
                             {"avg_cpu", view["AVGCPU"]},
                             {"mem_usage", view["MemUsage"]},
                             {"mem_percent", view["MemPerc"]},
                             {"net_io", view["NetIO"]},
                             {"block_io", view["BlockIO"]},
                             {"pids", view["PIDS"]}});
      }
      out = format::renderJson(array, 4) + "\n";
    } else {
      format::ReportOptions options;
      options.format = flags.format;
      options.name = "stats";
      out = format::renderReport(table, rows, options,
                                 "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{."
                                 "MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.CPU}}\t{{."
                                 "AVGCPU}}");
    }
    if (!flags.noStream && !flags.noReset) out = "\033[2J\033[H" + out;  // clear, home
    writeStdout(out);
    if (flags.noStream) return 0;
    ::sleep(static_cast<unsigned>(flags.interval));
  }
}

void defineStats(Cli& cli, const std::string& path) {
  const bool pod = path == "pod stats";
  CLI::App* app = cli.addCommand(
      path,
      pod ? "Display a live stream of resource usage statistics for the containers in one or "
            "more pods"
          : "Display a live stream of container resource usage statistics",
      true);
  auto flags = std::make_shared<StatsFlags>();
  flags->pod = pod;
  app->add_flag("-a,--all", flags->all,
                "Show all containers. Only running containers are shown by default");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  app->add_flag("--no-stream", flags->noStream,
                "Disable streaming stats and only pull the first result");
  app->add_flag("--no-reset", flags->noReset, "Disable resetting the screen between intervals");
  app->add_option("--format", flags->format,
                  "Pretty-print container statistics to JSON or using a Go template");
  app->add_option("-i,--interval", flags->interval, "Time in seconds between stats reports");
  cli.setRun(app, [&cli, flags] { return runStats(cli, *flags); });
}

}  // namespace

void addStatsCommand(Cli& cli) {
  defineStats(cli, "stats");
  defineStats(cli, "container stats");
  defineStats(cli, "pod stats");
}

}  // namespace berth::cli
