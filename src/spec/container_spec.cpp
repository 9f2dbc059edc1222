// SPDX-License-Identifier: Apache-2.0
#include "berth/spec/container_spec.hpp"

#include "berth/base/error.hpp"
#include "berth/oci/json_fields.hpp"

namespace berth::spec {
namespace {

const char* networkKindName(NetworkMode::Kind kind) {
  switch (kind) {
    case NetworkMode::Kind::None:
      return "none";
    case NetworkMode::Kind::Host:
      return "host";
    case NetworkMode::Kind::Path:
      return "ns";
    case NetworkMode::Kind::Slirp4netns:
      return "slirp4netns";
    case NetworkMode::Kind::Pasta:
      return "pasta";
    case NetworkMode::Kind::Container:
      return "container";
    case NetworkMode::Kind::Bridge:
      return "bridge";
    case NetworkMode::Kind::Private:
      break;
  }
  return "private";
}

Json mountsJson(const std::vector<MountSpec>& mounts) {
  Json out = Json::array();
  for (const auto& m : mounts)
    out.push_back(Json{{"type", m.type},
                       {"source", m.source},
                       {"destination", m.destination},
                       {"options", m.options}});
  return out;
}

std::vector<MountSpec> mountsFrom(const oci::JsonReader& reader, std::string_view key) {
  std::vector<MountSpec> out;
  for (const auto& m : reader.objects(key))
    out.push_back({m.string("type", true), m.string("source"), m.string("destination", true),
                   m.strings("options")});
  return out;
}

// A number field of any JSON number type; `fallback` when absent.
template <class T>
std::optional<T> number(const oci::JsonReader& reader, std::string_view key) {
  if (!reader.has(key)) return std::nullopt;
  const Json& v = reader.json().at(std::string(key));
  if (!v.is_number()) reader.fail(key, "expected a number");
  if constexpr (std::is_floating_point_v<T>) {
    return v.get<T>();
  } else {
    if (!v.is_number_integer() && !v.is_number_unsigned()) reader.fail(key, "expected an integer");
    if (std::is_unsigned_v<T> && v.is_number_integer() && v.get<std::int64_t>() < 0)
      reader.fail(key, "expected a non-negative integer");
    return v.get<T>();
  }
}

}  // namespace

Json ContainerSpec::toJson() const {
  Json j = Json::object();
  j["name"] = name;
  j["image"] = image;
  j["imageId"] = imageId;
  j["command"] = command;
  j["entrypoint"] = entrypoint ? Json(*entrypoint) : Json();
  j["env"] = env;
  j["envFiles"] = envFiles;
  j["envFromFiles"] = envFromFiles;
  j["workdir"] = workdir;
  j["user"] = user;
  j["hostname"] = hostname;
  j["pod"] = pod;
  j["infra"] = infra;
  j["labels"] = labels;
  j["annotations"] = annotations;
  j["stopSignal"] = stopSignal;
  j["stopTimeout"] = stopTimeout ? Json(*stopTimeout) : Json();
  j["init"] = init;
  j["readOnly"] = readOnly;
  j["readOnlyTmpfs"] = readOnlyTmpfs;
  j["tmpfs"] = mountsJson(tmpfs);
  j["volumes"] = mountsJson(volumes);
  j["mounts"] = mountsJson(mounts);
  j["volumesFrom"] = volumesFrom;
  Json secretList = Json::array();
  for (const auto& secret : secrets)
    secretList.push_back(Json{{"name", secret.name},
                              {"type", secret.type},
                              {"target", secret.target},
                              {"uid", secret.uid},
                              {"gid", secret.gid},
                              {"mode", secret.mode}});
  j["secrets"] = secretList;
  j["capAdd"] = capAdd;
  j["capDrop"] = capDrop;
  j["privileged"] = privileged;
  j["noNewPrivileges"] = noNewPrivileges;
  j["seccompProfile"] = seccompProfile;
  j["labelDisable"] = labelDisable;
  j["labelOptions"] = labelOptions;
  j["unmaskAll"] = unmaskAll;
  Json limits = Json::array();
  for (const auto& u : ulimits)
    limits.push_back({{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}});
  j["ulimits"] = limits;
  j["sysctls"] = sysctls;
  j["memory"] = memory ? Json(*memory) : Json();
  j["pidsLimit"] = pidsLimit ? Json(*pidsLimit) : Json();
  j["cpus"] = cpus ? Json(*cpus) : Json();
  j["cpuShares"] = cpuShares ? Json(*cpuShares) : Json();
  j["network"] = {{"mode", networkKindName(network.kind)},
                  {"path", network.path},
                  {"options", network.options}};
  if (!network.networks.empty()) {
    Json attachments = Json::array();
    for (const auto& a : network.networks)
      attachments.push_back(
          {{"name", a.name}, {"aliases", a.aliases}, {"ip", a.ip}, {"mac", a.mac}});
    j["network"]["networks"] = attachments;
  }
  Json portList = Json::array();
  for (const auto& p : ports)
    portList.push_back({{"hostIp", p.hostIp},
                        {"containerPort", p.containerPort},
                        {"hostPort", p.hostPort},
                        {"range", p.range},
                        {"protocol", p.protocol}});
  j["ports"] = portList;
  j["publishAll"] = publishAll;
  j["dns"] = dns;
  j["dnsSearch"] = dnsSearch;
  j["dnsOptions"] = dnsOptions;
  j["addHosts"] = addHosts;
  j["rm"] = rm;
  j["umask"] = umask ? Json(*umask) : Json();
  j["tty"] = tty;
  j["interactive"] = interactive;
  j["logDriver"] = logDriver;
  j["logOpts"] = logOpts;
  j["healthcheck"] = healthcheck ? healthcheck->toJson() : Json();
  j["healthOnFailure"] = healthOnFailure;
  j["restartPolicy"] = {{"name", restart.name}, {"maximumRetryCount", restart.maxRetries}};
  return j;
}

ContainerSpec ContainerSpec::fromJson(const Json& json, std::string_view what) {
  const oci::JsonReader r(json, what, "spec");
  ContainerSpec s;
  s.name = r.string("name");
  s.image = r.string("image");
  s.imageId = r.string("imageId");
  s.command = r.strings("command");
  if (r.has("entrypoint")) s.entrypoint = r.strings("entrypoint");
  s.env = r.strings("env");
  s.envFiles = r.strings("envFiles");
  s.envFromFiles = r.strings("envFromFiles");
  s.workdir = r.string("workdir");
  s.user = r.string("user");
  s.hostname = r.string("hostname");
  s.pod = r.string("pod");
  s.infra = r.boolean("infra");
  s.labels = r.stringMap("labels");
  s.annotations = r.stringMap("annotations");
  s.stopSignal = static_cast<int>(r.integer("stopSignal"));
  s.stopTimeout = number<unsigned>(r, "stopTimeout");
  s.init = r.boolean("init");
  s.readOnly = r.boolean("readOnly");
  if (r.has("readOnlyTmpfs")) s.readOnlyTmpfs = r.boolean("readOnlyTmpfs");
  s.tmpfs = mountsFrom(r, "tmpfs");
  s.volumes = mountsFrom(r, "volumes");
  s.mounts = mountsFrom(r, "mounts");
  s.volumesFrom = r.strings("volumesFrom");
  for (const auto& secret : r.objects("secrets")) {
    SecretSpec one;
    one.name = secret.string("name", true);
    if (secret.has("type")) one.type = secret.string("type");
    one.target = secret.string("target");
    one.uid = static_cast<std::uint32_t>(secret.integer("uid"));
    one.gid = static_cast<std::uint32_t>(secret.integer("gid"));
    if (secret.has("mode")) one.mode = static_cast<std::uint32_t>(secret.integer("mode"));
    s.secrets.push_back(std::move(one));
  }
  s.capAdd = r.strings("capAdd");
  s.capDrop = r.strings("capDrop");
  s.privileged = r.boolean("privileged");
  s.noNewPrivileges = r.boolean("noNewPrivileges");
  s.seccompProfile = r.string("seccompProfile");
  s.labelDisable = r.boolean("labelDisable");
  s.labelOptions = r.strings("labelOptions");
  s.unmaskAll = r.boolean("unmaskAll");
  for (const auto& u : r.objects("ulimits"))
    s.ulimits.push_back({u.string("name", true), u.integer("soft"), u.integer("hard")});
  s.sysctls = r.stringMap("sysctls");
  s.memory = number<std::int64_t>(r, "memory");
  s.pidsLimit = number<std::int64_t>(r, "pidsLimit");
  s.cpus = number<double>(r, "cpus");
  s.cpuShares = number<std::uint64_t>(r, "cpuShares");
  if (const auto net = r.optionalObject("network")) {
    const std::string mode = net->string("mode");
    if (mode == "none")
      s.network.kind = NetworkMode::Kind::None;
    else if (mode == "host")
      s.network.kind = NetworkMode::Kind::Host;
    else if (mode == "ns")
      s.network.kind = NetworkMode::Kind::Path;
    else if (mode == "slirp4netns")
      s.network.kind = NetworkMode::Kind::Slirp4netns;
    else if (mode == "pasta")
      s.network.kind = NetworkMode::Kind::Pasta;
    else if (mode == "container")
      s.network.kind = NetworkMode::Kind::Container;
    else if (mode == "bridge")
      s.network.kind = NetworkMode::Kind::Bridge;
    else if (!mode.empty() && mode != "private")
      net->fail("mode", "unknown network mode \"" + mode + "\"");
    s.network.path = net->string("path");
    s.network.options = net->strings("options");
    for (const auto& a : net->objects("networks"))
      s.network.networks.push_back(
          {a.string("name", true), a.strings("aliases"), a.string("ip"), a.string("mac")});
  }
  for (const auto& p : r.objects("ports")) {
    PortMapping m;
    m.hostIp = p.string("hostIp");
    m.containerPort = static_cast<std::uint16_t>(p.integer("containerPort"));
    m.hostPort = static_cast<std::uint16_t>(p.integer("hostPort"));
    m.range = static_cast<std::uint16_t>(p.has("range") ? p.integer("range") : 1);
    m.protocol = p.has("protocol") ? p.string("protocol") : "tcp";
    s.ports.push_back(m);
  }
  s.publishAll = r.boolean("publishAll");
  s.dns = r.strings("dns");
  s.dnsSearch = r.strings("dnsSearch");
  s.dnsOptions = r.strings("dnsOptions");
  s.addHosts = r.strings("addHosts");
  s.rm = r.boolean("rm");
  s.umask = number<std::uint32_t>(r, "umask");
  s.tty = r.boolean("tty");
  s.interactive = r.boolean("interactive");
  if (r.has("logDriver")) s.logDriver = r.string("logDriver");
  s.logOpts = r.stringMap("logOpts");
  if (r.has("healthcheck")) s.healthcheck = HealthCheck::fromJson(r.json().at("healthcheck"), what);
  if (r.has("healthOnFailure")) s.healthOnFailure = r.string("healthOnFailure");
  if (const auto restart = r.optionalObject("restartPolicy")) {
    s.restart.name = restart->string("name");
    s.restart.maxRetries = static_cast<unsigned>(restart->integer("maximumRetryCount"));
  }
  return s;
}

}  // namespace berth::spec
