// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/capabilities.hpp"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "berth/base/error.hpp"
#include "catch.hpp"
#include "forked_child.hpp"

using namespace berth;
using namespace berth::runtime;
using Names = std::vector<std::string>;

namespace {

// Podman 4.3's CapEff for a root container: bits 0,1,3-8,10,18,31.
constexpr std::uint64_t kDefaultMask = 0x800405fb;

std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  return "(no error)";
}

Names withAll(Names names) {
  std::sort(names.begin(), names.end());
  return names;
}

// A host whose bounding set is everything berth knows.
Names fullBounding() {
  return allCapabilities();
}

// The Cap* lines of /proc/self/status, "CapEff=... CapBnd=..." for the parent.
std::string capabilityStatus() {
  std::string text;
  FILE* status = std::fopen("/proc/self/status", "re");
  if (!status) return text;
  char line[256];
  while (std::fgets(line, sizeof(line), status))
    if (std::strncmp(line, "Cap", 3) == 0 || std::strncmp(line, "Uid:", 4) == 0) text += line;
  std::fclose(status);
  return text;
}

std::uint64_t statusField(const std::string& status, const std::string& name) {
  const auto at = status.find(name + ":\t");
  if (at == std::string::npos) return ~std::uint64_t{0};
  return std::stoull(status.substr(at + name.size() + 2, 16), nullptr, 16);
}

}  // namespace

