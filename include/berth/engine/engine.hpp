// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <optional>

#include "berth/base/json.hpp"
#include "berth/registry/registry_plugin.hpp"
#include "berth/spec/container_spec.hpp"
#include "berth/state/events.hpp"
#include "berth/state/paths.hpp"

namespace berth::engine {

/// What every command shares: where the store is.
struct EngineOptions {
  state::PathOverrides paths;
};

/// The operations the CLI calls. Reports are JSON values in Podman's field
/// order and names (camelCase keys as Podman's --format json prints them);
/// the CLI only renders them. Library code: never prints, throws Error.
class Engine {
 public:
  /// Resolves the store paths (throws Error(InvalidArgument) for a bad
  /// --root/--runroot). Creates nothing on disk.
  explicit Engine(const EngineOptions& options);

  const state::StorePaths& paths() const noexcept { return paths_; }

  /// `berth version`: {"Client": {APIVersion, Version, CompilerVersion,
  /// GitCommit, BuiltTime, Built, OsArch, Os}}.
  Json version() const;

  /// `berth info`: {host, store, registries, plugins, version}, as Podman's
  /// info with berth's own facts (helpers found on PATH, monitor path).
  Json info() const;

  /// Rootless: joins (or creates) the user's persistent user namespace; a
  /// no-op as root. Call before any thread exists.
  void enterUserNamespace() const;

  /// `berth load`: loads a docker-archive or oci-archive from `input` (a
  /// path, or "" for standard input) into the image store, through the
  /// archive plugin. Returns the loaded names ("sha256:<id>" for an unnamed
  /// image) and warnings (e.g. skipped device nodes).
  struct LoadReport {
    std::vector<std::string> names;
    std::vector<std::string> warnings;
  };
  LoadReport load(const std::string& input) const;

  /// `berth save` (engine_archive.cpp): Podman's rules, then the archive
  /// plugin writes. Without `multiImageArchive`, images after the first are
  /// more tags for it (docker-archive). `format` is docker-archive,
  /// oci-archive, oci-dir or docker-dir; `output` "" writes the archive to
  /// standard output (the CLI refuses a terminal). Error(InvalidArgument)
  /// with Podman's message for a bad combination, Error(NoSuchImage) for an
  /// unknown image; a failed save leaves no output behind.
  struct SaveRequest {
    std::vector<std::string> images;
    std::string format = "docker-archive";
    std::string output;
    bool multiImageArchive = false;
    bool compress = false;  ///< docker-dir only
  };
  void save(const SaveRequest& request) const;

  /// `berth import` (engine_archive.cpp): a rootfs tarball (`source` a
  /// path or "-") becomes a one-layer image named `reference` (normalized
  /// as Podman's tag does; "" for none). --change values are checked before
  /// anything is read. Returns "sha256:<id>" and warnings (skipped devices).
  struct ImportRequest {
    std::string source;
    std::string reference;
    std::vector<std::string> changes;
    std::string message;
    std::string os;
    std::string architecture;
    std::string variant;
  };
  struct ImportReport {
    std::string id;
    std::vector<std::string> warnings;
  };
  ImportReport importImage(const ImportRequest& request) const;

  // -------------------------------------------------------------- registry
  // registry.cpp: pull, push, login, logout. The network work is done by the
  // registry plugin (libcurl), loaded only here.

  /// How to reach registries, as the flags give it.
  struct RegistryAccess {
    std::string authFile;           ///< --authfile ("" = REGISTRY_AUTH_FILE or the default)
    std::string creds;              ///< --creds USER:PASSWORD
    std::optional<bool> tlsVerify;  ///< --tls-verify (unset: registries.conf decides)
    std::string certDir;            ///< --cert-dir
    std::optional<int> retries;     ///< --retry (default 3)
    std::string retryDelay;         ///< --retry-delay ("1s", "500ms"; default 1s)
  };
  /// Progress of a pull or push; `Note` events carry Podman's text lines
  /// ("Trying to pull X...", "Resolved ... as an alias").
  using ProgressSink = registry::ProgressSink;

  /// `berth pull`: resolves the name (registries.conf: aliases, search
  /// registries, mirrors, blocked, insecure), pulls the first candidate
  /// that works into the store and returns its id. Errors: one per
  /// candidate tried, joined as Podman does ("2 errors occurred while
  /// pulling:" and a " * " line each); Error(InvalidArgument) for a bad
  /// reference or flag.
  struct PullRequest {
    std::string image;
    RegistryAccess access;
    std::string platform;
    std::string os;
    std::string arch;
    std::string variant;
    bool allTags = false;  ///< -a: every tag of the repository
  };
  struct PullReport {
    std::string imageId;  ///< 64 hex
    std::string name;     ///< the reference pulled
    std::vector<std::string> warnings;
  };
  PullReport pull(const PullRequest& request, const ProgressSink& progress) const;
  /// `berth pull --all-tags`: every tag of the repository (a name without
  /// tag or digest), in the registry's order.
  std::vector<PullReport> pullAllTags(const PullRequest& request,
                                      const ProgressSink& progress) const;

