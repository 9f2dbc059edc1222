// SPDX-License-Identifier: Apache-2.0
// The rootfs planner (pure), and real mounts of it: each mount test forks a
// child that gets its own mount namespace (as root), or its own user and
// mount namespace (as anyone), builds layers there, mounts and checks the
// merged view. As root, every test also runs as an unprivileged user.
#include "berth/runtime/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/base/programs.hpp"
#include "berth/runtime/graph_driver.hpp"
#include "berth/runtime/layer_apply.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::runtime;

namespace {

RootfsSpec specWith(std::vector<std::string> layers) {
  RootfsSpec spec;
  spec.layerDirs = std::move(layers);
  spec.upperDir = "/c/upper";
  spec.workDir = "/c/work";
  spec.target = "/c/merged";
  return spec;
}

}  // namespace

TEST_CASE("planRootfs: top layer first, upper and work, userxattr and volatile when asked") {
  RootfsSpec spec = specWith({"/l/bottom", "/l/middle", "/l/top"});
  RootfsPlan plan = planRootfs(spec, 4096);
  CHECK(plan.source == "overlay");
  CHECK(plan.fsType == "overlay");
  CHECK(plan.overlayData ==
        "lowerdir=/l/top:/l/middle:/l/bottom,upperdir=/c/upper,workdir=/c/work");
  CHECK(plan.lowerDirs == std::vector<std::string>{"/l/top", "/l/middle", "/l/bottom"});
  CHECK(plan.linkDir.empty());
  CHECK(plan.emptyLowerDir.empty());
  CHECK(plan.spec.privateDir == "/c");
  CHECK(plan.fuseOptions ==
        "lowerdir=/l/top:/l/middle:/l/bottom,upperdir=/c/upper,workdir=/c/work");

  spec.rootless = true;
  spec.volatileUpper = true;
  plan = planRootfs(spec, 4096);
  CHECK(plan.overlayData ==
        "lowerdir=/l/top:/l/middle:/l/bottom,upperdir=/c/upper,workdir=/c/work,userxattr,volatile");
  // fuse-overlayfs has no userxattr (it reads both namespaces) nor volatile.
  CHECK(plan.fuseOptions ==
        "lowerdir=/l/top:/l/middle:/l/bottom,upperdir=/c/upper,workdir=/c/work,fsync=0");
}

TEST_CASE("planRootfs: one layer, and no layer at all (an empty lower dir)") {
  CHECK(planRootfs(specWith({"/l/only"}), 4096).overlayData ==
        "lowerdir=/l/only,upperdir=/c/upper,workdir=/c/work");

  RootfsSpec spec = specWith({});
  spec.privateDir = "/p";
  const RootfsPlan plan = planRootfs(spec, 4096);
  CHECK(plan.emptyLowerDir == "/p/empty");
  CHECK(plan.lowerDirs == std::vector<std::string>{"/p/empty"});
  CHECK(plan.overlayData == "lowerdir=/p/empty,upperdir=/c/upper,workdir=/c/work");
}

TEST_CASE("planRootfs: ',' ':' and '\\' in paths are escaped for the kernel, refused by fuse") {
  CHECK(escapeOverlayPath("/a,b:c\\d") == "/a\\,b\\:c\\\\d");
  CHECK(escapeOverlayPath("/plain/path=1") == "/plain/path=1");

  RootfsSpec spec = specWith({"/l/x:y", "/l/a,b"});
  spec.upperDir = "/c\\d/upper";
  const RootfsPlan plan = planRootfs(spec, 4096);
  CHECK(plan.overlayData == "lowerdir=/l/a\\,b:/l/x\\:y,upperdir=/c\\\\d/upper,workdir=/c/work");
  CHECK(plan.fuseOptions.empty());
  CHECK(plan.fuseUnsupported.find("'/l/a,b'") != std::string::npos);
}

