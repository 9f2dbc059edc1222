// SPDX-License-Identifier: Apache-2.0
// berth network create, ls, inspect, rm, prune, exists, connect, disconnect.
#include <cstdio>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

void requireArgs(const std::vector<std::string>& args, std::size_t n) {
  if (args.size() != n)
    throwError(Errc::InvalidArgument, "accepts {} arg(s), received {}", n, args.size());
}

void defineCreate(Cli& cli) {
  CLI::App* app = cli.addCommand("network create", "Create networks for containers and pods", true);
  auto request = std::make_shared<engine::Engine::NetworkCreateRequest>();
  app->add_option("-d,--driver", request->driver, "driver to manage the network");
  app->add_option("--subnet", request->subnet, "subnet in CIDR format");
  app->add_option("--gateway", request->gateway, "IPv4 or IPv6 gateway for the subnet");
  app->add_option("--ip-range", request->ipRange, "allocate container IP from range");
  app->add_flag("--internal", request->internal, "restrict external access from this network");
  app->add_flag("--disable-dns", request->disableDns, "disable dns plugin");
  app->add_flag("--ignore", request->ignore, "Don't fail if network already exists");
  app->add_option("--label", request->labels, "set metadata on a network")->allow_extra_args(false);
  cli.setRun(app, [&cli, request] {
    const auto& args = cli.args();
    if (args.size() > 1)
      throwError(Errc::InvalidArgument, "accepts at most 1 arg(s), received {}", args.size());
    engine::Engine::NetworkCreateRequest r = *request;
    r.name = args.empty() ? "" : args.front();
    writeStdout(cli.engine().createNetwork(r) + "\n");
    return 0;
  });
}

// The template view: Podman's ListPrintReports (types.Network's Go names).
Json networkView(const Json& n, bool noTrunc) {
  const std::string id = n.value("id", "");
  return {{"Name", n.value("name", "")},
          {"ID", noTrunc ? id : id.substr(0, 12)},
          {"Driver", n.value("driver", "")},
          {"NetworkInterface", n.value("network_interface", "")},
          {"Created", n.value("created", "")},
          {"Subnets", n.value("subnets", Json::array())},
          {"IPv6Enabled", n.value("ipv6_enabled", false)},
          {"Internal", n.value("internal", false)},
          {"DNSEnabled", n.value("dns_enabled", false)},
          {"Labels", n.value("labels", Json::object())},
          {"Options", n.value("options", Json::object())},
          {"IPAMOptions", n.value("ipam_options", Json::object())}};
}

format::FieldTable<Json> networkFields() {
  format::FieldTable<Json> table;
  for (const char* key :
       {"Name", "ID", "Driver", "NetworkInterface", "Created", "Subnets", "IPv6Enabled", "Internal",
        "DNSEnabled", "Labels", "Options", "IPAMOptions"}) {
    const std::string name = key;
    const std::string header = name == "ID" ? "NETWORK ID" : "";
    table.add(
        name, [name](const Json& v) { return v.value(name, Json()); }, header);
  }
  return table;
}

