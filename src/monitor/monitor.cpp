// SPDX-License-Identifier: Apache-2.0
#include "monitor.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/net/bridge.hpp"
#include "berth/runtime/capabilities.hpp"
#include "berth/runtime/rootfs.hpp"
#include "berth/runtime/seccomp.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/state/container.hpp"
#include "berth/state/container_log.hpp"
#include "berth/state/events.hpp"
#include "berth/state/health.hpp"

namespace berth::monitor {

namespace {

// epoll data: small tags for the fixed fds, client pointers otherwise.
constexpr std::uint64_t kTagSignals = 1;
constexpr std::uint64_t kTagStdout = 2;
constexpr std::uint64_t kTagStderr = 3;
constexpr std::uint64_t kTagListen = 4;
constexpr std::uint64_t kTagHealth = 5;
constexpr std::uint64_t kTagNotify = 6;
constexpr std::uint64_t kFirstClientTag = 16;

// Output read per wakeup; also the largest attach datagram.
constexpr std::size_t kChunk = 32 * 1024;

std::int64_t nowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::int64_t monotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void addToEpoll(int epoll, int fd, std::uint64_t tag, std::uint32_t events = EPOLLIN) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = tag;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) throwErrno("epoll_ctl add fd {}", fd);
}

void sendJson(int fd, const Json& message) {
  const std::string text = message.dump();
  // The CLI may be gone (killed while waiting): nothing to tell then.
  [[maybe_unused]] auto n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

runtime::CapabilityMasks masksOf(const oci::Spec& spec) {
  runtime::CapabilitySets sets;
  if (spec.process && spec.process->capabilities) {
    const auto& caps = *spec.process->capabilities;
    sets = {caps.bounding, caps.effective, caps.inheritable, caps.permitted, caps.ambient};
  }
  return runtime::capabilityMasks(sets);
}

// Drops the pages of the executable's code: most of it was only needed to
// launch the container. The loop
// faults back in the few it uses. The monitor is static, so this is nearly
// all of its file-backed memory.
void releaseStartupCode() noexcept {
  const auto maps = readFileIfExists("/proc/self/maps");
  if (!maps) return;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return;
  const std::string_view exe(self, static_cast<std::size_t>(n));
  std::string_view rest = *maps;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    // "start-end perms offset dev inode path"
    if (line.size() < exe.size() || !line.ends_with(exe)) continue;
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash == std::string_view::npos || space == std::string_view::npos) continue;
    const std::string_view perms = line.substr(space + 1, 4);
    // Code only: a read-only data mapping may be RELRO, written at start
    // (relocations) and then protected; dropping it would undo that.
    if (perms != "r-xp") continue;
    const auto start = std::stoull(std::string(line.substr(0, dash)), nullptr, 16);
    const auto stop =
        std::stoull(std::string(line.substr(dash + 1, space - dash - 1)), nullptr, 16);
    ::madvise(reinterpret_cast<void*>(start), stop - start, MADV_DONTNEED);
  }
}

}  // namespace

struct Monitor::Client {
  UniqueFd fd;
  std::uint64_t tag = 0;
  bool closed = false;
};

// The log behind an interface-free pointer: "none" has no writer.
class Monitor::Output {
 public:
  explicit Output(const runtime::MonitorConfig& config) {
    if (config.logDriver != "none")
      writer_ = std::make_unique<state::LogWriter>(config.logPath, config.logMaxSize);
  }
  void write(int index, std::string_view data) {
    if (writer_)
      writer_->write(index == 0 ? state::LogStream::Stdout : state::LogStream::Stderr, data,
                     nowNs());
  }

 private:
  std::unique_ptr<state::LogWriter> writer_;
};

Monitor::Monitor(runtime::MonitorConfig config, UniqueFd sync)
    : config_(std::move(config)), sync_(std::move(sync)) {}

Monitor::~Monitor() = default;

void Monitor::reportFailure(const Error& error, int exitCode) {
  runtime::MonitorReport report;
  report.error = error.message();
  report.sysErrno = error.sysErrno();
  report.exitCode = exitCode;
  if (sync_) sendJson(sync_.get(), report.toJson());
}