TEST_CASE("planRootfs: a layer list longer than a page uses short links in the private dir") {
  std::vector<std::string> layers;
  for (int i = 0; i < 100; ++i)
    layers.push_back(fmt::format("/var/lib/berth/layers/{:064}/diff", i));
  RootfsSpec spec = specWith(layers);
  spec.rootless = true;
  const RootfsPlan plan = planRootfs(spec, 4096);
  CHECK(plan.linkDir == "/c/l");
  std::string names;
  for (int i = 0; i < 100; ++i)
    names += (i ? ":" : "") + std::to_string(i);
  CHECK(plan.overlayData == "lowerdir=" + names + ",upperdir=/c/upper,workdir=/c/work,userxattr");
  // Link i is lowerDirs[i]: 0 is the top layer.
  CHECK(plan.lowerDirs.front() == layers.back());
  CHECK(plan.lowerDirs.back() == layers.front());
  // fuse-overlayfs gets its options on the command line: no page limit.
  CHECK(plan.fuseOptions.starts_with("lowerdir=" + layers.back() + ":"));
}

TEST_CASE("planRootfs: the page limit is exact: the data must be shorter than a page") {
  const RootfsSpec spec = specWith({"/l/a", "/l/b"});
  const std::size_t length = planRootfs(spec, 4096).overlayData.size();
  CHECK(planRootfs(spec, length + 1).linkDir.empty());  // length bytes + NUL fit
  const RootfsPlan shortened = planRootfs(spec, length);
  CHECK(shortened.linkDir == "/c/l");
  CHECK(shortened.overlayData == "lowerdir=0:1,upperdir=/c/upper,workdir=/c/work");
}

TEST_CASE("planRootfs: bad paths are refused with the value named") {
  RootfsSpec spec = specWith({"relative/layer"});
  CHECK_THROWS_WITH(planRootfs(spec, 4096),
                    "rootfs layer dir 'relative/layer': expected an absolute path");
  spec = specWith({"/l/a"});
  spec.target = "";
  try {
    planRootfs(spec, 4096);
    FAIL("an empty target was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()) == "rootfs target '': expected an absolute path");
  }
  // Upper and work paths so long that even short links do not help.
  spec = specWith({"/l/a"});
  spec.upperDir = "/" + std::string(3000, 'u');
  spec.workDir = "/" + std::string(3000, 'w');
  CHECK_THROWS_AS(planRootfs(spec, 4096), Error);
}

TEST_CASE("rootfsDriverName and backing filesystem names") {
  CHECK(rootfsDriverName(RootfsDriver::Overlay) == "overlay");
  CHECK(rootfsDriverName(RootfsDriver::FuseOverlayfs) == "fuse-overlayfs");
  CHECK(rootfsDriverName(RootfsDriver::Vfs) == "vfs");
  CHECK(backingFilesystemName(0xEF53) == "extfs");
  CHECK(backingFilesystemName(0x01021994) == "tmpfs");
  CHECK(backingFilesystemName(0x58465342) == "xfs");
  CHECK(backingFilesystemName(0x1234) == "0x1234");
}

// ---------------------------------------------------------------------------
// Real mounts, in forked children.

namespace {

constexpr uid_t kNobody = 65534;

enum class Mode {
  Root,           ///< real root, a new mount namespace only
  UserNamespace,  ///< a new user + mount namespace mapping our own id to 0
  Unprivileged,   ///< as root: drop to nobody first, then UserNamespace
};

const char* modeName(Mode mode) {
  switch (mode) {
    case Mode::Root:
      return "root";
    case Mode::UserNamespace:
      return "user namespace";
    case Mode::Unprivileged:
      return "unprivileged user namespace";
  }
  return "?";
}

/// The modes this process can test: all three as root, else the user namespace.
std::vector<Mode> testModes() {
  if (::geteuid() == 0) return {Mode::Root, Mode::UserNamespace, Mode::Unprivileged};
  return {Mode::UserNamespace};
}

/// Failures collected in the child, where Catch2's macros cannot be used.
struct Checks {
  std::string failures;
  void expect(bool ok, const std::string& what) {
    if (!ok) failures += "  " + what + "\n";
  }
};

bool writeFileAt(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

/// Gives the owner rwx on every directory under `path`: overlay leaves its
/// work/work mode 000, which the test dir's removal could not enter as a
/// user (the owner may always chmod).
void makeRemovable(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  ::chmod(path.c_str(), (st.st_mode & 07777) | S_IRWXU);
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : names)
    makeRemovable(path + "/" + name);
}

/// Runs `body` in a forked child in its own mount namespace. Returns the
/// child's failures ("" when all went well) or "SKIP: ..." when the mode
/// is not available here (no user namespaces).
std::string inMountNamespace(Mode mode, const std::string& dir,
                             const std::function<void(Checks&)>& body) {
  if (mode == Mode::Unprivileged && ::chown(dir.c_str(), kNobody, kNobody) != 0)
    return "chown test dir: " + errnoText(errno);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[0]);
    std::string report;
    try {
      if (mode == Mode::Unprivileged) {
        if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
            ::setresuid(kNobody, kNobody, kNobody) != 0)
          throwErrno("drop to nobody");
        // Changing ids makes us undumpable, which makes /proc/self/uid_map
        // root's: we could not map ourselves.
        ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
      }
      if (mode == Mode::Root) {
        if (::unshare(CLONE_NEWNS) != 0) throwErrno("unshare mount namespace");
      } else {
        const uid_t uid = ::geteuid();
        const gid_t gid = ::getegid();
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
          report = "SKIP: no user namespace here: " + errnoText(errno);
          throw 0;
        }
        if (!writeFileAt("/proc/self/setgroups", "deny") ||
            !writeFileAt("/proc/self/uid_map", fmt::format("0 {} 1\n", uid)) ||
            !writeFileAt("/proc/self/gid_map", fmt::format("0 {} 1\n", gid)))
          throwErrno("write the id maps");
      }
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throwErrno("make / private");
      Checks checks;
      body(checks);
      report = checks.failures;
    } catch (const std::exception& e) {
      report += std::string("exception: ") + e.what() + "\n";
    } catch (int) {
    }
    [[maybe_unused]] const ssize_t n = ::write(fds[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string report;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) report.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report += "child died\n";
  makeRemovable(dir);
  return report;
}

