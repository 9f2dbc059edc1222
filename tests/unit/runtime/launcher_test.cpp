// SPDX-License-Identifier: Apache-2.0
// Real launches of a busybox rootfs. Each runs in a forked child of the test,
// which first enters a user namespace with a single-id map (as an
// unprivileged user must; as root, to test the rootless path too), so the
// container's mount namespace, and everything mounted there, vanishes with
// it. As root, every launch test runs twice: real root, and rootless.
#include "berth/runtime/launcher.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::runtime;

namespace {

enum class Mode { Root, UserNamespace };

const char* modeName(Mode mode) {
  return mode == Mode::Root ? "root" : "user namespace";
}

/// A busybox rootfs shared by the tests of this process (read-only use).
const std::string& rootfs() {
  static TestDir dir;
  static std::string path;
  if (!path.empty()) return path;
  path = dir.path() + "/rootfs";
  for (const char* sub : {"", "/bin", "/usr", "/usr/bin", "/proc", "/sys", "/dev", "/etc", "/tmp",
                          "/root", "/etc/skel"})
    makeDirs(path + sub);
  ::chmod((path + "/tmp").c_str(), 01777);
  const std::string busybox = readFile("/bin/busybox");
  writeFileAtomic(path + "/bin/busybox", busybox, 0755, false);
  for (const char* applet :
       {"sh",    "cat",   "echo",  "id",   "ls",       "hostname", "pwd",  "env",
        "touch", "mkdir", "sleep", "stat", "readlink", "test",     "grep", "wc",
        "head",  "true",  "false", "tr",   "cut",      "ps"})
    if (::symlink("busybox", (path + "/bin/" + applet).c_str()) != 0)
      throw std::runtime_error("symlink in the test rootfs failed");
  writeFileAtomic(path + "/etc/motd", "welcome\n", 0644, false);
  writeFileAtomic(path + "/etc/skel/profile", "# skel\n", 0644, false);
  writeFileAtomic(path + "/bin/notexec", "#!/bin/sh\necho never\n", 0644, false);
  // As systemd-resolved images have it: dangling until something is bound there.
  if (::symlink("../run/systemd/resolve/stub-resolv.conf", (path + "/etc/resolv.conf").c_str()) !=
      0)
    throw std::runtime_error("symlink in the test rootfs failed");
  return path;
}

oci::Mount mount(std::string destination, std::string type, std::string source,
                 std::vector<std::string> options) {
  return oci::Mount{std::move(destination), std::move(type), std::move(source), std::move(options),
                    Json::object()};
}

/// Podman's defaults (oci-runtime-config-web.json) with tmpfs for what
/// Podman binds from its userdata dir.
oci::Spec baseSpec(std::vector<std::string> args) {
  oci::Spec spec;
  spec.process.emplace();
  spec.process->args = std::move(args);
  spec.process->env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "TERM=xterm", "HOME=/root"};
  spec.process->cwd = "/";
  spec.root = oci::Root{rootfs(), false, Json::object()};
  spec.hostname = "berthtest";
  spec.mounts = {
      mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      mount("/dev", "tmpfs", "tmpfs",
            {"nosuid", "noexec", "strictatime", "mode=755", "size=65536k"}),
      mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      mount("/sys/fs/cgroup", "cgroup", "cgroup",
            {"rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"}),
  };
  spec.linuxConfig.emplace();
  spec.linuxConfig->namespaces = {{"pid", ""}, {"network", ""}, {"ipc", ""},
                                  {"uts", ""}, {"mount", ""},   {"cgroup", ""}};
  spec.linuxConfig->maskedPaths = {"/proc/acpi",          "/proc/kcore",      "/proc/keys",
                                   "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                   "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware",
                                   "/sys/fs/selinux",     "/sys/dev/block"};
  spec.linuxConfig->readonlyPaths = {"/proc/asound", "/proc/bus", "/proc/fs",
                                     "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};
  return spec;
}

oci::Spec shell(const std::string& script) {
  return baseSpec({"sh", "-c", script});
}

bool writeWhole(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

/// Runs `body` in a forked child (in a single-id user namespace unless
/// `mode` is Root) and returns the JSON it produced; {"skip": why} when user
/// namespaces are not available, {"exception": what} when it threw.
Json inChild(Mode mode, const std::function<Json()>& body) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    Json result;
    try {
      if (mode == Mode::UserNamespace) {
        const uid_t uid = ::geteuid();
        const gid_t gid = ::getegid();
        if (::unshare(CLONE_NEWUSER) != 0 || !writeWhole("/proc/self/setgroups", "deny") ||
            !writeWhole("/proc/self/uid_map", fmt::format("0 {} 1\n", uid)) ||
            !writeWhole("/proc/self/gid_map", fmt::format("0 {} 1\n", gid)))
          result = Json{{"skip", std::string("no user namespace: ") + std::strerror(errno)}};
      }
      if (result.is_null()) result = body();
    } catch (const std::exception& e) {
      result = Json{{"exception", e.what()}};
    }
    const std::string text = result.dump();
    [[maybe_unused]] const ssize_t n = ::write(fds[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE_FALSE(text.empty());
  Json json = Json::parse(text);
  if (json.contains("exception")) FAIL("exception in the child: " << json["exception"]);
  return json;
}

/// In the child: a memfd the container writes its stdout and stderr to.
struct Output {
  UniqueFd fd{::memfd_create("container-output", MFD_CLOEXEC)};
  std::string read() const {
    std::string text(1 << 16, '\0');
    const ssize_t n = ::pread(fd.get(), text.data(), text.size(), 0);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return text;
  }
};

Json errorJson(const LaunchError& e) {
  return Json{{"error", e.message()},
              {"code", e.exitCode()},
              {"stage", std::string(launchStageName(e.stage()))},
              {"errno", e.sysErrno()}};
}

/// In the child: launch, wait, report {"exit", "output"} or the error.
Json launchAndWait(const oci::Spec& spec, LaunchOptions options = {}) {
  Output output;
  options.stdoutFd = output.fd.get();
  options.stderrFd = output.fd.get();
  try {
    LaunchedProcess process = launch(spec, options);
    const int code = process.wait();
    return Json{{"exit", code}, {"output", output.read()}};
  } catch (const LaunchError& e) {
    return errorJson(e);
  } catch (const Error& e) {
    return Json{{"error", e.message()}, {"code", -1}, {"kind", static_cast<int>(e.kind())}};
  }
}

struct Run {
  bool skipped = false;
  int exit = -1;
  std::string output;
  std::string error;
  int code = 0;  ///< LaunchError::exitCode, -1 for an Error before launch
  std::string stage;
  Json json;
};

Run runIn(Mode mode, const oci::Spec& spec, LaunchOptions options = {}) {
  const Json json = inChild(mode, [&] { return launchAndWait(spec, options); });
  Run run;
  run.json = json;
  if (json.contains("skip")) {
    run.skipped = true;
    WARN("skipped: " << json["skip"].get<std::string>());
    return run;
  }
  if (json.contains("exception")) FAIL("exception in the child: " << json["exception"]);
  if (json.contains("exit")) {
    run.exit = json["exit"].get<int>();
    run.output = json["output"].get<std::string>();
  } else {
    run.error = json["error"].get<std::string>();
    run.code = json["code"].get<int>();
    if (json.contains("stage")) run.stage = json["stage"].get<std::string>();
  }
  return run;
}

#define FOR_EACH_MODE(mode)                                    \
  const Mode mode = GENERATE(Mode::Root, Mode::UserNamespace); \
  if (mode == Mode::Root && ::geteuid() != 0) return;          \
  INFO("mode: " << modeName(mode))

/// The mount options of `mountPoint` in a /proc/self/mountinfo text.
std::string mountOptions(const std::string& mountinfo, const std::string& mountPoint) {
  std::string found;
  std::size_t start = 0;
  while (start < mountinfo.size()) {
    const auto end = mountinfo.find('\n', start);
    const std::string line = mountinfo.substr(start, end - start);
    start = end == std::string::npos ? mountinfo.size() : end + 1;
    // id parent major:minor root mountpoint options ...
    std::vector<std::string> fields;
    std::size_t pos = 0;
    while (fields.size() < 6 && pos <= line.size()) {
      const auto space = line.find(' ', pos);
      fields.push_back(line.substr(pos, space - pos));
      if (space == std::string::npos) break;
      pos = space + 1;
    }
    if (fields.size() >= 6 && fields[4] == mountPoint) found = fields[5];  // the last one wins
  }
  return found;
}

}  // namespace

TEST_CASE("launch: the container's exit code comes back", "[launch]") {
  FOR_EACH_MODE(mode);
  const Run run = runIn(mode, shell("exit 3"));
  if (run.skipped) return;
  CHECK(run.error == "");
  CHECK(run.exit == 3);
}

TEST_CASE("launch: the process is pid 1 of its own pid namespace", "[launch]") {
  FOR_EACH_MODE(mode);
  const Run run = runIn(mode, shell("echo $$; cat /proc/1/comm; ls /proc"));
  if (run.skipped) return;
  REQUIRE(run.exit == 0);
  CHECK(run.output.starts_with("1\nsh\n"));
  // Only the container's few processes: no host pid is visible.
  int pids = 0;
  std::size_t start = run.output.find('\n', run.output.find('\n') + 1) + 1;
  while (start < run.output.size()) {
    const auto end = run.output.find('\n', start);
    const std::string name = run.output.substr(start, end - start);
    start = end + 1;
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      ++pids;
      CHECK(std::stoi(name) < 10);
    }
  }
  CHECK(pids >= 1);
  CHECK(pids <= 3);
}

TEST_CASE("launch: hostname, environment, cwd, umask, rlimits, oom score", "[launch]") {
  FOR_EACH_MODE(mode);
  oci::Spec spec = shell(
      "hostname; echo \"$FOO\"; pwd; umask; ulimit -n; ulimit -Hn; id -u; "
      "cat /proc/self/oom_score_adj");
  spec.process->env.push_back("FOO=bar baz");
  spec.process->cwd = "/etc/skel";
  spec.process->user.umask = 027;
  spec.process->rlimits = {{"RLIMIT_NOFILE", 200, 100, Json::object()}};
  spec.process->oomScoreAdj = 500;  // raising needs no privilege
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.error == "");
  CHECK(run.exit == 0);
  CHECK(run.output == "berthtest\nbar baz\n/etc/skel\n0027\n100\n200\n0\n500\n");
}

