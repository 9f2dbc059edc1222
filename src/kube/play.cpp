// SPDX-License-Identifier: Apache-2.0
// Podman 4.3's kube play (pkg/domain/infra/abi/play.go and
// pkg/specgen/generate/kube/kube.go), with one difference by design: every
// field berth does not honour is a warning naming its path, where Podman
// ignores it silently.
#include "berth/kube/play.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/registry/auth.hpp"
#include "berth/spec/parse.hpp"

namespace berth::kube {
namespace {

/// A JSON object being read, with its field path for messages, and the
/// keys read so far: those not read are reported as ignored.
class Node {
 public:
  Node(const Json& value, std::string path, int document, std::vector<std::string>* warnings)
      : value_(value), path_(std::move(path)), document_(document), warnings_(warnings) {}

  const std::string& path() const { return path_; }
  const Json& json() const { return value_; }

  [[noreturn]] void fail(std::string_view field, std::string_view problem) const {
    throwError(Errc::InvalidArgument, "document {}: {}: {}", document_, join(field), problem);
  }

  std::string join(std::string_view field) const {
    if (field.empty()) return path_;
    if (path_.empty()) return std::string(field);
    if (field.front() == '[') return path_ + std::string(field);
    return path_ + "." + std::string(field);
  }

  bool has(const std::string& key) {
    seen_.insert(key);
    return value_.is_object() && value_.contains(key) && !value_[key].is_null();
  }

  /// Marks a key as known and accepted without effect (Podman's own output).
  void accept(const std::string& key) { seen_.insert(key); }

  std::string string(const std::string& key, bool required = false) {
    if (!has(key)) {
      if (required) fail(key, "required field is missing");
      return "";
    }
    const Json& v = value_[key];
    if (!v.is_string()) fail(key, fmt::format("expected a string, got {}", v.dump()));
    return v.get<std::string>();
  }

  std::optional<std::int64_t> integer(const std::string& key) {
    if (!has(key)) return std::nullopt;
    const Json& v = value_[key];
    if (!v.is_number_integer()) fail(key, fmt::format("expected an integer, got {}", v.dump()));
    return v.get<std::int64_t>();
  }

  std::optional<bool> boolean(const std::string& key) {
    if (!has(key)) return std::nullopt;
    const Json& v = value_[key];
    if (!v.is_boolean()) fail(key, fmt::format("expected true or false, got {}", v.dump()));
    return v.get<bool>();
  }

  std::vector<std::string> strings(const std::string& key) {
    std::vector<std::string> result;
    if (!has(key)) return result;
    const Json& v = value_[key];
    if (!v.is_array()) fail(key, fmt::format("expected a list of strings, got {}", v.dump()));
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string() && !v[i].is_number())
        fail(fmt::format("{}[{}]", key, i), fmt::format("expected a string, got {}", v[i].dump()));
      result.push_back(v[i].is_string() ? v[i].get<std::string>() : v[i].dump());
    }
    return result;
  }

  std::map<std::string, std::string> stringMap(const std::string& key) {
    std::map<std::string, std::string> result;
    if (!has(key)) return result;
    const Json& v = value_[key];
    if (!v.is_object()) fail(key, fmt::format("expected a map, got {}", v.dump()));
    for (const auto& [k, item] : v.items()) {
      if (item.is_string())
        result[k] = item.get<std::string>();
      else if (item.is_number() || item.is_boolean())
        result[k] = item.dump();
      else if (!item.is_null())
        fail(key + "." + k, fmt::format("expected a string, got {}", item.dump()));
    }
    return result;
  }

  Node object(const std::string& key) {
    seen_.insert(key);
    static const Json empty = Json::object();
    if (!value_.contains(key) || value_[key].is_null())
      return Node(empty, join(key), document_, warnings_);
    if (!value_[key].is_object())
      fail(key, fmt::format("expected a map, got {}", value_[key].dump()));
    return Node(value_[key], join(key), document_, warnings_);
  }

