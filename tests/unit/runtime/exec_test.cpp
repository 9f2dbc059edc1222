// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/exec.hpp"

#include "catch.hpp"

using namespace berth::runtime;
using Names = std::vector<std::string>;

namespace {

CapabilitySets containerSets() {
  CapabilitySets sets;
  sets.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  sets.effective = {"CAP_NET_BIND_SERVICE"};
  sets.permitted = {"CAP_NET_BIND_SERVICE"};
  sets.ambient = {"CAP_NET_BIND_SERVICE"};
  sets.inheritable = {"CAP_NET_BIND_SERVICE"};
  return sets;
}

}  // namespace

TEST_CASE("execCapabilities: root gets the container's bounding set as effective") {
  const auto sets = execCapabilities(containerSets(), true, false, false, {"CAP_SYS_ADMIN"});
  CHECK(sets.bounding == Names{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  CHECK(sets.effective == sets.bounding);
  CHECK(sets.permitted == sets.bounding);
  CHECK(sets.inheritable.empty());
  CHECK(sets.ambient.empty());
}

TEST_CASE("execCapabilities: privileged takes the whole bounding set") {
  const Names all{"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"};
  const auto sets = execCapabilities(containerSets(), true, true, true, all);
  CHECK(sets.bounding == all);
  CHECK(sets.effective == all);
  CHECK(sets.permitted == all);
}

TEST_CASE("execCapabilities: the container's non-root user keeps its effective set") {
  const auto sets = execCapabilities(containerSets(), false, true, false, {});
  CHECK(sets.effective == Names{"CAP_NET_BIND_SERVICE"});
  CHECK(sets.permitted == Names{"CAP_NET_BIND_SERVICE"});
  CHECK(sets.inheritable == Names{"CAP_NET_BIND_SERVICE"});
  CHECK(sets.ambient == Names{"CAP_NET_BIND_SERVICE"});
  CHECK(sets.bounding == containerSets().bounding);
}

TEST_CASE("execCapabilities: another non-root user gets none") {
  const auto sets = execCapabilities(containerSets(), false, false, false, {});
  CHECK(sets.bounding == containerSets().bounding);
  CHECK(sets.effective.empty());
  CHECK(sets.permitted.empty());
  CHECK(sets.inheritable.empty());
  CHECK(sets.ambient.empty());
}
