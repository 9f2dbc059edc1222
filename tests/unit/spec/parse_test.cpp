// SPDX-License-Identifier: Apache-2.0
// Expected messages were taken from podman 4.3.1 (`podman create <flag> busybox`).
#include "berth/spec/parse.hpp"

#include <fstream>
#include <functional>

#include "berth/base/error.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::spec;
using Strings = std::vector<std::string>;

namespace {

std::string errorOf(const std::function<void()>& call, Errc kind = Errc::InvalidArgument) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.kind() == kind);
    return e.what();
  }
  return "(no error)";
}

struct Case {
  std::string input;
  std::string expected;  ///< a value, or the error message
};

}  // namespace

TEST_CASE("memory sizes follow go-units RAMInBytes") {
  const std::vector<std::pair<std::string, std::int64_t>> valid = {{"0", 0},
                                                                   {"10", 10},
                                                                   {"1b", 1},
                                                                   {"1k", 1024},
                                                                   {"1K", 1024},
                                                                   {"1kb", 1024},
                                                                   {"1KiB", 1024},
                                                                   {"5m", 5 * 1024 * 1024},
                                                                   {"1.5g", 1610612736},
                                                                   {"2 g", 2147483648},
                                                                   {"1t", 1099511627776},
                                                                   {"1.5", 1}};
  for (const auto& [input, bytes] : valid) {
    INFO(input);
    CHECK(parseMemorySize(input, "memory") == bytes);
  }
  const std::vector<Case> invalid = {
      {"12zz", "invalid value for memory: invalid size: '12zz'"},
      {"-1", "invalid value for memory: invalid size: '-1'"},
      {"", "invalid value for memory: invalid size: ''"},
      {"1gg", "invalid value for memory: invalid size: '1gg'"},
      {"1.2.3", "invalid value for memory: strconv.ParseFloat: parsing \"1.2.3\": invalid syntax"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseMemorySize(c.input, "memory"); }) == c.expected);
  }
}

TEST_CASE("--cpus and integer flags") {
  CHECK(parseCpus("1.5") == 1.5);
  CHECK(parseCpus("-1") == -1);
  CHECK(parseCpus("0") == 0);
  CHECK(errorOf([] { parseCpus("abc"); }) ==
        "invalid argument \"abc\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"abc\": "
        "invalid syntax");
  CHECK(errorOf([] { parseCpus("0.0001"); }) ==
        "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
  CHECK(parseIntFlag("-5", "--pids-limit") == -5);
  CHECK(errorOf([] { parseIntFlag("x", "--pids-limit"); }) ==
        "invalid argument \"x\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"x\": "
        "invalid syntax");
  CHECK(errorOf([] { parseUintFlag("-1", "-c, --cpu-shares"); }) ==
        "invalid argument \"-1\" for \"-c, --cpu-shares\" flag: strconv.ParseUint: parsing "
        "\"-1\": invalid syntax");
  CHECK(errorOf([] { parseIntFlag("99999999999999999999", "--pids-limit"); }) ==
        "invalid argument \"99999999999999999999\" for \"--pids-limit\" flag: strconv.ParseInt: "
        "parsing \"99999999999999999999\": value out of range");
}

TEST_CASE("--ulimit") {
  CHECK(parseUlimit("nofile=1024:2048") == Ulimit{"nofile", 1024, 2048});
  CHECK(parseUlimit("nofile=1024") == Ulimit{"nofile", 1024, 1024});
  CHECK(parseUlimit("nofile=-1") == Ulimit{"nofile", -1, -1});
  CHECK(parseUlimit("nofile=5:-1") == Ulimit{"nofile", 5, -1});
  CHECK(parseUlimit("core=-1:-1") == Ulimit{"core", -1, -1});
  const std::string prefix = "requires name=SOFT:HARD, failed to be parsed: ";
  const std::vector<Case> invalid = {
      {"nofile=x",
       "ulimit option \"nofile=x\" " + prefix + "strconv.ParseInt: parsing \"x\": invalid syntax"},
      {"nofile=1024:2048x", "ulimit option \"nofile=1024:2048x\" " + prefix +
                                "strconv.ParseInt: parsing \"2048x\": invalid syntax"},
      {"nproc=a:b",
       "ulimit option \"nproc=a:b\" " + prefix + "strconv.ParseInt: parsing \"b\": invalid syntax"},
      {"foo=1", "ulimit option \"foo=1\" " + prefix + "invalid ulimit type: foo"},
      {"nofile", "ulimit option \"nofile\" " + prefix + "invalid ulimit argument: nofile"},
      {"nofile=2048:1024",
       "ulimit option \"nofile=2048:1024\" " + prefix +
           "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"},
      {"nofile=1:2:3", "ulimit option \"nofile=1:2:3\" " + prefix +
                           "too many limit value arguments - 1:2:3, can only have up to two, "
                           "`soft[:hard]`"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseUlimit(c.input); }) == c.expected);
  }
}