  /// `berth push IMAGE [DESTINATION]`: the destination is a
  /// "[docker://]host/repo[:tag]" (default: the image's name); `format`
  /// "", "oci" or "v2s2"; `digestFile` receives the manifest digest.
  struct PushRequest {
    std::string image;
    std::string destination;
    std::string format;
    std::string compression;  ///< --compression-format gzip|zstd ("" = as stored)
    std::string digestFile;
    RegistryAccess access;
  };
  std::string push(const PushRequest& request, const ProgressSink& progress) const;

  /// `berth login`: checks the credentials against the registry, then
  /// stores them in the auth file. `registry` "" = the first
  /// unqualified-search registry. Error(PermissionDenied) for a wrong
  /// password (nothing is stored).
  struct LoginRequest {
    std::string registry;
    std::string username;
    std::string password;
    RegistryAccess access;
  };
  void login(const LoginRequest& request) const;
  /// `berth login --get-login`: the user name stored for the registry;
  /// Error(InvalidArgument) "not logged into REGISTRY".
  std::string loginUser(const std::string& registry, const std::string& authFile) const;
  /// `berth logout`: removes the registry's entry (all with `all`).
  /// Error(InvalidArgument) "not logged into REGISTRY" when it had none.
  void logout(const std::string& registry, const std::string& authFile, bool all) const;

  // ---------------------------------------------------------------- images

  /// `berth images`: one Podman ImageSummary per image (the keys of `podman
  /// images --format json`: Id, ParentId, RepoTags (null), RepoDigests,
  /// Size, SharedSize, VirtualSize, Labels, Containers, Names, Digest,
  /// History, Created, CreatedAt), in index order. `filters` as `--filter`
  /// takes them: dangling=, reference=, label=, before=, since=, id=; a bad
  /// one is Error(InvalidArgument) with Podman's message.
  Json listImages(const std::vector<std::string>& filters) const;

  /// `berth image inspect`: Podman's ImageData for one image.
  Json inspectImage(const std::string& nameOrId) const;

  /// `berth history`: the config's history, newest first, as Podman's
  /// ImageHistory objects {id ("<missing>" or an image id), created (RFC
  /// 3339), createdBy, size, comment, tags}.
  Json imageHistory(const std::string& nameOrId) const;

  /// `berth image exists`.
  bool imageExists(const std::string& nameOrId) const;

  /// `berth tag IMAGE TARGET...`: targets normalised as Podman does
  /// (localhost/ for unqualified names, :latest).
  void tagImage(const std::string& nameOrId, const std::vector<std::string>& targets) const;

  /// `berth untag IMAGE [NAME...]`: removes the names (all without any).
  void untagImage(const std::string& nameOrId, const std::vector<std::string>& names) const;

  /// `berth rmi`: what was untagged and deleted, and the errors, with the
  /// exit code Podman uses (0; 1 when an image is unknown; 2 when an image is
  /// used by a container; 125 otherwise).
  struct RemoveImagesReport {
    std::vector<std::string> untagged;
    std::vector<std::string> deleted;  ///< 64-hex ids
    std::vector<std::string> errors;   ///< one message each
    int exitCode = 0;
  };
  RemoveImagesReport removeImages(const std::vector<std::string>& names, bool force,
                                  bool all) const;

  /// What a prune removed: ids (names for volumes), the bytes their files
  /// took, and one message per object that could not be removed.
  struct PruneReport {
    std::vector<std::string> removed;
    std::vector<std::string> errors;
    std::int64_t reclaimedBytes = 0;
  };

  /// `berth container prune`: removes every container that is neither
  /// running nor paused, except infra containers (pod prune removes them);
  /// reclaimed bytes are their writable layers.
  PruneReport pruneContainers() const;

  /// `berth system prune`: stopped containers (not the infra containers,
  /// which go with their pods), then the pods none of whose containers
  /// run, then (with `volumes`) the volumes no container uses, then
  /// dangling images (every image no container uses with `all`), then the
  /// networks no container uses, as Podman orders them.
  struct SystemPruneReport {
    PruneReport containers;
    PruneReport pods;
    PruneReport volumes;
    PruneReport images;
    PruneReport networks;
  };
  SystemPruneReport pruneSystem(bool all, bool volumes) const;

  /// `berth image prune`: removes dangling images (all unused ones with
  /// `all`) that no container uses, then unreferenced blobs, layers and
  /// temporary leftovers. Returns the removed image ids.
  std::vector<std::string> pruneImages(bool all) const;