void Monitor::listenForAttach() {
  runDir_ = openFile(config_.runDir, O_PATH | O_DIRECTORY);
  const std::string path = config_.runDir + "/attach";
  ::unlink(path.c_str());
  listen_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listen_) throwErrno("create the attach socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string bindPath = runtime::socketPath(path, runDir_.get());
  std::strncpy(address.sun_path, bindPath.c_str(), sizeof(address.sun_path) - 1);
  if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    throwErrno("bind the attach socket {}", path);
  if (::listen(listen_.get(), 16) != 0) throwErrno("listen on {}", path);
}

void Monitor::launchContainer() {
  oci::Spec spec = oci::Spec::fromJson(readJsonFile(config_.specPath), config_.specPath);
  if (spec.process)
    for (const auto& entry : config_.extraEnv)
      spec.process->env.push_back(entry);
  if (config_.notifyProxy && !config_.notifySocket.empty()) openNotifyProxy(spec);
  const runtime::RootfsPlan rootfs = runtime::planRootfs(config_.rootfs);
  const runtime::CapabilityMasks masks = masksOf(spec);
  std::optional<runtime::SeccompProgram> seccomp;
  if (spec.linuxConfig && spec.linuxConfig->seccomp)
    seccomp = runtime::cachedSeccomp(*spec.linuxConfig->seccomp, config_.cacheDir);

  // A terminal: the container's init sends its pty master over this
  // socket; stdout, stderr and stdin all go through it. Else pipes.
  const bool terminal = spec.process && spec.process->terminal;
  UniqueFd consoleOurs;
  UniqueFd consoleTheirs;
  UniqueFd childOut;
  UniqueFd childErr;
  if (terminal) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
      throwErrno("create the console socket");
    consoleOurs.reset(pair[0]);
    consoleTheirs.reset(pair[1]);
  } else {
    int outputPipes[2][2];
    for (int i = 0; i < 2; ++i) {
      if (::pipe2(outputPipes[i], O_CLOEXEC) != 0) throwErrno("create the output pipes");
      outputs_[i].reset(outputPipes[i][0]);
    }
    childOut.reset(outputPipes[0][1]);
    childErr.reset(outputPipes[1][1]);
  }
  UniqueFd childIn;
  if (config_.keepStdin && !terminal) {
    int stdinPipe[2];
    if (::pipe2(stdinPipe, O_CLOEXEC) != 0) throwErrno("create the stdin pipe");
    childIn.reset(stdinPipe[0]);
    stdinWrite_.reset(stdinPipe[1]);
  }

  connectNetwork();
  runtime::LaunchOptions options;
  options.rootless = config_.rootless;
  if (netns_) options.networkNamespaceFd = netns_.get();
  options.stdinFd = childIn ? childIn.get() : -1;
  options.stdoutFd = childOut.get();
  options.stderrFd = childErr.get();
  options.consoleSocket = consoleTheirs ? consoleTheirs.get() : -1;
  options.consoleRows = config_.terminalRows;
  options.consoleColumns = config_.terminalColumns;
  options.waitForStart = config_.waitForStart;
  options.parentDeathSignal = SIGKILL;
  options.volumeInits = config_.volumeInits;
  const std::string cwd = spec.process ? spec.process->cwd : "/";
  options.mountRootfs = [&rootfs, &cwd](const std::string& target) {
    runtime::mountRootfs(rootfs);
    // Podman creates a missing working directory in the container.
    if (cwd != "/") {
      try {
        makeDirs(target + cwd, 0755);
      } catch (const Error&) {
        // chdir reports it with the container's view of the path
      }
    }
  };
  options.applyCapabilities = [masks](uid_t uid, gid_t gid) {
    runtime::applyCapabilities(masks, runtime::ProcessUser{uid, gid});
  };
  if (seccomp) options.installSeccomp = [&seccomp] { runtime::loadSeccomp(*seccomp); };
  if (config_.useCgroup) {
    // Before the init runs: its cgroup namespace is rooted here.
    const oci::LinuxResources resources = spec.linuxConfig && spec.linuxConfig->resources
                                              ? *spec.linuxConfig->resources
                                              : oci::LinuxResources{};
    options.beforeInit = [this, resources](pid_t pid) {
      cgroup_ = runtime::ContainerCgroup::create(config_.containerId, resources, config_.rootless);
      cgroup_->addProcess(pid);
    };
  }

  container_.emplace(runtime::launch(spec, options));
  containerPid_ = container_->pid();
  launchedAtNs_ = monotonicNs();
  if (terminal) {
    consoleTheirs.reset();
    terminal_ = runtime::receiveConsole(consoleOurs.get());
    outputs_[0].reset(::fcntl(terminal_.get(), F_DUPFD_CLOEXEC, 0));
    if (!outputs_[0]) throwErrno("dup the pty master");
    // Without -i, what attach clients type goes nowhere, as with Podman.
    if (config_.keepStdin) stdinWrite_.reset(::fcntl(terminal_.get(), F_DUPFD_CLOEXEC, 0));
  }
}