/// Requires a clean report from inMountNamespace, or notes a skip.
void requireClean(Mode mode, const std::string& report) {
  INFO("mode: " << modeName(mode));
  if (report.starts_with("SKIP: ")) {
    WARN(modeName(mode) << ": " << report);
    return;
  }
  if (!report.empty()) FAIL_CHECK(report);
}

void writeText(const std::string& path, const std::string& text, mode_t mode = 0644) {
  UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  writeAll(fd.get(), text, path);
  if (::fchmod(fd.get(), mode) != 0) throwErrno("chmod '{}'", path);
}

void makeWhiteout(const std::string& path) {
  if (::mknod(path.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) throwErrno("mknod '{}'", path);
}

void makeOpaque(const std::string& path, bool rootless) {
  const char* name = rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
  if (::setxattr(path.c_str(), name, "y", 1, 0) != 0) throwErrno("setxattr '{}'", path);
}

std::string textOf(const std::string& path) {
  auto text = readFileIfExists(path);
  return text ? *text : "<missing>";
}

bool isA(const std::string& path, mode_t type) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/// Two layers exercising what the merged view must show:
///   bottom: a, b, dir/x, opq/lower, link -> a, hard1 = hard2, fifo, mode 0751 file
///   top:    a (wins), whiteout b, dir/y, opq/ opaque with opq/new, c with user.test xattr
std::vector<std::string> buildLayers(const std::string& dir, bool rootless) {
  const std::string bottom = dir + "/layers/bottom";
  const std::string top = dir + "/layers/top";
  makeDirs(bottom + "/dir");
  makeDirs(bottom + "/opq");
  makeDirs(top + "/dir");
  makeDirs(top + "/opq");
  writeText(bottom + "/a", "a-bottom");
  writeText(bottom + "/b", "b-bottom");
  writeText(bottom + "/dir/x", "x");
  writeText(bottom + "/opq/lower", "hidden");
  writeText(bottom + "/hard1", "shared");
  writeText(bottom + "/mode751", "m", 0751);
  if (::link((bottom + "/hard1").c_str(), (bottom + "/hard2").c_str()) != 0) throwErrno("link");
  if (::symlink("a", (bottom + "/link").c_str()) != 0) throwErrno("symlink");
  if (::mkfifo((bottom + "/fifo").c_str(), 0640) != 0) throwErrno("mkfifo");
  writeText(top + "/a", "a-top");
  makeWhiteout(top + "/b");
  writeText(top + "/dir/y", "y");
  writeText(top + "/opq/new", "new");
  makeOpaque(top + "/opq", rootless);
  writeText(top + "/c", "c");
  if (::setxattr((top + "/c").c_str(), "user.test", "v", 1, 0) != 0) throwErrno("setxattr c");
  return {bottom, top};
}

RootfsPlan containerPlan(const std::string& dir, std::vector<std::string> layers, bool rootless) {
  RootfsSpec spec;
  spec.layerDirs = std::move(layers);
  spec.upperDir = dir + "/ctr/upper";
  spec.workDir = dir + "/ctr/work";
  spec.target = dir + "/ctr/merged";
  spec.rootless = rootless;
  return planRootfs(spec);
}

/// The merged view of buildLayers' stack, and a write landing in upper.
void checkMergedView(Checks& checks, const RootfsPlan& plan, RootfsDriver driver) {
  const std::string m = plan.spec.target;
  const std::string name(rootfsDriverName(driver));
  checks.expect(textOf(m + "/a") == "a-top",
                name + ": the top layer's a wins: " + textOf(m + "/a"));
  checks.expect(!pathExists(m + "/b"), name + ": the whiteout hides b");
  checks.expect(textOf(m + "/c") == "c", name + ": c from the top layer");
  checks.expect(textOf(m + "/dir/x") == "x" && textOf(m + "/dir/y") == "y",
                name + ": dir merges both layers");
  checks.expect(!pathExists(m + "/opq/lower"), name + ": the opaque dir hides opq/lower");
  checks.expect(textOf(m + "/opq/new") == "new", name + ": opq/new from the top layer");
  char target[16] = {};
  checks.expect(::readlink((m + "/link").c_str(), target, sizeof(target) - 1) == 1 &&
                    std::string(target) == "a",
                name + ": the symlink stays a symlink to 'a'");
  checks.expect(textOf(m + "/hard2") == "shared", name + ": hard2");
  checks.expect(isA(m + "/fifo", S_IFIFO), name + ": the fifo");
  struct stat st {};
  checks.expect(::stat((m + "/mode751").c_str(), &st) == 0 && (st.st_mode & 07777) == 0751,
                name + ": modes are kept");
  char value[4] = {};
  checks.expect(
      ::getxattr((m + "/c").c_str(), "user.test", value, sizeof(value)) == 1 && value[0] == 'v',
      name + ": xattrs are kept");

  writeText(m + "/written", "new file");
  checks.expect(textOf(plan.spec.upperDir + "/written") == "new file",
                name + ": a write lands in the upper dir");
  checks.expect(::unlink((m + "/a").c_str()) == 0 && !pathExists(m + "/a"),
                name + ": a lower file can be removed");
}

bool fuseUsable() {
  return !findInPath("fuse-overlayfs").empty() && ::access("/dev/fuse", R_OK | W_OK) == 0;
}

}  // namespace