  std::vector<Node> list(const std::string& key) {
    seen_.insert(key);
    std::vector<Node> result;
    if (!value_.contains(key) || value_[key].is_null()) return result;
    const Json& v = value_[key];
    if (!v.is_array()) fail(key, fmt::format("expected a list, got {}", v.dump()));
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string itemPath = fmt::format("{}[{}]", join(key), i);
      if (!v[i].is_object()) {
        Node(v[i], itemPath, document_, warnings_).fail("", "expected a map");
      }
      result.emplace_back(v[i], itemPath, document_, warnings_);
    }
    return result;
  }

  /// A warning for every key present and not read.
  void warnUnread() const {
    if (!value_.is_object() || !warnings_) return;
    for (const auto& [key, v] : value_.items()) {
      if (seen_.count(key) || v.is_null()) continue;
      warnings_->push_back(fmt::format("{}: not supported, ignored", join(key)));
    }
  }

  int document() const { return document_; }
  std::vector<std::string>* warnings() const { return warnings_; }

 private:
  const Json& value_;
  std::string path_;
  int document_;
  std::vector<std::string>* warnings_;
  std::set<std::string> seen_;
};

/// ConfigMaps and Secrets of the input, by name: key -> value.
struct DataSources {
  std::map<std::string, std::map<std::string, std::string>> configMaps;
  std::map<std::string, std::map<std::string, std::string>> secrets;
};