TEST_CASE("--sysctl accepts only namespaced keys") {
  std::map<std::string, std::string> sysctls;
  for (const char* ok : {"net.ipv4.ip_forward=1", "kernel.shmmax=1000", "kernel.msgmax=5",
                         "kernel.sem=1 2 3 4", "fs.mqueue.msg_max=20", "kernel.shm_rmid_forced=1"})
    parseSysctl(ok, sysctls);
  CHECK(sysctls.size() == 6);
  CHECK(sysctls["kernel.sem"] == "1 2 3 4");
  const std::vector<Case> invalid = {
      {"kernel.foo=1", "sysctl 'kernel.foo' is not allowed"},
      {"kernel.hostname=x", "sysctl 'kernel.hostname' is not allowed"},
      {"vm.swappiness=1", "sysctl 'vm.swappiness' is not allowed"},
      {"=1", "sysctl '' is not allowed"},
      {"foo", "foo is invalid, sysctl values must be in the form of KEY=VALUE"},
      {"net.ipv4.ip_forward",
       "net.ipv4.ip_forward is invalid, sysctl values must be in the form "
       "of KEY=VALUE"},
      {"net.a = 1", "'net.a = 1' is invalid, extra spaces found"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseSysctl(c.input, sysctls); }) == c.expected);
  }
}

TEST_CASE("-e and --env-file") {
  const Strings host = {"HOME=/home/me", "LANG=C.UTF-8", "LC_ALL=C", "EMPTY="};
  Strings env;
  for (const char* e : {"A=1", "B=", "C=x=y", "1A=b", "HOME", "UNSET", "LC*", " D=2", "EMPTY"})
    parseEnvEntry(e, host, env);
  CHECK(env == Strings{"A=1", "B=", "C=x=y", "1A=b", "HOME=/home/me", "LC_ALL=C", "D=2", "EMPTY="});
  CHECK(errorOf([&] { parseEnvEntry("=b", host, env); }) == "invalid environment variable: \"=b\"");
  CHECK(errorOf([&] { parseEnvEntry("=", host, env); }) == "invalid environment variable: \"=\"");

  TestDir dir;
  const std::string path = dir.path() + "/env";
  std::ofstream(path) << "# a comment\n\n  X=1\n\tY=two words\nHOME\n   # indented comment\nZ\n";
  Strings fromFile;
  readEnvFile(path, host, fromFile);
  CHECK(fromFile == Strings{"X=1", "Y=two words", "HOME=/home/me"});

  std::ofstream(path) << "OK=1\n=bad\n";
  CHECK(errorOf([&] { readEnvFile(path, host, fromFile); }) ==
        "parsing env file \"" + path + "\": invalid environment variable: \"=bad\"");
  CHECK(errorOf([&] { readEnvFile("/nonexist", host, fromFile); }) ==
        "parsing env file \"/nonexist\": open /nonexist: No such file or directory");
}