TEST_CASE(
    "mountRootfs with native overlay: layers merged, whiteouts, opaque dirs, writes in upper") {
  for (const Mode mode : testModes()) {
    TestDir dir;
    const bool rootless = mode != Mode::Root;
    requireClean(mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
                   const RootfsPlan plan =
                       containerPlan(dir.path(), buildLayers(dir.path(), rootless), rootless);
                   const RootfsDriver used = mountRootfs(plan, {RootfsDriver::Overlay});
                   checks.expect(used == RootfsDriver::Overlay, "overlay was used");
                   checkMergedView(checks, plan, used);
                   checks.expect(isA(plan.spec.upperDir + "/a", S_IFCHR),
                                 "overlay records the removal as a whiteout in upper");
                   checks.expect(unmountRootfs(plan.spec.target), "unmount reports a mount");
                   checks.expect(!unmountRootfs(plan.spec.target), "nothing mounted any more");
                 }));
  }
}

TEST_CASE("mountRootfs automatic: native overlay first where it works") {
  for (const Mode mode : testModes()) {
    TestDir dir;
    const bool rootless = mode != Mode::Root;
    requireClean(mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
                   const RootfsPlan plan =
                       containerPlan(dir.path(), buildLayers(dir.path(), rootless), rootless);
                   const RootfsDriver used = mountRootfs(plan);
                   checks.expect(used == RootfsDriver::Overlay,
                                 "auto picked " + std::string(rootfsDriverName(used)));
                   checkMergedView(checks, plan, used);
                 }));
  }
}