std::string lookupKey(const DataSources& sources, bool secret, Node& ref, bool optional,
                      bool& found) {
  const std::string name = ref.string("name", true);
  const std::string key = ref.string("key", true);
  const auto& all = secret ? sources.secrets : sources.configMaps;
  found = false;
  auto source = all.find(name);
  if (source == all.end()) {
    if (optional) return "";
    ref.fail("name", fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", name));
  }
  auto value = source->second.find(key);
  if (value == source->second.end()) {
    if (optional) return "";
    ref.fail("key", fmt::format("{} \"{}\" has no key \"{}\"", secret ? "secret" : "configmap",
                                name, key));
  }
  found = true;
  return value->second;
}

void readEnv(Node& ctr, const DataSources& sources, spec::ContainerSpec& spec) {
  for (Node& from : ctr.list("envFrom")) {
    const std::string prefix = from.string("prefix");
    for (const char* kind : {"configMapRef", "secretRef"}) {
      if (!from.has(kind)) continue;
      Node ref = from.object(kind);
      const std::string name = ref.string("name", true);
      const bool optional = ref.boolean("optional").value_or(false);
      const bool secret = std::string_view(kind) == "secretRef";
      const auto& all = secret ? sources.secrets : sources.configMaps;
      auto source = all.find(name);
      if (source == all.end()) {
        if (optional) continue;
        ref.fail("name", fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", name));
      }
      for (const auto& [key, value] : source->second)
        spec.env.push_back(prefix + key + "=" + value);
      ref.warnUnread();
    }
    from.warnUnread();
  }
  for (Node& var : ctr.list("env")) {
    const std::string name = var.string("name", true);
    if (var.has("valueFrom")) {
      Node from = var.object("valueFrom");
      bool found = false;
      std::string value;
      if (from.has("configMapKeyRef") || from.has("secretKeyRef")) {
        const bool secret = from.has("secretKeyRef");
        Node ref = from.object(secret ? "secretKeyRef" : "configMapKeyRef");
        value = lookupKey(sources, secret, ref, ref.boolean("optional").value_or(false), found);
        ref.warnUnread();
      }
      from.warnUnread();
      if (found) spec.env.push_back(name + "=" + value);
    } else {
      spec.env.push_back(name + "=" + var.string("value"));
    }
    var.warnUnread();
  }
}

spec::HealthCheck readProbe(Node& probe) {
  spec::HealthCheck check;
  Node exec = probe.object("exec");
  const std::vector<std::string> command = exec.strings("command");
  if (command.empty()) probe.fail("exec.command", "only exec probes are supported");
  exec.warnUnread();
  if (command.size() == 3 && (command[0] == "/bin/sh" || command[0] == "sh") && command[1] == "-c")
    check.test = {"CMD-SHELL", command[2]};
  else {
    check.test = {"CMD"};
    check.test.insert(check.test.end(), command.begin(), command.end());
  }
  constexpr std::int64_t kSecond = 1'000'000'000;
  // Kubernetes' defaults: every 10 s, 1 s timeout, 3 failures.
  check.intervalNs = probe.integer("periodSeconds").value_or(10) * kSecond;
  check.timeoutNs = probe.integer("timeoutSeconds").value_or(1) * kSecond;
  check.startPeriodNs = probe.integer("initialDelaySeconds").value_or(0) * kSecond;
  check.retries = static_cast<unsigned>(probe.integer("failureThreshold").value_or(3));
  probe.warnUnread();
  return check;
}

std::int64_t parseMemoryQuantity(Node& node, const std::string& key) {
  const Json& v = node.json()[key];
  node.accept(key);
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (!v.is_string()) node.fail(key, fmt::format("expected a quantity, got {}", v.dump()));
  std::string text = v.get<std::string>();
  static const std::vector<std::pair<std::string, std::int64_t>> suffixes = {
      {"Ki", 1LL << 10}, {"Mi", 1LL << 20}, {"Gi", 1LL << 30}, {"Ti", 1LL << 40},
      {"k", 1000},       {"K", 1000},       {"M", 1000000},    {"G", 1000000000}};
  std::int64_t factor = 1;
  for (const auto& [suffix, f] : suffixes) {
    if (text.size() > suffix.size() &&
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      factor = f;
      text.resize(text.size() - suffix.size());
      break;
    }
  }
  try {
    std::size_t used = 0;
    const double number = std::stod(text, &used);
    if (used != text.size() || number < 0) throw std::invalid_argument("bad");
    return static_cast<std::int64_t>(number * static_cast<double>(factor));
  } catch (const std::exception&) {
    node.fail(key, fmt::format("invalid quantity {}", v.dump()));
  }
}

double parseCpuQuantity(Node& node, const std::string& key) {
  const Json& v = node.json()[key];
  node.accept(key);
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) node.fail(key, fmt::format("expected a quantity, got {}", v.dump()));
  std::string text = v.get<std::string>();
  double factor = 1;
  if (!text.empty() && text.back() == 'm') {
    factor = 0.001;
    text.pop_back();
  }
  try {
    std::size_t used = 0;
    const double number = std::stod(text, &used);
    if (used != text.size() || number < 0) throw std::invalid_argument("bad");
    return number * factor;
  } catch (const std::exception&) {
    node.fail(key, fmt::format("invalid quantity {}", v.dump()));
  }
}

std::uint16_t portNumber(Node& node, const std::string& key, bool required) {
  const auto value = node.integer(key);
  if (!value) {
    if (required) node.fail(key, "required field is missing");
    return 0;
  }
  if (*value < 1 || *value > 65535)
    node.fail(key, fmt::format("port numbers must be between 1 and 65535, got {}", *value));
  return static_cast<std::uint16_t>(*value);
}

/// A pod volume as containers mount it.
struct PodVolume {
  spec::MountSpec mount;  ///< destination filled per mount
};

struct PodContext {
  std::string podName;
  std::map<std::string, PodVolume> volumes;
};

void readSecurityContext(Node& context, spec::ContainerSpec& spec) {
  if (auto privileged = context.boolean("privileged")) spec.privileged = *privileged;
  if (auto ro = context.boolean("readOnlyRootFilesystem")) spec.readOnly = *ro;
  if (auto escalate = context.boolean("allowPrivilegeEscalation"))
    spec.noNewPrivileges = !*escalate;
  const auto uid = context.integer("runAsUser");
  const auto gid = context.integer("runAsGroup");
  if (uid)
    spec.user = std::to_string(*uid) + (gid ? ":" + std::to_string(*gid) : "");
  else if (gid)
    spec.user = "0:" + std::to_string(*gid);
  Node caps = context.object("capabilities");
  // Kubernetes' defaults include CAP_MKNOD, CAP_NET_RAW, CAP_AUDIT_WRITE
  // that berth's lack: dropping those changes nothing, as in Podman.
  spec.capAdd = caps.strings("add");
  spec.capDrop = caps.strings("drop");
  caps.warnUnread();
  context.warnUnread();
}

PlannedContainer readContainer(Node& ctr, const PodContext& pod, const DataSources& sources,
                               const PlanOptions& options) {
  PlannedContainer planned;
  spec::ContainerSpec& spec = planned.spec;
  const std::string name = ctr.string("name", true);
  spec.name = pod.podName + "-" + name;
  spec.image = ctr.string("image", true);
  if (spec.image.empty()) ctr.fail("image", "required field is empty");
  const std::vector<std::string> command = ctr.strings("command");
  const std::vector<std::string> args = ctr.strings("args");
  if (ctr.has("command")) spec.entrypoint = command;
  spec.command = args;
  readEnv(ctr, sources, spec);
  spec.workdir = ctr.string("workingDir");
  if (auto tty = ctr.boolean("tty")) spec.tty = *tty;
  if (auto stdinOpen = ctr.boolean("stdin")) spec.interactive = *stdinOpen;
  const std::string pullPolicy = ctr.string("imagePullPolicy");
  planned.pullPolicy = pullPolicy == "Always"  ? "always"
                       : pullPolicy == "Never" ? "never"
                                               : "missing";
  for (Node& port : ctr.list("ports")) {
    spec::PortMapping mapping;
    mapping.containerPort = portNumber(port, "containerPort", true);
    mapping.hostPort = portNumber(port, "hostPort", false);
    mapping.hostIp = port.string("hostIP");
    std::string protocol = port.string("protocol");
    for (auto& c : protocol)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (protocol.empty()) protocol = "tcp";
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
      port.fail("protocol", fmt::format("expected TCP, UDP or SCTP, got \"{}\"", protocol));
    mapping.protocol = protocol;
    port.accept("name");
    port.warnUnread();
    // Podman publishes only ports with a hostPort.
    if (mapping.hostPort != 0) spec.ports.push_back(mapping);
  }
  if (ctr.has("resources")) {
    Node resources = ctr.object("resources");
    Node limits = resources.object("limits");
    if (limits.has("memory")) spec.memory = parseMemoryQuantity(limits, "memory");
    if (limits.has("cpu")) spec.cpus = parseCpuQuantity(limits, "cpu");
    limits.warnUnread();
    resources.warnUnread();
  }
  if (ctr.has("securityContext")) {
    Node context = ctr.object("securityContext");
    readSecurityContext(context, spec);
  }
  for (Node& mountNode : ctr.list("volumeMounts")) {
    const std::string volumeName = mountNode.string("name", true);
    const std::string path = mountNode.string("mountPath", true);
    if (path.empty() || path.front() != '/')
      mountNode.fail("mountPath", fmt::format("\"{}\" is not an absolute path", path));
    auto found = pod.volumes.find(volumeName);
    if (found == pod.volumes.end())
      mountNode.fail("name", fmt::format("no volume named \"{}\" in spec.volumes", volumeName));
    spec::MountSpec mount = found->second.mount;
    mount.destination = path;
    if (mountNode.boolean("readOnly").value_or(false)) mount.options.push_back("ro");
    mountNode.warnUnread();
    if (mount.type == "tmpfs")
      spec.tmpfs.push_back(mount);
    else
      spec.volumes.push_back(mount);
  }
  if (ctr.has("livenessProbe")) {
    Node probe = ctr.object("livenessProbe");
    spec.healthcheck = readProbe(probe);
  }
  ctr.accept("terminationMessagePath");
  ctr.accept("terminationMessagePolicy");
  ctr.warnUnread();
  if (!options.logDriver.empty()) spec.logDriver = options.logDriver;
  return planned;
}

std::map<std::string, std::string> decodeData(Node& doc, bool secret) {
  std::map<std::string, std::string> data;
  if (secret) {
    for (const auto& [key, value] : doc.stringMap("data")) {
      auto decoded = registry::base64Decode(value);
      if (!decoded) doc.fail("data." + key, "expected base64 data");
      data[key] = *decoded;
    }
    for (const auto& [key, value] : doc.stringMap("stringData"))
      data[key] = value;
  } else {
    data = doc.stringMap("data");
    for (const auto& [key, value] : doc.stringMap("binaryData")) {
      auto decoded = registry::base64Decode(value);
      if (!decoded) doc.fail("binaryData." + key, "expected base64 data");
      data[key] = *decoded;
    }
  }
  return data;
}

void planPod(Node& podSpec, const std::string& podName, const std::string& kind,
             const std::map<std::string, std::string>& labels,
             const std::map<std::string, std::string>& annotations, const DataSources& sources,
             const PlanOptions& options, Plan& plan) {
  PlannedPod pod;
  pod.name = podName;
  pod.kind = kind;
  pod.labels = labels;
  PodContext context;
  context.podName = podName;

  for (Node& volume : podSpec.list("volumes")) {
    const std::string name = volume.string("name", true);
    PodVolume v;
    if (volume.has("hostPath")) {
      Node hostPath = volume.object("hostPath");
      const std::string path = hostPath.string("path", true);
      const std::string type = hostPath.string("type");
      if (path.empty() || path.front() != '/')
        hostPath.fail("path", fmt::format("\"{}\" is not an absolute path", path));
      const std::string found = options.hostPathKind ? options.hostPathKind(path) : "Directory";
      if (type == "DirectoryOrCreate") {
        if (found.empty())
          pod.hostDirectories.push_back(path);
        else if (found != "Directory")
          hostPath.fail("path", fmt::format("{}: not a directory", path));
      } else if (type == "FileOrCreate") {
        if (found == "Directory") hostPath.fail("path", fmt::format("{}: is a directory", path));
        if (found.empty()) hostPath.fail("type", "FileOrCreate of a missing file: not supported");
      } else {
        if (found.empty())
          hostPath.fail("path", fmt::format("{}: no such file or directory", path));
        if (type == "Directory" && found != "Directory")
          hostPath.fail("path", fmt::format("{}: not a directory", path));
        if (type == "File" && found != "File")
          hostPath.fail("path", fmt::format("{}: not a regular file", path));
        if (!type.empty() && type != "Directory" && type != "File")
          hostPath.fail("type", fmt::format("\"{}\": expected Directory, DirectoryOrCreate, File "
                                            "or FileOrCreate",
                                            type));
      }
      hostPath.warnUnread();
      v.mount = {"bind", path, "", {}};
    } else if (volume.has("persistentVolumeClaim")) {
      Node claim = volume.object("persistentVolumeClaim");
      v.mount = {"volume", claim.string("claimName", true), "", {}};
      if (claim.boolean("readOnly").value_or(false)) v.mount.options.push_back("ro");
      claim.warnUnread();
    } else if (volume.has("emptyDir")) {
      Node emptyDir = volume.object("emptyDir");
      if (emptyDir.string("medium") == "Memory")
        v.mount = {"tmpfs", "tmpfs", "", {}};
      else
        v.mount = {"volume", "", "", {}};  // an anonymous volume
      emptyDir.warnUnread();
    } else if (volume.has("configMap") || volume.has("secret")) {
      const bool secret = volume.has("secret");
      Node source = volume.object(secret ? "secret" : "configMap");
      const std::string sourceName = source.string(secret ? "secretName" : "name", true);
      const auto& all = secret ? sources.secrets : sources.configMaps;
      auto data = all.find(sourceName);
      const bool optional = source.boolean("optional").value_or(false);
      if (data == all.end() && !optional)
        source.fail(
            secret ? "secretName" : "name",
            fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", sourceName));
      PlannedVolume planned;
      planned.name = podName + "-" + name;
      if (data != all.end()) {
        std::vector<Node> items = source.list("items");
        if (items.empty()) {
          planned.files = data->second;
        } else {
          for (Node& item : items) {
            const std::string key = item.string("key", true);
            const std::string path = item.string("path", true);
            auto value = data->second.find(key);
            if (value == data->second.end()) item.fail("key", fmt::format("no key \"{}\"", key));
            if (path.find('/') != std::string::npos || path == ".." || path.empty())
              item.fail("path", fmt::format("\"{}\": expected a file name", path));
            planned.files[path] = value->second;
            item.warnUnread();
          }
        }
      }
      source.warnUnread();
      plan.volumes.push_back(planned);
      v.mount = {"volume", planned.name, "", {"ro"}};
    } else {
      volume.fail("", "expected hostPath, persistentVolumeClaim, emptyDir, configMap or secret");
    }
    volume.warnUnread();
    context.volumes[name] = v;
  }

  std::vector<Node> containers = podSpec.list("containers");
  if (containers.empty()) podSpec.fail("containers", "a pod needs at least one container");
  std::set<std::string> names;
  for (Node& ctr : containers) {
    PlannedContainer planned = readContainer(ctr, context, sources, options);
    if (!names.insert(planned.spec.name).second)
      ctr.fail("name", fmt::format("two containers named \"{}\"", planned.spec.name));
    pod.containers.push_back(std::move(planned));
  }
  if (podSpec.has("initContainers"))
    plan.warnings.push_back(podSpec.join("initContainers") + ": not supported, ignored");

  std::string restart = podSpec.string("restartPolicy");
  std::string policy = "always";  // Podman's default
  if (restart == "OnFailure")
    policy = "on-failure";
  else if (restart == "Never")
    policy = "no";
  else if (!restart.empty() && restart != "Always")
    podSpec.fail("restartPolicy",
                 fmt::format("\"{}\": expected Always, OnFailure or Never", restart));

  spec::NetworkMode network;
  if (podSpec.boolean("hostNetwork").value_or(false)) network.kind = spec::NetworkMode::Kind::Host;
  if (options.network) network = *options.network;
  pod.hostname = podSpec.string("hostname");
  podSpec.accept("automountServiceAccountToken");
  podSpec.accept("enableServiceLinks");
  podSpec.accept("initContainers");
  podSpec.warnUnread();

  // The pod's infra holds the network namespace and every published port;
  // the containers join it.
  for (auto& planned : pod.containers) {
    pod.ports.insert(pod.ports.end(), planned.spec.ports.begin(), planned.spec.ports.end());
    planned.spec.ports.clear();
  }
  for (const auto& extra : options.publish) {
    auto same = std::find_if(pod.ports.begin(), pod.ports.end(), [&](const spec::PortMapping& p) {
      return p.containerPort == extra.containerPort && p.protocol == extra.protocol;
    });
    if (same != pod.ports.end())
      *same = extra;
    else
      pod.ports.push_back(extra);
  }
  pod.network = network;
  // On the host's network a container port is the host's own: nothing to publish.
  if (network.kind == spec::NetworkMode::Kind::Host) pod.ports.clear();
  for (std::size_t i = 0; i < pod.containers.size(); ++i) {
    spec::ContainerSpec& spec = pod.containers[i].spec;
    spec.restart.name = policy;
    for (const auto& [key, value] : labels)
      spec.labels[key] = value;
    const std::string kubeName = spec.name.substr(podName.size() + 1);
    for (const auto& [key, value] : annotations) {
      const auto slash = key.rfind('/');
      const std::string prefix = key.substr(0, slash == std::string::npos ? 0 : slash);
      const std::string target = slash == std::string::npos ? "" : key.substr(slash + 1);
      if (prefix == "io.podman.annotations.init" || prefix == "io.podman.annotations.autoremove" ||
          prefix == "io.podman.annotations.privileged" ||
          prefix == "io.podman.annotations.publish-all") {
        if (target == kubeName && value == "TRUE") {
          if (prefix == "io.podman.annotations.init") spec.init = true;
          if (prefix == "io.podman.annotations.privileged") spec.privileged = true;
        }
        continue;
      }
      if (prefix.rfind("io.kubernetes.cri-o.", 0) == 0) continue;
      spec.annotations[key] = value;
    }
  }
  plan.pods.push_back(std::move(pod));
}

const std::vector<std::string> kKinds = {
    "Pod", "Deployment", "DaemonSet", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"};

std::string kindOf(const Json& doc, int index) {
  if (!doc.is_object())
    throwError(Errc::InvalidArgument, "document {}: expected a Kubernetes object (a map), got {}",
               index, doc.is_string() ? doc.dump() : std::string(doc.type_name()));
  if (!doc.contains("kind") || !doc["kind"].is_string())
    throwError(Errc::InvalidArgument, "document {}: kind: required field is missing", index);
  const std::string kind = doc["kind"].get<std::string>();
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end())
    throwError(Errc::InvalidArgument,
               "document {}: kind: \"{}\" is not supported: expected Pod, Deployment, DaemonSet, "
               "Job, PersistentVolumeClaim, ConfigMap or Secret",
               index, kind);
  return kind;
}

}  // namespace

Plan planKube(const std::vector<Json>& documents, const PlanOptions& options) {
  Plan plan;
  if (documents.empty()) throwError(Errc::InvalidArgument, "no Kubernetes documents found");
  DataSources sources;
  // ConfigMaps and Secrets first: pods anywhere in the stream refer to them.
  std::vector<Json> all = options.configMaps;
  const std::size_t extra = all.size();
  all.insert(all.end(), documents.begin(), documents.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const int index = static_cast<int>(i < extra ? i + 1 : i - extra + 1);
    const std::string kind = kindOf(all[i], index);
    if (i < extra && kind != "ConfigMap")
      throwError(Errc::InvalidArgument, "--configmap: document {}: kind \"{}\": expected ConfigMap",
                 index, kind);
    if (kind != "ConfigMap" && kind != "Secret") continue;
    Node doc(all[i], "", index, nullptr);
    Node meta = doc.object("metadata");
    const std::string name = meta.string("name", true);
    (kind == "Secret" ? sources.secrets : sources.configMaps)[name] =
        decodeData(doc, kind == "Secret");
  }

  for (std::size_t i = 0; i < documents.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    const std::string kind = kindOf(documents[i], index);
    Node doc(documents[i], "", index, &plan.warnings);
    doc.accept("apiVersion");
    doc.accept("kind");
    doc.accept("status");
    Node meta = doc.object("metadata");
    const std::string name = meta.string("name", true);
    if (name.empty()) meta.fail("name", "required field is empty");
    const auto labels = meta.stringMap("labels");
    const auto annotations = meta.stringMap("annotations");
    meta.accept("creationTimestamp");
    meta.accept("namespace");
    meta.warnUnread();
    if (kind == "ConfigMap" || kind == "Secret") {
      doc.accept("data");
      doc.accept("stringData");
      doc.accept("binaryData");
      doc.accept("type");
      doc.warnUnread();
      if (kind == "Secret") {
        Json data = Json::object();
        for (const auto& [key, value] : sources.secrets[name])
          data[key] = value;
        plan.secrets.push_back({name, data.dump()});
      }
      continue;
    }
    if (kind == "PersistentVolumeClaim") {
      PlannedVolume volume{name, labels, {}};
      Node spec = doc.object("spec");
      spec.accept("accessModes");
      spec.accept("resources");
      spec.warnUnread();
      doc.warnUnread();
      plan.volumes.push_back(volume);
      continue;
    }
    Node spec = doc.object("spec");
    if (kind == "Pod") {
      planPod(spec, name, kind, labels, annotations, sources, options, plan);
      doc.warnUnread();
      continue;
    }
    // Deployment, DaemonSet, Job: the template's pod, `replicas` times.
    std::int64_t replicas = 1;
    if (kind == "Deployment") {
      replicas = spec.integer("replicas").value_or(1);
      if (replicas < 0)
        spec.fail("replicas", fmt::format("must not be negative, got {}", replicas));
    }
    spec.accept("selector");
    Node tmpl = spec.object("template");
    if (!spec.has("template")) spec.fail("template", "required field is missing");
    Node tmplMeta = tmpl.object("metadata");
    auto podLabels = tmplMeta.stringMap("labels");
    const auto podAnnotations = tmplMeta.stringMap("annotations");
    tmplMeta.accept("name");
    tmplMeta.accept("creationTimestamp");
    tmplMeta.warnUnread();
    for (const auto& [key, value] : labels)
      podLabels.emplace(key, value);
    Node podSpec = tmpl.object("spec");
    for (std::int64_t r = 0; r < replicas; ++r) {
      const std::string podName =
          kind == "Deployment" ? fmt::format("{}-pod-{}", name, r) : name + "-pod";
      // Warnings once, not per replica.
      Node replicaSpec(podSpec.json(), podSpec.path(), index, r == 0 ? &plan.warnings : nullptr);
      planPod(replicaSpec, podName, kind, podLabels, podAnnotations, sources, options, plan);
    }
    tmpl.warnUnread();
    spec.warnUnread();
    doc.warnUnread();
  }
  return plan;
}

DownTargets downTargets(const std::vector<Json>& documents) {
  DownTargets targets;
  // The same names play gives; ConfigMap/Secret references are not needed.
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const std::string kind = kindOf(documents[i], static_cast<int>(i + 1));
    const Json& doc = documents[i];
    std::string name;
    if (doc.contains("metadata") && doc["metadata"].is_object() &&
        doc["metadata"].contains("name") && doc["metadata"]["name"].is_string())
      name = doc["metadata"]["name"].get<std::string>();
    if (kind == "PersistentVolumeClaim") targets.volumes.push_back(name);
    if (kind == "Secret") targets.secrets.push_back(name);
    if (kind == "ConfigMap" || kind == "Secret" || kind == "PersistentVolumeClaim") continue;
    const Json* podSpec = nullptr;
    std::vector<std::string> podNames;
    if (kind == "Pod") {
      podSpec = doc.contains("spec") ? &doc["spec"] : nullptr;
      podNames.push_back(name);
    } else {
      std::int64_t replicas = 1;
      if (kind == "Deployment" && doc.contains("spec") && doc["spec"].contains("replicas") &&
          doc["spec"]["replicas"].is_number_integer())
        replicas = doc["spec"]["replicas"].get<std::int64_t>();
      for (std::int64_t r = 0; r < replicas; ++r)
        podNames.push_back(kind == "Deployment" ? fmt::format("{}-pod-{}", name, r)
                                                : name + "-pod");
      if (doc.contains("spec") && doc["spec"].contains("template") &&
          doc["spec"]["template"].contains("spec"))
        podSpec = &doc["spec"]["template"]["spec"];
    }
    for (const auto& podName : podNames) {
      targets.pods.push_back(podName);
      if (!podSpec || !podSpec->contains("containers") || !(*podSpec)["containers"].is_array())
        continue;
      for (const auto& ctr : (*podSpec)["containers"])
        if (ctr.is_object() && ctr.contains("name") && ctr["name"].is_string())
          targets.containers.push_back(podName + "-" + ctr["name"].get<std::string>());
    }
  }
  return targets;
}

}  // namespace berth::kube