int Monitor::run() {
  try {
    listenForAttach();
    launchContainer();
  } catch (const runtime::LaunchError& error) {
    removeCgroup();
    disconnectNetwork();
    reportFailure(error, error.exitCode());
    return error.exitCode();
  } catch (const Error& error) {
    removeCgroup();
    disconnectNetwork();
    reportFailure(error, kExitEngineError);
    return kExitEngineError;
  } catch (const std::exception& error) {
    removeCgroup();
    disconnectNetwork();
    reportFailure(Error(Errc::Internal, error.what()), kExitEngineError);
    return kExitEngineError;
  }

  runtime::MonitorReport report;
  report.pid = containerPid_;
  report.pidStartTime = runtime::processStartTime(containerPid_);
  report.monitorPid = ::getpid();
  report.monitorStartTime = runtime::processStartTime(::getpid());
  if (cgroup_) report.cgroupPath = cgroup_->path();
  sendJson(sync_.get(), report.toJson());

  if (config_.waitForStart) {
    // The CLI attaches, then says start; its going away means no start.
    char buffer[512];
    const ssize_t n = ::recv(sync_.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) return kExitEngineError;  // the container is killed with container_
    try {
      container_->start();
    } catch (const runtime::LaunchError& error) {
      reportFailure(error, error.exitCode());
      return error.exitCode();
    } catch (const Error& error) {
      reportFailure(error, kExitEngineError);
      return kExitEngineError;
    }
    runtime::MonitorReport started = report;
    started.started = true;
    sendJson(sync_.get(), started.toJson());
  }
  sync_.reset();
  announceRunning();

  try {
    log_ = std::make_unique<Output>(config_);
    setUpLoop();
    do {
      loop();
    } while (restartAfterExit());
    finish();
  } catch (const std::exception&) {
    // Nobody to tell: the CLI is gone. Make sure the container does not
    // outlive its monitor, and let cleanup record what it can.
    if (container_ && !waitStatus_) container_->process().kill(SIGKILL);
    return kExitEngineError;
  }
  return 0;
}

void Monitor::sendNotify(std::string_view message) noexcept {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (config_.notifySocket.size() >= sizeof(address.sun_path)) return;
  std::memcpy(address.sun_path, config_.notifySocket.data(), config_.notifySocket.size());
  socklen_t length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + config_.notifySocket.size());
  if (address.sun_path[0] == '@')
    address.sun_path[0] = '\0';  // abstract
  else
    ++length;
  const UniqueFd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!socket) return;
  // Nobody to tell when it fails: the service manager times the unit out.
  [[maybe_unused]] auto n = ::sendto(socket.get(), message.data(), message.size(), MSG_NOSIGNAL,
                                     reinterpret_cast<const sockaddr*>(&address), length);
}

void Monitor::announceRunning() noexcept {
  const std::string pid = std::to_string(::getpid());
  try {
    writeFileAtomic(config_.runDir + "/" + runtime::kMonitorPidFile, pid + "\n", 0644, false);
  } catch (const Error&) {
    // PIDFile= of a forking unit only: the container runs regardless.
  }
  if (config_.notifySocket.empty()) return;
  // The proxy (container mode) leaves READY to the container.
  sendNotify("MAINPID=" + pid + (notifyProxy_ ? "\n" : "\nREADY=1\n"));
}