TEST_CASE("mountRootfs with vfs: a copy in upper, bind-mounted, reused on the next mount") {
  for (const Mode mode : testModes()) {
    TestDir dir;
    const bool rootless = mode != Mode::Root;
    requireClean(mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
                   const RootfsPlan plan =
                       containerPlan(dir.path(), buildLayers(dir.path(), rootless), rootless);
                   checks.expect(mountRootfs(plan, {RootfsDriver::Vfs}) == RootfsDriver::Vfs,
                                 "vfs was used");
                   checkMergedView(checks, plan, RootfsDriver::Vfs);
                   const std::string upper = plan.spec.upperDir;
                   struct stat h1 {
                   }, h2{};
                   checks.expect(::stat((upper + "/hard1").c_str(), &h1) == 0 &&
                                     ::stat((upper + "/hard2").c_str(), &h2) == 0 &&
                                     h1.st_ino == h2.st_ino,
                                 "vfs: hard links stay hard links");
                   checks.expect(!pathExists(upper + "/a"), "vfs: the removal is in upper");
                   checks.expect(unmountRootfs(plan.spec.target), "vfs: unmount");

                   // Mounted again (automatic): the copy, with the change, is reused.
                   checks.expect(mountRootfs(plan) == RootfsDriver::Vfs, "vfs copy reused");
                   checks.expect(textOf(plan.spec.target + "/written") == "new file",
                                 "vfs: the container's write survives");
                   checks.expect(!pathExists(plan.spec.target + "/a"), "vfs: the removal survives");
                   unmountRootfs(plan.spec.target);
                   try {
                     mountRootfs(plan, {RootfsDriver::Overlay});
                     checks.expect(false, "overlay over a vfs copy was accepted");
                   } catch (const Error& e) {
                     checks.expect(e.kind() == Errc::InvalidState,
                                   std::string("overlay over a vfs copy: ") + e.what());
                   }
                 }));
  }
}

TEST_CASE("mountRootfs automatic: falls back to vfs where overlay cannot use the upper dir") {
  for (const Mode mode : testModes()) {
    TestDir dir;
    const bool rootless = mode != Mode::Root;
    requireClean(mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
                   const auto layers = buildLayers(dir.path(), rootless);
                   // overlayfs is not supported as an upper filesystem by overlay.
                   const std::string host = dir.path() + "/host";
                   for (const char* sub : {"/l", "/u", "/w", "/m"})
                     makeDirs(host + sub);
                   const std::string data = "lowerdir=" + host + "/l,upperdir=" + host +
                                            "/u,workdir=" + host + "/w" +
                                            (rootless ? ",userxattr" : "");
                   if (::mount("overlay", (host + "/m").c_str(), "overlay", 0, data.c_str()) != 0)
                     throwErrno("mount the host overlay");
                   // Hide fuse-overlayfs, which would work here as root.
                   ::setenv("PATH", "/nonexistent", 1);
                   const RootfsPlan plan = containerPlan(host + "/m", layers, rootless);
                   const RootfsDriver used = mountRootfs(plan);
                   checks.expect(used == RootfsDriver::Vfs,
                                 "fell back to " + std::string(rootfsDriverName(used)));
                   checkMergedView(checks, plan, used);
                 }));
  }
}

