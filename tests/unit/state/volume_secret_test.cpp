// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>

#include <string>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/state/secret_store.hpp"
#include "berth/state/volume_store.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::state;

namespace {

StorePaths storeIn(const TestDir& dir) {
  StorePaths paths;
  paths.graphRoot = dir.path() + "/root";
  paths.runRoot = dir.path() + "/run";
  makeDirs(paths.graphRoot, 0700);
  makeDirs(paths.runRoot, 0700);
  return paths;
}

template <class F>
std::string errorOf(F&& f, Errc kind) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == kind);
    return e.what();
  }
  FAIL("no error");
  return {};
}

mode_t modeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("volume names follow Podman's rule") {
  validateVolumeName("a");
  validateVolumeName("data_1.x-y");
  for (const char* bad : {"", "-a", ".a", "a/b", "a b", "a:b"}) {
    INFO(bad);
    CHECK_THROWS_AS(validateVolumeName(bad), Error);
  }
  CHECK(errorOf([] { validateVolumeName("a/b"); }, Errc::InvalidArgument) ==
        "volume name \"a/b\" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid "
        "argument");
}

TEST_CASE("volume store: create, read, write, list, remove") {
  TestDir dir;
  const VolumeStore store(storeIn(dir));
  VolumeRecord record;
  record.name = "data";
  record.createdNs = 42;
  record.labels = {{"a", "b"}};
  record.options = {{"type", "tmpfs"}, {"o", "size=1m"}};
  store.create(record);
  CHECK(store.exists("data"));
  CHECK_FALSE(store.exists("nope"));
  CHECK_FALSE(store.exists("../x"));
  CHECK(modeOf(store.dataPath("data")) == 0755);
  CHECK(modeOf(store.dir("data") + "/volume.json") == 0600);

  VolumeRecord back = store.read("data");
  CHECK(back.name == "data");
  CHECK(back.createdNs == 42);
  CHECK(back.labels == record.labels);
  CHECK(back.options == record.options);
  CHECK(back.needsCopyUp);
  CHECK(back.needsChown);
  CHECK_FALSE(back.anonymous);
  CHECK_FALSE(back.uid);

  back.needsCopyUp = false;
  back.extra["future"] = 1;  // unknown fields survive a rewrite
  store.write(back);
  const VolumeRecord again = store.read("data");
  CHECK_FALSE(again.needsCopyUp);
  CHECK(again.extra.value("future", 0) == 1);

  CHECK(errorOf([&] { store.create(record); }, Errc::AlreadyExists) ==
        "volume with name data already exists: volume already exists");
  CHECK(errorOf([&] { (void)store.read("nope"); }, Errc::NoSuchObject) ==
        "no volume with name \"nope\" found: no such volume");

  VolumeRecord other;
  other.name = "b-other";
  store.create(other);
  CHECK(store.list() == std::vector<std::string>{"b-other", "data"});
  store.remove("data");
  store.remove("data");  // gone already: fine
  CHECK(store.list() == std::vector<std::string>{"b-other"});
  CHECK(dir.entries("/root/volumes") == std::vector<std::string>{"b-other"});
}

TEST_CASE("volume store: a bad name leaves nothing behind") {
  TestDir dir;
  const VolumeStore store(storeIn(dir));
  VolumeRecord record;
  record.name = "bad/name";
  CHECK_THROWS_AS(store.create(record), Error);
  CHECK(dir.entries("/root/volumes").empty());
}

TEST_CASE("secret names and the secret store") {
  validateSecretName("tok");
  validateSecretName("a.b-c_d");
  for (const char* bad : {"", "a/b", "-a", "a-", "a b"}) {
    INFO(bad);
    CHECK_THROWS_AS(validateSecretName(bad), Error);
  }
  TestDir dir;
  const SecretStore store(storeIn(dir));
  SecretRecord record;
  record.id = "0123456789abcdef012345678";
  record.name = "tok";
  record.labels = {{"k", "v"}};
  store.create(record, "s3cr3t");
  CHECK(store.resolve("tok") == record.id);
  CHECK(store.resolve(record.id) == record.id);
  CHECK(store.resolve("0123") == record.id);
  CHECK(store.exists("tok"));
  CHECK_FALSE(store.exists("nope"));
  CHECK(store.readData(record.id) == "s3cr3t");
  CHECK(store.read(record.id).labels == record.labels);
  CHECK(modeOf(dir.path() + "/root/secrets/" + record.id + "/data") == 0600);
  CHECK(modeOf(dir.path() + "/root/secrets/" + record.id) == 0700);
  const std::string json = readFile(dir.path() + "/root/secrets/" + record.id + "/secret.json");
  CHECK(json.find("s3cr3t") == std::string::npos);

  SecretRecord dup = record;
  dup.id = "fedcba9876543210fedcba987";
  CHECK(errorOf([&] { store.create(dup, "x"); }, Errc::AlreadyExists) == "tok: secret name in use");
  SecretRecord big;
  big.id = "aaaaaaaaaaaaaaaaaaaaaaaaa";
  big.name = "big";
  CHECK(errorOf([&] { store.create(big, std::string(kSecretMaxSize, 'x')); },
                Errc::InvalidArgument) ==
        "secret data must be larger than 0 and less than 512000 bytes");
  CHECK(errorOf([&] { store.create(big, ""); }, Errc::InvalidArgument) ==
        "secret data must be larger than 0 and less than 512000 bytes");
  CHECK(store.listIds() == std::vector<std::string>{record.id});

  store.remove(record.id);
  CHECK_FALSE(store.exists("tok"));
  CHECK(errorOf([&] { (void)store.resolve("tok"); }, Errc::NoSuchObject) ==
        "no secret with name or id \"tok\": no such secret");
  // The name is free again.
  store.create(dup, "x");
  CHECK(store.resolve("tok") == dup.id);
}
