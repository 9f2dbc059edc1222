// SPDX-License-Identifier: Apache-2.0
// The pure parts of cp, top and diff: the cp path rules, path resolution
// confined to a root (a symlink to /etc stays inside), the tar writer and
// reader, psgo's descriptors and formats, and overlay changes of a
// synthetic upper dir. All unprivileged.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/changes.hpp"
#include "berth/engine/copy_plan.hpp"
#include "berth/engine/copy_stream.hpp"
#include "berth/engine/top.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::engine;
using berth::engine::detail::CopyEntry;

namespace {

CopySide side(const std::string& path, bool exists, bool isDir, const std::string& resolved,
              std::optional<CopyPathFacts> parent = std::nullopt) {
  CopySide s;
  s.path = path;
  s.facts = {exists, isDir, resolved};
  s.parent = parent;
  s.where = "container ctr";
  return s;
}

const CopyPathFacts kDir{true, true, "/dst"};

std::string messageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

/// Collects the entries of a stream, with their data.
struct Collect final : detail::CopySink {
  std::vector<std::pair<CopyEntry, std::string>> entries;
  bool finished = false;
  void put(const CopyEntry& entry, const detail::CopyDataReader& data) override {
    std::string content;
    if (entry.type == '0') {
      char buffer[7];
      std::size_t n;
      while ((n = data(buffer, sizeof(buffer))) > 0)
        content.append(buffer, n);
    }
    entries.emplace_back(entry, content);
  }
  void finish() override { finished = true; }
};

}  // namespace

TEST_CASE("cp arguments split as Podman's", "[cp]") {
  CHECK(parseCopyArgument("ctr:/etc/passwd").container == "ctr");
  CHECK(parseCopyArgument("ctr:/etc/passwd").path == "/etc/passwd");
  CHECK(parseCopyArgument("ctr:").path.empty());
  CHECK(parseCopyArgument("/tmp/a:b").container.empty());
  CHECK(parseCopyArgument("./a:b").path == "./a:b");
  CHECK(parseCopyArgument("file").container.empty());
  CHECK(parseCopyArgument("-").path == "-");
}

TEST_CASE("cleanPath is Go's path.Clean for absolute paths", "[cp]") {
  CHECK(cleanPath("/a/./b/../c") == "/a/c");
  CHECK(cleanPath("/../../x") == "/x");
  CHECK(cleanPath("//a//") == "/a");
  CHECK(cleanPath("/") == "/");
}

TEST_CASE("cp plans: files", "[cp]") {
  // A file into an existing directory keeps its name.
  auto plan =
      planCopy(side("/etc/hosts", true, false, "/etc/hosts"), side("/dst", true, true, "/dst"));
  CHECK(plan.sourcePath == "/etc/hosts");
  CHECK(plan.topName == "hosts");
  CHECK(plan.destinationDir == "/dst");
  // Onto an existing file: replaced under the file's name.
  plan = planCopy(side("/a", true, false, "/a"), side("/dst/f", true, false, "/dst/f"));
  CHECK(plan.topName == "f");
  CHECK(plan.destinationDir == "/dst");
  // To a missing name in an existing directory: created under that name.
  plan = planCopy(side("/a", true, false, "/a"), side("/dst/new", false, false, "/dst/new", kDir));
  CHECK(plan.topName == "new");
  CHECK(plan.destinationDir == "/dst");
  // A symlink source is copied as its target, under the target's name.
  plan = planCopy(side("/link", true, false, "/real/file"), side("/dst", true, true, "/dst"));
  CHECK(plan.sourcePath == "/real/file");
  CHECK(plan.topName == "file");
}

TEST_CASE("cp plans: directories", "[cp]") {
  auto plan = planCopy(side("/src", true, true, "/src"), side("/dst", true, true, "/dst"));
  CHECK(plan.topName == "src");
  CHECK(plan.destinationDir == "/dst");
  // SRC/. copies the contents.
  plan = planCopy(side("/src/.", true, true, "/src"), side("/dst", true, true, "/dst"));
  CHECK(plan.topName.empty());
  CHECK(plan.destinationDir == "/dst");
  // To a missing destination, with or without "/.": created with the contents.
  for (const char* source : {"/src", "/src/."}) {
    plan = planCopy(side(source, true, true, "/src"),
                    side("/dst/new", false, false, "/dst/new", kDir));
    CHECK(plan.sourcePath == "/src");
    CHECK(plan.topName == "new");
    CHECK(plan.destinationDir == "/dst");
  }
  // The root's contents.
  plan = planCopy(side("/", true, true, "/"), side("/dst", true, true, "/dst"));
  CHECK(plan.topName.empty());
}