void defineLs(Cli& cli) {
  CLI::App* app = cli.addCommand("network ls", "List networks", false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto noHeading = std::make_shared<bool>(false);
  auto noTrunc = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  app->add_option("-f,--filter", *filters, "Provide filter values (e.g. 'name=podman')")
      ->allow_extra_args(false);
  app->add_option("--format", *format, "Pretty-print networks to JSON or using a Go template");
  app->add_flag("-n,--noheading", *noHeading, "Do not print headers");
  app->add_flag("--no-trunc", *noTrunc, "Do not truncate the network ID");
  app->add_flag("-q,--quiet", *quiet, "display only names");
  cli.setRun(app, [&cli, filters, format, noHeading, noTrunc, quiet] {
    const std::vector<Json> networks = cli.engine().listNetworks(*filters);
    if (format::isJsonFormat(*format)) {
      writeStdout(format::renderJson(Json(networks), 2, format::JsonStyle::Jsoniter) + "\n");
      return 0;
    }
    std::vector<Json> rows;
    for (const auto& n : networks)
      rows.push_back(networkView(n, *noTrunc));
    format::ReportOptions options;
    options.format = *quiet ? "{{.Name}}" : *format;
    options.noHeading = *noHeading;
    options.name = "network ls";
    writeStdout(format::renderReport(networkFields(), rows, options,
                                     "table {{.ID}}\t{{.Name}}\t{{.Driver}}"));
    return 0;
  });
}

void defineInspect(Cli& cli) {
  CLI::App* app = cli.addCommand("network inspect", "Inspect network", true);
  auto format = std::make_shared<std::string>();
  app->add_option("-f,--format", *format, "Pretty-print network to JSON or using a Go template");
  cli.setRun(app, [&cli, format] {
    if (cli.args().empty())
      throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
    Json found = Json::array();
    std::vector<std::string> errors;
    for (const auto& name : cli.args()) {
      try {
        const Json n = cli.engine().inspectNetwork(name);
        found.push_back(!format->empty() && !format::isJsonFormat(*format) ? networkView(n, true)
                                                                           : n);
      } catch (const Error& e) {
        if (e.kind() != Errc::NoSuchObject) throw;
        errors.push_back(e.what());
      }
    }
    printInspectResults(found, errors, *format, 5, "", Errc::NoSuchObject);
    return 0;
  });
}

void defineRm(Cli& cli) {
  CLI::App* app = cli.addCommand("network rm", "Remove networks", true);
  auto force = std::make_shared<bool>(false);
  auto time = std::make_shared<std::optional<unsigned>>();
  app->add_flag("-f,--force", *force, "remove any containers using network");
  app->add_option("-t,--time", *time, "Seconds to wait for running containers to stop");
  cli.setRun(app, [&cli, force, time] {
    if (cli.args().empty())
      throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
    const auto report = cli.engine().removeNetworks(cli.args(), *force, *time);
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
  CLI::App* app = cli.addCommand("network prune", "Prune unused networks", false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  app->add_option("--filter", *filters, "Provide filter values (e.g. 'label=<key>=<value>')")
      ->allow_extra_args(false);
  app->add_flag("-f,--force", *force, "do not prompt for confirmation");
  cli.setRun(app, [&cli, filters, force] {
    if (!*force &&
        !confirmPrune(
            "WARNING! This will remove all networks not used by at least one container.\n"))
      return 0;
    std::string out;
    for (const auto& name : cli.engine().pruneNetworks(*filters))
      out += name + "\n";
    writeStdout(out);
    return 0;
  });
}

void defineExists(Cli& cli) {
  CLI::App* app = cli.addCommand("network exists", "Check if network exists", true);
  cli.setRun(app, [&cli] {
    requireArgs(cli.args(), 1);
    return cli.engine().networkExists(cli.args().front()) ? 0 : 1;
  });
}

void defineConnect(Cli& cli) {
  CLI::App* app = cli.addCommand("network connect", "Add container to a network", true);
  auto aliases = std::make_shared<std::vector<std::string>>();
  auto ip = std::make_shared<std::string>();
  auto mac = std::make_shared<std::string>();
  app->add_option("--alias", *aliases, "network scoped alias for container")
      ->allow_extra_args(false);
  app->add_option("--ip", *ip, "set a static ipv4 address for this container network");
  app->add_option("--mac-address", *mac, "set a static mac address for this container network");
  cli.setRun(app, [&cli, aliases, ip, mac] {
    requireArgs(cli.args(), 2);
    cli.engine().connectNetwork(cli.args()[0], cli.args()[1], *aliases, *ip, *mac);
    return 0;
  });
}

void defineDisconnect(Cli& cli) {
  CLI::App* app =
      cli.addCommand("network disconnect", "Disconnect a container from a network", true);
  auto force = std::make_shared<bool>(false);
  app->add_flag("-f,--force", *force, "force removal of container from network");
  cli.setRun(app, [&cli, force] {
    (void)force;  // disconnecting never needs more than the lock
    requireArgs(cli.args(), 2);
    cli.engine().disconnectNetwork(cli.args()[0], cli.args()[1]);
    return 0;
  });
}

}  // namespace

void addNetworkCommands(Cli& cli) {
  cli.group("network", "Manage networks");
  defineConnect(cli);
  defineCreate(cli);
  defineDisconnect(cli);
  defineExists(cli);
  defineInspect(cli);
  defineLs(cli);
  definePrune(cli);
  defineRm(cli);
}

}  // namespace berth::cli
