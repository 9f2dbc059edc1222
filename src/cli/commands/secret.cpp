// SPDX-License-Identifier: Apache-2.0
// berth secret create, ls, inspect, rm, exists.
#include <cstdio>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"

namespace berth::cli {

namespace {

struct SecretRow {
  Json secret;
  format::TimeNs now = 0;
};

format::TimeNs createdOf(const Json& secret, const char* key) {
  return format::parseRfc3339(secret.value(key, "")).value_or(0);
}

format::FieldTable<SecretRow> secretFields() {
  format::FieldTable<SecretRow> table;
  table.add("ID", [](const SecretRow& r) { return r.secret["ID"]; })
      .add("Name", [](const SecretRow& r) { return r.secret["Spec"]["Name"]; })
      .add("Driver", [](const SecretRow& r) { return r.secret["Spec"]["Driver"]["Name"]; })
      .add(
          "CreatedAt",
          [](const SecretRow& r) {
            return Json(format::timeAgo(createdOf(r.secret, "CreatedAt"), r.now));
          },
          "CREATED")
      .add(
          "UpdatedAt",
          [](const SecretRow& r) {
            return Json(format::timeAgo(createdOf(r.secret, "UpdatedAt"), r.now));
          },
          "UPDATED")
      .add("Labels", [](const SecretRow& r) { return r.secret["Spec"]["Labels"]; });
  return table;
}

void defineCreate(Cli& cli) {
  CLI::App* app = cli.addCommand("secret create", "Create a new secret", true);
  auto driver = std::make_shared<std::string>("file");
  auto labels = std::make_shared<std::vector<std::string>>();
  auto fromEnv = std::make_shared<bool>(false);
  app->add_option("-d,--driver", *driver, "Specify secret driver")->capture_default_str();
  app->add_option("-l,--label", *labels, "Specify labels on the secret")->allow_extra_args(false);
  app->add_flag("--env", *fromEnv, "Read secret data from environment variable");
  cli.setRun(app, [&cli, driver, labels, fromEnv] {
    const auto& args = cli.args();
    if (args.size() != 2)
      throwError(Errc::InvalidArgument, "accepts 2 arg(s), received {}", args.size());
    engine::Engine::SecretCreateRequest request;
    request.name = args[0];
    request.source = args[1];
    request.fromEnv = *fromEnv;
    request.driver = *driver;
    request.labels = *labels;
    writeStdout(cli.engine().createSecret(request) + "\n");
    return 0;
  });
}

void defineLs(Cli& cli) {
  CLI::App* app = cli.addCommand("secret ls", "List secrets", false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto noHeading = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  app->add_option("-f,--filter", *filters, "Filter secret output")->allow_extra_args(false);
  app->add_option("--format", *format, "Format volume output using Go template");
  app->add_flag("-n,--noheading", *noHeading, "Do not print headers");
  app->add_flag("-q,--quiet", *quiet, "Print secret IDs only");
  cli.setRun(app, [&cli, filters, format, noHeading, quiet] {
    const Json secrets = cli.engine().listSecrets(*filters);
    if (format::isJsonFormat(*format)) {
      writeStdout(format::renderJson(secrets, 4, format::JsonStyle::Go) + "\n");
      return 0;
    }
    std::vector<SecretRow> rows;
    const format::TimeNs now = format::nowNs();
    for (const auto& s : secrets)
      rows.push_back(SecretRow{s, now});
    format::ReportOptions options;
    options.format = *quiet ? "{{.ID}}" : *format;
    options.noHeading = *noHeading;
    options.name = "secret ls";
    writeStdout(format::renderReport(
        secretFields(), rows, options,
        "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"));
    return 0;
  });
}

void defineInspect(Cli& cli) {
  CLI::App* app = cli.addCommand("secret inspect", "Inspect a secret", true);
  auto format = std::make_shared<std::string>();
  app->add_option("-f,--format", *format, "Format output using Go template");
  cli.setRun(app, [&cli, format] {
    const auto& names = cli.args();
    if (names.empty())
      throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
    Json found = Json::array();
    std::vector<std::string> errors;
    for (const auto& name : names) {
      try {
        found.push_back(cli.engine().inspectSecret(name));
      } catch (const Error& e) {
        if (e.kind() != Errc::NoSuchObject) throw;
        errors.push_back(e.what());
      }
    }
    if (!format->empty() && !format::isJsonFormat(*format)) {
      std::string out;
      for (const auto& s : found)
        out += format::renderObject(*format, s, "inspect");
      writeStdout(out);
    } else {
      writeStdout(format::renderJson(found, 4, format::JsonStyle::Go) + "\n");
    }
    if (errors.empty()) return 0;
    for (std::size_t i = 0; i + 1 < errors.size(); ++i)
      std::fprintf(stderr, "Error: inspecting secret: %s\n", errors[i].c_str());
    throw Error(Errc::NoSuchObject, "inspecting secret: " + errors.back());
  });
}

void defineRm(Cli& cli) {
  CLI::App* app = cli.addCommand("secret rm", "Remove one or more secrets", true);
  auto all = std::make_shared<bool>(false);
  app->add_flag("-a,--all", *all, "Remove all secrets");
  cli.setRun(app, [&cli, all] {
    std::vector<std::string> names = cli.args();
    if (*all && !names.empty())
      throwError(Errc::InvalidArgument,
                 "when using the --all switch, you may not pass any secret names");
    if (!*all && names.empty())
      throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
    if (*all) names = cli.engine().secretIds();
    std::vector<std::string> errors;
    for (const auto& name : names) {
      try {
        writeStdout(cli.engine().removeSecret(name) + "\n");
      } catch (const Error& e) {
        if (e.kind() != Errc::NoSuchObject) throw;
        errors.push_back(e.what());
      }
    }
    if (errors.empty()) return 0;
    for (std::size_t i = 0; i + 1 < errors.size(); ++i)
      std::fprintf(stderr, "Error: %s\n", errors[i].c_str());
    throw Error(Errc::NoSuchObject, errors.back());
  });
}

void defineExists(Cli& cli) {
  CLI::App* app =
      cli.addCommand("secret exists", "Check if a secret exists in local storage", true);
  cli.setRun(app, [&cli] {
    if (cli.args().size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", cli.args().size());
    return cli.engine().secretExists(cli.args().front()) ? 0 : 1;
  });
}

}  // namespace

void addSecretCommands(Cli& cli) {
  cli.group("secret", "Manage secrets");
  defineCreate(cli);
  defineLs(cli);
  defineInspect(cli);
  defineRm(cli);
  defineExists(cli);
}

}  // namespace berth::cli