TEST_CASE("cp plans: errors as Podman words them", "[cp]") {
  CHECK(messageOf([] {
          planCopy(side("/nope", false, false, "/nope"), side("/dst", true, true, "/dst"));
        }) == "\"/nope\" could not be found on container ctr: no such file or directory");
  CHECK(messageOf([] {
          planCopy(side("/a", true, false, "/a"),
                   side("/dst/new/", false, false, "/dst/new", kDir));
        }) == "\"/dst/new/\" could not be found on container ctr: no such file or directory");
  CHECK(messageOf([] {
          planCopy(side("/a", true, false, "/a"), side("/no/dir/x", false, false, "/no/dir/x",
                                                       CopyPathFacts{false, false, "/no/dir"}));
        }) == "\"/no/dir/x\" could not be found on container ctr: no such file or directory");
  CHECK(messageOf([] {
          planCopy(side("/src", true, true, "/src"), side("/file", true, false, "/file"));
        }) == "destination must be a directory when copying a directory");
  CHECK(messageOf([] { planCopyFromStream(side("/file", true, false, "/file")); }) ==
        "destination must be a directory when copying from stdin");
  CHECK(planCopyFromStream(side("/dst", true, true, "/dst")) == "/dst");
  CHECK(planCopyToStream(side("/src/.", true, true, "/src")).topName.empty());
  CHECK(planCopyToStream(side("/src", true, true, "/src")).topName == "src");
}

TEST_CASE("paths resolve inside the root: symlinks never reach the host", "[cp]") {
  TestDir dir;
  const std::string root = dir.path() + "/root";
  makeDirs(root + "/etc", 0755);
  writeFile(root + "/etc/passwd", "container\n");
  REQUIRE(::symlink("/etc", (root + "/escape").c_str()) == 0);
  REQUIRE(::symlink("../../../../../../etc", (root + "/climb").c_str()) == 0);
  REQUIRE(::symlink("/nowhere/x", (root + "/dangling").c_str()) == 0);
  UniqueFd rootFd = openFile(root, O_PATH | O_DIRECTORY);

  auto facts = detail::resolveInRoot(rootFd.get(), "/escape/passwd");
  CHECK(facts.exists);
  CHECK(facts.resolved == "/etc/passwd");
  facts = detail::resolveInRoot(rootFd.get(), "/climb/passwd");
  CHECK(facts.resolved == "/etc/passwd");
  facts = detail::resolveInRoot(rootFd.get(), "/escape");
  CHECK(facts.isDir);
  facts = detail::resolveInRoot(rootFd.get(), "/dangling");
  CHECK_FALSE(facts.exists);
  CHECK(facts.resolved == "/nowhere/x");
  facts = detail::resolveInRoot(rootFd.get(), "/etc/new");
  CHECK_FALSE(facts.exists);
  CHECK(facts.resolved == "/etc/new");

  // What is read through the link is the root's file.
  Collect collect;
  detail::walkTree(rootFd.get(), detail::resolveInRoot(rootFd.get(), "/escape/passwd").resolved,
                   "passwd", collect);
  REQUIRE(collect.entries.size() == 1);
  CHECK(collect.entries[0].second == "container\n");

  // Writing through the link lands in the root's /etc.
  UniqueFd rw = openFile(root, O_RDONLY | O_DIRECTORY);
  detail::ExtractSink sink(rw.get(), "/escape",
                           {std::make_pair(::geteuid(), ::getegid()), false, "x"});
  CopyEntry file;
  file.name = "planted";
  file.mode = 0644;
  file.size = 2;
  const std::string data = "hi";
  std::size_t offset = 0;
  sink.put(file, [&](char* buffer, std::size_t n) {
    const std::size_t k = std::min(n, data.size() - offset);
    std::copy_n(data.data() + offset, k, buffer);
    offset += k;
    return k;
  });
  sink.finish();
  CHECK(readFile(root + "/etc/planted") == "hi");
  CHECK_FALSE(pathExists("/etc/planted"));

  // An entry that climbs is refused.
  CopyEntry climb = file;
  climb.name = "../../x";
  CHECK_THROWS_AS(sink.put(climb, [](char*, std::size_t) { return std::size_t{0}; }), Error);
}

