// SPDX-License-Identifier: Apache-2.0
// berth image inspect, history, exists, tag, untag, rmi, image prune.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"

namespace berth::cli {

namespace {

// ------------------------------------------------------------ inspect --

void defineImageInspect(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Display the configuration of an image", true);
  auto format = std::make_shared<std::string>();
  app->add_option("-f,--format", *format, "Format the output to a Go template or json");
  cli.setRun(app, [&cli, format] {
    const std::vector<std::string> names = cli.args();
    if (names.empty()) throwError(Errc::InvalidArgument, "inspect requires at least 1 arg(s)");
    Json found = Json::array();
    std::vector<std::string> errors;
    for (const auto& name : names) {
      try {
        found.push_back(cli.engine().inspectImage(name));
      } catch (const Error& e) {
        if (e.kind() != Errc::NoSuchImage) throw;
        errors.push_back(e.what());
      }
    }
    printInspectResults(found, errors, *format, 5, "inspecting object: ", Errc::NoSuchImage);
    return 0;
  });
}

// ------------------------------------------------------------ history --

struct HistoryRow {
  Json entry;
  bool human = true;
  bool noTrunc = false;
  format::TimeNs now = 0;

  format::TimeNs created() const {
    return format::parseRfc3339(entry.value("created", "")).value_or(0);
  }
};

format::FieldTable<HistoryRow> historyFields() {
  format::FieldTable<HistoryRow> table;
  table
      .add("ID",
           [](const HistoryRow& r) {
             std::string id = r.entry["id"].get<std::string>();
             if (!r.noTrunc && id != "<missing>") id = id.substr(0, 12);
             return Json(id);
           })
      .add("Created",
           [](const HistoryRow& r) {
             return Json(r.human ? format::timeAgo(r.created(), r.now)
                                 : format::formatRfc3339Nano(r.created()));
           })
      .add(
          "CreatedBy",
          [](const HistoryRow& r) {
            std::string by = r.entry["createdBy"].get<std::string>();
            if (!r.noTrunc && by.size() > 45) by = by.substr(0, 42) + "...";
            return Json(by);
          },
          "CREATED BY")
      .add("Size",
           [](const HistoryRow& r) {
             return Json(format::humanSize(double(r.entry["size"].get<std::int64_t>())));
           })
      .add("Comment", [](const HistoryRow& r) { return r.entry["comment"]; })
      .add(
          "CreatedAt", [](const HistoryRow& r) { return Json(format::formatGoTime(r.created())); },
          "CREATED AT")
      .add(
          "CreatedSince",
          [](const HistoryRow& r) { return Json(format::timeAgo(r.created(), r.now)); }, "CREATED")
      .add("Tags", [](const HistoryRow&) { return Json::array(); });
  return table;
}

/// Podman's `history --format json` object (compact, its own key names).
Json historyJson(const Json& entry) {
  Json out = Json::object();
  out["id"] = entry["id"];
  out["created"] = entry["created"];
  out["CreatedBy"] = entry["createdBy"];
  out["size"] = entry["size"];
  if (!entry["comment"].get<std::string>().empty()) out["comment"] = entry["comment"];
  out["Created"] = entry["created"];
  return out;
}

void defineHistory(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Show history of a specified image", true);
  auto human = std::make_shared<bool>(true);
  auto noTrunc = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>();
  app->add_flag("-H,--human", *human, "Display sizes and dates in human readable format")
      ->default_str("true");
  app->add_flag("--no-trunc", *noTrunc, "Do not truncate the output");
  app->add_flag("-q,--quiet", *quiet, "Display the numeric IDs only");
  app->add_option("--format", *format, "Change the output to JSON or a Go template");
  cli.setRun(app, [&cli, human, noTrunc, quiet, format] {
    const std::vector<std::string> args = cli.args();
    if (args.size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", args.size());
    const Json history = cli.engine().imageHistory(args.front());
    if (format::isJsonFormat(*format)) {
      Json out = Json::array();
      for (const auto& entry : history)
        out.push_back(historyJson(entry));
      writeStdout(format::marshalJson(out) + "\n");
      return 0;
    }
    std::vector<HistoryRow> rows;
    const format::TimeNs now = format::nowNs();
    for (const auto& entry : history)
      rows.push_back(HistoryRow{entry, *human, *noTrunc, now});
    format::ReportOptions options;
    options.format = *quiet ? "{{.ID}}" : *format;
    options.name = "history";
    writeStdout(format::renderReport(
        historyFields(), rows, options,
        "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"));
    return 0;
  });
}

// ------------------------------------------------------------- exists --

void defineImageExists(Cli& cli) {
  CLI::App* app = cli.addCommand("image exists", "Check if an image exists in local storage", true);
  cli.setRun(app, [&cli] {
    const std::vector<std::string> args = cli.args();
    if (args.size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", args.size());
    return cli.engine().imageExists(args.front()) ? 0 : 1;
  });
}

// --------------------------------------------------------- tag, untag --

void defineTag(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Add an additional name to a local image", true);
  cli.setRun(app, [&cli] {
    const std::vector<std::string> args = cli.args();
    if (args.size() < 2)
      throwError(Errc::InvalidArgument, "requires at least 2 arg(s), only received {}",
                 args.size());
    cli.engine().tagImage(args.front(), {args.begin() + 1, args.end()});
    return 0;
  });
}

void defineUntag(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Remove a name from a local image", true);
  cli.setRun(app, [&cli] {
    const std::vector<std::string> args = cli.args();
    if (args.empty())
      throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
    cli.engine().untagImage(args.front(), {args.begin() + 1, args.end()});
    return 0;
  });
}

// ---------------------------------------------------------- rmi, prune --

void defineRmi(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Remove one or more images from local storage", true);
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto ignore = std::make_shared<bool>(false);
  app->add_flag("-a,--all", *all, "Remove all images");
  app->add_flag("-f,--force", *force,
                "Force removal of the image and any containers using the image");
  app->add_flag("-i,--ignore", *ignore, "Ignore errors if a specified image does not exist");
  cli.setRun(app, [&cli, all, force, ignore] {
    std::vector<std::string> names = cli.args();
    if (*ignore) {
      std::vector<std::string> known;
      for (const auto& name : names)
        if (cli.engine().imageExists(name)) known.push_back(name);
      if (known.empty() && !names.empty()) return 0;
      names = known;
    }
    const auto report = cli.engine().removeImages(names, *force, *all);
    std::string out;
    for (const auto& name : report.untagged)
      out += "Untagged: " + name + "\n";
    for (const auto& id : report.deleted)
      out += "Deleted: " + id + "\n";
    writeStdout(out);
    for (const auto& error : report.errors)
      std::fprintf(stderr, "Error: %s\n", error.c_str());
    return report.exitCode;
  });
}

void definePrune(Cli& cli) {
  CLI::App* app = cli.addCommand("image prune", "Remove unused images");
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  app->add_flag("-a,--all", *all,
                "Remove all images not in use by containers, not just dangling ones");
  app->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cli.setRun(app, [&cli, all, force] {
    if (!*force && !confirmPrune(*all ? "WARNING! This command removes all images without at "
                                        "least one container associated with them.\n"
                                      : "WARNING! This command removes all dangling images.\n"))
      return 0;
    std::string out;
    for (const auto& id : cli.engine().pruneImages(*all))
      out += id + "\n";
    writeStdout(out);
    return 0;
  });
}

}  // namespace

void addImageCommands(Cli& cli) {
  defineImageInspect(cli, "image inspect");
  defineHistory(cli, "history");
  defineHistory(cli, "image history");
  defineImageExists(cli);
  defineTag(cli, "tag");
  defineTag(cli, "image tag");
  defineUntag(cli, "untag");
  defineUntag(cli, "image untag");
  defineRmi(cli, "rmi");
  defineRmi(cli, "image rm");
  definePrune(cli);
}

}  // namespace berth::cli