TEST_CASE("-v") {
  CHECK(parseVolume("/src:/dst") == MountSpec{"bind", "/src", "/dst", {}});
  CHECK(parseVolume("/src:/dst/../x/:ro,z") == MountSpec{"bind", "/src", "/x", {"ro", "z"}});
  CHECK(parseVolume("/src:/dst:rshared,nosuid,rbind") ==
        MountSpec{"bind", "/src", "/dst", {"rshared", "nosuid", "rbind"}});
  CHECK(parseVolume("data:/dst") == MountSpec{"volume", "data", "/dst", {}});
  CHECK(parseVolume("/anon") == MountSpec{"volume", "", "/anon", {}});
  TestDir dir;
  std::ofstream(dir.path() + "/there") << "x";
  CHECK(parseVolume("./there:/dst", dir.path()).source == dir.path() + "/there");
  const std::vector<Case> invalid = {
      {"./rel:/dst", "lstat rel: No such file or directory"},
      {"/src:rel", "invalid container path \"rel\", must be an absolute path"},
      {"rel", "invalid container path \"rel\", must be an absolute path"},
      {"/src:/dst:zz", "invalid option type \"zz\""},
      {":/dst", "host directory cannot be empty"},
      {"/a:/b:/c:/d",
       "/a:/b:/c:/d: incorrect volume format, should be [host-dir:]ctr-dir[:option]"},
      {"/src:/dst:ro,rw", "invalid options \"ro, rw\", can only specify 1 'rw' or 'ro' option"},
      {"/src:/dst:ro,ro", "invalid options \"ro, ro\", can only specify 1 'rw' or 'ro' option"},
      {"/src:/dst:shared,private",
       "invalid options \"shared, private\", can only specify 1 '[r]shared', '[r]private', "
       "'[r]slave' or '[r]unbindable' option"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseVolume(c.input, dir.path()); }) == c.expected);
  }
  CHECK(parseVolume("/a:/b:O") == MountSpec{"bind", "/a", "/b", {"O"}});
  CHECK(parseVolume("data:/b:U,nocopy,ro") ==
        MountSpec{"volume", "data", "/b", {"U", "nocopy", "ro"}});
  CHECK(errorOf([&] { parseVolume("/a:/b:U,U"); }) ==
        "invalid options \"U, U\", can only specify 1 'U' option");
  const std::string idmap =
      "is not supported: berth gives a container no user namespace of its own to map to (no "
      "--userns/--uidmap), and rootless a host directory cannot be idmapped";
  CHECK(errorOf([&] { parseVolume("/a:/b:idmap"); }, Errc::Unsupported) ==
        "volume option \"idmap\" " + idmap);
  CHECK(errorOf([&] { parseVolume("v:/b:ro,idmap=uids=0-1-1"); }, Errc::Unsupported) ==
        "volume option \"idmap=uids=0-1-1\" " + idmap);
  CHECK(errorOf([&] { parseMount("type=bind,src=/a,dst=/b,idmap"); }, Errc::Unsupported) ==
        "volume option \"idmap\" " + idmap);
  CHECK(errorOf([&] { parseVolume("/a:/b:upperdir=/u"); }, Errc::Unsupported) ==
        "volume option \"upperdir=/u\" is not supported by berth yet");
}

