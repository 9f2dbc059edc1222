// SPDX-License-Identifier: Apache-2.0
#include "berth/net/bridge.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/log.hpp"
#include "berth/base/programs.hpp"
#include "berth/net/user_mode.hpp"
#include "berth/runtime/userns.hpp"

namespace berth::net {
namespace {

std::string findSystemProgram(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    const std::string path = std::string(dir) + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throwError(Errc::Unsupported, "{} not found in /usr/sbin, /sbin, /usr/bin or /bin", name);
}

std::string readAll(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  for (auto& c : text)
    if (c == '\n') c = ' ';
  return text;
}

// Runs argv, returning its exit status and standard error.
std::pair<int, std::string> run(int netnsFd, const std::vector<std::string>& argv,
                                const std::string& input, int extraFd) {
  const std::string program = findSystemProgram(argv.front());
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int in[2];
  int err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throwErrno("pipe for {}", argv.front());
  UniqueFd inRead(in[0]), inWrite(in[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) throwErrno("pipe for {}", argv.front());
  UniqueFd errRead(err[0]), errWrite(err[1]);
  const pid_t pid = ::fork();
  if (pid < 0) throwErrno("fork for {}", argv.front());
  if (pid == 0) {
    // Out of the way of the dup2s below (the monitor's fds may be low).
    const int keep = extraFd >= 0 ? ::fcntl(extraFd, F_DUPFD_CLOEXEC, 10) : -1;
    if (netnsFd >= 0 && ::setns(netnsFd, CLONE_NEWNET) != 0) {
      const char message[] = "cannot join the network namespace\n";
      (void)!::write(errWrite.get(), message, sizeof(message) - 1);
      ::_exit(126);
    }
    ::dup2(inRead.get(), 0);
    const int devNull = ::open("/dev/null", O_WRONLY);
    ::dup2(devNull, 1);
    ::dup2(errWrite.get(), 2);
    if (keep >= 0) ::dup2(keep, 3);  // dup2 clears O_CLOEXEC on fd 3
    ::execv(program.c_str(), args.data());
    ::_exit(127);
  }
  inRead.reset();
  errWrite.reset();
  if (!input.empty()) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction old {};
    ::sigaction(SIGPIPE, &ignore, &old);
    (void)!::write(inWrite.get(), input.data(), input.size());
    ::sigaction(SIGPIPE, &old, nullptr);
  }
  inWrite.reset();
  std::string message = readAll(errRead.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, trimmed(std::move(message))};
}

// iptables rule specs of a bridge: NAT for egress, forwarding to and from
// it (the host's FORWARD policy may be DROP), or, internal, a drop of what
// would leave it.
std::vector<std::vector<std::string>> bridgeRules(const BridgeSpec& bridge) {
  const std::string comment = "berth " + bridge.interface;
  if (bridge.internal)
    return {{"filter", "FORWARD", "-i", bridge.interface, "!", "-o", bridge.interface, "-m",
             "comment", "--comment", comment, "-j", "DROP"}};
  return {{"nat", "POSTROUTING", "-s", bridge.subnet, "!", "-d", bridge.subnet, "-m", "comment",
           "--comment", comment, "-j", "MASQUERADE"},
          {"filter", "FORWARD", "-i", bridge.interface, "-m", "comment", "--comment", comment, "-j",
           "ACCEPT"},
          {"filter", "FORWARD", "-o", bridge.interface, "-m", "comment", "--comment", comment, "-j",
           "ACCEPT"}};
}

std::vector<std::string> iptables(const std::vector<std::string>& rule, const char* action) {
  std::vector<std::string> argv = {"iptables", "-w", "-t", rule[0], action, rule[1]};
  argv.insert(argv.end(), rule.begin() + 2, rule.end());
  return argv;
}

}  // namespace

Json BridgeConnection::toJson() const {
  Json attached = Json::array();
  for (const auto& a : attachments)
    attached.push_back({{"interface", a.bridge.interface},
                        {"subnet", a.bridge.subnet},
                        {"gateway", a.bridge.gateway},
                        {"prefix", a.bridge.prefix},
                        {"internal", a.bridge.internal},
                        {"address", a.address},
                        {"mac", a.mac},
                        {"ifname", a.ifname},
                        {"hostIfname", a.hostIfname},
                        {"defaultRoute", a.defaultRoute}});
  return {{"bridgeNetns", bridgeNetns}, {"mtu", mtu}, {"attachments", attached}};
}

BridgeConnection BridgeConnection::fromJson(const Json& json) {
  BridgeConnection c;
  c.bridgeNetns = json.value("bridgeNetns", "");
  c.mtu = json.value("mtu", 1500u);
  for (const auto& a : json.at("attachments")) {
    BridgeAttachment b;
    b.bridge.interface = a.value("interface", "");
    b.bridge.subnet = a.value("subnet", "");
    b.bridge.gateway = a.value("gateway", "");
    b.bridge.prefix = a.value("prefix", 24u);
    b.bridge.internal = a.value("internal", false);
    b.address = a.value("address", "");
    b.mac = a.value("mac", "");
    b.ifname = a.value("ifname", "");
    b.hostIfname = a.value("hostIfname", "");
    b.defaultRoute = a.value("defaultRoute", false);
    c.attachments.push_back(std::move(b));
  }
  return c;
}

void runInNetns(int netnsFd, const std::vector<std::string>& argv, const std::string& input,
                int extraFd) {
  const auto [code, message] = run(netnsFd, argv, input, extraFd);
  if (code != 0)
    throwError(Errc::Internal, "{} failed (exit status {}): {}", argv.front(), code, message);
}

void ensureBridge(int netnsFd, const BridgeSpec& bridge) {
  const auto [code, message] =
      run(netnsFd, {"ip", "link", "add", bridge.interface, "type", "bridge"}, "", -1);
  if (code != 0 && message.find("File exists") == std::string::npos)
    throwError(Errc::Internal, "create the bridge {}: {}", bridge.interface, message);
  runInNetns(netnsFd, {"ip", "-batch", "-"},
             "addr replace " + bridge.gateway + "/" + std::to_string(bridge.prefix) + " dev " +
                 bridge.interface + "\nlink set " + bridge.interface + " up\n");
  {  // a bridge left by a crash may lack its rules: checked each time
    // In the per-user namespace, and on the host as Podman does.
    if (!bridge.internal) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        if (netnsFd >= 0 && ::setns(netnsFd, CLONE_NEWNET) != 0) ::_exit(1);
        const int fd = ::open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
        ::_exit(fd >= 0 && ::write(fd, "1", 1) == 1 ? 0 : 1);
      }
      int status = 0;
      if (pid > 0) ::waitpid(pid, &status, 0);
    }
    for (const auto& rule : bridgeRules(bridge)) {
      if (run(netnsFd, iptables(rule, "-C"), "", -1).first == 0) continue;
      runInNetns(netnsFd, iptables(rule, rule[1] == "FORWARD" ? "-I" : "-A"));
    }
  }
}

