// SPDX-License-Identifier: Apache-2.0
// berth port / container port: the published ports of running containers.
#include <charconv>
#include <memory>

#include <fmt/format.h>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct PortQuery {
  std::string text;  ///< as given, for the not-found message
  unsigned port = 0;
  std::string protocol;
};

PortQuery parsePortArgument(const std::string& value) {
  PortQuery q{value, 0, "tcp"};
  const auto slash = value.find('/');
  std::string number = value.substr(0, slash);
  if (slash != std::string::npos) {
    q.protocol = value.substr(slash + 1);
    if (q.protocol.find('/') != std::string::npos)
      throwError(Errc::InvalidArgument, "port formats are port/protocol. '{}' is invalid", value);
  }
  unsigned long parsed = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), parsed);
  if (number.empty() || end != number.data() + number.size() || ec == std::errc::invalid_argument)
    throwError(Errc::InvalidArgument, "strconv.ParseUint: parsing \"{}\": invalid syntax", number);
  if (ec == std::errc::result_out_of_range || parsed > 65535)
    throwError(Errc::InvalidArgument, "strconv.ParseUint: parsing \"{}\": value out of range",
               number);
  q.port = static_cast<unsigned>(parsed);
  return q;
}

// Prints one container's mappings as Podman does; false when `query` is
// given and not published.
bool printPorts(const Json& ports, const std::string& prefix,
                const std::optional<PortQuery>& query) {
  std::string out;
  bool found = false;
  for (const auto& p : ports) {
    std::string ip = p.value("host_ip", "");
    if (ip.empty()) ip = "0.0.0.0";
    const unsigned host = p.value("host_port", 0u);
    const unsigned container = p.value("container_port", 0u);
    const unsigned range = p.value("range", 1u);
    const std::string protocol = p.value("protocol", "tcp");
    if (!query) {
      for (unsigned i = 0; i < range; ++i)
        out += fmt::format("{}{}/{} -> {}:{}\n", prefix, container + i, protocol, ip, host + i);
      continue;
    }
    if (protocol == query->protocol && container <= query->port &&
        container + range > query->port) {
      out += fmt::format("{}{}:{}\n", prefix, ip, host + query->port - container);
      found = true;
      break;
    }
  }
  writeStdout(out);
  return found || !query;
}

}  // namespace

void addPortCommand(Cli& cli) {
  for (const std::string path : {"port", "container port"}) {
    CLI::App* app =
        cli.addCommand(path, "List port mappings or a specific mapping for the container", true);
    auto all = std::make_shared<bool>(false);
    auto latest = std::make_shared<bool>(false);
    app->add_flag("-a,--all", *all, "Display port information for all containers");
    app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
    cli.setRun(app, [&cli, all, latest] {
      const std::vector<std::string> args = cli.args();
      if (args.empty() && !*latest && !*all)
        throwError(Errc::InvalidArgument, "you must supply a running container name or id");
      if (*all && *latest)
        throwError(Errc::InvalidArgument, "--all and --latest cannot be used together");
      if ((*all || *latest) && args.size() > 1)
        throwError(Errc::InvalidArgument, "--all, --latest and containers cannot be used together");
      if (*all && !args.empty())
        throwError(Errc::InvalidArgument, "--all, --latest and containers cannot be used together");
      if (args.size() > 2) throwError(Errc::InvalidArgument, "`port` accepts at most 2 arguments");
      std::optional<PortQuery> query;
      if (*latest && args.size() == 1) query = parsePortArgument(args[0]);
      if (!*latest && args.size() == 2) query = parsePortArgument(args[1]);

      std::vector<std::pair<std::string, Json>> reports;  // id, ports
      if (*all) {
        for (const auto& c : cli.engine().listContainers(false, {}))
          if (c["Ports"].is_array() && !c["Ports"].empty())
            reports.emplace_back(c["Id"].get<std::string>(), c["Ports"]);
      } else {
        std::string name = *latest ? cli.engine().latestContainer() : args[0];
        if (name.empty()) throwError(Errc::NoSuchContainer, "no containers to list");
        if (name.starts_with('/')) name.erase(0, 1);
        const std::string id = cli.engine().resolveContainer(name);
        reports.emplace_back(id, cli.engine().containerPorts(id));
      }
      for (const auto& [id, ports] : reports) {
        if (ports.empty()) continue;
        if (!printPorts(ports, *all ? id.substr(0, 12) + "\t" : "", query))
          throwError(Errc::InvalidArgument, "failed to find published port \"{}\"", query->text);
      }
      return 0;
    });
  }
}

}  // namespace berth::cli