TEST_CASE("tar written by the walker reads back the same", "[cp]") {
  TestDir dir;
  const std::string src = dir.path() + "/src";
  makeDirs(src + "/sub", 0750);
  writeFile(src + "/sub/a", "alpha", 0640);
  const std::string longName(150, 'n');
  writeFile(src + "/" + longName, "long");
  REQUIRE(::link((src + "/sub/a").c_str(), (src + "/hard").c_str()) == 0);
  REQUIRE(::symlink("sub/a", (src + "/link").c_str()) == 0);
  UniqueFd rootFd = openFile("/", O_PATH | O_DIRECTORY);

  const std::string tarPath = dir.path() + "/out.tar";
  {
    UniqueFd out = openFile(tarPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    detail::TarWriterSink writer(out.get(), "out.tar");
    detail::walkTree(rootFd.get(), src, "top", writer);
  }
  UniqueFd in = openFile(tarPath, O_RDONLY);
  Collect collect;
  detail::readTar(in.get(), collect);
  CHECK(collect.finished);
  std::map<std::string, std::pair<CopyEntry, std::string>> byName;
  for (const auto& entry : collect.entries)
    byName[entry.first.name] = entry;
  REQUIRE(byName.count("top"));
  CHECK(byName["top"].first.type == '5');
  CHECK(byName["top/sub"].first.mode == 0750);
  CHECK(byName["top/" + longName].second == "long");  // through a pax record
  CHECK(byName["top/link"].first.type == '2');
  CHECK(byName["top/link"].first.link == "sub/a");
  // "hard" sorts before "sub": it carries the data, sub/a links to it.
  CHECK(byName["top/hard"].second == "alpha");
  CHECK(byName["top/sub/a"].first.type == '1');
  CHECK(byName["top/sub/a"].first.link == "top/hard");

  // Not a tar at all.
  const std::string junk = dir.path() + "/junk";
  writeFile(junk, std::string(1024, 'x'));
  UniqueFd junkFd = openFile(junk, O_RDONLY);
  Collect none;
  CHECK(messageOf([&] { detail::readTar(junkFd.get(), none); }) ==
        "source must be a (compressed) tar archive when copying from stdin");
}

TEST_CASE("top descriptors parse as psgo's", "[top]") {
  auto columns = parseTopDescriptors({});
  REQUIRE(columns.size() == 8);
  std::string headers;
  for (const auto& c : columns)
    headers += std::string(c.header) + " ";
  CHECK(headers == "USER PID PPID %CPU ELAPSED TTY TIME COMMAND ");
  columns = parseTopDescriptors({"pid,%C", "args comm", "hpid"});
  REQUIRE(columns.size() == 5);
  CHECK(columns[1].normal == "pcpu");
  CHECK(columns[4].header == "HPID");
  CHECK(messageOf([] { parseTopDescriptors({"pid", "bogus"}); }) == "'bogus': unknown descriptor");
  CHECK(messageOf([] { parseTopDescriptors({"-ef"}); }) == "'-ef': unknown descriptor");
}

TEST_CASE("top cells are psgo's", "[top]") {
  CHECK(goDurationString(0) == "0s");
  CHECK(goDurationString(1500000000) == "1.5s");
  CHECK(goDurationString(22219397514) == "22.219397514s");
  CHECK(goDurationString(3600000000000) == "1h0m0s");
  CHECK(goDurationString(123000000000) == "2m3s");
  CHECK(goDurationString(150000000) == "150ms");
  CHECK(capabilitySetString(0, 40) == "none");
  CHECK(capabilitySetString((1ULL << 41) - 1, 40) == "full");
  CHECK(capabilitySetString((1ULL << 0) | (1ULL << 5), 40) == "CHOWN,KILL");

  TopContext context;
  context.users = parseIdNames("root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/:/bin/false\n");
  context.clockTicks = 100;
  context.bootTimeSeconds = 1000;
  context.nowNs = (1000 + 20) * 1000000000LL;
  TopProcess p;
  p.pid = 1;
  p.comm = "sleep";
  p.args = {"sleep", "100"};
  p.uids[1] = 33;
  p.startTicks = 1000;  // 10 s after boot: 10 s ago
  p.cpuTicks = 500;     // 5 s
  p.vsizeBytes = 4096 * 1024;
  const auto cell = [&](const char* d) { return topCell(parseTopDescriptors({d})[0], p, context); };
  CHECK(cell("user") == "www");
  CHECK(cell("args") == "sleep 100");
  CHECK(cell("etime") == "10s");
  CHECK(cell("time") == "5s");
  CHECK(cell("pcpu") == "50.000");
  CHECK(cell("tty") == "?");
  CHECK(cell("vsz") == "4096");
  p.uids[1] = 1234;
  CHECK(cell("%U") == "1234");
  p.args.clear();
  CHECK(cell("args") == "[sleep]");
}

TEST_CASE("overlay changes of a synthetic upper dir", "[diff]") {
  TestDir dir;
  const std::string lower = dir.path() + "/lower";
  const std::string upper = dir.path() + "/upper";
  makeDirs(lower + "/etc", 0755);
  makeDirs(lower + "/usr/bin", 0755);
  writeFile(lower + "/etc/passwd", "old");
  makeDirs(upper + "/etc", 0755);
  writeFile(upper + "/etc/passwd", "new");
  writeFile(upper + "/etc/added", "x");
  makeDirs(upper + "/newdir/sub", 0755);
  writeFile(upper + "/newdir/sub/f", "x");
  // The image's /etc is older (the clock may not tick between the writes).
  const struct timespec old[2] = {{1000, 0}, {1000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (lower + "/etc").c_str(), old, 0) == 0);
  const auto changes = overlayChanges(upper, {lower}, "user.overlay.opaque");
  std::string text;
  for (const auto& c : changes)
    text += std::string(1, c.kind) + " " + c.path + "\n";
  // /etc differs from the lower /etc (mtime): changed; new things added.
  // /usr exists only below: untouched, not listed.
  CHECK(text ==
        "C /etc\n"
        "A /etc/added\n"
        "C /etc/passwd\n"
        "A /newdir\n"
        "A /newdir/sub\n"
        "A /newdir/sub/f\n");
}
