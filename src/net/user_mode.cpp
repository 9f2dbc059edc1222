// SPDX-License-Identifier: Apache-2.0
#include "berth/net/user_mode.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/runtime/monitor_protocol.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/spec/ports.hpp"

extern char** environ;

namespace berth::net {
namespace {

constexpr int kStartTimeoutMs = 10'000;
constexpr int kChildNetnsFd = 3;
constexpr int kChildReadyFd = 4;
constexpr int kChildExitFd = 5;
constexpr std::string_view kHelperRecord = "network.pid";  // in the run dir

std::int64_t monotonicMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void bringLoopbackUp() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throwErrno("socket for the loopback interface");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) throwErrno("get the flags of lo");
  request.ifr_flags |= IFF_UP;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) throwErrno("bring lo up");
}

std::string portSpec(const spec::PortMapping& p) {
  std::string out;
  if (!p.hostIp.empty()) out += p.hostIp + "/";
  if (p.range > 1)
    out += fmt::format("{}-{}:{}-{}", p.hostPort, p.hostPort + p.range - 1, p.containerPort,
                       p.containerPort + p.range - 1);
  else
    out += fmt::format("{}:{}", p.hostPort, p.containerPort);
  return out;
}

// The helper's log: its last lines make the error message.
std::string helperMessage(const std::string& logPath) {
  std::string text = readFileIfExists(logPath).value_or("");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  // The last line says what failed; earlier ones are context.
  const auto nl = text.rfind('\n');
  std::string last = nl == std::string::npos ? text : text.substr(nl + 1);
  return last;
}

[[noreturn]] void throwHelperFailure(const UserModeNetwork& network, const std::string& logPath,
                                     const std::string& what) {
  const std::string message = helperMessage(logPath);
  if (message.find("/dev/net/tun") != std::string::npos)
    throwError(Errc::PermissionDenied,
               "{} cannot open /dev/net/tun: {} (as root: chmod 0666 /dev/net/tun)",
               network.command, message);
  throwError(Errc::Internal, "{} {}{}{}", network.command, what, message.empty() ? "" : ": ",
             message);
}

// Waits until `fd` is readable (the helper is ready) or the helper exits.
bool waitReadable(int fd, int pidfd) {
  const std::int64_t deadline = monotonicMs() + kStartTimeoutMs;
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    const int left = static_cast<int>(std::max<std::int64_t>(0, deadline - monotonicMs()));
    const int n = ::poll(fds, 2, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (fds[0].revents & POLLIN) return true;
    if (fds[0].revents & (POLLHUP | POLLERR)) return false;
    if (fds[1].revents) return false;
  }
}

}  // namespace

Json slirpApi(const std::string& path, const Json& request) {
  UniqueFd dir(::open(dirName(path).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) throwErrno("open {}", dirName(path));
  const std::string socketPath = runtime::socketPath(path, dir.get());
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throwErrno("socket for the slirp4netns API");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socketPath.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    throwErrno("connect to the slirp4netns API socket {}", socketPath);
  writeAll(sock.get(), request.dump(), "the slirp4netns API");
  ::shutdown(sock.get(), SHUT_WR);
  std::string reply;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(sock.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  const Json answer = Json::parse(reply, nullptr, false);
  if ((answer.is_discarded() || answer.contains("error")) &&
      request.value("execute", "") == "add_hostfwd") {
    const auto& args = request.at("arguments");
    throwError(
        Errc::InvalidState, "cannot publish port {}/{} on {}: {}", args.value("host_port", 0),
        args.value("proto", ""), args.value("host_addr", ""),
        answer.is_discarded() ? reply : answer["error"].value("desc", answer["error"].dump()));
  }
  return answer;
}

namespace {

void slirpRequest(const std::string& path, const Json& request) {
  slirpApi(path, request);
}

}  // namespace

Json UserModeNetwork::toJson() const {
  Json ports_ = Json::array();
  for (const auto& p : ports)
    ports_.push_back({{"hostIp", p.hostIp},
                      {"containerPort", p.containerPort},
                      {"hostPort", p.hostPort},
                      {"range", p.range},
                      {"protocol", p.protocol}});
  return {{"command", command}, {"program", program},
          {"ports", ports_},    {"allowHostLoopback", allowHostLoopback},
          {"mtu", mtu},         {"extraOptions", extraOptions},
          {"runDir", runDir}};
}

UserModeNetwork UserModeNetwork::fromJson(const Json& json) {
  UserModeNetwork n;
  n.command = json.value("command", "");
  n.program = json.value("program", "");
  for (const auto& p : json.value("ports", Json::array())) {
    spec::PortMapping m;
    m.hostIp = p.value("hostIp", "");
    m.containerPort = p.value("containerPort", std::uint16_t{0});
    m.hostPort = p.value("hostPort", std::uint16_t{0});
    m.range = p.value("range", std::uint16_t{1});
    m.protocol = p.value("protocol", "tcp");
    n.ports.push_back(m);
  }
  n.allowHostLoopback = json.value("allowHostLoopback", false);
  n.mtu = json.value("mtu", kDefaultMtu);
  n.extraOptions = json.value("extraOptions", std::vector<std::string>{});
  n.runDir = json.value("runDir", "");
  return n;
}

std::string configuredNetworkCommand(bool rootless) {
  std::vector<std::string> candidates;
  if (const char* path = std::getenv("BERTH_CONFIG"); path && *path) candidates.push_back(path);
  if (rootless) {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    if (xdg && *xdg)
      candidates.push_back(std::string(xdg) + "/berth/berth.conf");
    else if (home && *home)
      candidates.push_back(std::string(home) + "/.config/berth/berth.conf");
  }
  candidates.push_back("/etc/berth/berth.conf");
  for (const auto& path : candidates) {
    const auto text = readFileIfExists(path);
    if (!text) continue;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string key = line.substr(0, eq);
      std::string value = line.substr(eq + 1);
      const auto trim = [](std::string& t) {
        t.erase(0, t.find_first_not_of(" \t"));
        t.erase(t.find_last_not_of(" \t\r") + 1);
      };
      trim(key);
      trim(value);
      if (key != "network_cmd") continue;
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front())
        value = value.substr(1, value.size() - 2);
      return value;
    }
    return "";
  }
  return "";
}