TEST_CASE("--mount") {
  CHECK(parseMount("type=bind,src=/tmp,dst=/x") == MountSpec{"bind", "/tmp", "/x", {}});
  CHECK(parseMount("type=bind,source=/tmp,target=/x,ro,bind-propagation=rshared") ==
        MountSpec{"bind", "/tmp", "/x", {"ro", "rshared"}});
  CHECK(parseMount("type=bind,src=/tmp,destination=/x,readonly=true").options == Strings{"ro"});
  CHECK(parseMount("type=bind,src=/tmp,dst=/x,ro=false").options.empty());
  CHECK(parseMount("type=bind,src=/tmp,dst=/x,rw=false").options == Strings{"ro"});
  CHECK(parseMount("type=bind,dst=/x").source == "/x");
  CHECK(parseMount("type=tmpfs,dst=/z,tmpfs-size=1g,tmpfs-mode=700") ==
        MountSpec{"tmpfs", "tmpfs", "/z", {"size=1g", "mode=700"}});
  CHECK(parseMount("type=tmpfs,target=/z,ro,noexec") ==
        MountSpec{"tmpfs", "tmpfs", "/z", {"ro", "noexec"}});
  const std::string format =
      "incorrect mount format: should be --mount "
      "type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]";
  const std::vector<Case> invalid = {
      {"src=/tmp,dst=/x", format},
      {"type=foo,dst=/x", "invalid filesystem type \"foo\""},
      {"type=bind,src=/tmp", "must set volume destination"},
      {"type=bind,src=/tmp,dst=/x,bogus=1", "bogus: invalid mount option"},
      {"type=bind,src=/tmp,dst=/x,bind-propagation=foo", "invalid option type \"foo\""},
      {"type=bind,src=/tmp,dst=/x,ro=foo",
       "'readonly', 'ro', or 'rw' must be set to true or false, instead received \"foo\": must "
       "provide an argument for option"},
      {"type=bind,src=/tmp,dst=/x,ro,ro",
       "cannot pass 'readonly', 'ro', or 'rw' options more than once: must provide an argument "
       "for option"},
      {"type=bind,source=/tmp,target=rel",
       "invalid container path \"rel\", must be an absolute path"},
      {"type=bind,src=,dst=/x",
       "host directory cannot be empty: must provide an argument for option"},
      {"type=bind,src,dst=/x", "src: must provide an argument for option"},
      {"type=tmpfs,dst=/x,src=/tmp", "source is not supported with tmpfs mounts"},
      {"type=tmpfs,dst=/x,bind-propagation=shared", "bind-propagation: invalid mount option"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseMount(c.input); }) == c.expected);
  }
  CHECK(parseMount("type=volume,src=v,dst=/x") == MountSpec{"volume", "v", "/x", {}});
  CHECK(parseMount("type=volume,target=/x") == MountSpec{"volume", "", "/x", {}});
  CHECK(parseMount("type=volume,src=v,dst=/x,ro,U=true,volume-nocopy") ==
        MountSpec{"volume", "v", "/x", {"ro", "U", "nocopy"}});
  CHECK(parseMount("type=bind,src=/a,dst=/x,chown=false").options.empty());
  CHECK(errorOf([] { parseMount("type=volume,src=v"); }) == "must set volume destination");
  CHECK(errorOf([] { parseMount("type=volume,src=v,dst=/x,foo=1"); }) ==
        "foo: invalid mount option");
  CHECK(errorOf([] { parseMount("type=volume,src=/abs,dst=/x"); }) ==
        "--mount type=volume: source \"/abs\" is a path; a volume name was expected (use "
        "type=bind for a host directory)");
  CHECK(errorOf([] { parseMount("type=bind,src=/a,dst=/x,U=maybe"); }) ==
        "'U' or 'chown' must be set to true or false, instead received \"maybe\": must provide "
        "an argument for option");
  CHECK(errorOf([] { parseMount("type=tmpfs,dst=/x,tmpfs-size=lots"); }) ==
        "invalid tmpfs size \"lots\": expected a number of bytes with an optional k, m or g "
        "suffix, or a percentage");
  CHECK(errorOf([] { parseMount("type=tmpfs,dst=/x,tmpfs-mode=999"); }) ==
        "invalid tmpfs mode \"999\": expected octal permissions");
  CHECK(parseMount("type=image,src=alpine,dst=/x/") == MountSpec{"image", "alpine", "/x", {"ro"}});
  CHECK(parseMount("type=image,source=alpine,target=/x,rw=true,consistency=cached") ==
        MountSpec{"image", "alpine", "/x", {"rw"}});
  CHECK(parseMount("type=image,src=alpine,destination=/x,readwrite=false").options ==
        Strings{"ro"});
  const std::vector<Case> badImage = {
      {"type=image,src=alpine", "must set source and destination for image volume"},
      {"type=image,dst=/x", "must set source and destination for image volume"},
      {"type=image,src=alpine,dst=/x,rw=yes",
       "invalid rw value \"yes\": expected true or false: invalid mount option"},
      {"type=image,src=alpine,dst=/x,ro", "ro: invalid mount option"},
      {"type=image,src,dst=/x", "src: must provide an argument for option"},
      {"type=image,src=alpine,dst=rel", "invalid container path \"rel\", must be an absolute path"},
  };
  for (const auto& c : badImage) {
    INFO(c.input);
    CHECK(errorOf([&] { parseMount(c.input); }) == c.expected);
  }
  CHECK(errorOf([] { parseMount("type=devpts,dst=/x"); }, Errc::Unsupported) ==
        "--mount type=devpts is not supported by berth yet");
}