TEST_CASE("launch: uid, gid and supplementary groups as root", "[launch]") {
  if (::geteuid() != 0) return;  // a single-id user namespace has no other ids
  oci::Spec spec = shell("id; touch /tmp/x 2>&1; echo done");
  spec.process->user.uid = 1000;
  spec.process->user.gid = 1001;
  spec.process->user.additionalGids = {10, 20};
  const Run run = runIn(Mode::Root, spec);
  CHECK(run.error == "");
  CHECK(run.output == "uid=1000 gid=1001 groups=10,20\ndone\n");
}

TEST_CASE("launch: no_new_privs and a sysctl of the container's network", "[launch]") {
  FOR_EACH_MODE(mode);
  oci::Spec spec = shell(
      "grep NoNewPrivs /proc/self/status; cat /proc/sys/net/ipv4/ping_group_range; "
      "cat /sys/class/net/lo/flags; ls /sys/class/net");
  spec.process->noNewPrivileges = true;
  spec.linuxConfig->sysctl = {{"net.ipv4.ping_group_range", "0 0"}};
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.error == "");
  // lo is up (IFF_UP|IFF_LOOPBACK|IFF_RUNNING shows as 0x9) and alone.
  CHECK(run.output == "NoNewPrivs:\t1\n0\t0\n0x9\nlo\n");
}