// --sdnotify=container: a socket the container gets as $NOTIFY_SOCKET, bound
// before the launch so that its bind mount has a source.
void Monitor::openNotifyProxy(oci::Spec& spec) {
  const std::string dir = config_.runDir + "/notify";
  makeDirs(dir, 0755);
  const UniqueFd dirFd = openFile(dir, O_PATH | O_DIRECTORY);
  const std::string path = dir + "/notify.sock";
  ::unlink(path.c_str());
  notifyProxy_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!notifyProxy_) throwErrno("create the notify socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string bindPath = runtime::socketPath(path, dirFd.get());
  std::strncpy(address.sun_path, bindPath.c_str(), sizeof(address.sun_path) - 1);
  if (::bind(notifyProxy_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    throwErrno("bind the notify socket {}", path);
  // Any user of the container may tell it is ready.
  if (::fchmodat(dirFd.get(), "notify.sock", 0666, 0) != 0)
    throwErrno("chmod the notify socket {}", path);
  spec.mounts.push_back(oci::Mount{"/run/notify", "bind", dir, {"rbind", "rw"}, Json::object()});
  if (spec.process) spec.process->env.push_back("NOTIFY_SOCKET=/run/notify/notify.sock");
}

// A datagram from the container: forwarded, without MAINPID (a pid of the
// container's namespace; the service's main process is the monitor).
void Monitor::onNotify() {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(notifyProxy_.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    std::string forwarded;
    std::string_view rest(buffer, static_cast<std::size_t>(n));
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (!line.empty() && !line.starts_with("MAINPID=")) forwarded += std::string(line) + "\n";
    }
    if (!forwarded.empty()) sendNotify(forwarded);
  }
}

void Monitor::setUpLoop() {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) throwErrno("epoll_create1");
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  signals_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_) throwErrno("signalfd");
  addToEpoll(epoll_.get(), signals_.get(), kTagSignals);
  if (outputs_[0]) addToEpoll(epoll_.get(), outputs_[0].get(), kTagStdout);
  if (outputs_[1]) addToEpoll(epoll_.get(), outputs_[1].get(), kTagStderr);
  addToEpoll(epoll_.get(), listen_.get(), kTagListen);
  if (notifyProxy_) addToEpoll(epoll_.get(), notifyProxy_.get(), kTagNotify);
  if (config_.healthIntervalNs > 0 && !config_.healthCommand.empty()) {
    healthTimer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!healthTimer_) throwErrno("timerfd_create");
    addToEpoll(epoll_.get(), healthTimer_.get(), kTagHealth);
    armHealthTimer();
  }
  // A SIGCHLD that arrived before the signalfd existed is still pending
  // (blocked), so it is read on the first wakeup.

  // The spec, the seccomp program and the JSON are gone: give their pages
  // back, an idle monitor should cost (almost) nothing.
  ::malloc_trim(0);
  releaseStartupCode();

  // A foreground `run` connected before it said start: accept it before
  // the first output is read, so that nothing goes past it.
  onListen();
}

void Monitor::loop() {
  epoll_event events[16];
  for (;;) {
    const bool outputsOpen = outputs_[0] || outputs_[1];
    if (waitStatus_ && !outputsOpen) return;
    int timeout = -1;
    if (waitStatus_) {
      // Output still open after the exit: a process outside the container
      // holds the pipe. Give it a moment, not forever.
      const std::int64_t left = exitDeadlineNs_ - monotonicNs();
      if (left <= 0) return;
      timeout = static_cast<int>(left / 1000000 + 1);
    }
    const int n = ::epoll_wait(epoll_.get(), events, 16, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("epoll_wait");
    }
    // New clients first: output read in this batch goes to them too.
    for (int i = 0; i < n; ++i)
      if (events[i].data.u64 == kTagListen) onListen();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kTagSignals) {
        onSignal();
      } else if (tag == kTagStdout || tag == kTagStderr) {
        onOutput(tag == kTagStdout ? 0 : 1);
      } else if (tag == kTagListen) {
        // accepted above
      } else if (tag == kTagHealth) {
        onHealthTimer();
      } else if (tag == kTagNotify) {
        onNotify();
      } else {
        for (auto& client : clients_)
          if (client->tag == tag && !client->closed) onClient(*client);
      }
    }
    std::erase_if(clients_, [](const auto& client) { return client->closed; });
  }
}

void Monitor::onSignal() {
  signalfd_siginfo info{};
  while (::read(signals_.get(), &info, sizeof(info)) == sizeof(info)) {
  }
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    if (pid == containerPid_) {
      waitStatus_ = status;
      exitDeadlineNs_ = monotonicNs() + 2'000'000'000;
      [[maybe_unused]] pid_t released = container_->process().release();
    } else if (pid == healthCheck_) {
      healthCheck_ = -1;
      if (!waitStatus_) armHealthTimer();
    }
  }
}