  // ------------------------------------------------------------ containers
  // containers.cpp: create, start, attach, stop, kill, rm, cleanup, wait;
  // container_list.cpp: ps and inspect; container_export.cpp: export;
  // container_exec.cpp: exec.

  /// `berth create`: resolves the image (`pull`: "missing" pulls it when
  /// it is not in the store, "always" and "newer" pull it every time,
  /// "never" makes a missing image Error(NoSuchImage) "NAME: image not
  /// known"; pulls report to `pullProgress`), builds the OCI runtime spec (the user, the
  /// entrypoint, the mounts: every bad value is an error here, before anything is written), then
  /// records the container. `replace` first removes a container of the same name. Returns the
  /// 64-hex id.
  struct CreateRequest {
    spec::ContainerSpec spec;
    std::vector<std::string> commandLine;  ///< Config.CreateCommand
    bool replace = false;
    /// The monitor's pid is written here at every start (pod create
    /// --infra-conmon-pidfile: the PIDFile= of a pod's unit); "" = none.
    std::string conmonPidFile;
    std::string pull = "missing";
    PullRequest pullOptions;  ///< access and platform for a pull (image is spec.image)
    ProgressSink pullProgress;
  };
  std::string createContainer(const CreateRequest& request) const;

  /// `berth start` (detached): starts the monitor and returns once the
  /// container's command runs. A running container is left alone. Throws
  /// an Error carrying the exit code (ContainerExitError) when the command
  /// cannot be run: 126, 127, or 125.
  void startContainer(const std::string& nameOrId) const;

  /// Foreground `run` / `start -a`: starts the container attached, copies
  /// its stdout and stderr to `stdoutFd`/`stderrFd` (and `stdinFd`, if not
  /// -1, to its stdin) until it exits, forwards SIGINT, SIGTERM, SIGHUP,
  /// SIGQUIT, SIGUSR1, SIGUSR2 to it when `sigProxy`, cleans up (and removes
  /// a --rm container), and returns the container's exit code.
  struct AttachRequest {
    int stdinFd = -1;
    int stdoutFd = 1;
    int stderrFd = 2;
    bool sigProxy = true;
    /// Bytes that detach (parseDetachKeys); empty: no detaching.
    std::string detachKeys = "\x10\x11";
  };
  int runAttached(const std::string& nameOrId, const AttachRequest& request) const;

  /// `attach`: joins a running container's streams until it exits (its
  /// exit code, after cleanup) or the user detaches (0). Input goes in only
  /// when the container keeps stdin open (-i); a terminal container's
  /// window follows the user's. Throws Error(InvalidState) "you can only
  /// attach to running containers".
  int attachContainer(const std::string& nameOrId, const AttachRequest& request) const;

  /// `berth stop`: the stop signal, then SIGKILL after `timeout` seconds
  /// (default: the container's --stop-timeout, else 10); waits for the exit
  /// and records it. A container that is not running is fine.
  void stopContainer(const std::string& nameOrId, std::optional<unsigned> timeout) const;

  /// `berth kill`: sends `signal` to the container's init.
  /// Error(InvalidState) when it is not running.
  void killContainer(const std::string& nameOrId, int signal) const;

  /// `berth rm`: a running container needs `force` (it is stopped first,
  /// with `timeout`); Error(InvalidState) with Podman's message otherwise.
  /// `removeVolumes` (-v): its anonymous volumes go too, unless another
  /// container uses them.
  void removeContainer(const std::string& nameOrId, bool force, std::optional<unsigned> timeout,
                       bool removeVolumes = false) const;

  /// `berth container cleanup`: folds exit.json into the state, releases
  /// what the run used, and removes a --rm container. Idempotent; a
  /// container that is gone already is fine.
  void cleanupContainer(const std::string& nameOrId) const;

  /// `berth wait`: blocks until the container reaches one of `conditions`
  /// ("stopped"/"exited" (the default), "running", "created") and returns
  /// its exit code (-1 for conditions other than exited/stopped).
  int waitContainer(const std::string& nameOrId, const std::vector<std::string>& conditions) const;