TEST_CASE("launch: the host's network when the spec has no network namespace", "[launch]") {
  FOR_EACH_MODE(mode);
  oci::Spec spec = shell("ls /sys/class/net | wc -l; grep -c . /proc/net/dev");
  std::erase_if(spec.linuxConfig->namespaces,
                [](const oci::LinuxNamespace& ns) { return ns.type == "network"; });
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.error == "");
  // /proc/net/dev: two header lines, then one per interface of the host.
  const auto hostDev = readFile("/proc/net/dev");
  const auto lines = std::count(hostDev.begin(), hostDev.end(), '\n');
  CHECK(lines > 3);
  CHECK(run.output == fmt::format("{}\n{}\n", lines - 2, lines));
}

TEST_CASE("launch: binds, masked and read-only paths, /sys and /dev", "[launch]") {
  FOR_EACH_MODE(mode);
  TestDir volume;
  writeFileAtomic(volume.path() + "/file", "from the host\n", 0644, false);
  oci::Spec spec = shell(
      "cat /data/file; echo new > /data/new && echo wrote; "
      "echo no > /ro/denied || echo ro-refused; "
      "wc -c < /proc/keys; ls /sys/firmware | wc -l; "
      "echo 1 > /proc/sys/kernel/domainname || echo proc-sys-refused; "
      "touch /sys/kernel/x 2>/dev/null || echo sys-refused; "
      "echo hi > /dev/null && wc -c < /dev/null; head -c 5 /dev/zero | wc -c; "
      "test -d /dev/pts && echo pts; readlink /dev/ptmx; readlink /dev/fd; "
      "test -c /dev/urandom && echo urandom; touch /dev/shm/ok && echo shm; "
      "cat /proc/self/mountinfo");
  spec.mounts.push_back(mount("/data", "bind", volume.path(), {"rbind", "rprivate"}));
  spec.mounts.push_back(mount("/ro", "bind", volume.path(), {"ro", "rbind", "rprivate"}));
  writeFileAtomic(volume.path() + "/resolv", "nameserver 10.0.0.1\n", 0644, false);
  spec.mounts.push_back(
      mount("/etc/resolv.conf", "bind", volume.path() + "/resolv", {"bind", "rprivate"}));
  spec.mounts.push_back(
      mount("/etc/hostname", "bind", volume.path() + "/file", {"bind", "rprivate", "ro"}));
  spec.process->args[2] = "cat /etc/resolv.conf /etc/hostname; " + spec.process->args[2];
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.error == "");
  CHECK(run.exit == 0);
  INFO(run.output);
  // (/proc/keys: a masked file; /proc/kcore is not in every kernel.)
  const std::string expected =
      "nameserver 10.0.0.1\nfrom the host\nfrom the host\nwrote\nsh: can't create /ro/denied: "
      "Read-only file system\nro-refused\n"
      "0\n0\nsh: can't create /proc/sys/kernel/domainname: Read-only file system\n"
      "proc-sys-refused\nsys-refused\n0\n5\npts\npts/ptmx\n/proc/self/fd\nurandom\nshm\n";
  CHECK(run.output.substr(0, expected.size()) == expected);
  CHECK(readFile(volume.path() + "/new") == "new\n");
  CHECK_FALSE(pathExists(volume.path() + "/denied"));
  const std::string mountinfo = run.output.substr(run.output.find("shm\n") + 4);
  CHECK(mountOptions(mountinfo, "/sys").starts_with("ro,"));
  CHECK(mountOptions(mountinfo, "/proc/sys").starts_with("ro,"));
  CHECK(mountOptions(mountinfo, "/ro").starts_with("ro,"));
  CHECK(mountOptions(mountinfo, "/data").starts_with("rw,"));
  CHECK(mountOptions(mountinfo, "/etc/hostname").starts_with("ro,"));
  // The bind went where the image's symlink points, inside the root.
  CHECK(mountOptions(mountinfo, "/run/systemd/resolve/stub-resolv.conf").starts_with("rw,"));
  CHECK(mountOptions(mountinfo, "/sys/fs/cgroup").starts_with("ro,"));
  CHECK(mountOptions(mountinfo, "/").starts_with("rw,"));
  // The host's root is gone from the container's view: no mount point
  // outside the container's tree (the rootfs shows only as the root's source).
  CHECK(mountOptions(mountinfo, rootfs()).empty());
}

