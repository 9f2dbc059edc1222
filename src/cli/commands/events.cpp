// SPDX-License-Identifier: Apache-2.0
// berth events / system events: Podman's flags and output.
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"
#include "berth/format/report.hpp"

namespace berth::cli {

namespace {

struct EventsFlags {
  std::vector<std::string> filters;
  std::string format;
  std::string since;
  std::string until;
  bool stream = true;
  bool noTrunc = true;
};

// The template view of an event: the fields of Podman's events.Event (with
// Details' promoted ones), Time as Go prints a time.Time; `{{json .}}`
// prints the log line's JSON.
Json eventView(const state::Event& e) {
  const Json attributes = e.attributes ? Json(*e.attributes) : Json(nullptr);
  Json view{{"ContainerExitCode", e.containerExitCode},
            {"ID", e.id},
            {"Image", e.image},
            {"Name", e.name},
            {"Network", ""},
            {"Status", e.status},
            {"Time", format::formatGoTime(e.timeNs)},
            {"TimeNano", e.timeNs},
            {"Type", e.type},
            {"HealthStatus", e.healthStatus},
            {"PodID", ""},
            {"Attributes", attributes},
            {"Details", Json{{"ID", e.id}, {"PodID", ""}, {"Attributes", attributes}}}};
  view[std::string(format::kJsonOverrideKey)] = e.toJson();
  return view;
}

int runEvents(Cli& cli, const EventsFlags& flags) {
  engine::Engine::EventsRequest request;
  request.filters = flags.filters;
  request.stream = flags.stream;
  if (!flags.since.empty()) request.sinceNs = format::parseTimeFlag(flags.since, "--since");
  if (!flags.until.empty()) request.untilNs = format::parseTimeFlag(flags.until, "--until");
  const bool json = format::isJsonFormat(flags.format);
  std::optional<format::Template> tmpl;
  if (!json && !flags.format.empty())
    tmpl = format::Template::parse(format::normalizeFormat(flags.format), "events");
  cli.engine().events(request, [&](const state::Event& e) {
    std::string line;
    if (json)
      line = e.toLine() + "\n";
    else if (tmpl)
      line = tmpl->render(eventView(e));
    else
      line = e.humanLine(!flags.noTrunc) + "\n";
    try {
      writeStdout(line);
    } catch (const Error&) {
      return false;  // the reader went away
    }
    return true;
  });
  return 0;
}

void defineEvents(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Show berth events", false);
  auto flags = std::make_shared<EventsFlags>();
  app->add_option("-f,--filter", flags->filters, "filter output")->allow_extra_args(false);
  app->add_option("--format", flags->format, "format the output using a Go template");
  app->add_option("--since", flags->since, "show all events created since timestamp");
  app->add_option("--until", flags->until, "show all events until timestamp");
  app->add_flag("--stream", flags->stream,
                "stream events and do not exit when returning the last known event");
  app->add_flag("--no-trunc", flags->noTrunc, "do not truncate the output");
  cli.setRun(app, [&cli, flags] { return runEvents(cli, *flags); });
}

}  // namespace

void addEventsCommand(Cli& cli) {
  defineEvents(cli, "events");
  defineEvents(cli, "system events");
}

}  // namespace berth::cli
