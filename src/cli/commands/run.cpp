// SPDX-License-Identifier: Apache-2.0
// berth create and berth run: Podman's flags become a ContainerSpec.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "berth/base/detach_keys.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/spec/parse.hpp"
#include "berth/spec/ports.hpp"

namespace berth::cli {

namespace {

struct CreateFlags {
  bool detach = false;
  bool interactive = false;
  bool tty = false;
  std::string detachKeys{kDefaultDetachKeys};
  bool rm = false;
  bool replace = false;
  bool init = false;
  bool readOnly = false;
  std::string readOnlyTmpfs = "true";
  bool privileged = false;
  std::string sigProxy = "true";
  std::string name;
  std::string cidfile;
  std::optional<std::string> entrypoint;
  std::vector<std::string> env;
  std::vector<std::string> envFiles;
  std::string workdir;
  std::string user;
  std::string hostname;
  std::vector<std::string> labels;
  std::vector<std::string> annotations;
  std::string stopSignal;
  std::optional<std::string> stopTimeout;
  std::vector<std::string> tmpfs;
  std::vector<std::string> volumes;
  std::vector<std::string> mounts;
  std::vector<std::string> volumesFrom;
  std::vector<std::string> secrets;
  std::vector<std::string> capAdd;
  std::vector<std::string> capDrop;
  std::vector<std::string> securityOpts;
  std::vector<std::string> ulimits;
  std::vector<std::string> sysctls;
  std::string memory;
  std::string pidsLimit;
  std::string cpus;
  std::string cpuShares;
  std::vector<std::string> networks;
  std::string ip;
  std::string macAddress;
  std::vector<std::string> networkAliases;
  std::string pod;
  std::string podIdFile;
  std::vector<std::string> publish;
  std::vector<std::string> dns;
  std::vector<std::string> dnsSearch;
  std::vector<std::string> dnsOptions;
  std::vector<std::string> addHosts;
  bool publishAll = false;
  std::string pull = "missing";
  RegistryFlags registry;
  bool quiet = false;
  std::string platform;
  std::string arch;
  std::string variant;
  std::string umask;
  std::string logDriver;
  std::vector<std::string> logOpts;
  std::optional<std::string> restart;
  spec::HealthFlags health;
  std::string healthOnFailure = "none";
  bool noHealthcheck = false;
  std::string sdnotify = "container";
  std::string cgroups = "enabled";
};

void addOption(CLI::App* app, const std::string& names, std::vector<std::string>& target,
               const std::string& help) {
  app->add_option(names, target, help)->allow_extra_args(false);
}

void defineFlags(CLI::App* app, CreateFlags& f, bool run) {
  if (run) {
    app->add_flag("-d,--detach", f.detach, "Run container in background and print container ID");
    app->add_option("--detach-keys", f.detachKeys,
                    "Override the key sequence for detaching a container. Format is a single "
                    "character [a-Z] or a comma separated sequence of `ctrl-<value>`, where "
                    "`<value>` is one of: `a-z`, `@`, `^`, `[`, `\\`, `]` or `_`")
        ->default_str(std::string(kDefaultDetachKeys));
    app->add_option("--sig-proxy", f.sigProxy, "Proxy received signals to the process")
        ->expected(0, 1)
        ->default_str("true");
  }
  app->add_flag("-i,--interactive", f.interactive, "Keep STDIN open even if not attached");
  app->add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY for container");
  app->add_flag("--rm", f.rm, "Remove container (and pod if created) after exit");
  app->add_flag("--replace", f.replace, "If a container with the same name exists, replace it");
  app->add_flag(
      "--init", f.init,
      "Run an init binary inside the container that forwards signals and reaps processes");
  app->add_flag("--read-only", f.readOnly, "Make containers root filesystem read-only");
  app->add_option("--read-only-tmpfs", f.readOnlyTmpfs,
                  "When running containers in read-only mode mount a read-write tmpfs on /run, "
                  "/tmp and /var/tmp");
  app->add_flag("--privileged", f.privileged, "Give extended privileges to container");
  app->add_option("--name", f.name, "Assign a name to the container");
  app->add_option("--cidfile", f.cidfile, "Write the container ID to the file");
  app->add_option("--entrypoint", f.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  addOption(app, "-e,--env", f.env, "Set environment variables in container");
  addOption(app, "--env-file", f.envFiles, "Read in a file of environment variables");
  app->add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  app->add_option("-u,--user", f.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  app->add_option("-h,--hostname", f.hostname, "Set container hostname");
  addOption(app, "-l,--label", f.labels, "Set metadata on container");
  addOption(app, "--annotation", f.annotations, "Add annotations to container (key=value)");
  app->add_option("--stop-signal", f.stopSignal, "Signal to stop a container. Default is SIGTERM");
  app->add_option("--stop-timeout", f.stopTimeout,
                  "Timeout (in seconds) that containers stopped by user command have to exit");
  addOption(app, "--tmpfs", f.tmpfs, "Mount a temporary filesystem (tmpfs) into a container");
  addOption(app, "-v,--volume", f.volumes, "Bind mount a volume into the container");
  addOption(app, "--mount", f.mounts, "Attach a filesystem mount to the container");
  addOption(app, "--volumes-from", f.volumesFrom, "Mount volumes from the specified container(s)");
  addOption(app, "--secret", f.secrets, "Add secret to container");
  addOption(app, "--cap-add", f.capAdd, "Add capabilities to the container");
  addOption(app, "--cap-drop", f.capDrop, "Drop capabilities from the container");
  addOption(app, "--security-opt", f.securityOpts, "Security Options");
  addOption(app, "--ulimit", f.ulimits, "Ulimit options");
  addOption(app, "--sysctl", f.sysctls, "Sysctl options");
  app->add_option("-m,--memory", f.memory, "Memory limit (format: <number>[<unit>])");
  app->add_option("--pids-limit", f.pidsLimit, "Tune container pids limit (set -1 for unlimited)");
  app->add_option("--cpus", f.cpus, "Number of CPUs. The default is 0.000 which means no limit");
  app->add_option("-c,--cpu-shares", f.cpuShares, "CPU shares (relative weight)");
  addOption(app, "--network,--net", f.networks, "Connect a container to a network");
  app->add_option("--ip", f.ip, "Specify a static IPv4 address for the container");
  app->add_option("--mac-address", f.macAddress, "Container MAC address (e.g. 92:d0:c6:0a:29:33)");
  addOption(app, "--network-alias", f.networkAliases, "Add network-scoped alias for the container");
  app->add_option("--pod", f.pod,
                  "Run container in an existing pod (new:NAME creates the pod first)");
  app->add_option("--pod-id-file", f.podIdFile, "Read the pod ID from the file");
  addOption(app, "-p,--publish", f.publish,
            "Publish a container's port, or a range of ports, to the host");
  addOption(app, "--dns", f.dns, "Set custom DNS servers");
  addOption(app, "--dns-search", f.dnsSearch, "Set custom DNS search domains");
  addOption(app, "--dns-option", f.dnsOptions, "Set custom DNS options");
  addOption(app, "--add-host", f.addHosts, "Add a custom host-to-IP mapping (host:ip)");
  app->add_flag("-P,--publish-all", f.publishAll,
                "Publish all exposed ports to random ports on the host interface");
  app->add_option("--pull", f.pull, "Pull image policy");
  addRegistryFlags(app, f.registry, false, false, false);
  app->add_flag("-q,--quiet", f.quiet, "Suppress output information when pulling images");
  app->add_option(
      "--platform", f.platform,
      "Specify the platform for selecting the image.  (Conflicts with --arch and --os)");
  app->add_option("--arch", f.arch,
                  "use ARCH instead of the architecture of the machine for choosing images");
  app->add_option("--variant", f.variant,
                  "Use VARIANT instead of the running architecture variant for choosing images");
  app->add_option("--umask", f.umask, "Set umask in container");
  app->add_option("--log-driver", f.logDriver, "Logging driver for the container");
  addOption(app, "--log-opt", f.logOpts, "Logging driver options");
  app->add_option("--restart", f.restart,
                  "Restart policy to apply when a container exits "
                  "(\"always\"|\"no\"|\"on-failure\"|\"unless-stopped\")");
  app->add_option("--health-cmd", f.health.cmd,
                  "set a healthcheck command for the container ('none' disables the existing "
                  "healthcheck)");
  app->add_option("--health-interval", f.health.interval,
                  "set an interval for the healthchecks (a value of disable results in no "
                  "automatic timer setup)");
  app->add_option("--health-retries", f.health.retries,
                  "the number of retries allowed before a healthcheck is considered to be "
                  "unhealthy");
  app->add_option("--health-start-period", f.health.startPeriod,
                  "the initialization time needed for a container to bootstrap");
  app->add_option("--health-timeout", f.health.timeout,
                  "the maximum time allowed to complete the healthcheck before an interval is "
                  "considered failed");
  app->add_option("--health-on-failure", f.healthOnFailure,
                  "action to take once the container turns unhealthy");
  app->add_flag("--no-healthcheck", f.noHealthcheck, "Disable healthchecks on container");
  app->add_option("--sdnotify", f.sdnotify,
                  "control sd-notify behavior (\"container\"|\"conmon\"|\"ignore\")")
      ->capture_default_str();
  app->add_option("--cgroups", f.cgroups,
                  "control container cgroup configuration "
                  "(\"enabled\"|\"disabled\"|\"no-conmon\"|\"split\")")
      ->capture_default_str();
}

bool parseBool(const std::string& value, const char* flag) {
  if (value == "true" || value == "1" || value == "t" || value == "T" || value == "TRUE" ||
      value == "True")
    return true;
  if (value == "false" || value == "0" || value == "f" || value == "F" || value == "FALSE" ||
      value == "False")
    return false;
  throwError(
      Errc::InvalidArgument,
      "invalid argument \"{}\" for \"{}\" flag: strconv.ParseBool: parsing \"{}\": invalid syntax",
      value, flag, value);
}

std::vector<std::string> splitCommas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    for (;;) {
      const auto comma = value.find(',', start);
      out.push_back(value.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

spec::ContainerSpec buildSpec(const CreateFlags& f, const std::vector<std::string>& args) {
  spec::ContainerSpec s;
  if (args.empty())
    throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
  if (args.front().size() > 1 && args.front()[0] == '-')
    throwError(Errc::InvalidArgument, "unknown flag: {}",
               args.front().substr(0, args.front().find('=')));
  s.image = args.front();
  s.command.assign(args.begin() + 1, args.end());
  if (!f.name.empty()) spec::validateContainerName(f.name);
  s.name = f.name;
  if (f.entrypoint) s.entrypoint = spec::parseEntrypoint(*f.entrypoint);
  const auto hostEnv = spec::hostEnvironment();
  for (const auto& file : f.envFiles) {
    s.envFiles.push_back(file);
    spec::readEnvFile(file, hostEnv, s.envFromFiles);
  }
  for (const auto& e : f.env)
    spec::parseEnvEntry(e, hostEnv, s.env);
  s.workdir = f.workdir;
  if (!s.workdir.empty() && s.workdir.front() != '/')
    throwError(Errc::InvalidArgument, "workdir \"{}\" must be an absolute path", s.workdir);
  s.user = f.user;
  s.hostname = f.hostname;
  for (const auto& l : f.labels)
    spec::parseKeyValue(l, "label", s.labels);
  for (const auto& a : f.annotations)
    spec::parseKeyValue(a, "annotation", s.annotations);
  if (!f.stopSignal.empty()) s.stopSignal = spec::parseSignal(f.stopSignal);
  if (f.stopTimeout)
    s.stopTimeout = static_cast<unsigned>(spec::parseUintFlag(*f.stopTimeout, "--stop-timeout"));
  s.init = f.init;
  s.readOnly = f.readOnly;
  s.readOnlyTmpfs = parseBool(f.readOnlyTmpfs, "--read-only-tmpfs");
  for (const auto& t : f.tmpfs)
    s.tmpfs.push_back(spec::parseTmpfs(t));
  char cwd[4096] = {};
  if (::getcwd(cwd, sizeof(cwd) - 1) == nullptr) cwd[0] = '\0';
  for (const auto& v : f.volumes)
    s.volumes.push_back(spec::parseVolume(v, cwd));
  for (const auto& m : f.mounts)
    s.mounts.push_back(spec::parseMount(m));
  s.volumesFrom = f.volumesFrom;
  for (const auto& secret : f.secrets)
    s.secrets.push_back(spec::parseSecret(secret));
  s.capAdd = splitCommas(f.capAdd);
  s.capDrop = splitCommas(f.capDrop);
  s.privileged = f.privileged;
  for (const auto& o : f.securityOpts)
    spec::applySecurityOpt(s, o);
  for (const auto& u : f.ulimits)
    s.ulimits.push_back(spec::parseUlimit(u));
  for (const auto& sc : f.sysctls)
    spec::parseSysctl(sc, s.sysctls);
  if (!f.memory.empty()) s.memory = spec::parseMemorySize(f.memory, "memory");
  if (!f.pidsLimit.empty()) s.pidsLimit = spec::parseIntFlag(f.pidsLimit, "--pids-limit");
  if (!f.cpus.empty()) s.cpus = spec::parseCpus(f.cpus);
  if (!f.cpuShares.empty()) s.cpuShares = spec::parseUintFlag(f.cpuShares, "--cpu-shares");
  s.network = spec::parseNetworkModes(f.networks, f.ip, f.macAddress, f.networkAliases);
  s.pod = f.pod;
  if (!f.podIdFile.empty()) {
    if (!f.pod.empty())
      throwError(Errc::InvalidArgument, "cannot specify both --pod and --pod-id-file");
    std::optional<std::string> id;
    try {
      id = readFileIfExists(f.podIdFile);
    } catch (const Error& e) {
      throwError(Errc::InvalidArgument, "reading pod ID file {}: {}", f.podIdFile, e.message());
    }
    if (!id)
      throwError(Errc::InvalidArgument,
                 "reading pod ID file {}: open {}: no such file or directory", f.podIdFile,
                 f.podIdFile);
    while (!id->empty() && (id->back() == '\n' || id->back() == ' '))
      id->pop_back();
    if (id->empty()) throwError(Errc::InvalidArgument, "pod ID file {} is empty", f.podIdFile);
    s.pod = *id;
  }
  for (const auto& p : f.publish)
    for (auto& mapping : spec::parsePublish(p))
      s.ports.push_back(std::move(mapping));
  s.publishAll = f.publishAll;
  for (const auto& d : f.dns)
    s.dns.push_back(spec::parseDnsServer(d));
  s.dnsSearch = f.dnsSearch;
  s.dnsOptions = f.dnsOptions;
  for (const auto& h : f.addHosts)
    s.addHosts.push_back(spec::parseAddHost(h));
  if (!f.umask.empty()) s.umask = spec::parseUmask(f.umask);
  if (!f.logDriver.empty()) s.logDriver = spec::parseLogDriver(f.logDriver);
  for (const auto& o : f.logOpts)
    spec::parseKeyValue(o, "log-opt", s.logOpts);
  if (auto size = s.logOpts.find("max-size"); size != s.logOpts.end())
    spec::parseMemorySize(size->second, "--log-opt max-size");
  s.rm = f.rm;
  if (f.restart) s.restart = spec::parseRestartPolicy(*f.restart);
  if (s.rm && !s.restart.name.empty() && s.restart.name != "no")
    throwError(Errc::InvalidArgument,
               "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and "
               "\"no\"");
  if (f.noHealthcheck && !f.health.cmd.empty())
    throwError(Errc::InvalidArgument, "cannot specify both --no-healthcheck and --health-cmd");
  if (f.noHealthcheck)
    s.healthcheck = spec::HealthCheck::disabled();
  else if (!f.health.cmd.empty())
    s.healthcheck = spec::parseHealthFlags(f.health);
  s.healthOnFailure = spec::parseHealthOnFailure(f.healthOnFailure);
  s.tty = f.tty;
  s.interactive = f.interactive;
  if (f.sdnotify != "container" && f.sdnotify != "conmon" && f.sdnotify != "ignore")
    throwError(Errc::InvalidArgument,
               "invalid sdnotify value \"{}\": must be container, conmon or ignore", f.sdnotify);
  if (f.cgroups != "enabled" && f.cgroups != "disabled" && f.cgroups != "no-conmon")
    throwError(Errc::InvalidArgument,
               "invalid cgroups mode \"{}\": expected enabled, disabled or no-conmon{}", f.cgroups,
               f.cgroups == "split" ? " (split is not supported)" : "");
  return s;
}

// Config.CreateCommand: the command line exactly as typed, argv[0] included
// (Podman records os.Args); generate systemd puts berth's own path first.
std::vector<std::string> commandLine(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

void checkCidfile(const std::string& path) {
  if (!path.empty() && pathExists(path))
    throwError(Errc::AlreadyExists,
               "container id file exists. Ensure another container is not using it or delete {}",
               path);
}

std::string create(Cli& cli, const CreateFlags& flags, const std::vector<std::string>& args) {
  engine::Engine::CreateRequest request;
  request.spec = buildSpec(flags, args);
  request.commandLine = commandLine(cli.argc(), cli.argv());
  request.replace = flags.replace;
  request.pull = flags.pull;
  request.pullOptions.access = flags.registry.resolved();
  request.pullOptions.platform = flags.platform;
  request.pullOptions.arch = flags.arch;
  request.pullOptions.variant = flags.variant;
  request.pullProgress = progressPrinter(flags.quiet);
  checkCidfile(flags.cidfile);
  const std::string id = cli.engine().createContainer(request);
  if (!flags.cidfile.empty()) {
    try {
      writeFileAtomic(flags.cidfile, id, 0644, false);
    } catch (const Error& e) {
      cli.engine().removeContainer(id, true, 0, true);
      throw Error(e.kind(), "opening cidfile: " + e.message(), e.sysErrno());
    }
  }
  return id;
}

}  // namespace

void addCreateCommand(Cli& cli) {
  for (const std::string path : {"create", "container create"}) {
    CLI::App* app = cli.addCommand(path, "Create but do not start a container", true);
    app->prefix_command();
    app->fallthrough(false);
    app->set_help_flag("--help", "Print this help message and exit");  // -h is --hostname
    auto flags = std::make_shared<CreateFlags>();
    defineFlags(app, *flags, false);
    cli.setRun(app, [&cli, flags] {
      const std::string id = create(cli, *flags, cli.args());
      writeStdout(id + "\n");
      return 0;
    });
  }
}

void addRunCommand(Cli& cli) {
  for (const std::string path : {"run", "container run"}) {
    CLI::App* app = cli.addCommand(path, "Run a command in a new container", true);
    app->prefix_command();
    app->fallthrough(false);
    app->set_help_flag("--help", "Print this help message and exit");  // -h is --hostname
    auto flags = std::make_shared<CreateFlags>();
    defineFlags(app, *flags, true);
    cli.setRun(app, [&cli, flags] {
      // Checked before anything is created.
      const std::string detachKeys = parseDetachKeys(flags->detachKeys);
      const std::string id = create(cli, *flags, cli.args());
      const bool rm = flags->rm;
      if (flags->detach) {
        try {
          cli.engine().startContainer(id);
        } catch (const Error&) {
          if (rm) {
            try {
              cli.engine().removeContainer(id, true, 0, true);
            } catch (const Error&) {
            }
          }
          throw;
        }
        writeStdout(id + "\n");
        return 0;
      }
      engine::Engine::AttachRequest attach;
      attach.stdinFd = flags->interactive ? 0 : -1;
      attach.detachKeys = detachKeys;
      attach.sigProxy =
          parseBool(flags->sigProxy.empty() ? "true" : flags->sigProxy, "--sig-proxy");
      try {
        return cli.engine().runAttached(id, attach);
      } catch (const Error&) {
        if (rm && cli.engine().containerExists(id)) {
          try {
            cli.engine().removeContainer(id, true, 0, true);
          } catch (const Error&) {
          }
        }
        throw;
      }
    });
  }
}

}  // namespace berth::cli