TEST_CASE("launch: device nodes are made as root and bound when rootless", "[launch]") {
  FOR_EACH_MODE(mode);
  const Run run = runIn(mode, shell("stat -c '%t,%T %a' /dev/null /dev/tty; "
                                    "grep -c ' /dev/null ' /proc/self/mountinfo"));
  if (run.skipped) return;
  CHECK(run.error == "");
  if (mode == Mode::Root)
    CHECK(run.output == "1,3 666\n5,0 666\n0\n");
  else
    CHECK(run.output == "1,3 666\n5,0 666\n1\n");
}

TEST_CASE("launch: a read-only root", "[launch]") {
  FOR_EACH_MODE(mode);
  oci::Spec spec = shell(
      "touch /x 2>/dev/null || echo root-refused; touch /dev/shm/y && echo shm-ok; "
      "cat /etc/motd; echo changed > /etc/motd && cat /etc/motd; grep -c ' / ' /proc/mounts");
  spec.root->readonly = true;
  // tmpcopyup: a writable /etc that starts with what the image has.
  spec.mounts.push_back(mount("/etc", "tmpfs", "tmpfs", {"rw", "nosuid", "tmpcopyup"}));
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.error == "");
  CHECK(run.output == "root-refused\nshm-ok\nwelcome\nchanged\n1\n");
  CHECK(readFile(rootfs() + "/etc/motd") == "welcome\n");
  CHECK_FALSE(pathExists(rootfs() + "/x"));
}

