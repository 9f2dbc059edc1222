// SPDX-License-Identifier: Apache-2.0
// Follows Podman 4.3's libpod/kube.go (reference/podman-4.3.1-samples/kube-*.yaml)
// and keeps what Podman drops: labels, resources, probes, PVCs.
#include "berth/kube/generate.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/format/yaml.hpp"

namespace berth::kube {
namespace {

/// The capabilities Kubernetes (and Docker) give a container: what a
/// generated securityContext is relative to. Podman drops the first three,
/// which its own defaults lack.
const std::vector<std::string>& kubeDefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_AUDIT_WRITE",
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER",
      "CAP_FSETID",  "CAP_KILL",         "CAP_NET_BIND_SERVICE",
      "CAP_SETFCAP", "CAP_SETGID",       "CAP_SETPCAP",
      "CAP_SETUID",  "CAP_SYS_CHROOT"};
  return caps;
}

/// berth's (Podman's) default capability set.
bool inEngineDefaults(const std::string& cap) {
  const auto& all = kubeDefaultCapabilities();
  return std::find(all.begin() + 3, all.end(), cap) != all.end();
}

std::string normalizeCapability(std::string name) {
  for (auto& c : name)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name != "ALL" && name.rfind("CAP_", 0) != 0) name = "CAP_" + name;
  return name;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string envKey(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

bool allDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Podman: a host path becomes a volume name by trimming '/' and replacing
/// the others with '-' ("/home/user/vol1" -> "home-user-vol1-host-0").
std::string hostPathVolumeName(const std::string& path, std::size_t index) {
  std::string trimmed = path;
  while (!trimmed.empty() && trimmed.front() == '/')
    trimmed.erase(0, 1);
  while (!trimmed.empty() && trimmed.back() == '/')
    trimmed.pop_back();
  std::string name;
  for (char c : trimmed) {
    const auto u = static_cast<unsigned char>(c);
    name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  if (name.empty()) name = "root";
  return name + "-host-" + std::to_string(index);
}

std::string memoryQuantity(std::int64_t bytes) {
  constexpr std::int64_t kMi = 1024 * 1024;
  if (bytes % (1024 * kMi) == 0) return std::to_string(bytes / (1024 * kMi)) + "Gi";
  if (bytes % kMi == 0) return std::to_string(bytes / kMi) + "Mi";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + "Ki";
  return std::to_string(bytes);
}

std::string cpuQuantity(double cpus) {
  const auto milli = static_cast<long long>(cpus * 1000 + 0.5);
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

bool hasOption(const spec::MountSpec& mount, std::string_view option) {
  return std::find(mount.options.begin(), mount.options.end(), option) != mount.options.end();
}

/// The pod-level volumes collected while containers are converted.
struct VolumeSet {
  Json volumes = Json::array();
  std::set<std::string> names;
  std::vector<std::string> claims;  ///< named volumes, for PVC documents
  std::size_t hostPaths = 0;
  std::map<std::string, std::string> hostPathNames;  ///< host path -> volume name

  std::string add(const spec::MountSpec& mount, const GenerateContainer& ctr) {
    Json volume = Json::object();
    std::string name;
    if (mount.type == "bind") {
      auto known = hostPathNames.find(mount.source);
      if (known != hostPathNames.end()) return known->second;
      name = hostPathVolumeName(mount.source, hostPaths++);
      hostPathNames[mount.source] = name;
      Json hostPath = {{"path", mount.source}};
      auto type = ctr.hostPathTypes.find(mount.source);
      if (type != ctr.hostPathTypes.end() && !type->second.empty()) hostPath["type"] = type->second;
      volume = {{"hostPath", hostPath}, {"name", name}};
    } else if (mount.type == "tmpfs") {
      name = "tmpfs" + std::to_string(names.size());
      volume = {{"emptyDir", {{"medium", "Memory"}}}, {"name", name}};
    } else if (mount.source.empty()) {  // an anonymous volume
      name = "anonymous" + std::to_string(names.size());
      volume = {{"emptyDir", Json::object()}, {"name", name}};
    } else {
      name = mount.source + "-pvc";
      volume = {{"name", name}, {"persistentVolumeClaim", {{"claimName", mount.source}}}};
      if (!contains(claims, mount.source)) claims.push_back(mount.source);
    }
    if (names.insert(name).second) volumes.push_back(volume);
    return name;
  }
};

Json livenessProbe(const spec::HealthCheck& check) {
  Json command = Json::array();
  if (!check.test.empty() && check.test[0] == "CMD-SHELL") {
    command = {"/bin/sh", "-c", check.test.size() > 1 ? check.test[1] : ""};
  } else {
    for (std::size_t i = 1; i < check.test.size(); ++i)
      command.push_back(check.test[i]);
  }
  Json probe = {{"exec", {{"command", command}}}};
  const auto seconds = [](std::int64_t ns) { return (ns + 999'999'999) / 1'000'000'000; };
  if (check.retries > 0) probe["failureThreshold"] = check.retries;
  if (check.startPeriodNs > 0) probe["initialDelaySeconds"] = seconds(check.startPeriodNs);
  if (check.intervalNs > 0) probe["periodSeconds"] = seconds(check.intervalNs);
  if (check.timeoutNs > 0) probe["timeoutSeconds"] = seconds(check.timeoutNs);
  return probe;
}

Json securityContext(const spec::ContainerSpec& spec) {
  Json context = Json::object();
  if (spec.privileged) {
    context["privileged"] = true;
  } else {
    std::vector<std::string> adds, drops;
    for (const auto& c : spec.capAdd)
      adds.push_back(normalizeCapability(c));
    for (const auto& c : spec.capDrop)
      drops.push_back(normalizeCapability(c));
    const bool dropAll = contains(drops, "ALL");
    Json add = Json::array(), drop = Json::array();
    for (const auto& cap : kubeDefaultCapabilities()) {
      const bool held = !dropAll && !contains(drops, cap) &&
                        (inEngineDefaults(cap) || contains(adds, cap) || contains(adds, "ALL"));
      if (!held) drop.push_back(cap);
    }
    for (const auto& cap : adds)
      if (cap != "ALL" && !contains(kubeDefaultCapabilities(), cap) && !contains(drops, cap))
        add.push_back(cap);
    Json capabilities = Json::object();
    if (!add.empty()) capabilities["add"] = add;
    if (!drop.empty()) capabilities["drop"] = drop;
    if (!capabilities.empty()) context["capabilities"] = capabilities;
  }
  if (spec.noNewPrivileges) context["allowPrivilegeEscalation"] = false;
  if (spec.readOnly) context["readOnlyRootFilesystem"] = true;
  const std::string_view user = spec.user;
  const auto colon = user.find(':');
  const std::string_view uid = user.substr(0, colon);
  if (allDigits(uid)) context["runAsUser"] = std::stoll(std::string(uid));
  if (colon != std::string_view::npos && allDigits(user.substr(colon + 1)))
    context["runAsGroup"] = std::stoll(std::string(user.substr(colon + 1)));
  return context;
}

Json container(const GenerateContainer& ctr, const std::string& kubeName, VolumeSet& volumes) {
  const spec::ContainerSpec& spec = ctr.spec;
  Json out = Json::object();
  // Kubernetes: command replaces the image's entrypoint, args its cmd.
  if (spec.entrypoint) {
    out["command"] = *spec.entrypoint;
    if (!spec.command.empty()) out["args"] = spec.command;
  } else if (!spec.command.empty() && spec.command != ctr.image.cmd) {
    if (ctr.image.entrypoint.empty())
      out["command"] = spec.command;
    else
      out["args"] = spec.command;
  }
  Json env = Json::array();
  std::vector<std::string> entries = spec.envFromFiles;
  entries.insert(entries.end(), spec.env.begin(), spec.env.end());
  std::map<std::string, std::string> finalEnv;
  std::vector<std::string> order;
  for (const auto& entry : entries) {
    const std::string key = envKey(entry);
    const std::string value = entry.size() > key.size() ? entry.substr(key.size() + 1) : "";
    if (!finalEnv.count(key)) order.push_back(key);
    finalEnv[key] = value;
  }
  for (const auto& key : order) {
    const std::string entry = key + "=" + finalEnv[key];
    if (contains(ctr.image.env, entry)) continue;  // as the image sets it
    env.push_back({{"name", key}, {"value", finalEnv[key]}});
  }
  if (!env.empty()) out["env"] = env;
  out["image"] = ctr.imageName;
  if (spec.healthcheck && !spec.healthcheck->test.empty() && spec.healthcheck->test[0] != "NONE") {
    const bool fromImage =
        ctr.image.healthcheck &&
        spec::HealthCheck::fromImage(*ctr.image.healthcheck) == *spec.healthcheck;
    if (!fromImage) out["livenessProbe"] = livenessProbe(*spec.healthcheck);
  }
  out["name"] = kubeName;
  Json ports = Json::array();
  for (const auto& port : spec.ports) {
    for (unsigned i = 0; i < std::max<unsigned>(port.range, 1); ++i) {
      Json p = {{"containerPort", port.containerPort + i}};
      if (port.hostPort != 0) p["hostPort"] = port.hostPort + i;
      if (!port.hostIp.empty()) p["hostIP"] = port.hostIp;
      if (port.protocol == "udp") p["protocol"] = "UDP";
      if (port.protocol == "sctp") p["protocol"] = "SCTP";
      ports.push_back(p);
    }
  }
  if (!ports.empty()) out["ports"] = ports;
  Json limits = Json::object();
  if (spec.cpus && *spec.cpus > 0) limits["cpu"] = cpuQuantity(*spec.cpus);
  if (spec.memory && *spec.memory > 0) limits["memory"] = memoryQuantity(*spec.memory);
  if (!limits.empty()) out["resources"] = {{"limits", limits}};
  Json context = securityContext(spec);
  if (!context.empty()) out["securityContext"] = context;
  if (spec.interactive) out["stdin"] = true;
  if (spec.tty) out["tty"] = true;
  Json mounts = Json::array();
  for (const auto* list : {&spec.volumes, &spec.mounts, &spec.tmpfs}) {
    for (const auto& mount : *list) {
      // --mount type=image: Podman 4.3 leaves it out (a Pod has no such
      // volume before Kubernetes 1.31).
      if (mount.type == "image") continue;
      Json m = {{"mountPath", mount.destination}, {"name", volumes.add(mount, ctr)}};
      if (hasOption(mount, "ro") || hasOption(mount, "readonly")) m["readOnly"] = true;
      mounts.push_back(m);
    }
  }
  if (!mounts.empty()) out["volumeMounts"] = mounts;
  if (!spec.workdir.empty() && spec.workdir != ctr.image.workingDir)
    out["workingDir"] = spec.workdir;
  return out;
}

std::string restartPolicy(const spec::RestartPolicy& restart, const std::string& type) {
  std::string policy = "Never";
  if (restart.name == "always" || restart.name == "unless-stopped") policy = "Always";
  if (restart.name == "on-failure") policy = "OnFailure";
  if (type == "job" && policy == "Always") policy = "OnFailure";
  if ((type == "deployment" || type == "daemonset")) policy = "Always";
  return policy;
}

}  // namespace

std::vector<Json> generateKubeDocuments(const GenerateRequest& request) {
  const std::string& type = request.type;
  if (type != "pod" && type != "deployment" && type != "daemonset" && type != "job")
    throwError(Errc::InvalidArgument,
               "invalid generate type \"{}\": expected pod, deployment, daemonset or job", type);
  if (request.replicas && type != "deployment")
    throwError(Errc::InvalidArgument, "--replicas can only be set for type deployment, not {}",
               type);
  if (request.containers.empty())
    throwError(Errc::InvalidArgument, "no containers to generate YAML for");

  std::string podName = request.podName;
  if (podName.empty()) {
    for (char c : request.containers.front().name)
      if (c != '_') podName += c;
    podName += "-pod";
  }
  const bool inPod = !request.podName.empty();

  Json annotations = Json::object();
  Json labels = Json::object();
  labels["app"] = podName;
  for (const auto& [key, value] : request.podLabels)
    labels[key] = value;
  VolumeSet volumes;
  Json containers = Json::array();
  bool hostNetwork = false;
  for (const auto& ctr : request.containers) {
    const std::string kubeName = ctr.name;
    const auto podmanBool = [](bool value) { return value ? "TRUE" : "FALSE"; };
    annotations["io.kubernetes.cri-o.TTY/" + kubeName] = ctr.spec.tty ? "true" : "false";
    annotations["io.podman.annotations.autoremove/" + kubeName] = podmanBool(ctr.spec.rm);
    annotations["io.podman.annotations.init/" + kubeName] = podmanBool(ctr.spec.init);
    annotations["io.podman.annotations.privileged/" + kubeName] = podmanBool(ctr.spec.privileged);
    annotations["io.podman.annotations.publish-all/" + kubeName] = podmanBool(ctr.spec.publishAll);
    for (const auto& [key, value] : ctr.spec.annotations)
      annotations[key] = value;
    for (const auto& [key, value] : ctr.spec.labels)
      if (!labels.contains(key)) labels[key] = value;
    if (ctr.spec.network.kind == spec::NetworkMode::Kind::Host) hostNetwork = true;
    containers.push_back(container(ctr, kubeName, volumes));
  }
  (void)inPod;

  Json podSpec = Json::object();
  podSpec["automountServiceAccountToken"] = false;
  podSpec["containers"] = containers;
  podSpec["enableServiceLinks"] = false;
  std::string hostname = request.hostname;
  if (hostname.empty()) hostname = request.containers.front().spec.hostname;
  if (hostNetwork) podSpec["hostNetwork"] = true;
  if (!hostname.empty()) podSpec["hostname"] = hostname;
  podSpec["restartPolicy"] = restartPolicy(request.containers.front().spec.restart, type);
  if (!volumes.volumes.empty()) podSpec["volumes"] = volumes.volumes;

  Json podMeta = Json::object();
  if (!annotations.empty()) podMeta["annotations"] = annotations;
  if (!request.creationTimestamp.empty()) podMeta["creationTimestamp"] = request.creationTimestamp;
  podMeta["labels"] = labels;
  podMeta["name"] = podName;

  std::vector<Json> documents;
  for (const auto& claim : volumes.claims) {
    Json meta = Json::object();
    if (!request.creationTimestamp.empty()) meta["creationTimestamp"] = request.creationTimestamp;
    meta["name"] = claim;
    documents.push_back({{"apiVersion", "v1"},
                         {"kind", "PersistentVolumeClaim"},
                         {"metadata", meta},
                         {"spec",
                          {{"accessModes", {"ReadWriteOnce"}},
                           {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}});
  }

  if (type == "pod") {
    documents.push_back(
        {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", podMeta}, {"spec", podSpec}});
  } else {
    Json meta = Json::object();
    if (!request.creationTimestamp.empty()) meta["creationTimestamp"] = request.creationTimestamp;
    meta["labels"] = {{"app", podName}};
    meta["name"] = podName + "-" + type;
    Json workload = Json::object();
    if (type == "deployment") workload["replicas"] = request.replicas.value_or(1);
    if (type != "job") workload["selector"] = {{"matchLabels", {{"app", podName}}}};
    workload["template"] = {{"metadata", podMeta}, {"spec", podSpec}};
    const std::string kind = type == "deployment"  ? "Deployment"
                             : type == "daemonset" ? "DaemonSet"
                                                   : "Job";
    documents.push_back({{"apiVersion", type == "job" ? "batch/v1" : "apps/v1"},
                         {"kind", kind},
                         {"metadata", meta},
                         {"spec", workload}});
  }

  if (request.service) {
    Json ports = Json::array();
    for (const auto& c : containers) {
      if (!c.contains("ports")) continue;
      for (const auto& p : c["ports"]) {
        if (!p.contains("hostPort")) continue;
        const auto containerPort = p["containerPort"].get<unsigned>();
        const auto hostPort = p["hostPort"].get<unsigned>();
        Json port = {{"name", std::to_string(hostPort)}};
        // Kubernetes takes node ports from 30000-32767 only; others it picks.
        if (hostPort >= 30000 && hostPort <= 32767) port["nodePort"] = hostPort;
        port["port"] = hostPort;
        port["protocol"] = p.contains("protocol") ? p["protocol"] : Json("TCP");
        port["targetPort"] = containerPort;
        ports.push_back(port);
      }
    }
    Json meta = Json::object();
    if (!request.creationTimestamp.empty()) meta["creationTimestamp"] = request.creationTimestamp;
    meta["labels"] = {{"app", podName}};
    meta["name"] = podName;
    Json serviceSpec = Json::object();
    if (!ports.empty()) serviceSpec["ports"] = ports;
    serviceSpec["selector"] = {{"app", podName}};
    serviceSpec["type"] = "NodePort";
    documents.push_back(
        {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", meta}, {"spec", serviceSpec}});
  }
  return documents;
}

std::string generateKube(const GenerateRequest& request) {
  const std::vector<Json> documents = generateKubeDocuments(request);
  std::string out =
      "# Save the output of this file and use kubectl create -f to import\n"
      "# it into Kubernetes.\n"
      "#\n";
  out += fmt::format("# Created with berth-{}\n", request.version);
  for (std::size_t i = 0; i < documents.size(); ++i) {
    if (i > 0) out += "---\n";
    out += format::toYaml(documents[i]);
  }
  return out;
}

}  // namespace berth::kube
