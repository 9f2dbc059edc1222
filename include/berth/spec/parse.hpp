// SPDX-License-Identifier: Apache-2.0
// Parsers for `berth create/run` flag values, with Podman 4.3's rules and its
// messages. Every one throws Error(InvalidArgument) with one line naming the
// bad value (unless noted), and reads nothing from the system unless noted.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/spec/container_spec.hpp"

namespace berth::spec {

/// go-units RAMInBytes: "12", "1.5g", "5 MiB", "1kb" (units b k m g t p,
/// binary, case-insensitive, optional "i" and "b"). `flag` names the value in
/// the message: "invalid value for memory: invalid size: '12zz'".
std::int64_t parseMemorySize(std::string_view value, std::string_view flag);

/// --cpus: a float ("invalid argument \"abc\" for \"--cpus\" flag:
/// strconv.ParseFloat: parsing \"abc\": invalid syntax"); a positive value
/// under 0.01 gives "CPU cfs quota cannot be less than 1ms (i.e. 1000)".
double parseCpus(std::string_view value);

/// An integer flag value the way Go's pflag parses it ("--pids-limit",
/// "-c, --cpu-shares"): "invalid argument \"x\" for \"--pids-limit\" flag:
/// strconv.ParseInt: parsing \"x\": invalid syntax".
std::int64_t parseIntFlag(std::string_view value, std::string_view flag);
std::uint64_t parseUintFlag(std::string_view value, std::string_view flag);

/// --restart POLICY[:RETRIES], Podman's rules and messages: retries only
/// with on-failure ("restart policy retries can only be specified with
/// on-failure restart policy"), a non-negative integer ("parsing restart
/// policy retry count: strconv.Atoi: parsing \"x\": invalid syntax"), at
/// most once; the name one of "", no, on-failure, always, unless-stopped
/// ("running container create option: \"x\" is not a valid restart policy:
/// invalid argument").
RestartPolicy parseRestartPolicy(std::string_view value);

/// --ulimit name=soft[:hard] (go-units ParseUlimit): "ulimit option
/// \"nofile=x\" requires name=SOFT:HARD, failed to be parsed: ...".
Ulimit parseUlimit(std::string_view value);

/// --sysctl KEY=VALUE, added to `sysctls`: only the namespaced keys
/// (net.*, fs.mqueue.*, kernel.msgmax/msgmnb/msgmni/sem/shmall/shmmax/shmmni/
/// shm_rmid_forced): "sysctl 'kernel.foo' is not allowed".
void parseSysctl(std::string_view value, std::map<std::string, std::string>& sysctls);

/// -e KEY=VALUE, -e KEY (the host's value when set, else nothing), -e 'PRE*'
/// (every host variable starting with PRE), appended to `env` as "KEY=value".
/// `hostEnv` is the host environment ("KEY=value" entries).
/// "invalid environment variable: \"=b\"".
void parseEnvEntry(std::string_view value, const std::vector<std::string>& hostEnv,
                   std::vector<std::string>& env);

/// --env-file: lines as -e, leading blanks trimmed, blank lines and '#'
/// comments skipped. Reads the file: "parsing env file \"/x\": open /x: No
/// such file or directory" (Error kind from errno).
void readEnvFile(const std::string& path, const std::vector<std::string>& hostEnv,
                 std::vector<std::string>& env);

/// The calling process's environment as "KEY=value" entries.
std::vector<std::string> hostEnvironment();

/// -v [SRC:]DST[:OPTS]. A source starting with '/' or '.' is a bind mount
/// (a '.' source is made absolute against `cwd` and must exist: "lstat rel:
/// No such file or directory"), any other source is a named volume, none is
/// an anonymous volume. "invalid container path \"rel\", must be an absolute
/// path", "invalid option type \"zz\"", "invalid options \"ro, rw\", can only
/// specify 1 'rw' or 'ro' option".
MountSpec parseVolume(std::string_view value, std::string_view cwd = {});

/// --mount type=bind|volume|tmpfs|image,... with Podman 4.3's keys and
/// messages ("foo: invalid mount option", "must set volume destination").
/// type=image gives MountSpec{"image", IMAGE, DST, {"ro"}} ({"rw"} with
/// rw=true); devpts and glob, and idmap, are Error(Unsupported).
MountSpec parseMount(std::string_view value);

/// --tmpfs /dst[:opt,opt]: "invalid container path ...", unknown options are
/// refused: "unknown mount option \"foo\": invalid mount option".
MountSpec parseTmpfs(std::string_view value);

/// --secret NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=OCTAL]
/// (also source=NAME), Podman's parseSecrets rules: a mount's target is
/// made absolute under /run/secrets, an env secret takes no uid/gid/mode.
/// "option x invalid: error parsing secret", "type foo is invalid: error
/// parsing secret", "mode 9 invalid: error parsing secret".
SecretSpec parseSecret(std::string_view value);

/// --name: "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument".
void validateContainerName(std::string_view name);

/// --stop-signal (and kill -s): "TERM", "SIGTERM", "term", "RTMIN+3", "15".
/// "invalid signal: FOO", "valid signals are 1 through 64".
int parseSignal(std::string_view value);

/// --security-opt, applied to `spec`: no-new-privileges[=bool],
/// seccomp=unconfined|PATH, label=..., systempaths=unconfined,
/// apparmor=unconfined. "invalid --security-opt 1: \"foo\"".
void applySecurityOpt(ContainerSpec& spec, std::string_view value);

/// --umask: 1 to 4 octal digits. "invalid umask string 8: invalid argument".
std::uint32_t parseUmask(std::string_view value);

/// --network none|host|private|ns:PATH|container:X|slirp4netns[:..]|
/// pasta[:..]; any other value names bridge networks: "a,b" or
/// "a:ip=IP,mac=MAC,alias=NAME" ("bridge" is the default network
/// "podman"). Whether they exist is checked at create.
NetworkMode parseNetworkMode(std::string_view value);

/// Every --network value, with --ip, --mac-address and --network-alias
/// (which apply to the bridge networks; --ip and --mac-address to one
/// only). With the default network they go in one unnamed attachment,
/// named or refused at create. Throws Error(InvalidArgument) naming the
/// bad value.
NetworkMode parseNetworkModes(const std::vector<std::string>& values, std::string_view ip,
                              std::string_view mac, const std::vector<std::string>& aliases);

/// A dotted-quad IPv4 address: "X is not an IP address".
std::string parseStaticIp(std::string_view value);
/// aa:bb:cc:dd:ee:ff, returned lower-case: "address X: invalid MAC address".
std::string parseMacAddress(std::string_view value);

/// --log-driver: k8s-file (json-file is an alias), journald, none,
/// passthrough. "invalid log driver: invalid argument".
std::string parseLogDriver(std::string_view value);

/// --entrypoint: a JSON array of strings, else the whole string as one
/// argument ('' gives {""}, an explicitly empty entrypoint).
std::vector<std::string> parseEntrypoint(std::string_view value);

/// --label / --annotation / --log-opt KEY=VALUE (a bare KEY gets "").
/// "invalid label \"=x\": empty key" style messages name `flag`.
void parseKeyValue(std::string_view value, std::string_view flag,
                   std::map<std::string, std::string>& out);

}  // namespace berth::spec