TEST_CASE("launch: a command not found is a 127, one not executable a 126", "[launch]") {
  FOR_EACH_MODE(mode);
  Run run = runIn(mode, baseSpec({"nosuchcommand", "arg"}));
  if (run.skipped) return;
  CHECK(run.code == kExitCommandNotFound);
  CHECK(run.stage == "exec");
  CHECK(run.error ==
        "executable file `nosuchcommand` not found in $PATH: No such file or directory");

  run = runIn(mode, baseSpec({"/bin/nosuch"}));
  CHECK(run.code == kExitCommandNotFound);
  CHECK(run.error == "executable file `/bin/nosuch` not found: No such file or directory");

  run = runIn(mode, baseSpec({"/bin/notexec"}));
  CHECK(run.code == kExitCannotInvoke);
  CHECK(run.error == "open executable `/bin/notexec`: Permission denied");

  run = runIn(mode, baseSpec({"/etc"}));
  CHECK(run.code == kExitCannotInvoke);

  run = runIn(mode, baseSpec({"notexec"}));
  CHECK(run.code == kExitCannotInvoke);
  CHECK(run.error == "executable file `notexec` not found in $PATH: Permission denied");

  oci::Spec spec = baseSpec({"pwd"});
  spec.process->cwd = "/nonexistent";
  run = runIn(mode, spec);
  CHECK(run.code == kExitEngineError);
  CHECK(run.error == "chdir to cwd `/nonexistent`: No such file or directory");
}

TEST_CASE("launch: a failing mount is reported with its stage", "[launch]") {
  FOR_EACH_MODE(mode);
  oci::Spec spec = shell("true");
  spec.mounts.push_back(mount("/data", "bind", "/nonexistent/berth", {"rbind"}));
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.code == kExitEngineError);
  CHECK(run.stage == "mounts");
  CHECK(run.error == "bind mount /nonexistent/berth on /data: No such file or directory");
}

