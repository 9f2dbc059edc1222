// SPDX-License-Identifier: Apache-2.0
// `berth top`: psgo's format descriptors (what Podman 4.3's top uses), and
// the formatting of one process's facts, kept pure for tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::engine {

/// One psgo descriptor: its normal name ("pcpu"), AIX code ("%C", may be
/// empty) and column header ("%CPU").
struct TopDescriptor {
  std::string_view normal;
  std::string_view code;
  std::string_view header;
};

/// psgo's descriptors in Podman 4.3.1 (`podman top --help`), in psgo's order.
const std::vector<TopDescriptor>& topDescriptors();

/// The descriptors `podman top CTR ARGS...` asks for: every argument split
/// at commas and blanks, each a normal name or an AIX code; none: user pid
/// ppid pcpu etime tty time args. Throws Error(InvalidArgument) "'x':
/// unknown descriptor" (psgo's message) for anything else, and for a ps(1)
/// option ("-ef"), which berth does not hand to a ps inside the container.
std::vector<TopDescriptor> parseTopDescriptors(const std::vector<std::string>& arguments);

/// What top knows about one process (from /proc/<pid>/stat and status on the
/// host, pids translated into the container's pid namespace).
struct TopProcess {
  pid_t pid = 0;   ///< in the container
  pid_t ppid = 0;  ///< in the container (0: outside it)
  pid_t pgid = 0;  ///< in the container
  pid_t hostPid = 0;
  std::string comm;
  std::vector<std::string> args;  ///< /proc/<pid>/cmdline; empty for a kernel thread or zombie
  std::string state;              ///< "S", "R", ...
  long nice = 0;
  std::uint64_t ttyNr = 0;
  std::string tty;               ///< "pts/0", "?" when none
  std::uint64_t cpuTicks = 0;    ///< utime + stime
  std::uint64_t startTicks = 0;  ///< since boot
  std::uint64_t vsizeBytes = 0;
  std::string rssKb;             ///< VmRSS value as status prints it ("" for none)
  uid_t uids[4] = {0, 0, 0, 0};  ///< real, effective, saved, fs
  gid_t gids[4] = {0, 0, 0, 0};
  std::vector<gid_t> groups;
  std::uint64_t capInh = 0, capPrm = 0, capEff = 0, capBnd = 0, capAmb = 0;
  std::string seccomp;  ///< "0", "1", "2"
  std::string label;
  uid_t hostUid = 0;  ///< effective, as the host sees it (huser)
  gid_t hostGid = 0;
  std::vector<gid_t> hostGroups;
};

/// Where top looks things up: the container's users and groups, the host's,
/// and the clock.
struct TopContext {
  std::map<uid_t, std::string> users;       ///< container /etc/passwd
  std::map<gid_t, std::string> groups;      ///< container /etc/group
  std::map<uid_t, std::string> hostUsers;   ///< host /etc/passwd
  std::map<gid_t, std::string> hostGroups;  ///< host /etc/group
  std::uint64_t bootTimeSeconds = 0;        ///< /proc/stat btime
  std::int64_t nowNs = 0;                   ///< wall clock
  long clockTicks = 100;
  int lastCap = 40;  ///< /proc/sys/kernel/cap_last_cap
};

/// The cell of `descriptor` for `process`, as psgo prints it.
std::string topCell(const TopDescriptor& descriptor, const TopProcess& process,
                    const TopContext& context);

/// Go's time.Duration.String(): "0s", "1.5s", "2m3.000000001s", "1h0m0s", "150ms".
std::string goDurationString(std::int64_t nanoseconds);

/// psgo's capability set: "full" when every capability up to `lastCap` is
/// set, "none" for an empty set, else sorted names without "CAP_".
std::string capabilitySetString(std::uint64_t mask, int lastCap);

/// Parses /etc/passwd or /etc/group text into id -> name (the first entry
/// of an id wins).
std::map<unsigned, std::string> parseIdNames(std::string_view text);

}  // namespace berth::engine