  /// `berth exec` (container_exec.cpp): runs `command` in the running
  /// container as a child of the calling process (no monitor), joined to
  /// the container's namespaces and cgroup, with its capabilities (all of
  /// the bounding set with `privileged`, which also drops seccomp), seccomp
  /// profile and no_new_privs. `user` ("name|uid[:group|gid]", "" = the
  /// container's) is resolved in the container's /etc/passwd and /etc/group;
  /// env: the container's, then `envFiles`, then `env` (KEY=value, or KEY
  /// from the caller's environment); `workdir` "" = the container's. The
  /// session is recorded under the container's run dir while it runs (
  /// inspect's ExecIDs). Foreground: waits, forwarding SIGINT, SIGTERM,
  /// SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 when `sigProxy`, and returns the exit
  /// code (128+signal when killed). `detach`: returns once the command runs,
  /// with the session id; a background process waits for it and removes
  /// the record. Error(InvalidState) with Podman's message for a container
  /// that is not running; ExitCodeError 126/127 when the command cannot be
  /// run, 125 for other failures.
  struct ExecRequest {
    std::string container;
    std::vector<std::string> command;
    std::vector<std::string> env;
    std::vector<std::string> envFiles;
    std::string user;
    std::string workdir;
    bool privileged = false;
    bool detach = false;
    bool sigProxy = true;
    int stdinFd = -1;  ///< -1: /dev/null
    int stdoutFd = 1;
    int stderrFd = 2;
    unsigned preserveFds = 0;  ///< the caller's fds 3 .. 3+N-1 passed on
    /// -t: a terminal of the container's devpts, relayed to stdinFd and
    /// stdoutFd (raw mode and window size when they are terminals).
    bool tty = false;
    std::string detachKeys = "\x10\x11";  ///< bytes; "" = no detaching
  };
  struct ExecReport {
    int exitCode = 0;
    std::string sessionId;
  };
  ExecReport execContainer(const ExecRequest& request) const;

  /// `berth healthcheck run` (container_health.cpp), also what the monitor
  /// runs on its timer: runs the container's health check once inside it
  /// (as exec does, output captured, killed at its timeout), records the
  /// result in health.json holding the container's lock, emits a
  /// health_status event, and carries out --health-on-failure when the
  /// container has turned unhealthy. Throws for a container that does not
  /// run ("container <id> is not running") or has no health check ("...
  /// has no defined healthcheck"), as Podman.
  struct HealthCheckReport {
    bool passed = false;  ///< this run's command succeeded in time
    std::string status;   ///< the container's health now: starting, healthy, unhealthy
  };
  HealthCheckReport runHealthCheck(const std::string& nameOrId) const;

  /// `berth export` (container_export.cpp): writes the container's root
  /// filesystem (its image layers under its writable layer, as the
  /// container sees them, without volumes or bind mounts) as an
  /// uncompressed tar to `output` (a path; "" for standard output, which the
  /// CLI refuses when it is a terminal). Created, running and exited
  /// containers alike; rootless, owners are the container's ids. Holds the
  /// container's lock meanwhile, as Podman does. A file output appears only
  /// once complete. Error(NoSuchContainer) with Podman's message.
  void exportContainer(const std::string& nameOrId, const std::string& output) const;

  /// `berth cp` (container_copy.cpp): "[CONTAINER:]PATH" to
  /// "[CONTAINER:]PATH" with Podman's rules (copy_plan.hpp), between a
  /// container (running or not) and the host or another container; a source
  /// "-" extracts an uncompressed tar from `stdinFd` into a container
  /// directory, a destination "-" writes the path as a tar to `stdoutFd`.
  /// Container paths resolve inside the container's root: its symlinks never
  /// reach host files. `archive`: files copied into a container get its
  /// primary uid/gid (else the source's); files copied to the host get the
  /// caller's. `overwrite`: a directory may replace a non-directory and the
  /// other way round. Errors are Podman's one-line messages, e.g.
  /// `"/nope" could not be found on container ctr: no such file or directory`.
  struct CopyRequest {
    std::string source;
    std::string destination;
    bool archive = true;
    bool overwrite = false;
    int stdinFd = 0;
    int stdoutFd = 1;
  };
  void copyFiles(const CopyRequest& request) const;

  /// One line of `berth diff`: 'A', 'C' or 'D' and an absolute path.
  struct FileChange {
    char kind = 'C';
    std::string path;
  };
  /// `berth diff` (container_diff.cpp): the changes of the container's
  /// writable layer against its image, as containers/storage computes them
  /// for overlay (whiteouts are deletions, a file also in a lower layer is
  /// changed, parents of additions and deletions are changed), in its walk
  /// order, without the files the runtime mounts over (/etc/hosts, ...).
  /// A name that is no container but an image: the image's top layer
  /// against the layers below it, as Podman's diff of an image.
  std::vector<FileChange> containerChanges(const std::string& nameOrId) const;

  /// `berth top` (container_top.cpp): the container's processes as psgo
  /// describes them, header row first. `descriptors` as `podman top` takes
  /// them ("pid", "%C", "user,pid"; empty: user pid ppid pcpu etime tty time
  /// args). Error(InvalidState) "top can only be used on running
  /// containers", Error(InvalidArgument) "'x': unknown descriptor".
  std::vector<std::vector<std::string>> containerTop(
      const std::string& nameOrId, const std::vector<std::string>& descriptors) const;