void removeBridge(int netnsFd, const BridgeSpec& bridge, const std::string& leaving) noexcept {
  try {
    if (netnsFd < 0)
      if (DIR* d = ::opendir(("/sys/class/net/" + bridge.interface + "/brif").c_str())) {
        bool inUse = false;
        while (const dirent* e = ::readdir(d)) {
          const std::string port = e->d_name;
          inUse = inUse || (port != "." && port != ".." && port != leaving);
        }
        ::closedir(d);
        if (inUse) return;
      }
    run(netnsFd, {"ip", "link", "del", bridge.interface}, "", -1);
    for (const auto& rule : bridgeRules(bridge))
      while (run(netnsFd, iptables(rule, "-D"), "", -1).first == 0) {
      }
  } catch (const std::exception& e) {
    logDebug("remove the bridge {}: {}", bridge.interface, e.what());
  }
}

std::vector<std::string> publishRules(const std::vector<spec::PortMapping>& ports,
                                      const std::string& address, const std::string& comment) {
  std::vector<std::string> rules;
  for (const auto& p : ports) {
    for (unsigned i = 0; i < p.range; ++i) {
      const std::string hostPort = std::to_string(p.hostPort + i);
      const std::string containerPort = std::to_string(p.containerPort + i);
      const std::string match =
          "-p " + p.protocol + " -m " + p.protocol + (p.hostIp.empty() ? "" : " -d " + p.hostIp) +
          " --dport " + hostPort + " -m addrtype --dst-type LOCAL -m comment --comment \"" +
          comment + "\" -j DNAT --to-destination " + address + ":" + containerPort;
      rules.push_back("PREROUTING " + match);
      rules.push_back("OUTPUT " + match);
      rules.push_back("POSTROUTING -s 127.0.0.0/8 -d " + address + " -p " + p.protocol + " -m " +
                      p.protocol + " --dport " + containerPort + " -m comment --comment \"" +
                      comment + "\" -j MASQUERADE");
    }
  }
  return rules;
}