// Health checks (DESIGN.md, "Monitor protocol"): one interval after the
// start and after each check ends, the monitor runs `berth healthcheck run
// <id>`, which does the work (exec, health.json, event, on-failure action)
// as the user's own command would. The check is not waited for here: it is
// reaped with the other children, and it outlives the monitor when its
// action (restart) ends this container.
void Monitor::armHealthTimer() noexcept {
  if (!healthTimer_) return;
  itimerspec due{};
  due.it_value.tv_sec = static_cast<time_t>(config_.healthIntervalNs / 1'000'000'000);
  due.it_value.tv_nsec = static_cast<long>(config_.healthIntervalNs % 1'000'000'000);
  ::timerfd_settime(healthTimer_.get(), 0, &due, nullptr);
}

void Monitor::onHealthTimer() {
  std::uint64_t expirations = 0;
  if (::read(healthTimer_.get(), &expirations, sizeof(expirations)) != sizeof(expirations)) return;
  if (waitStatus_ || healthCheck_ > 0) return;
  try {
    SpawnStdio stdio;
    UniqueFd devNull = openFile("/dev/null", O_RDWR | O_CLOEXEC);
    stdio.in = stdio.out = stdio.err = devNull.get();
    stdio.unblockSignals = true;
    healthCheck_ = ChildProcess::spawn(config_.healthCommand, stdio).release();
  } catch (const Error&) {
    armHealthTimer();  // try again next interval
  }
}

void Monitor::onOutput(int index) {
  char buffer[kChunk + 1];
  const ssize_t n = ::read(outputs_[index].get(), buffer + 1, kChunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    outputs_[index].reset();  // closing removes it from the epoll set
    return;
  }
  const std::string_view data(buffer + 1, static_cast<std::size_t>(n));
  log_->write(index, data);
  broadcast(index == 0 ? runtime::AttachMessage::Stdout : runtime::AttachMessage::Stderr, data);
}

void Monitor::broadcast(runtime::AttachMessage type, std::string_view data) {
  std::string message;
  message.reserve(data.size() + 1);
  message.push_back(static_cast<char>(type));
  message.append(data);
  for (auto& client : clients_) {
    if (client->closed) continue;
    // Blocking send: an attached client that stops reading slows the
    // container's output down, as a terminal would.
    if (::send(client->fd.get(), message.data(), message.size(), MSG_NOSIGNAL) < 0)
      client->closed = true;
  }
}

void Monitor::onListen() {
  for (;;) {
    UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd) return;
    auto client = std::make_unique<Client>();
    static std::uint64_t nextTag = kFirstClientTag;
    client->tag = nextTag++;
    client->fd = std::move(fd);
    addToEpoll(epoll_.get(), client->fd.get(), client->tag, EPOLLIN | EPOLLRDHUP);
    clients_.push_back(std::move(client));
  }
}

void Monitor::onClient(Client& client) {
  char buffer[kChunk + 1];
  const ssize_t n = ::recv(client.fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    client.closed = true;
    return;
  }
  const auto type = static_cast<runtime::AttachMessage>(buffer[0]);
  if (type == runtime::AttachMessage::Stdin && stdinWrite_) {
    try {
      writeAll(stdinWrite_.get(), std::string_view(buffer + 1, static_cast<std::size_t>(n - 1)),
               "container stdin");
    } catch (const Error&) {
      stdinWrite_.reset();  // the container closed its stdin
    }
  } else if (type == runtime::AttachMessage::CloseStdin) {
    // A terminal's input has no end: the container reads ^D if it was sent.
    if (!terminal_) stdinWrite_.reset();
  } else if (type == runtime::AttachMessage::Resize && terminal_ &&
             n == 1 + sizeof(runtime::WindowSize)) {
    runtime::WindowSize size;
    std::memcpy(&size, buffer + 1, sizeof(size));
    winsize window{};
    window.ws_row = size.rows;
    window.ws_col = size.columns;
    ::ioctl(terminal_.get(), TIOCSWINSZ, &window);
  }
}

// The default network: a namespace of the monitor's making, connected by
// the helper before the container's init joins it. Made once; a restarted
// container joins the same one, with the same ports.
void Monitor::connectNetwork() {
  if (config_.network.is_null() || netns_) return;
  if (config_.network.contains("join")) {  // container:NAME
    const std::string path = config_.network["join"].get<std::string>();
    netns_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns_) throwErrno("open the network namespace {}", path);
    return;
  }
  if (config_.network.contains("bridge")) {
    netns_ = net::createNetworkNamespace();
    net::connectBridges(net::BridgeConnection::fromJson(config_.network["bridge"]), netns_.get());
    return;
  }
  const net::UserModeNetwork network = net::UserModeNetwork::fromJson(config_.network);
  netns_ = net::createNetworkNamespace();
  network_.emplace(net::NetworkHelper::start(network, netns_.get()));
}