  /// A container mounted by `berth mount`.
  struct MountedContainer {
    std::string id;
    std::vector<std::string> names;
    std::string mountPoint;
  };
  /// `berth mount CTR` (container_mount.cpp): mounts the container's root
  /// filesystem at <root>/containers/<id>/merged (once; a counter counts
  /// the users) and returns that path. Rootless, only inside `berth
  /// unshare`: the mount lives in the mount namespace berth-pause holds.
  std::string mountContainer(const std::string& nameOrId) const;
  /// `berth unmount`: drops one mount (all with `force`); the root
  /// filesystem is unmounted when none is left. False when it was not mounted.
  bool unmountContainer(const std::string& nameOrId, bool force) const;
  /// `berth mount` without arguments: the mounted containers.
  std::vector<MountedContainer> mountedContainers() const;

  /// The full id of a container named by id, name or unique id prefix.
  std::string resolveContainer(const std::string& nameOrId) const;
  bool containerExists(const std::string& nameOrId) const;
  std::vector<std::string> containerIds() const;
  /// The id of the most recently created container ("" when there is none).
  std::string latestContainer() const;

  /// `berth rename`.
  void renameContainer(const std::string& nameOrId, const std::string& newName) const;

  /// `berth ps`: one Podman ListContainer object per container (the keys
  /// of `podman ps --format json`), newest first; only running ones unless
  /// `all`. `filters` as --filter takes them (status, name, id, label,
  /// ancestor, exited); a bad one is Error(InvalidArgument).
  /// `size`: also Size {rwSize, rootFsSize} (the container's writable
  /// layer, and that plus its image), as `ps --size`.
  Json listContainers(bool all, const std::vector<std::string>& filters, bool size = false) const;

  /// `berth port`: the published ports of a container (Podman's
  /// types.PortMapping objects: host_ip, container_port, host_port, range,
  /// protocol), empty unless it is running. Throws Error(NoSuchContainer).
  Json containerPorts(const std::string& nameOrId) const;

  /// `berth inspect` of a container: Podman's InspectContainerData keys.
  Json inspectContainer(const std::string& nameOrId) const;

  /// The container's log file and driver, for `berth logs`.
  struct LogSource {
    std::string id;
    std::string name;
    std::string driver;
    std::string path;
  };
  LogSource containerLog(const std::string& nameOrId) const;

  // ---------------------------------------------------------------- events

  /// `berth events` (events.cpp): the events of the log that pass
  /// `filters` (state::EventFilter) and the time bounds, oldest first, to
  /// `sink` until it returns false; with `stream`, then new ones as they
  /// are written (across rotations) until `untilNs` passes or `sink`
  /// returns false. Error(InvalidArgument) for a bad filter.
  struct EventsRequest {
    std::vector<std::string> filters;
    std::optional<std::int64_t> sinceNs;
    std::optional<std::int64_t> untilNs;
    bool stream = true;
  };
  void events(const EventsRequest& request,
              const std::function<bool(const state::Event&)>& sink) const;

  // ------------------------------------------------- pause, stats, restart

  /// `berth pause` (container_pause.cpp): freezes every process of the
  /// container: its freezer cgroup (v1 freezer.state, v2 cgroup.freeze)
  /// when it has one, else SIGSTOP to every process of its pid namespace
  /// until a whole pass finds all of them stopped. Status "paused".
  /// Error(InvalidState) with Podman's message when it is not running.
  void pauseContainer(const std::string& nameOrId) const;

  /// `berth unpause`: thaws (or SIGCONTs) a paused container. Status
  /// "running". Error(InvalidState) when it is not paused.
  void unpauseContainer(const std::string& nameOrId) const;

  /// `berth stats` (container_stats.cpp): one sample of each container's
  /// resource use. `names` empty: the running containers (every container
  /// with `all`). A named container that is not running is
  /// Error(InvalidState). Values without a source stay empty (rootless
  /// without a cgroup: memory and block I/O), `missing` says why.
  struct ContainerStats {
    std::string id;
    std::string name;
    bool running = false;
    std::int64_t sampledNs = 0;  ///< when the sample was taken
    std::int64_t startedNs = 0;  ///< the container's start
    std::optional<std::uint64_t> cpuNs;
    std::optional<std::uint64_t> memoryUsage;
    std::optional<std::uint64_t> memoryLimit;
    std::optional<std::uint64_t> netInput;
    std::optional<std::uint64_t> netOutput;
    std::optional<std::uint64_t> blockInput;
    std::optional<std::uint64_t> blockOutput;
    std::optional<std::uint64_t> pids;
    std::string missing;  ///< "" when every value has a source
  };
  std::vector<ContainerStats> containerStats(const std::vector<std::string>& names, bool all) const;