TEST_CASE("--secret") {
  CHECK(parseSecret("tok") == SecretSpec{"tok", "mount", "/run/secrets/tok", 0, 0, 0400});
  CHECK(parseSecret("tok,type=mount,target=t2,uid=1000,gid=10,mode=0440") ==
        SecretSpec{"tok", "mount", "/run/secrets/t2", 1000, 10, 0440});
  CHECK(parseSecret("tok,target=/etc/tok") == SecretSpec{"tok", "mount", "/etc/tok", 0, 0, 0400});
  CHECK(parseSecret("source=tok,type=env") == SecretSpec{"tok", "env", "tok", 0, 0, 0400});
  CHECK(parseSecret("tok,type=env,target=TOKEN") == SecretSpec{"tok", "env", "TOKEN", 0, 0, 0400});
  const std::vector<Case> invalid = {
      {"tok,type=file", "type file is invalid: error parsing secret"},
      {"tok,type=env,type=mount", "cannot set more than one secret type: error parsing secret"},
      {"tok,mode=9", "mode 9 invalid: error parsing secret"},
      {"tok,uid=x", "UID x invalid: error parsing secret"},
      {"tok,bogus=1", "option bogus=1 invalid: error parsing secret"},
      {"tok,flag", "option flag must be in form option=value: error parsing secret"},
      {"type=env", "no source found type=env: error parsing secret"},
      {"tok,type=env,mode=0400",
       "UID, GID, Mode options cannot be set with secret type env: error parsing secret"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseSecret(c.input); }) == c.expected);
  }
}

TEST_CASE("--tmpfs") {
  CHECK(parseTmpfs("/x") == MountSpec{"tmpfs", "tmpfs", "/x", {}});
  CHECK(parseTmpfs("/y/:ro,size=1m,mode=1777") ==
        MountSpec{"tmpfs", "tmpfs", "/y", {"ro", "size=1m", "mode=1777"}});
  CHECK(errorOf([] { parseTmpfs("rel"); }) ==
        "invalid container path \"rel\", must be an absolute path");
  CHECK(errorOf([] { parseTmpfs("/x:foo"); }) ==
        "unknown mount option \"foo\": invalid mount option");
}

TEST_CASE("container names") {
  for (const char* ok : {"web", "a", "9x", "my_ctr.1-2"})
    CHECK_NOTHROW(validateContainerName(ok));
  for (const char* bad : {"", "-bad", "_x", ".x", "a/b", "a b", "é"}) {
    INFO(bad);
    CHECK(errorOf([&] { validateContainerName(bad); }) ==
          "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  }
}

TEST_CASE("--stop-signal") {
  const std::vector<std::pair<std::string, int>> valid = {
      {"15", 15},    {"SIGTERM", 15}, {"TERM", 15},    {"term", 15},    {"SIGKILL", 9},
      {"kill", 9},   {"INT", 2},      {"RTMIN", 34},   {"RTMIN+3", 37}, {"RTMAX-1", 63},
      {"RTMAX", 64}, {"64", 64},      {"sigusr1", 10}, {"WINCH", 28}};
  for (const auto& [input, number] : valid) {
    INFO(input);
    CHECK(parseSignal(input) == number);
  }
  const std::vector<Case> invalid = {
      {"FOO", "invalid signal: FOO"},           {"0", "invalid signal: 0"},
      {"99", "valid signals are 1 through 64"}, {"-3", "valid signals are 1 through 64"},
      {"RTMIN+16", "invalid signal: RTMIN+16"}, {"", "invalid signal: "},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { parseSignal(c.input); }) == c.expected);
  }
}