TEST_CASE("mountRootfs with fuse-overlayfs, where /dev/fuse is usable") {
  if (!fuseUsable()) {
    WARN("fuse-overlayfs or /dev/fuse not usable here: not tested");
    return;
  }
  TestDir dir;
  const Mode mode = ::geteuid() == 0 ? Mode::Root : Mode::UserNamespace;
  const bool rootless = mode != Mode::Root;
  requireClean(mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
                 const RootfsPlan plan =
                     containerPlan(dir.path(), buildLayers(dir.path(), rootless), rootless);
                 const RootfsDriver used = mountRootfs(plan, {RootfsDriver::FuseOverlayfs});
                 checkMergedView(checks, plan, used);
                 // The daemon exits once its mount is gone.
                 checks.expect(unmountRootfs(plan.spec.target), "fuse: unmount");
               }));
}

TEST_CASE("mountRootfs: an image without layers, and a hundred layers with long names") {
  for (const Mode mode : testModes()) {
    TestDir dir;
    const bool rootless = mode != Mode::Root;
    requireClean(
        mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
          const RootfsPlan empty = containerPlan(dir.path() + "/e", {}, rootless);
          checks.expect(mountRootfs(empty, {RootfsDriver::Overlay}) == RootfsDriver::Overlay,
                        "no layers: overlay");
          writeText(empty.spec.target + "/file", "x");
          checks.expect(textOf(empty.spec.upperDir + "/file") == "x",
                        "no layers: the write lands in upper");

          std::vector<std::string> layers;
          for (int i = 0; i < 100; ++i) {
            // Odd characters the kernel needs escaped, in a long name.
            const std::string layer = fmt::format("{}/layers/{:0100},:x/diff", dir.path(), i);
            makeDirs(layer);
            writeText(layer + "/layer", std::to_string(i));
            writeText(layer + fmt::format("/only-{}", i), "");
            layers.push_back(layer);
          }
          const RootfsPlan many = containerPlan(dir.path() + "/many", layers, rootless);
          checks.expect(!many.linkDir.empty(), "100 long layer names need short links");
          checks.expect(mountRootfs(many, {RootfsDriver::Overlay}) == RootfsDriver::Overlay,
                        "100 layers: overlay");
          checks.expect(textOf(many.spec.target + "/layer") == "99",
                        "100 layers: the top layer wins");
          checks.expect(
              pathExists(many.spec.target + "/only-0") && pathExists(many.spec.target + "/only-99"),
              "100 layers: bottom and top files are there");
          checks.expect(!pathExists(many.linkDir), "the short links are removed");
        }));
  }
}

TEST_CASE("mountRootfs: a failed mount names the target and the errno") {
  const Mode mode = testModes().front();
  TestDir dir;
  requireClean(mode, inMountNamespace(mode, dir.path(), [&](Checks& checks) {
                 const RootfsPlan plan =
                     containerPlan(dir.path(), {dir.path() + "/no-such-layer"}, mode != Mode::Root);
                 try {
                   mountRootfs(plan);
                   checks.expect(false, "a missing layer was mounted");
                 } catch (const Error& e) {
                   // Not a reason to fall back: the same error in automatic mode.
                   checks.expect(std::string(e.what()) == "mount overlay on " + plan.spec.target +
                                                              ": No such file or directory",
                                 std::string("message: ") + e.what());
                   checks.expect(e.sysErrno() == ENOENT, "errno is kept");
                 }
               }));
}