void Monitor::disconnectNetwork() noexcept {
  network_.reset();  // stops the helper
  netns_.reset();
}

void Monitor::removeCgroup() noexcept {
  if (!cgroup_) return;
  try {
    cgroup_->remove();
  } catch (const std::exception&) {
    // `berth container cleanup` tries again
  }
  cgroup_.reset();
}

void Monitor::waitForClientsToHangUp(int timeoutMs) {
  std::erase_if(clients_, [](const auto& client) { return client->closed; });
  const std::int64_t deadline = monotonicNs() + std::int64_t(timeoutMs) * 1000000;
  while (!clients_.empty()) {
    const std::int64_t left = (deadline - monotonicNs()) / 1000000;
    if (left <= 0) return;
    std::vector<pollfd> fds;
    for (const auto& client : clients_)
      fds.push_back({client->fd.get(), POLLIN | POLLRDHUP, 0});
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      char byte;
      // Anything but data (EOF, error, hang-up) means the client is gone.
      if (::recv(fds[i].fd, &byte, 1, MSG_DONTWAIT) <= 0 || (fds[i].revents & ~POLLIN) != 0)
        clients_[i]->closed = true;
    }
    std::erase_if(clients_, [](const auto& client) { return client->closed; });
  }
}

bool Monitor::stoppedByUser() const {
  struct stat st {};
  return ::fstatat(runDir_.get(), runtime::kStoppedByUserFile, &st, 0) == 0;
}

// Restart policies (DESIGN.md, "Monitor protocol"): after an exit the
// policy asks for, the monitor waits out the back-off, then, holding the
// container's lock, checks that nobody stopped or removed the container
// meanwhile, launches it again (a new mount namespace mounts the same
// rootfs; the log goes on) and records the new process in state.json.
bool Monitor::restartAfterExit() {
  if (config_.restartPolicy.empty() || config_.restartPolicy == "no") return false;
  const int exitCode = exitCodeFromWaitStatus(waitStatus_.value_or(0));
  if (!runtime::restartWanted(config_.restartPolicy, config_.restartRetries, exitCode, restarts_,
                              stoppedByUser()))
    return false;
  const std::int64_t exitNs = nowNs();
  if ((monotonicNs() - launchedAtNs_) / 1'000'000 >= runtime::kRestartResetAfterMs)
    restartStreak_ = 0;

  // This run is over for attached clients: a foreground run returns its code.
  runtime::ExitRecord record;
  record.exitCode = exitCode;
  record.signal = WIFSIGNALED(*waitStatus_) ? WTERMSIG(*waitStatus_) : 0;
  record.finishedNs = exitNs;
  broadcast(runtime::AttachMessage::Exit, record.toJson().dump());
  clients_.clear();
  removeCgroup();
  container_.reset();
  for (auto& output : outputs_)
    output.reset();
  stdinWrite_.reset();
  terminal_.reset();

  // The back-off, watching for a stop (its mark) ten times a second.
  const std::int64_t deadline = monotonicNs() + runtime::restartDelayMs(restartStreak_) * 1'000'000;
  for (;;) {
    if (stoppedByUser()) return false;
    const std::int64_t left = (deadline - monotonicNs()) / 1'000'000;
    if (left <= 0) break;
    ::poll(nullptr, 0, static_cast<int>(std::min<std::int64_t>(left, 100)));
  }

  std::optional<FileLock> lock;
  try {
    lock.emplace(config_.lockPath);
  } catch (const Error&) {
    return false;  // the store is gone
  }
  // stop and kill mark the container holding this lock, then read its pid:
  // they either see the mark here or the new process in state.json.
  if (stoppedByUser() || !cleanupNeeded()) return false;
  config_.waitForStart = false;
  try {
    launchContainer();
  } catch (const runtime::LaunchError& error) {
    waitStatus_ = (error.exitCode() & 0xff) << 8;
    return false;
  } catch (const Error&) {
    waitStatus_ = (kExitEngineError & 0xff) << 8;
    return false;
  }
  waitStatus_.reset();
  ++restarts_;
  ++restartStreak_;
  if (outputs_[0]) addToEpoll(epoll_.get(), outputs_[0].get(), kTagStdout);
  if (outputs_[1]) addToEpoll(epoll_.get(), outputs_[1].get(), kTagStderr);
  recordRestart(exitNs, exitCode);
  armHealthTimer();
  return true;
}