TEST_CASE("launch: bad specs are refused before cloning", "[launch]") {
  const auto refused = [](const oci::Spec& spec) {
    const Run run = runIn(Mode::UserNamespace, spec);
    CHECK(run.code == -1);
    return run.error;
  };
  oci::Spec spec = shell("true");
  spec.linuxConfig->sysctl = {{"vm.swappiness", "10"}};
  CHECK(refused(spec) == "sysctl \"vm.swappiness\" is not namespaced: not allowed in a container");
  spec = shell("true");
  spec.mounts.push_back(mount("/x", "tmpfs", "tmpfs", {"bogus"}));
  CHECK(refused(spec) == "unknown mount option \"bogus\" for /x");
  spec = shell("true");
  spec.process->args.clear();
  CHECK(refused(spec) == "the spec's process.args is empty");
  spec = shell("true");
  spec.process->rlimits = {{"RLIMIT_BOGUS", 1, 1, Json::object()}};
  CHECK(refused(spec) == "unknown rlimit \"RLIMIT_BOGUS\": expected RLIMIT_NOFILE, ...");
  spec = shell("true");
  spec.linuxConfig->namespaces.erase(spec.linuxConfig->namespaces.begin() + 3);  // uts
  CHECK(refused(spec) == "hostname \"berthtest\" needs a uts namespace of the container's own");
}

TEST_CASE("launch: create, then start", "[launch]") {
  FOR_EACH_MODE(mode);
  const Json json = inChild(mode, [] {
    Output output;
    LaunchOptions options;
    options.stdoutFd = output.fd.get();
    options.waitForStart = true;
    pid_t seen = 0;
    options.beforeInit = [&](pid_t pid) { seen = pid; };
    LaunchedProcess process = launch(shell("echo started"), options);
    Json result{{"waiting", process.waitingForStart()},
                {"hookPid", seen == process.pid()},
                {"pidfd", process.pidfd() >= 0},
                {"before", output.read()}};
    process.start();
    result["exit"] = process.wait();
    result["after"] = output.read();
    try {
      launch(baseSpec({"nosuchcommand"}), options);
    } catch (const LaunchError& e) {
      result["notFound"] = errorJson(e);
    }
    return result;
  });
  if (json.contains("skip")) return;
  INFO(json.dump());
  CHECK(json["waiting"] == true);
  CHECK(json["hookPid"] == true);
  CHECK(json["pidfd"] == true);
  CHECK(json["before"] == "");
  CHECK(json["exit"] == 0);
  CHECK(json["after"] == "started\n");
  // Found missing at create time, not at start.
  CHECK(json.value("notFound", Json::object()).value("code", 0) == kExitCommandNotFound);
}

TEST_CASE("launch: extra fds become 3, 4, ...", "[launch]") {
  FOR_EACH_MODE(mode);
  const Json json = inChild(mode, [] {
    Output extra;
    LaunchOptions options;
    options.extraFds = {extra.fd.get()};
    Json result = launchAndWait(shell("echo via3 >&3; ls /proc/self/fd | wc -l"), options);
    result["extra"] = extra.read();
    return result;
  });
  if (json.contains("skip")) return;
  INFO(json.dump());
  REQUIRE(json.contains("extra"));
  CHECK(json["extra"] == "via3\n");
  // 0, 1, 2, 3 and the fd ls reads the directory with: nothing leaked.
  CHECK(json["output"] == "5\n");
}