TEST_CASE("--security-opt") {
  ContainerSpec spec;
  applySecurityOpt(spec, "no-new-privileges");
  CHECK(spec.noNewPrivileges);
  applySecurityOpt(spec, "no-new-privileges=false");
  CHECK_FALSE(spec.noNewPrivileges);
  applySecurityOpt(spec, "no-new-privileges=true");
  CHECK(spec.noNewPrivileges);
  applySecurityOpt(spec, "seccomp=unconfined");
  CHECK(spec.seccompProfile == "unconfined");
  applySecurityOpt(spec, "seccomp=/etc/p.json");
  CHECK(spec.seccompProfile == "/etc/p.json");
  applySecurityOpt(spec, "label=disable");
  CHECK(spec.labelDisable);
  applySecurityOpt(spec, "label=type:x_t");
  CHECK(spec.labelOptions == Strings{"type:x_t"});
  applySecurityOpt(spec, "systempaths=unconfined");
  CHECK(spec.unmaskAll);
  applySecurityOpt(spec, "apparmor=unconfined");
  const std::vector<Case> invalid = {
      {"foo", "invalid --security-opt 1: \"foo\""},
      {"seccomp", "invalid --security-opt 1: \"seccomp\""},
      {"no-new-privileges=foo", "invalid --security-opt 2: \"no-new-privileges=foo\""},
      {"bogus=1", "invalid --security-opt 2: \"bogus=1\""},
      {"apparmor=x",
       "apparmor profile \"x\" specified, but Apparmor is not enabled on this system"},
      {"systempaths=x", "invalid systempaths option \"x\", only `unconfined` is supported"},
  };
  for (const auto& c : invalid) {
    INFO(c.input);
    CHECK(errorOf([&] { applySecurityOpt(spec, c.input); }) == c.expected);
  }
}

TEST_CASE("--umask, --network, --log-driver, --entrypoint, key=value") {
  CHECK(parseUmask("0777") == 0777);
  CHECK(parseUmask("22") == 022);
  CHECK(parseUmask("0") == 0);
  for (const char* bad : {"8", "", "01234", "abc"}) {
    INFO(bad);
    CHECK(errorOf([&] { parseUmask(bad); }) ==
          std::string("invalid umask string ") + bad + ": invalid argument");
  }

  CHECK(parseNetworkMode("none").kind == NetworkMode::Kind::None);
  CHECK(parseNetworkMode("host").kind == NetworkMode::Kind::Host);
  CHECK(parseNetworkMode("private").kind == NetworkMode::Kind::Private);
  CHECK(parseNetworkMode("ns:/run/netns/x") ==
        NetworkMode{NetworkMode::Kind::Path, "/run/netns/x", {}, {}});
  // Other names are bridge networks, checked at create.
  CHECK(parseNetworkMode("web").networks == std::vector<NetworkAttachment>{{"web", {}, "", ""}});
  CHECK(parseNetworkMode("a,b").networks ==
        std::vector<NetworkAttachment>{{"a", {}, "", ""}, {"b", {}, "", ""}});
  CHECK(parseNetworkMode("bridge").networks.front().name == "podman");
  CHECK(parseNetworkMode("web:ip=10.89.0.9,mac=02:AA:bb:cc:dd:ee,alias=x").networks ==
        std::vector<NetworkAttachment>{{"web", {"x"}, "10.89.0.9", "02:aa:bb:cc:dd:ee"}});
  CHECK(errorOf([] { parseNetworkMode("web:ip=10.89.0"); }) == "10.89.0 is not an IP address");
  CHECK(errorOf([] { parseNetworkMode("web:bogus=1"); }) ==
        "unknown bridge network option \"bogus=1\": expected alias=, ip= or mac=");
  {
    const NetworkMode m = parseNetworkModes({"a", "b"}, "", "", {"al"});
    CHECK(m.kind == NetworkMode::Kind::Bridge);
    CHECK(m.networks ==
          std::vector<NetworkAttachment>{{"a", {"al"}, "", ""}, {"b", {"al"}, "", ""}});
    CHECK(parseNetworkModes({"a"}, "10.89.0.5", "", {}).networks.front().ip == "10.89.0.5");
    CHECK(errorOf([] {
            parseNetworkModes({"a", "b"}, "10.89.0.5", "", {});
          }) == "--ip can only be set for a single network");
    CHECK(errorOf([] { parseNetworkModes({"a"}, "300.1.1.1", "", {}); }) ==
          "300.1.1.1 is not an IP address");
    CHECK(errorOf([] { parseNetworkModes({"a"}, "", "zz:zz", {}); }) ==
          "address zz:zz: invalid MAC address");
    CHECK(errorOf([] {
            parseNetworkModes({"host", "a"}, "", "", {});
          }) == "--network a: can only be combined with other bridge networks");
    CHECK(errorOf([] { parseNetworkModes({"none"}, "", "", {"x"}); }) ==
          "--network-alias can only be set for bridge networks");
    // The default network: one unnamed attachment, named (root) or refused
    // (rootless) at create.
    const NetworkMode d = parseNetworkModes({}, "10.88.0.9", "", {"al"});
    CHECK(d.kind == NetworkMode::Kind::Private);
    CHECK(d.networks == std::vector<NetworkAttachment>{{"", {"al"}, "10.88.0.9", ""}});
    CHECK(parseNetworkModes({}, "", "", {}).networks.empty());
  }
  CHECK(parseNetworkMode("slirp4netns:allow_host_loopback=true,mtu=1500") ==
        NetworkMode{
            NetworkMode::Kind::Slirp4netns, "", {"allow_host_loopback=true", "mtu=1500"}, {}});
  CHECK(parseNetworkMode("pasta:--map-gw") ==
        NetworkMode{NetworkMode::Kind::Pasta, "", {"--map-gw"}, {}});
  CHECK(parseNetworkMode("container:web") ==
        NetworkMode{NetworkMode::Kind::Container, "web", {}, {}});
  CHECK(errorOf([] { parseNetworkMode("slirp4netns:bogus=1"); }) ==
        "unknown option for slirp4netns: \"bogus=1\"");
  CHECK(errorOf([] { parseNetworkMode("slirp4netns:mtu=12"); }) ==
        "invalid slirp4netns mtu \"12\": 68-65520 expected");

  CHECK(parseLogDriver("json-file") == "k8s-file");
  CHECK(parseLogDriver("none") == "none");
  CHECK(errorOf([] { parseLogDriver("foo"); }) == "invalid log driver: invalid argument");

  CHECK(parseEntrypoint("") == Strings{""});
  CHECK(parseEntrypoint("/bin/echo hi") == Strings{"/bin/echo hi"});
  CHECK(parseEntrypoint(R"(["a","b"])") == Strings{"a", "b"});
  CHECK(parseEntrypoint("[]").empty());
  CHECK(parseEntrypoint(R"(["a")") == Strings{R"(["a")"});
  CHECK(parseEntrypoint(R"([1])") == Strings{"[1]"});

  std::map<std::string, std::string> labels;
  parseKeyValue("a=b=c", "label", labels);
  parseKeyValue("bare", "label", labels);
  CHECK(labels == std::map<std::string, std::string>{{"a", "b=c"}, {"bare", ""}});
  CHECK(errorOf([&] { parseKeyValue("=x", "label", labels); }) ==
        "invalid label \"=x\": empty key");
}