TEST_CASE("detectGraphDriver: overlay where a test mount works, cached, nothing left behind") {
  TestDir dir;
  const bool rootless = ::geteuid() != 0;
  const std::string graphRoot = dir.path() + "/graph";
  const std::string cache = dir.path() + "/run/graph-driver.json";
  makeDirs(graphRoot);
  makeDirs(dir.path() + "/run");

  const GraphDriverInfo info = detectGraphDriver(rootless, graphRoot, cache);
  CHECK(dir.entries("/graph").empty());
  CHECK(info.backingFilesystem != "");
  CHECK((info.name == "overlay" || info.name == "vfs"));
  CHECK(info.name == (info.driver == RootfsDriver::Vfs ? "vfs" : "overlay"));

  // Where our own test can mount overlay, the probe must say so too.
  const Mode mode = rootless ? Mode::UserNamespace : Mode::Root;
  TestDir scratch;
  const std::string report = inMountNamespace(mode, scratch.path(), [&](Checks& checks) {
    const RootfsPlan plan = containerPlan(scratch.path(), {}, rootless);
    mountRootfs(plan, {RootfsDriver::Overlay});
    checks.expect(true, "");
  });
  if (report.empty()) CHECK(info.driver == RootfsDriver::Overlay);

  // The cache answers for the same graph root, mode and fuse-overlayfs path.
  const Json cached = readJsonFile(cache);
  CHECK(cached["graphRoot"] == graphRoot);
  CHECK(cached["driver"] == std::string(rootfsDriverName(info.driver)));
  Json forged = cached;
  forged["driver"] = "vfs";
  writeJsonFileAtomic(cache, forged, false);
  CHECK(detectGraphDriver(rootless, graphRoot, cache).driver == RootfsDriver::Vfs);
  // Another graph root is probed again.
  const std::string other = dir.path() + "/other";
  makeDirs(other);
  CHECK(detectGraphDriver(rootless, other, cache).driver == info.driver);

  // A store that does not exist yet is probed in its parent, which stays clean.
  const std::string missing = dir.path() + "/parent/not-yet";
  makeDirs(dir.path() + "/parent");
  CHECK(detectGraphDriver(rootless, missing, "").driver == info.driver);
  CHECK(dir.entries("/parent").empty());
  CHECK(!pathExists(missing));
}

TEST_CASE("applyLayers: a file replaced by a directory and back, and a whiteout of a tree") {
  TestDir dir;
  const std::string a = dir.path() + "/a";
  const std::string b = dir.path() + "/b";
  const std::string c = dir.path() + "/c";
  const std::string dest = dir.path() + "/dest";
  makeDirs(a + "/tree/deep");
  writeText(a + "/tree/deep/f", "f");
  writeText(a + "/becomes-dir", "file");
  makeDirs(a + "/becomes-file");
  writeText(a + "/becomes-file/inner", "inner");
  if (::symlink("/etc", (a + "/escape").c_str()) != 0) throwErrno("symlink");
  makeDirs(b + "/becomes-dir");
  writeText(b + "/becomes-dir/inner", "inner");
  writeText(b + "/becomes-file", "file");
  // A directory where a symlink to /etc was: written into dest, not /etc.
  makeDirs(b + "/escape");
  writeText(b + "/escape/berth-test-file", "x");
  makeDirs(c);
  makeDirs(dest);
  const bool canWhiteout = ::mknod((c + "/tree").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0;

  applyLayers({a, b, c}, dest);
  CHECK(textOf(dest + "/becomes-dir/inner") == "inner");
  CHECK(textOf(dest + "/becomes-file") == "file");
  CHECK(isA(dest + "/escape", S_IFDIR));
  CHECK(!pathExists("/etc/berth-test-file"));
  if (canWhiteout)
    CHECK(!pathExists(dest + "/tree"));
  else
    WARN("cannot make a whiteout device here: whiteout of a tree not tested");
}