  /// `berth restart`: stop (with `timeout`) then start, one "restart" event.
  void restartContainer(const std::string& nameOrId, std::optional<unsigned> timeout) const;

  // ------------------------------------------------------------------ pods
  // pods.cpp. A pod is pods/<id>/pod.json plus its containers: the infra
  // (berth-pause in an empty root filesystem, holding the shared
  // namespaces) and the members, which record the pod's id in their spec
  // (spec::ContainerSpec::pod) and join the infra's namespaces at start.
  // Lock order: the pod's lock before any container's.

  /// `berth pod create`. Every bad value is refused before anything is
  /// written (Error(InvalidArgument) naming it); a taken name is
  /// Error(AlreadyExists). With `infra`, the infra container
  /// "<id[:12]>-infra" (or `infraName`) is created too; it carries the
  /// pod's ports, network and hostname. Returns the pod's 64-hex id.
  struct PodCreateRequest {
    std::string name;  ///< "" = a generated name
    std::vector<std::string> commandLine;
    std::map<std::string, std::string> labels;
    std::string hostname;  ///< "" = the pod's name
    /// --share as given ("ipc,net,uts"; "" = none; "+pid" adds to the default).
    std::string share = "ipc,net,uts";
    bool infra = true;
    std::string infraName;
    std::string exitPolicy = "continue";   ///< "continue" or "stop"
    std::vector<spec::PortMapping> ports;  ///< -p, as spec::parsePublish gives them
    spec::NetworkMode network;             ///< Private (default), None, Host, Slirp4netns, Pasta
    std::vector<std::string> dns;
    std::vector<std::string> addHosts;
    std::string infraConmonPidFile;  ///< --infra-conmon-pidfile (needs the infra)
    bool replace = false;            ///< --replace: remove a pod of that name first
    /// --userns: "" or "host" (the user's namespace, as every container);
    /// Podman's other modes are Error(Unsupported), others
    /// Error(InvalidArgument).
    std::string userns;
  };
  std::string createPod(const PodCreateRequest& request) const;

  /// The full id of a pod named by id, name or unique id prefix;
  /// Error(NoSuchObject) "no pod with name or ID x found: no such pod".
  std::string resolvePod(const std::string& nameOrId) const;
  bool podExists(const std::string& nameOrId) const;
  std::vector<std::string> podIds() const;

  /// Per-container errors of a pod operation: the pod operation went on
  /// for the other containers.
  struct PodReport {
    std::string id;
    std::vector<std::string> errors;  ///< "<ctr id>: message"
  };
  /// `berth pod start`: the infra first, then every member. A running
  /// container is left alone.
  PodReport startPod(const std::string& nameOrId) const;
  /// `berth pod stop`: the members in parallel (each: stop signal, SIGKILL
  /// after `timeout`), then the infra. One timeout in all, not one each.
  PodReport stopPod(const std::string& nameOrId, std::optional<unsigned> timeout) const;
  /// `berth pod restart`: stop, then start.
  PodReport restartPod(const std::string& nameOrId) const;
  /// `berth pod kill`: `signal` to every running container.
  PodReport killPod(const std::string& nameOrId, int signal) const;
  PodReport pausePod(const std::string& nameOrId) const;
  PodReport unpausePod(const std::string& nameOrId) const;
  /// `berth pod rm`: the pod and its containers. Running containers need
  /// `force` (they are stopped in parallel, with `timeout`):
  /// Error(InvalidState) otherwise, and nothing is removed.
  PodReport removePod(const std::string& nameOrId, bool force,
                      std::optional<unsigned> timeout) const;
  /// `berth pod prune`: removes the pods none of whose containers run.
  std::vector<std::string> prunePods() const;

  /// `berth pod inspect`: Podman's InspectPodData keys.
  Json inspectPod(const std::string& nameOrId) const;
  /// `berth pod ps`: Podman's ListPodsReport per pod (Cgroup, Containers
  /// [{Id, Names, Status}], Created, Id, InfraId, Name, Namespace, Networks,
  /// Status, Labels), newest first. `filters`: id=, name=, label=,
  /// status=, ctr-names=, ctr-ids=, ctr-number=, ctr-status=; a bad one is
  /// Error(InvalidArgument).
  Json listPods(const std::vector<std::string>& filters) const;
  /// Every container of the pod, infra first, as full ids.
  std::vector<std::string> podContainers(const std::string& podId) const;
  /// `berth pod logs`: the logs of the pod's containers (infra first,
  /// then by creation; those with the `none` log driver left out), or with
  /// a `container` (a member's name, id or unique id prefix) of that one
  /// only:
  /// Error(NoSuchContainer) "container x is not in pod y: no such
  /// container" when it is not a member.
  std::vector<LogSource> podLogSources(const std::string& nameOrId,
                                       const std::string& container) const;