TEST_CASE("launch: the rootfs hook mounts the root", "[launch]") {
  FOR_EACH_MODE(mode);
  TestDir empty;
  oci::Spec spec = shell("cat /etc/motd");
  spec.root->path = empty.path();
  LaunchOptions options;
  options.mountRootfs = [](const std::string& target) {
    if (::mount(rootfs().c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      throwErrno("mount the test rootfs on {}", target);
  };
  Run run = runIn(mode, spec, options);
  if (run.skipped) return;
  CHECK(run.error == "");
  CHECK(run.output == "welcome\n");

  options.mountRootfs = [](const std::string& target) {
    throwErrnoValue(EINVAL, fmt::format("mount overlay on {}", target));
  };
  run = runIn(mode, spec, options);
  CHECK(run.stage == "rootfs");
  CHECK(run.error == "mount overlay on " + empty.path() + ": Invalid argument");
}

TEST_CASE("launch: capability and seccomp hooks run in crun's order", "[launch]") {
  FOR_EACH_MODE(mode);
  const Json json = inChild(mode, [] {
    Output order;
    LaunchOptions options;
    const int fd = order.fd.get();
    options.installSeccomp = [fd] { [[maybe_unused]] auto n = ::write(fd, "seccomp\n", 8); };
    options.applyCapabilities = [fd](uid_t uid, gid_t gid) {
      const std::string line = fmt::format("caps {} {}\n", uid, gid);
      [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
    };
    Json result;
    result["withoutNnp"] = launchAndWait(shell("true"), options);
    result["orderWithoutNnp"] = order.read();
    [[maybe_unused]] const int truncated = ::ftruncate(fd, 0);
    ::lseek(fd, 0, SEEK_SET);
    oci::Spec spec = shell("true");
    spec.process->noNewPrivileges = true;
    result["withNnp"] = launchAndWait(spec, options);
    result["orderWithNnp"] = order.read();
    return result;
  });
  if (json.contains("skip")) return;
  INFO(json.dump());
  CHECK(json["orderWithoutNnp"] == "seccomp\ncaps 0 0\n");
  CHECK(json["orderWithNnp"] == "caps 0 0\nseccomp\n");
}

TEST_CASE("launch: a user namespace from the spec", "[launch]") {
  FOR_EACH_MODE(mode);
  oci::Spec spec = shell("cat /proc/self/uid_map /proc/self/gid_map; id -u");
  spec.linuxConfig->namespaces.push_back({"user", ""});
  spec.linuxConfig->uidMappings = {{0, 0, 1}};
  spec.linuxConfig->gidMappings = {{0, 0, 1}};
  const Run run = runIn(mode, spec);
  if (run.skipped) return;
  CHECK(run.error == "");
  std::string squeezed = run.output;
  std::erase(squeezed, ' ');
  CHECK(squeezed == "001\n001\n0\n");
}

TEST_CASE("launch: joining another container's namespaces", "[launch]") {
  FOR_EACH_MODE(mode);
  const Json json = inChild(mode, [] {
    oci::Spec first = shell("sleep 30");
    first.hostname = "alpha";
    // Not the default of a new network namespace ("1 0"), and only mapped gids.
    first.linuxConfig->sysctl = {{"net.ipv4.ping_group_range", "0 0"}};
    Output none;
    LaunchOptions quiet;
    quiet.stdoutFd = none.fd.get();
    LaunchedProcess sleeper = launch(first, quiet);
    const std::string proc = "/proc/" + std::to_string(sleeper.pid()) + "/ns/";
    oci::Spec second = shell("hostname; cat /proc/1/comm; cat /sys/class/net/lo/flags");
    second.hostname.clear();
    for (auto& ns : second.linuxConfig->namespaces) {
      if (ns.type == "pid") ns.path = proc + "pid";
      if (ns.type == "network") ns.path = proc + "net";
      if (ns.type == "uts") ns.path = proc + "uts";
      if (ns.type == "ipc") ns.path = proc + "ipc";
    }
    Json result = launchAndWait(second);
    // A network namespace handed over as an fd, over the spec's "new one".
    oci::Spec third = shell("cat /proc/sys/net/ipv4/ping_group_range");
    LaunchOptions options;
    const UniqueFd net(::open((proc + "net").c_str(), O_RDONLY | O_CLOEXEC));
    options.networkNamespaceFd = net.get();
    result["third"] = launchAndWait(third, options);
    sleeper.process().kill(SIGKILL);
    sleeper.wait();
    return result;
  });
  if (json.contains("skip")) return;
  INFO(json.dump());
  REQUIRE(json.contains("third"));
  CHECK(json.value("output", "") == "alpha\nsleep\n0x9\n");
  CHECK(json["third"].value("output", "") == "0\t0\n");
}

TEST_CASE("launch: nothing stays mounted on the host", "[launch]") {
  FOR_EACH_MODE(mode);
  const Run run = runIn(mode, shell("true"));
  if (run.skipped) return;
  CHECK(run.exit == 0);
  CHECK(readFile("/proc/self/mountinfo").find(rootfs()) == std::string::npos);
}