TEST_CASE("capability names: with or without CAP_, any case, as Podman accepts them") {
  CHECK(capabilityNumber("CAP_CHOWN") == 0);
  CHECK(capabilityNumber("chown") == 0);
  CHECK(capabilityNumber("Cap_Net_Raw") == 13);
  CHECK(capabilityNumber("setfcap") == 31);
  CHECK(capabilityNumber("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK(capabilityName(21) == "CAP_SYS_ADMIN");
  CHECK(normalizeCapability("net_bind_service") == "CAP_NET_BIND_SERVICE");
  CHECK(normalizeCapability("all") == "ALL");
  CHECK(errorOf([] { capabilityNumber("foo"); }) == "unknown capability \"CAP_FOO\"");
  CHECK(errorOf([] { capabilityNumber("CAP_"); }) == "unknown capability \"CAP_\"");
  CHECK(errorOf([] { capabilityName(64); }) == "unknown capability number 64");
  for (int cap = 0; cap < static_cast<int>(allCapabilities().size()); ++cap)
    CHECK(capabilityNumber(capabilityName(cap)) == cap);
}

TEST_CASE("the default set is Podman's eleven, sorted") {
  const auto defaults = defaultCapabilities();
  CHECK(defaults == Names{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                          "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
                          "CAP_SETUID", "CAP_SYS_CHROOT"});
  CHECK(std::is_sorted(defaults.begin(), defaults.end()));
  CHECK(capabilityMasks({defaults, defaults, {}, defaults, {}}) ==
        CapabilityMasks{kDefaultMask, kDefaultMask, 0, kDefaultMask, 0});
}

TEST_CASE("the bounding set of this process is readable") {
  const auto bounding = currentBoundingSet();
  CHECK(bounding.size() <= allCapabilities().size());
  for (const auto& name : bounding)
    CHECK(name.starts_with("CAP_"));
}

TEST_CASE("cap-add, cap-drop and ALL merge as containers/common does") {
  const Names defaults = defaultCapabilities();
  const Names bounding = fullBounding();
  struct Case {
    const char* what;
    Names add, drop, expected;
  };
  const Case cases[] = {
      {"nothing changes", {}, {}, defaults},
      {"add one", {"net_raw"}, {}, withAll([&] {
         auto names = defaults;
         names.push_back("CAP_NET_RAW");
         return names;
       }())},
      {"add one already there", {"CAP_CHOWN"}, {}, defaults},
      {"drop one", {}, {"CHOWN"}, Names(defaults.begin() + 1, defaults.end())},
      {"drop one not there", {}, {"SYS_ADMIN"}, defaults},
      {"drop ALL keeps only the adds", {"kill", "chown"}, {"all"}, {"CAP_CHOWN", "CAP_KILL"}},
      {"drop ALL alone", {}, {"ALL"}, {}},
      {"add ALL gives the bounding set, sorted", {"ALL"}, {}, withAll(bounding)},
      {"add ALL minus one",
       {"ALL"},
       {"NET_RAW"},
       [&] {
         auto names = bounding;
         names.erase(std::find(names.begin(), names.end(), "CAP_NET_RAW"));
         std::sort(names.begin(), names.end());
         return names;
       }()},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(mergeCapabilities(defaults, c.add, c.drop, bounding) == c.expected);
  }

  CHECK(errorOf([&] { mergeCapabilities(defaults, {"NET_RAW"}, {"net_raw"}, bounding); }) ==
        "capability \"CAP_NET_RAW\" cannot be dropped and added");
  CHECK(errorOf([&] { mergeCapabilities(defaults, {"ALL"}, {"ALL"}, bounding); }) ==
        "adding all caps and removing all caps not allowed");
  CHECK(errorOf([&] { mergeCapabilities(defaults, {"CAP_BOGUS"}, {}, bounding); }) ==
        "unknown capability \"CAP_BOGUS\"");
  CHECK(errorOf([&] { mergeCapabilities(defaults, {}, {"nope"}, bounding); }) ==
        "unknown capability \"CAP_NOPE\"");
}

TEST_CASE("process capabilities: root, other users, privileged, the host's bounding set") {
  const Names defaults = defaultCapabilities();
  const Names bounding = fullBounding();

  SECTION("root gets the set in bounding, effective and permitted") {
    for (const char* user : {"", "root", "0", "0:0", "root:wheel"}) {
      INFO(user);
      CapabilityOptions options;
      options.user = user;
      const auto sets = computeCapabilities(options, bounding);
      CHECK(sets.bounding == defaults);
      CHECK(sets.effective == defaults);
      CHECK(sets.permitted == defaults);
      CHECK(sets.inheritable.empty());
      CHECK(sets.ambient.empty());
    }
  }
  SECTION("another user gets no capability but the added ones, kept across exec") {
    CapabilityOptions options;
    options.user = "1000:1000";
    auto sets = computeCapabilities(options, bounding);
    CHECK(sets.bounding == defaults);
    CHECK(sets.effective.empty());
    CHECK(sets.permitted.empty());
    CHECK(sets.ambient.empty());

    options.add = {"net_admin", "CHOWN"};
    sets = computeCapabilities(options, bounding);
    CHECK(std::count(sets.bounding.begin(), sets.bounding.end(), "CAP_NET_ADMIN") == 1);
    const Names added{"CAP_CHOWN", "CAP_NET_ADMIN"};
    CHECK(sets.effective == added);
    CHECK(sets.permitted == added);
    CHECK(sets.inheritable == added);
    CHECK(sets.ambient == added);
  }
  SECTION("keep-id makes the default user a non-root one") {
    CapabilityOptions options;
    options.keepId = true;
    CHECK(computeCapabilities(options, bounding).effective.empty());
    options.user = "root";
    CHECK(computeCapabilities(options, bounding).effective == defaults);
  }
  SECTION("privileged gets the whole bounding set") {
    CapabilityOptions options;
    options.privileged = true;
    options.drop = {"CHOWN"};  // ignored, as Podman ignores it with --privileged
    const auto sets = computeCapabilities(options, bounding);
    CHECK(sets.bounding == bounding);
    CHECK(sets.effective == bounding);
  }
  SECTION("nothing beyond what the engine's own bounding set has") {
    const Names host{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"};
    CapabilityOptions options;
    options.add = {"SYS_ADMIN", "NET_RAW"};
    const auto sets = computeCapabilities(options, host);
    CHECK(sets.bounding == Names{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"});
    options.privileged = true;
    CHECK(computeCapabilities(options, host).bounding == host);
  }
  SECTION("bad names are errors") {
    CapabilityOptions options;
    options.add = {"CAP_FLY"};
    CHECK(errorOf([&] { computeCapabilities(options, bounding); }) ==
          "unknown capability \"CAP_FLY\"");
  }
}

TEST_CASE("applyCapabilities leaves exactly Podman's default set (in a child)") {
  const auto result = runInChild([] {
    becomeRootInChild();
    // Podman keeps the defaults to what the engine's bounding set has; so
    // does computeCapabilities. A user namespace starts with a full set.
    const auto sets = computeCapabilities(CapabilityOptions{}, currentBoundingSet());
    applyCapabilities(sets);
    return std::to_string(capabilityMasks(sets).effective) + "\n" + capabilityStatus();
  });
  if (result.exitCode == kChildSkipped) {
    WARN("user namespaces are not available: skipped");
    return;
  }
  REQUIRE(result.exitCode == 0);
  INFO(result.output);
  const std::uint64_t expected = std::stoull(result.output);
  CHECK((expected & ~kDefaultMask) == 0);
  CHECK(statusField(result.output, "CapEff") == expected);
  CHECK(statusField(result.output, "CapPrm") == expected);
  CHECK(statusField(result.output, "CapBnd") == expected);
  CHECK(statusField(result.output, "CapInh") == 0);
  CHECK(statusField(result.output, "CapAmb") == 0);
  if (expected != kDefaultMask) WARN("this host's bounding set lacks some of the defaults");
}

TEST_CASE("a non-root user keeps only its added capabilities across the uid change") {
  if (::geteuid() != 0) {
    WARN("needs root to switch to another uid: skipped");
    return;
  }
  const auto result = runInChild([] {
    if (::setgroups(0, nullptr) < 0) throw std::runtime_error("setgroups failed");
    CapabilityOptions options;
    options.user = "65534";
    options.add = {"NET_BIND_SERVICE"};
    applyCapabilities(computeCapabilities(options, currentBoundingSet()),
                      ProcessUser{65534, 65534});
    return capabilityStatus();
  });
  REQUIRE(result.exitCode == 0);
  INFO(result.output);
  const std::uint64_t netBindService = std::uint64_t{1} << 10;
  CHECK(result.output.find("Uid:\t65534\t65534\t65534\t65534") != std::string::npos);
  CHECK(statusField(result.output, "CapEff") == netBindService);
  CHECK(statusField(result.output, "CapPrm") == netBindService);
  CHECK(statusField(result.output, "CapInh") == netBindService);
  CHECK(statusField(result.output, "CapAmb") == netBindService);
  CHECK((statusField(result.output, "CapBnd") & ~kDefaultMask) == 0);
}