  // --------------------------------------------------------------- volumes
  // volumes.cpp: volume create, ls, inspect, rm, prune, exists, export, import.

  /// `berth volume create`: Podman's local driver. `options` are --opt
  /// KEY=VALUE (type, o, device; o= may carry uid=, gid=); `labels` --label
  /// KEY[=VALUE]. Returns the name (a generated 64-hex one when `name` is
  /// empty). Error(AlreadyExists) for a taken name unless `ignore` (which
  /// returns the existing one), Error(InvalidArgument) for a bad name,
  /// driver or option; nothing is left on disk on failure.
  struct VolumeCreateRequest {
    std::string name;
    std::string driver;  ///< "" or "local"
    std::vector<std::string> labels;
    std::vector<std::string> options;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    bool ignore = false;
  };
  std::string createVolume(const VolumeCreateRequest& request) const;

  /// `berth volume inspect`: Podman's InspectVolumeData (Name, Driver,
  /// Mountpoint, CreatedAt, Labels, Scope, Options, UID, GID, Anonymous,
  /// MountCount, NeedsCopyUp, NeedsChown; the last five omitted when empty).
  /// Error(NoSuchObject) `no volume with name "x" found: no such volume`.
  Json inspectVolume(const std::string& name) const;

  /// `berth volume ls`: inspectVolume of every volume passing `filters`
  /// (name=, label=, dangling=, driver=, scope=, opt=), sorted by name. A bad
  /// filter is Error(InvalidArgument) `"x" is an invalid volume filter`.
  Json listVolumes(const std::vector<std::string>& filters) const;

  bool volumeExists(const std::string& name) const;

  /// `berth volume rm`: per volume, removed or an error. A volume used by a
  /// container is refused (exit 2) unless `force`, which removes those
  /// containers first; an unknown one is exit 1 (Podman's codes).
  struct RemoveVolumesReport {
    std::vector<std::string> removed;
    std::vector<std::string> errors;
    int exitCode = 0;
  };
  RemoveVolumesReport removeVolumes(const std::vector<std::string>& names, bool force, bool all,
                                    std::optional<unsigned> timeout) const;

  /// `berth volume prune` (and system prune --volumes): removes the volumes
  /// no container uses that pass `filters` (label=, until=); their names.
  std::vector<std::string> pruneVolumes(const std::vector<std::string>& filters) const;

  /// `berth volume export`: the volume's content as an uncompressed tar to
  /// `output` ("" = standard output), through the archive plugin.
  void exportVolume(const std::string& name, const std::string& output) const;
  /// `berth volume import`: unpacks a tar (`input` a path or "-") into the
  /// volume's directory.
  void importVolume(const std::string& name, const std::string& input) const;

  // -------------------------------------------------------------- networks
  // networks.cpp: network create, ls, inspect, rm, prune, exists, connect,
  // disconnect. Records are netavark's JSON (what inspect prints).

  /// `berth network create`: a bridge network. `subnet` "" picks the first
  /// free 10.89.N.0/24; an overlapping one is Error(InvalidState) naming
  /// both networks. Returns the name ("podmanN" when `name` is empty).
  /// Nothing is written on failure.
  struct NetworkCreateRequest {
    std::string name;
    std::string driver;  ///< "" or "bridge"
    std::string subnet;
    std::string gateway;
    std::string ipRange;
    bool internal = false;
    bool disableDns = false;
    bool ignore = false;  ///< an existing network of that name is no error
    std::vector<std::string> labels;
  };
  std::string createNetwork(const NetworkCreateRequest& request) const;

  /// `berth network inspect`: the record. Error(NoSuchObject) "unable to
  /// find network with name or ID x: network not found".
  Json inspectNetwork(const std::string& nameOrId) const;

  /// `berth network ls`: every network passing `filters` (name=, id=,
  /// label=, driver=; regexps for name and id), by name. A bad filter is
  /// Error(InvalidArgument).
  std::vector<Json> listNetworks(const std::vector<std::string>& filters) const;

  bool networkExists(const std::string& nameOrId) const;

  /// `berth network rm`: per network, removed or an error: in use without
  /// `force` is exit 2 (with `force` its containers are removed first),
  /// unknown exit 1, as Podman.
  struct RemoveNetworksReport {
    std::vector<std::string> removed;
    std::vector<std::string> errors;
    int exitCode = 0;
  };
  RemoveNetworksReport removeNetworks(const std::vector<std::string>& names, bool force,
                                      std::optional<unsigned> timeout) const;

  /// `berth network prune`: removes the networks no container uses (never
  /// the default one) that pass `filters` (label=); their names.
  std::vector<std::string> pruneNetworks(const std::vector<std::string>& filters) const;

