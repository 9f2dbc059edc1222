// SPDX-License-Identifier: Apache-2.0
// The default network of a container: its own network namespace, made by
// the monitor, connected to the host by a user-mode stack (pasta or
// slirp4netns) that the monitor starts and stops with the container
// (DESIGN.md, "Networking").
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/spec/container_spec.hpp"

namespace berth::net {

inline constexpr unsigned kDefaultMtu = 65520;
/// slirp4netns's fixed addresses (its default 10.0.2.0/24).
inline constexpr std::string_view kSlirpAddress = "10.0.2.100";
inline constexpr std::string_view kSlirpGateway = "10.0.2.2";
inline constexpr std::string_view kSlirpDns = "10.0.2.3";

/// What the monitor needs to connect one container.
struct UserModeNetwork {
  std::string command;  ///< "pasta" or "slirp4netns"
  std::string program;  ///< its path
  std::vector<spec::PortMapping> ports;
  bool allowHostLoopback = false;  ///< the host's loopback reachable via the gateway
  unsigned mtu = kDefaultMtu;
  std::vector<std::string> extraOptions;  ///< pasta:... options, passed on as they are
  std::string runDir;                     ///< the helper's log (network.log), sockets

  Json toJson() const;
  static UserModeNetwork fromJson(const Json& json);
};

/// Which stack a container on the default network gets: `configured`
/// ("pasta", "slirp4netns"; "" = choose) if installed, else slirp4netns
/// (the faster to start here) unless ports are published, which pasta
/// forwards keeping the client's address (and splices), else whichever is
/// installed. Throws Error(NotFound) naming both when neither is.
std::string chooseNetworkCommand(std::string_view configured, bool publishing);

/// network_cmd from berth's configuration: the first file of $BERTH_CONFIG,
/// $XDG_CONFIG_HOME/berth/berth.conf (~/.config/...; rootless only) and
/// /etc/berth/berth.conf that exists, a line `network_cmd = "pasta"` (TOML,
/// as containers.conf). "" when none says.
std::string configuredNetworkCommand(bool rootless);

/// A free port of the host for `protocol` on `hostIp` ("" = any): the one
/// the kernel picks for a bind to port 0. 0 when none.
std::uint16_t pickFreePort(const std::string& protocol, const std::string& hostIp);

/// Fails with Error(InvalidState) "publish port 8080/tcp on 0.0.0.0:
/// address already in use" when a host port of `ports` cannot be bound.
void checkHostPortsFree(const std::vector<spec::PortMapping>& ports);

/// One request to a slirp4netns API socket (add_hostfwd, list_hostfwd,
/// remove_hostfwd); its answer. A failed add_hostfwd throws
/// Error(InvalidState) "cannot publish port 8080/tcp on 0.0.0.0: ...".
Json slirpApi(const std::string& socketPath, const Json& request);

/// The helper's path, "" when not installed.
std::string findNetworkProgram(std::string_view command);

/// A new network namespace with loopback up; the calling thread's stays
/// what it was. Needs CAP_SYS_ADMIN (root, or root in a user namespace).
UniqueFd createNetworkNamespace();

/// The command lines (without argv[0]'s path), for tests and debugging.
std::vector<std::string> pastaArguments(const UserModeNetwork& network,
                                        const std::string& netnsPath, const std::string& pidPath);
std::vector<std::string> slirpArguments(const UserModeNetwork& network,
                                        const std::string& netnsPath, int readyFd, int exitFd,
                                        const std::string& apiSocket);

/// A running helper serving one network namespace. stop() (or the
/// destructor) ends it.
class NetworkHelper {
 public:
  NetworkHelper() = default;
  NetworkHelper(NetworkHelper&&) noexcept = default;
  NetworkHelper& operator=(NetworkHelper&&) noexcept = default;
  ~NetworkHelper() { stop(); }

  /// Starts the helper on `netnsFd` and returns once the namespace is
  /// configured and the ports are published; records "<pid> <start time>"
  /// in `network.runDir`/network.pid for killStrayHelper. Throws Error with the
  /// helper's own message ("pasta: Failed to bind port 8080 ...") when it
  /// fails, and names /dev/net/tun and the fix when it cannot open it.
  static NetworkHelper start(const UserModeNetwork& network, int netnsFd);

  pid_t pid() const noexcept { return pid_; }
  /// SIGKILL. With published ports, waits until it is gone (and reaps it
  /// unless someone did), so that the ports are free when the container's
  /// exit is reported; without, leaves it to the caller's reaping (a
  /// helper's exit waits for its tap device's teardown, ~16 ms here).
  void stop() noexcept;

 private:
  pid_t pid_ = -1;
  bool publishesPorts_ = false;
  UniqueFd pidfd_;
  UniqueFd exitFd_;  ///< slirp4netns exits when this closes
};

/// After a monitor was killed (SIGKILL), the helper it started may outlive
/// it (pasta holds the namespace open; slirp4netns ends with its exit fd):
/// kills the one recorded in `runDir`/network.pid if that very process
/// (same start time) still runs. For the cleanup of a container.
void killStrayHelper(const std::string& runDir) noexcept;

}  // namespace berth::net