TEST_CASE("--restart follows Podman's ParseRestartPolicy") {
  CHECK(parseRestartPolicy("") == RestartPolicy{"", 0});
  CHECK(parseRestartPolicy("no") == RestartPolicy{"no", 0});
  CHECK(parseRestartPolicy("always") == RestartPolicy{"always", 0});
  CHECK(parseRestartPolicy("unless-stopped") == RestartPolicy{"unless-stopped", 0});
  CHECK(parseRestartPolicy("on-failure") == RestartPolicy{"on-failure", 0});
  CHECK(parseRestartPolicy("on-failure:0") == RestartPolicy{"on-failure", 0});
  CHECK(parseRestartPolicy("on-failure:5") == RestartPolicy{"on-failure", 5});
  const std::vector<Case> bad = {
      {"sometimes",
       "running container create option: \"sometimes\" is not a valid restart policy: invalid "
       "argument"},
      {"Always",
       "running container create option: \"Always\" is not a valid restart policy: invalid "
       "argument"},
      {"on-failure:x",
       "parsing restart policy retry count: strconv.Atoi: parsing \"x\": invalid syntax"},
      {"on-failure:",
       "parsing restart policy retry count: strconv.Atoi: parsing \"\": invalid syntax"},
      {"on-failure:-1", "must specify restart policy retry count as a number greater than 0"},
      {"on-failure:1:2", "invalid restart policy: may specify retries at most once"},
      {"always:3", "restart policy retries can only be specified with on-failure restart policy"},
      {"no:x", "restart policy retries can only be specified with on-failure restart policy"},
  };
  for (const auto& c : bad) {
    INFO(c.input);
    CHECK(errorOf([&] { parseRestartPolicy(c.input); }) == c.expected);
  }
}
