// SPDX-License-Identifier: Apache-2.0
// berth images / image ls: Podman's columns, filters, sorting and formats.
#include <algorithm>
#include <set>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"
#include "berth/image/reference.hpp"

namespace berth::cli {

namespace {

/// One line of the table: an image under one of its names.
struct ImageRow {
  const Json* summary = nullptr;
  std::string repository = "<none>";
  std::string tag = "<none>";
  bool noTrunc = false;
  format::TimeNs now = 0;

  std::string id() const {
    const std::string full = (*summary)["Id"].get<std::string>();
    return noTrunc ? "sha256:" + full : full.substr(0, 12);
  }
  format::TimeNs created() const { return (*summary)["Created"].get<std::int64_t>() * 1000000000; }
  std::int64_t size() const { return (*summary)["Size"].get<std::int64_t>(); }
};

format::FieldTable<ImageRow> imageFields() {
  const auto history = [](const ImageRow& r) {
    std::string joined;
    for (const auto& n : r.summary->value("History", Json::array()))
      joined += (joined.empty() ? "" : ", ") + n.get<std::string>();
    return Json(joined);
  };
  const auto labels = [](const ImageRow& r) {
    const Json l = (*r.summary)["Labels"];
    return l.is_object() ? l : Json::object();
  };
  format::FieldTable<ImageRow> table;
  table.add("Repository", [](const ImageRow& r) { return Json(r.repository); })
      .add("Tag", [](const ImageRow& r) { return Json(r.tag); })
      .add("Digest", [](const ImageRow& r) { return (*r.summary)["Digest"]; })
      .add(
          "ID", [](const ImageRow& r) { return Json(r.id()); }, "IMAGE ID")
      .add("Created", [](const ImageRow& r) { return Json(format::timeAgo(r.created(), r.now)); })
      .add(
          "CreatedSince",
          [](const ImageRow& r) { return Json(format::timeAgo(r.created(), r.now)); }, "CREATED")
      .add(
          "CreatedAt", [](const ImageRow& r) { return Json(format::formatGoTime(r.created())); },
          "CREATED AT")
      .add("Size", [](const ImageRow& r) { return Json(format::humanSize(double(r.size()))); })
      .add(
          "VirtualSize", [](const ImageRow& r) { return (*r.summary)["VirtualSize"]; },
          "VIRTUAL SIZE")
      .add(
          "SharedSize", [](const ImageRow& r) { return (*r.summary)["SharedSize"]; }, "SHARED SIZE")
      .add("Containers", [](const ImageRow& r) { return (*r.summary)["Containers"]; })
      .add("Labels", labels)
      .add("Dangling", [](const ImageRow& r) { return Json(!r.summary->contains("Names")); })
      .add(
          "ReadOnly", [](const ImageRow&) { return Json(false); }, "READ ONLY")
      .add("History", history)
      .add("Names", [](const ImageRow& r) { return r.summary->value("Names", Json::array()); })
      .add(
          "ParentId", [](const ImageRow& r) { return (*r.summary)["ParentId"]; }, "PARENT ID");
  table.json([](const ImageRow& r) { return *r.summary; });
  return table;
}

struct ImagesFlags {
  bool all = false;
  bool quiet = false;
  bool digests = false;
  bool noTrunc = false;
  bool noHeading = false;
  std::vector<std::string> filters;
  std::string sort = "created";
  std::string format;
};

void sortRows(std::vector<ImageRow>& rows, const std::string& by) {
  const auto cmp = [&](const ImageRow& a, const ImageRow& b) {
    if (by == "id") return a.id() < b.id();
    if (by == "repository") return a.repository < b.repository;
    if (by == "size") return a.size() < b.size();
    if (by == "tag") return a.tag < b.tag;
    return a.created() > b.created();
  };
  std::stable_sort(rows.begin(), rows.end(), cmp);
}

int runImages(Cli& cli, const ImagesFlags& flags, const std::vector<std::string>& args) {
  static const std::set<std::string> kSortKeys = {"created", "id", "repository", "size", "tag"};
  if (kSortKeys.count(flags.sort) == 0)
    throwError(Errc::InvalidArgument,
               "\"{}\" is not a valid field for sorting. Choose from: created, id, repository, "
               "size, tag",
               flags.sort);
  if (args.size() > 1) throwError(Errc::InvalidArgument, "cannot specify more than one image");
  std::vector<std::string> filters = flags.filters;
  if (!args.empty()) filters.push_back("reference=" + args.front());
  const Json summaries = cli.engine().listImages(filters);

  if (format::isJsonFormat(flags.format)) {
    writeStdout(format::renderJson(summaries, 4, format::JsonStyle::Go) + "\n");
    return 0;
  }
  const format::TimeNs now = format::nowNs();
  std::vector<ImageRow> rows;
  for (const auto& summary : summaries) {
    const Json names = summary.value("Names", Json::array());
    if (names.empty()) {
      rows.push_back(ImageRow{&summary, "<none>", "<none>", flags.noTrunc, now});
      continue;
    }
    // Podman shows the tagged names; a name without a tag (pulled by
    // digest) only when the image has no tagged one, and once.
    std::vector<ImageRow> tagged;
    std::vector<ImageRow> untagged;
    for (const auto& name : names) {
      ImageRow row{&summary, "<none>", "<none>", flags.noTrunc, now};
      try {
        const auto ref = image::parseReference(name.get<std::string>());
        row.repository = ref.name();
        if (ref.isTagged()) row.tag = ref.tag;
      } catch (const Error&) {
        row.repository = name.get<std::string>();
      }
      (row.tag == "<none>" ? untagged : tagged).push_back(row);
    }
    if (tagged.empty()) tagged.push_back(untagged.front());
    rows.insert(rows.end(), tagged.begin(), tagged.end());
  }
  sortRows(rows, flags.sort);
  if (flags.quiet) {
    std::string out;
    std::set<std::string> seen;
    for (const auto& row : rows)
      if (seen.insert(row.id()).second) out += row.id() + "\n";
    writeStdout(out);
    return 0;
  }
  format::ReportOptions options;
  options.format = flags.format;
  options.noHeading = flags.noHeading;
  options.name = "images";
  const std::string defaultFormat =
      flags.digests
          ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
          : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
  writeStdout(format::renderReport(imageFields(), rows, options, defaultFormat));
  return 0;
}

CLI::App* defineImages(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "List images in local storage", true);
  auto flags = std::make_shared<ImagesFlags>();
  app->add_flag("-a,--all", flags->all, "Show all images (default hides intermediate images)");
  app->add_flag("-q,--quiet", flags->quiet, "Display only image IDs");
  app->add_flag("--digests", flags->digests, "Show digests");
  app->add_flag("--no-trunc", flags->noTrunc, "Do not truncate output");
  app->add_flag("-n,--noheading", flags->noHeading, "Do not print column headings");
  app->add_option("-f,--filter", flags->filters, "Filter output based on conditions provided")
      ->allow_extra_args(false);
  app->add_option("--sort", flags->sort,
                  "Sort by created, id, repository, size or tag (default: created)");
  app->add_option("--format", flags->format, "Change the output format to JSON or a Go template");
  cli.setRun(app, [&cli, flags] { return runImages(cli, *flags, cli.args()); });
  return app;
}

}  // namespace

void addImagesCommand(Cli& cli) {
  defineImages(cli, "images");
  defineImages(cli, "image ls")->alias("list");
}

}  // namespace berth::cli