void Monitor::recordRestart(std::int64_t lastExitNs, int lastExitCode) {
  // The record as the CLI wrote it, unknown fields kept; written as
  // recordRunning writes it (atomically, not fsynced).
  state::ContainerState st =
      state::ContainerState::fromJson(readJsonFile(config_.statePath), config_.statePath);
  st.pid = containerPid_;
  st.pidStartTime = runtime::processStartTime(containerPid_);
  st.startedNs = nowNs();
  st.finishedNs = lastExitNs;
  st.exitCode = lastExitCode;
  st.restartCount = restarts_;
  writeJsonFileAtomic(config_.statePath, st.toJson(), false, 0600);
  if (!config_.healthLogPath.empty()) {
    try {
      state::resetHealthLog(config_.healthLogPath);
    } catch (const Error&) {
      // the next check writes it
    }
  }

  // The events Podman's restart path writes: died (no cleanup runs for a
  // restarted run), then init and start of the new one.
  try {
    const state::ContainerConfig config = state::ContainerConfig::fromJson(
        readJsonFile(dirName(config_.statePath) + "/config.json"), "config.json");
    state::StorePaths paths;
    paths.runRoot = dirName(dirName(config_.runDir));  // <runroot>/containers/<id>
    state::Event died =
        state::containerEvent("died", config.id, config.name, config.imageName, config.labels);
    died.containerExitCode = lastExitCode;
    died.timeNs = lastExitNs;
    state::emitEvent(paths, died);
    for (const char* status : {"init", "start"})
      state::emitEvent(paths, state::containerEvent(status, config.id, config.name,
                                                    config.imageName, config.labels));
  } catch (const Error&) {
    // an event never stops a restart
  }
}

bool Monitor::cleanupNeeded() const {
  // state.json beside the spec; gone (removed) or no longer running
  // (cleaned up by the attached CLI) means there is nothing left to do.
  const auto state = readFileIfExists(dirName(config_.specPath) + "/state.json");
  if (!state) return false;
  try {
    return parseJson(*state, "state.json").value("status", "") == "running";
  } catch (const Error&) {
    return true;
  }
}

void Monitor::finish() {
  runtime::ExitRecord record;
  const int status = waitStatus_.value_or(0);
  record.exitCode = exitCodeFromWaitStatus(status);
  record.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  record.finishedNs = nowNs();
  if (cgroup_) record.oomKilled = cgroup_->oomKilled();
  removeCgroup();
  disconnectNetwork();  // published ports are free again once the exit is known
  log_.reset();         // flushed and closed before anyone reads the exit
  writeJsonFileAtomic(config_.runDir + "/exit.json", record.toJson(), false, 0600);
  const std::string message = record.toJson().dump();
  broadcast(runtime::AttachMessage::Exit, message);
  listen_.reset();
  ::unlinkat(runDir_.get(), "attach", 0);
  // An attached CLI (foreground run, start -a) cleans up itself and then
  // hangs up; a cleanup process of ours would only wait for its lock and
  // find nothing to do. Wait for the hang-up (bounded: a stuck client must
  // not keep the monitor forever), then clean up only if nobody has.
  waitForClientsToHangUp(30'000);
  clients_.clear();
  if (!cleanupNeeded()) return;

  if (!config_.cleanupCommand.empty()) {
    sigset_t mask;  // the cleanup process must not inherit a blocked SIGCHLD
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    ::sigprocmask(SIG_UNBLOCK, &mask, nullptr);
    // Not waited for: it takes the container's lock, which a CLI may hold.
    SpawnStdio stdio;
    ChildProcess cleanup = ChildProcess::spawn(config_.cleanupCommand, stdio);
    [[maybe_unused]] pid_t pid = cleanup.release();
  }
}

}  // namespace berth::monitor