void applyNatRules(int netnsFd, const std::vector<std::string>& rules, bool remove) {
  if (rules.empty()) return;
  if (remove) {  // one by one: a rule already gone must not keep the others
    for (const auto& rule : rules) {
      std::string input = "*nat\n-D " + rule + "\nCOMMIT\n";
      run(netnsFd, {"iptables-restore", "-w", "--noflush"}, input, -1);
    }
    return;
  }
  std::string input = "*nat\n";
  for (const auto& rule : rules)
    input += "-A " + rule + "\n";
  input += "COMMIT\n";
  runInNetns(netnsFd, {"iptables-restore", "-w", "--noflush"}, input);
}

void allowLocalnetRouting(int netnsFd, const std::string& interface) {
  const std::string path = "/proc/sys/net/ipv4/conf/" + interface + "/route_localnet";
  const pid_t pid = ::fork();
  if (pid < 0) throwErrno("fork");
  if (pid == 0) {
    if (netnsFd >= 0 && ::setns(netnsFd, CLONE_NEWNET) != 0) ::_exit(1);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ::_exit(fd >= 0 && ::write(fd, "1", 1) == 1 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throwError(Errc::Internal, "set {} to 1", path);
}

void connectBridges(const BridgeConnection& connection, int containerNetnsFd) {
  UniqueFd bridgeNs(
      ::open(connection.bridgeNetns.empty() ? "/proc/self/ns/net" : connection.bridgeNetns.c_str(),
             O_RDONLY | O_CLOEXEC));
  if (!bridgeNs) throwErrno("open the network namespace of the bridges");
  std::string outer;
  std::string inner;
  for (const auto& a : connection.attachments) {
    // The host end: unique per container and network, at most 15 bytes.
    std::string veth = a.hostIfname;
    if (veth.empty()) {
      unsigned char random[4];
      if (::getrandom(random, sizeof(random), 0) != static_cast<ssize_t>(sizeof(random)))
        throwErrno("getrandom for a veth name");
      veth =
          fmt::format("veth{:02x}{:02x}{:02x}{:02x}", random[0], random[1], random[2], random[3]);
    }
    const std::string mtu = std::to_string(connection.mtu);
    outer += "link add " + veth + " mtu " + mtu + " type veth peer name " + a.ifname + " mtu " +
             mtu + " address " + a.mac + " netns /proc/self/fd/3\n";
    outer += "link set " + veth + " master " + a.bridge.interface + " up\n";
    inner += "addr add " + a.address + "/" + std::to_string(a.bridge.prefix) + " dev " + a.ifname +
             "\nlink set " + a.ifname + " up\n";
    if (a.defaultRoute) inner += "route add default via " + a.bridge.gateway + "\n";
  }
  runInNetns(bridgeNs.get(), {"ip", "-batch", "-"}, outer, containerNetnsFd);
  runInNetns(containerNetnsFd, {"ip", "-batch", "-"}, inner);
}

pid_t runningUserNetworkNamespace(const std::string& recordPath) {
  const auto text = readFileIfExists(recordPath);
  if (!text) return 0;
  long long pid = 0;
  unsigned long long start = 0;
  if (std::sscanf(text->c_str(), "%lld %llu", &pid, &start) != 2 || pid <= 0) return 0;
  if (runtime::processStartTime(static_cast<pid_t>(pid)) != start) return 0;
  return static_cast<pid_t>(pid);
}

pid_t ensureUserNetworkNamespace(const std::string& recordPath, const std::string& logPath,
                                 const std::string& apiSocket) {
  if (const pid_t pid = runningUserNetworkNamespace(recordPath)) return pid;
  const std::string pausePath = findBerthHelper("berth-pause");
  if (pausePath.empty()) throwError(Errc::Internal, "berth-pause not found");
  const std::string slirpPath = findNetworkProgram("slirp4netns");
  if (slirpPath.empty())
    throwError(Errc::Unsupported,
               "slirp4netns is not installed: rootless bridge networks need it for egress");
  UniqueFd log(::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log) throwErrno("open {}", logPath);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd reportRead(p[0]), reportWrite(p[1]);  // the holder's pid
  if (::pipe2(p, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd unsharedRead(p[0]), unsharedWrite(p[1]);
  if (::pipe2(p, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd readyRead(p[0]), readyWrite(p[1]);  // slirp4netns --ready-fd
  if (::pipe2(p, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd exitRead(p[0]), exitWrite(p[1]);  // slirp4netns --exit-fd: the holder keeps it open
  const std::string holderArgs[] = {"berth-pause"};
  const pid_t first = ::fork();
  if (first < 0) throwErrno("fork the network namespace holder");
  if (first == 0) {
    // Session leader, so that neither dies with the caller's terminal.
    ::setsid();
    const pid_t holder = ::fork();
    if (holder < 0) ::_exit(1);
    if (holder == 0) {
      char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
      (void)!::write(unsharedWrite.get(), &ok, 1);
      if (ok != '1') ::_exit(1);
      const int exitFd = ::fcntl(exitWrite.get(), F_DUPFD_CLOEXEC, 10);
      ::dup2(exitFd, 3);  // kept open while the holder lives
      const int devNull = ::open("/dev/null", O_RDWR);
      ::dup2(devNull, 0);
      ::dup2(devNull, 1);
      ::dup2(devNull, 2);
      char* argv[] = {const_cast<char*>(holderArgs[0].c_str()), nullptr};
      ::execv(pausePath.c_str(), argv);
      ::_exit(127);
    }
    (void)!::write(reportWrite.get(), &holder, sizeof(holder));
    char ok = '0';
    if (::read(unsharedRead.get(), &ok, 1) != 1 || ok != '1') ::_exit(1);
    // This process becomes the slirp4netns of the namespace.
    const std::string netns = "/proc/" + std::to_string(holder) + "/ns/net";
    const int devNull = ::open("/dev/null", O_RDONLY);
    ::dup2(devNull, 0);
    const int exitFd = ::fcntl(exitRead.get(), F_DUPFD_CLOEXEC, 10);
    const int readyFd = ::fcntl(readyWrite.get(), F_DUPFD_CLOEXEC, 10);
    ::dup2(exitFd, 3);
    ::dup2(readyFd, 4);
    ::dup2(log.get(), 1);
    ::dup2(log.get(), 2);
    const std::string mtu = "--mtu=" + std::to_string(kDefaultMtu);
    const std::string api = "--api-socket=" + apiSocket;
    ::unlink(apiSocket.c_str());
    const char* argv[] = {
        "slirp4netns",       "--configure", mtu.c_str(),    "--disable-host-loopback",
        "--netns-type=path", "--exit-fd=3", "--ready-fd=4", api.c_str(),
        netns.c_str(),       "tap0",        nullptr};
    ::execv(slirpPath.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  reportWrite.reset();
  readyWrite.reset();
  exitRead.reset();
  exitWrite.reset();
  unsharedWrite.reset();
  unsharedRead.reset();
  pid_t holder = 0;
  const bool gotPid = ::read(reportRead.get(), &holder, sizeof(holder)) == sizeof(holder);
  char ready = 0;
  const bool isReady = ::read(readyRead.get(), &ready, 1) == 1;
  if (!gotPid || !isReady) {
    if (gotPid && holder > 0) ::kill(holder, SIGKILL);
    ::waitpid(first, nullptr, WNOHANG);
    const std::string message = trimmed(readFileIfExists(logPath).value_or(""));
    throwError(Errc::Internal, "start the per-user network namespace (slirp4netns): {}",
               message.empty() ? "it exited" : message);
  }
  writeFileAtomic(recordPath, fmt::format("{} {}\n", holder, runtime::processStartTime(holder)),
                  0644, false);
  UniqueFd netns(
      ::open(("/proc/" + std::to_string(holder) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) throwErrno("open the network namespace of pid {}", holder);
  runInNetns(netns.get(), {"ip", "link", "set", "lo", "up"});
  return holder;
}

void stopUserNetworkNamespace(const std::string& recordPath) noexcept {
  if (const pid_t pid = runningUserNetworkNamespace(recordPath)) ::kill(pid, SIGTERM);
  ::unlink(recordPath.c_str());
}

}  // namespace berth::net