  /// `berth network connect`: adds the network to the container's
  /// configuration, and, when it runs, attaches it now (a new ethN, peers'
  /// hosts files updated).
  void connectNetwork(const std::string& network, const std::string& container,
                      const std::vector<std::string>& aliases, const std::string& ip,
                      const std::string& mac) const;
  /// `berth network disconnect`: the reverse; a running container loses
  /// the interface at once.
  void disconnectNetwork(const std::string& network, const std::string& container) const;

  // --------------------------------------------------------------- secrets
  // secrets.cpp: secret create, ls, inspect, rm, exists.

  /// `berth secret create NAME SOURCE`: SOURCE is a file, "-" (standard
  /// input) or, with `fromEnv`, an environment variable's name. The data
  /// (1 byte to under 512000) is stored mode 0600. Returns the new 25-hex id.
  /// Error(InvalidArgument) for a bad name, driver, size or source;
  /// Error(AlreadyExists) "NAME: secret name in use".
  struct SecretCreateRequest {
    std::string name;
    std::string source;
    bool fromEnv = false;
    std::string driver;  ///< "" or "file"
    std::vector<std::string> labels;
    std::optional<std::string> data;  ///< given data instead of `source` (kube play)
  };
  std::string createSecret(const SecretCreateRequest& request) const;

  /// `berth secret inspect`: Podman's SecretInfoReport {ID, CreatedAt,
  /// UpdatedAt, Spec {Name, Driver {Name, Options}, Labels}}; never the data.
  /// Error(NoSuchObject) `no secret with name or id "x": no such secret`.
  Json inspectSecret(const std::string& nameOrId) const;
  /// `berth secret ls`: inspectSecret of each secret passing `filters`
  /// (name=, id=), by name.
  Json listSecrets(const std::vector<std::string>& filters) const;
  bool secretExists(const std::string& nameOrId) const;
  /// `berth secret rm`: returns the removed secret's id.
  std::string removeSecret(const std::string& nameOrId) const;
  /// Ids of all secrets (secret rm --all).
  std::vector<std::string> secretIds() const;

  // ------------------------------------------------------------------ kube
  // kube.cpp: kube generate, play and down (src/kube does the converting).

  /// `berth kube generate`: YAML for the containers, or for the one pod
  /// named (its non-infra containers, name, labels, hostname, ports) (Podman's header, the
  /// PVCs of their named volumes, the workload of `type`, a Service with
  /// `service`). Error(NoSuchContainer) for an unknown name,
  /// Error(InvalidArgument) for a bad type or replicas.
  struct KubeGenerateRequest {
    std::vector<std::string> names;
    std::string type = "pod";
    std::optional<unsigned> replicas;
    bool service = false;
  };
  std::string generateKube(const KubeGenerateRequest& request) const;

  /// `berth kube play`: the YAML `text` (read from `what`, for messages)
  /// becomes volumes, secrets and pods (createPod: name, labels, hostname,
  /// network, ports) whose containers "<pod>-<container>" join them,
  /// started unless !start. Everything is checked before anything is made; a
  /// failure while making removes what was made.
  struct KubePlayRequest {
    std::string text;
    std::string what;
    std::vector<std::string> configMapFiles;
    std::string network;
    std::vector<std::string> publish;
    std::string logDriver;
    bool start = true;
    bool replace = false;
    ProgressSink pullProgress;
  };
  struct KubePlayReport {
    struct Pod {
      std::string id;  ///< the pod's id
      std::vector<std::string> containers;
    };
    std::vector<std::string> volumes;
    std::vector<Pod> pods;
    std::vector<std::string> warnings;
  };
  KubePlayReport playKube(const KubePlayRequest& request) const;

  /// `berth kube down`: removes the pods (pod stop with timeout 0, then pod
  /// rm, as Podman) and secrets play made for these documents; PVC volumes
  /// only with `force`. Names that are gone
  /// are skipped.
  struct KubeDownReport {
    std::vector<std::string> pods;        ///< removed pods' ids
    std::vector<std::string> containers;  ///< removed container ids
    std::vector<std::string> volumes;
    std::vector<std::string> secrets;
  };
  KubeDownReport downKube(const std::string& text, const std::string& what, bool force) const;

  /// `berth unshare`: replaces the process with `command` (default: $SHELL,
  /// else /bin/sh) inside the user namespace, with CONTAINERS_GRAPHROOT and
  /// CONTAINERS_RUNROOT set as Podman does. Only returns by throwing:
  /// Error(InvalidArgument) as root, errno 2/13 as exec errors.
  [[noreturn]] void unshare(const std::vector<std::string>& command) const;

 private:
  state::StorePaths paths_;
};

}  // namespace berth::engine
