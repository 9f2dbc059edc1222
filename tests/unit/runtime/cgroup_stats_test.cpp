// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/cgroup_stats.hpp"

#include "berth/base/fs.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;

TEST_CASE("cgroup stats: v2 control files") {
  TestDir dir;
  const std::string d = dir.path();
  writeFile(d + "/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
  writeFile(d + "/memory.current", "1048576\n");
  writeFile(d + "/memory.max", "max\n");
  writeFile(d + "/io.stat",
            "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n"
            "8:16 rbytes=100 wbytes=0 rios=1 wios=0\n");
  writeFile(d + "/pids.current", "3\n");
  auto stats = runtime::readCgroupStatsV2(d, 8000000000ULL);
  CHECK(stats.cpuNs == 2500000U);
  CHECK(stats.memoryUsage == 1048576U);
  CHECK(stats.memoryLimit == 8000000000ULL);  // "max": the host's memory
  CHECK(stats.blockRead == 4196U);
  CHECK(stats.blockWrite == 8192U);
  CHECK(stats.pids == 3U);
  writeFile(d + "/memory.max", "104857600\n");
  CHECK(runtime::readCgroupStatsV2(d, 8000000000ULL).memoryLimit == 104857600U);
}

TEST_CASE("cgroup stats: v1 hierarchies, missing controllers stay empty") {
  TestDir dir;
  const std::string cpu = dir.path() + "/cpuacct", mem = dir.path() + "/memory",
                    blk = dir.path() + "/blkio";
  makeDirs(cpu);
  makeDirs(mem);
  makeDirs(blk);
  writeFile(cpu + "/cpuacct.usage", "123456789\n");
  writeFile(mem + "/memory.usage_in_bytes", "2097152\n");
  writeFile(mem + "/memory.limit_in_bytes", "9223372036854771712\n");
  writeFile(blk + "/blkio.throttle.io_service_bytes",
            "8:0 Read 512\n8:0 Write 1024\n8:0 Sync 0\n8:0 Total 1536\nTotal 1536\n");
  auto stats = runtime::readCgroupStatsV1({{"cpuacct", cpu}, {"memory", mem}, {"blkio", blk}},
                                          4000000000ULL);
  CHECK(stats.cpuNs == 123456789U);
  CHECK(stats.memoryUsage == 2097152U);
  CHECK(stats.memoryLimit == 4000000000ULL);  // unlimited: capped at the host
  CHECK(stats.blockRead == 512U);
  CHECK(stats.blockWrite == 1024U);
  CHECK_FALSE(stats.pids.has_value());  // no pids hierarchy given
}

TEST_CASE("cgroup stats: /proc/<pid>/net/dev without lo") {
  const char* text =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     200       2    0    0    0     0          0         0      200       2    0 "
      "   0    0     0       0          0\n"
      "  tap0:    1500      10    0    0    0     0          0         0      700       5    0 "
      "   0    0     0       0          0\n"
      "  eth1:      10       1    0    0    0     0          0         0       20       1    0 "
      "   0    0     0       0          0\n";
  const auto net = runtime::parseNetDev(text);
  REQUIRE(net);
  CHECK(net->received == 1510U);
  CHECK(net->transmitted == 720U);
  CHECK_FALSE(runtime::parseNetDev("garbage\n"));
}