namespace {

UniqueFd boundSocket(const std::string& protocol, const std::string& hostIp, std::uint16_t port) {
  const bool v6 = hostIp.find(':') != std::string::npos;
  UniqueFd sock(::socket(v6 ? AF_INET6 : AF_INET,
                         (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
  if (!sock) return sock;
  if (port != 0 && protocol != "udp") {
    // as the helpers bind: a port in TIME_WAIT is free to them
    const int on = 1;
    ::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  }
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    ::inet_pton(AF_INET6, hostIp.c_str(), &a->sin6_addr);
    length = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (!hostIp.empty()) ::inet_pton(AF_INET, hostIp.c_str(), &a->sin_addr);
    length = sizeof(*a);
  }
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    const int err = errno;
    sock.reset();
    errno = err;
  }
  return sock;
}

}  // namespace

std::uint16_t pickFreePort(const std::string& protocol, const std::string& hostIp) {
  UniqueFd sock = boundSocket(protocol, hostIp, 0);
  if (!sock) return 0;
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
  return storage.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

void checkHostPortsFree(const std::vector<spec::PortMapping>& ports) {
  for (const auto& p : spec::expandPorts(ports)) {
    if (p.protocol == "sctp") continue;
    if (!boundSocket(p.protocol, p.hostIp, p.hostPort) && errno == EADDRINUSE)
      throwError(Errc::InvalidState, "publish port {}/{} on {}:{}: address already in use",
                 p.containerPort, p.protocol, p.hostIp.empty() ? "0.0.0.0" : p.hostIp, p.hostPort);
  }
}

std::string findNetworkProgram(std::string_view command) {
  return findInPath(std::string(command));
}

std::string chooseNetworkCommand(std::string_view configured, bool publishing) {
  if (!configured.empty()) {
    if (configured != "pasta" && configured != "slirp4netns")
      throwError(Errc::InvalidArgument,
                 "network_cmd \"{}\" in the configuration: expected pasta or slirp4netns",
                 configured);
    if (findNetworkProgram(configured).empty())
      throwError(Errc::Unsupported, "network_cmd {}: {} is not installed", configured, configured);
    return std::string(configured);
  }
  const bool pasta = !findNetworkProgram("pasta").empty();
  const bool slirp = !findNetworkProgram("slirp4netns").empty();
  if (pasta && (publishing || !slirp)) return "pasta";
  if (slirp) return "slirp4netns";
  throwError(Errc::Unsupported,
             "no user-mode network stack: install passt (pasta) or slirp4netns, or use "
             "--network none|host");
}

UniqueFd createNetworkNamespace() {
  // In a child: a process in a user namespace cannot go back to the host's
  // network namespace (owned by the initial user namespace) once it left.
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throwErrno("socketpair for the network namespace");
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  const pid_t child = ::fork();
  if (child < 0) throwErrno("fork");
  if (child == 0) {
    int err = 0;
    int fd = -1;
    if (::unshare(CLONE_NEWNET) != 0) {
      err = errno;
    } else {
      try {
        bringLoopbackUp();
        fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (fd < 0) err = errno;
      } catch (const Error& e) {
        err = e.sysErrno() ? e.sysErrno() : EIO;
      }
    }
    msghdr message{};
    iovec part{&err, sizeof(err)};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
      message.msg_control = control;
      message.msg_controllen = sizeof(control);
      cmsghdr* header = CMSG_FIRSTHDR(&message);
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
    }
    ::_exit(::sendmsg(theirs.get(), &message, MSG_NOSIGNAL) < 0 ? 1 : 0);
  }
  theirs.reset();
  int err = 0;
  msghdr message{};
  iovec part{&err, sizeof(err)};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = ::recvmsg(ours.get(), &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
  UniqueFd created;
  if (cmsghdr* header = CMSG_FIRSTHDR(&message);
      n > 0 && header && header->cmsg_type == SCM_RIGHTS) {
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
    created.reset(fd);
  }
  if (n <= 0) throwError(Errc::Internal, "create a network namespace: the child died");
  if (err != 0 || !created) throwErrnoValue(err ? err : EIO, "create a network namespace");
  return created;
}

std::vector<std::string> pastaArguments(const UserModeNetwork& network,
                                        const std::string& netnsPath, const std::string& pidPath) {
  // --runas 0: pasta would switch from root (the user's own id in berth's
  // user namespace) to nobody, who may not join the namespace.
  std::vector<std::string> args = {
      "--config-net", "--foreground", "--quiet", "--runas", "0:0", "--pid", pidPath,
      // no port forwarding from the container to the host, and
      // no polling for it
      "-T", "none", "-U", "none", "--mtu", std::to_string(network.mtu)};
  bool mapGw = network.allowHostLoopback;
  for (const auto& o : network.extraOptions)
    if (o == "--map-gw") mapGw = true;
  if (!mapGw) args.push_back("--no-map-gw");
  // One -t/-u per mapping: a bind address applies to a whole option.
  bool tcp = false;
  bool udp = false;
  for (const auto& p : network.ports) {
    if (p.protocol != "tcp" && p.protocol != "udp") continue;
    (p.protocol == "udp" ? udp : tcp) = true;
    args.insert(args.end(), {p.protocol == "udp" ? "-u" : "-t", portSpec(p)});
  }
  // pasta forwards the UDP ports of TCP ones too unless told otherwise.
  if (!tcp) args.insert(args.end(), {"-t", "none"});
  if (!udp) args.insert(args.end(), {"-u", "none"});
  for (const auto& o : network.extraOptions)
    if (o != "--map-gw") args.push_back(o);
  args.insert(args.end(), {"--netns", netnsPath, "--netns-only", "--no-netns-quit"});
  return args;
}

std::vector<std::string> slirpArguments(const UserModeNetwork& network,
                                        const std::string& netnsPath, int readyFd, int exitFd,
                                        const std::string& apiSocket) {
  std::vector<std::string> args = {"--configure", "--mtu=" + std::to_string(network.mtu),
                                   "--netns-type=path", "--ready-fd=" + std::to_string(readyFd),
                                   "--exit-fd=" + std::to_string(exitFd)};
  if (!network.allowHostLoopback) args.push_back("--disable-host-loopback");
  if (!apiSocket.empty()) args.push_back("--api-socket=" + apiSocket);
  args.insert(args.end(), {netnsPath, "tap0"});
  return args;
}

NetworkHelper NetworkHelper::start(const UserModeNetwork& network, int netnsFd) {
  const bool pasta = network.command == "pasta";
  const std::string logPath = network.runDir + "/network.log";
  UniqueFd log(::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log) throwErrno("open {}", logPath);
  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  const std::string netnsPath = "/proc/self/fd/" + std::to_string(kChildNetnsFd);

  NetworkHelper helper;
  UniqueFd ready;  // readable once the helper is up
  UniqueFd readyTheirs;
  UniqueFd exitTheirs;
  std::string pidPath;
  std::vector<std::string> args;
  const std::string apiSocket = network.runDir + "/slirp4netns.sock";
  if (pasta) {
    // pasta writes its pid once it is set up: a fifo tells us when.
    pidPath = network.runDir + "/pasta.pid";
    ::unlink(pidPath.c_str());
    if (::mkfifo(pidPath.c_str(), 0600) != 0) throwErrno("mkfifo {}", pidPath);
    ready.reset(::open(pidPath.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!ready) throwErrno("open {}", pidPath);
    args = pastaArguments(network, netnsPath, pidPath);
  } else {
    int readyPipe[2];
    int exitPipe[2];
    if (::pipe2(readyPipe, O_CLOEXEC) != 0 || ::pipe2(exitPipe, O_CLOEXEC) != 0)
      throwErrno("create the slirp4netns pipes");
    ready.reset(readyPipe[0]);
    readyTheirs.reset(readyPipe[1]);
    exitTheirs.reset(exitPipe[0]);
    helper.exitFd_.reset(exitPipe[1]);
    ::unlink(apiSocket.c_str());
    // Relative to its working directory, the run dir: the full path may be
    // longer than a socket address can be.
    args = slirpArguments(network, netnsPath, kChildReadyFd, kChildExitFd,
                          network.ports.empty() ? "" : "slirp4netns.sock");
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  ScopeExit destroyActions([&actions] { posix_spawn_file_actions_destroy(&actions); });
  posix_spawn_file_actions_adddup2(&actions, devNull.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, netnsFd, kChildNetnsFd);
  if (readyTheirs) posix_spawn_file_actions_adddup2(&actions, readyTheirs.get(), kChildReadyFd);
  if (exitTheirs) posix_spawn_file_actions_adddup2(&actions, exitTheirs.get(), kChildExitFd);
  posix_spawn_file_actions_addchdir_np(&actions, network.runDir.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  ScopeExit destroyAttributes([&attributes] { posix_spawnattr_destroy(&attributes); });
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  std::vector<std::string> argvStorage = {network.command};
  argvStorage.insert(argvStorage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argvStorage)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (const int err =
          ::posix_spawn(&pid, network.program.c_str(), &actions, &attributes, argv.data(), environ);
      err != 0)
    throwErrnoValue(err, fmt::format("start {}", network.program));
  helper.pid_ = pid;
  helper.publishesPorts_ = !network.ports.empty();
  helper.pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  readyTheirs.reset();
  exitTheirs.reset();
  if (!helper.pidfd_) throwErrno("pidfd_open {}", pid);
  writeFile(network.runDir + "/" + std::string(kHelperRecord),
            fmt::format("{} {}\n", pid, runtime::processStartTime(pid)), 0600, false);

  if (!waitReadable(ready.get(), helper.pidfd_.get())) {
    helper.stop();
    throwHelperFailure(network, logPath, "failed to set up the network");
  }
  if (pasta) ::unlink(pidPath.c_str());
  if (!pasta) {
    for (const auto& p : spec::expandPorts(network.ports)) {
      if (p.protocol != "tcp" && p.protocol != "udp") continue;
      slirpRequest(apiSocket, {{"execute", "add_hostfwd"},
                               {"arguments",
                                {{"proto", p.protocol},
                                 {"host_addr", p.hostIp.empty() ? "0.0.0.0" : p.hostIp},
                                 {"host_port", p.hostPort},
                                 {"guest_port", p.containerPort}}}});
    }
  }
  return helper;
}

void killStrayHelper(const std::string& runDir) noexcept {
  try {
    const auto text = readFileIfExists(runDir + "/" + std::string(kHelperRecord));
    long long pid = 0;
    unsigned long long start = 0;
    if (!text || std::sscanf(text->c_str(), "%lld %llu", &pid, &start) != 2 || pid <= 0) return;
    if (start != 0 && runtime::processStartTime(static_cast<pid_t>(pid)) == start)
      ::kill(static_cast<pid_t>(pid), SIGKILL);
  } catch (const std::exception&) {
    // gone meanwhile
  }
}

void NetworkHelper::stop() noexcept {
  if (pid_ <= 0) return;
  exitFd_.reset();
  // SIGKILL, not SIGTERM: neither helper has anything to save. Its exit
  // takes the kernel's teardown of its tap device (~16 ms here); only
  // published ports, which must be free before exit.json, are worth it.
  if (pidfd_) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  // Through the pidfd: the monitor's SIGCHLD handler may have reaped it
  // already, and its pid may be another child's by now.
  if (pidfd_ && publishesPorts_) {
    siginfo_t info{};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
                    WEXITED) < 0 &&
           errno == EINTR) {
    }
  }
  pid_ = -1;
  pidfd_.reset();
}

}  // namespace berth::net
