// SPDX-License-Identifier: Apache-2.0
// Reading containers: state reconciliation, `ps` and `inspect`.
#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/image/store.hpp"
#include "berth/runtime/monitor_protocol.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/spec/ports.hpp"
#include "berth/state/health.hpp"
#include "berth/state/network_store.hpp"
#include "berth/state/secret_store.hpp"
#include "berth/systemd/unit.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace detail {

// Bytes of the files below `dir` (du's apparent size, hard links once).
std::int64_t treeSize(const std::string& dir) {
  std::int64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    total += st.st_size;
  }
  return total;
}

std::string currentBootId() {
  static const std::string id = [] {
    std::string text = readFileIfExists("/proc/sys/kernel/random/boot_id").value_or("");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    return text;
  }();
  return id;
}

bool processAlive(pid_t pid, std::uint64_t startTime) {
  if (pid <= 0) return false;
  const auto actual = runtime::processStartTime(pid);
  return actual != 0 && (startTime == 0 || actual == startTime);
}

std::string runtimeSpecPath(const state::StorePaths& paths, const std::string& id) {
  return paths.containerDir(id) + "/runtime-spec.json";
}
std::string exitFilePath(const state::StorePaths& paths, const std::string& id) {
  return paths.runContainerDir(id) + "/exit.json";
}
std::string logFilePath(const state::StorePaths& paths, const std::string& id) {
  return paths.containerDir(id) + "/ctr.log";
}

spec::ContainerSpec containerSpec(const state::ContainerConfig& config) {
  return spec::ContainerSpec::fromJson(config.spec, "container " + config.id);
}

ContainerRecord loadContainer(const state::ContainerStore& store, const std::string& id,
                              bool summary) {
  ContainerRecord record{summary ? store.readConfigSummary(id) : store.readConfig(id),
                         summary ? store.readStateSummary(id) : store.readState(id), false};
  auto& st = record.state;
  if (st.status != state::ContainerStatus::Running && st.status != state::ContainerStatus::Paused &&
      st.status != state::ContainerStatus::Stopping)
    return record;
  const bool sameBoot = st.bootId.empty() || st.bootId == currentBootId();
  if (sameBoot && processAlive(st.pid, st.pidStartTime)) return record;
  // The process is gone. The monitor writes exit.json once it has drained
  // the output; while it still runs, the container counts as running.
  const auto exitJson =
      sameBoot ? readJsonFileIfExists(exitFilePath(store.paths(), id)) : std::nullopt;
  if (!exitJson && sameBoot && processAlive(st.monitorPid, st.monitorStartTime)) return record;
  record.stale = true;
  st.status = state::ContainerStatus::Exited;
  st.pid = 0;
  st.monitorPid = 0;
  if (exitJson) {
    const auto exit = runtime::ExitRecord::fromJson(*exitJson);
    st.exitCode = exit.exitCode;
    st.finishedNs = exit.finishedNs;
    st.oomKilled = exit.oomKilled;
  } else {
    // The monitor died without a record (killed): the container went with
    // it (parent death signal), its status is unknown.
    st.exitCode = -1;
    st.finishedNs = format::nowNs();
  }
  return record;
}

std::string generateContainerName() {
  static constexpr const char* kAdjectives[] = {
      "admiring",    "affectionate", "agitated",   "amazing",    "angry",
      "awesome",     "blissful",     "bold",       "boring",     "brave",
      "busy",        "charming",     "clever",     "cool",       "compassionate",
      "competent",   "confident",    "cranky",     "crazy",      "dazzling",
      "determined",  "distracted",   "dreamy",     "eager",      "ecstatic",
      "elastic",     "elated",       "elegant",    "eloquent",   "epic",
      "exciting",    "fervent",      "festive",    "flamboyant", "focused",
      "friendly",    "frosty",       "funny",      "gallant",    "gifted",
      "goofy",       "gracious",     "great",      "happy",      "hardcore",
      "heuristic",   "hopeful",      "hungry",     "infallible", "inspiring",
      "interesting", "intelligent",  "jolly",      "jovial",     "keen",
      "kind",        "laughing",     "loving",     "lucid",      "magical",
      "modest",      "musing",       "mystifying", "naughty",    "nervous",
      "nice",        "nifty",        "nostalgic",  "objective",  "optimistic",
      "peaceful",    "pedantic",     "pensive",    "practical",  "priceless",
      "quirky",      "quizzical",    "recursing",  "relaxed",    "reverent",
      "romantic",    "sad",          "serene",     "sharp",      "silly",
      "sleepy",      "stoic",        "strange",    "stupefied",  "suspicious",
      "sweet",       "tender",       "thirsty",    "trusting",   "unruffled",
      "upbeat",      "vibrant",      "vigilant",   "vigorous",   "wizardly",
      "wonderful",   "xenodochial",  "youthful",   "zealous",    "zen"};
  static constexpr const char* kNames[] = {
      "agnesi",     "albattani",    "allen",       "almeida",       "archimedes",  "ardinghelli",
      "aryabhata",  "austin",       "babbage",     "banach",        "bardeen",     "bartik",
      "bassi",      "bell",         "bhabha",      "bhaskara",      "blackwell",   "bohr",
      "booth",      "borg",         "bose",        "boyd",          "brahmagupta", "brattain",
      "brown",      "carson",       "cartwright",  "chandrasekhar", "chaplygin",   "chatelet",
      "chatterjee", "cohen",        "colden",      "cori",          "cray",        "curie",
      "darwin",     "davinci",      "dijkstra",    "dubinsky",      "easley",      "edison",
      "einstein",   "elgamal",      "elion",       "engelbart",     "euclid",      "euler",
      "faraday",    "fermat",       "fermi",       "feynman",       "franklin",    "galileo",
      "gates",      "goldberg",     "goldstine",   "goldwasser",    "golick",      "goodall",
      "gould",      "greider",      "hamilton",    "haslett",       "hawking",     "heisenberg",
      "hellman",    "hermann",      "herschel",    "hertz",         "hodgkin",     "hoover",
      "hopper",     "hugle",        "hypatia",     "jackson",       "jang",        "jennings",
      "jepsen",     "johnson",      "joliot",      "jones",         "kalam",       "kapitsa",
      "kare",       "keldysh",      "keller",      "kepler",        "khorana",     "kilby",
      "kirch",      "knuth",        "kowalevski",  "lalande",       "lamarr",      "lamport",
      "leakey",     "leavitt",      "lederberg",   "lehmann",       "lewin",       "lichterman",
      "liskov",     "lovelace",     "lumiere",     "mahavira",      "margulis",    "matsumoto",
      "maxwell",    "mayer",        "mccarthy",    "mcclintock",    "mclean",      "mcnulty",
      "meitner",    "mendel",       "merkle",      "minsky",        "mirzakhani",  "moore",
      "morse",      "murdock",      "napier",      "nash",          "neumann",     "newton",
      "nobel",      "noether",      "northcutt",   "noyce",         "panini",      "pare",
      "pascal",     "pasteur",      "payne",       "perlman",       "pike",        "poincare",
      "ptolemy",    "raman",        "ramanujan",   "ride",          "ritchie",     "robinson",
      "roentgen",   "rosalind",     "rubin",       "saha",          "sammet",      "sanderson",
      "shannon",    "shaw",         "shirley",     "shockley",      "sinoussi",    "snyder",
      "spence",     "stallman",     "stonebraker", "swanson",       "swartz",      "swirles",
      "tesla",      "tharp",        "thompson",    "torvalds",      "turing",      "varahamihira",
      "villani",    "visvesvaraya", "volhard",     "wescoff",       "wiles",       "williams",
      "wilson",     "wing",         "wozniak",     "wright",        "wu",          "yalow",
      "yonath",     "zhukovsky"};
  std::random_device device;
  std::uniform_int_distribution<std::size_t> adjective(0, std::size(kAdjectives) - 1);
  std::uniform_int_distribution<std::size_t> name(0, std::size(kNames) - 1);
  return std::string(kAdjectives[adjective(device)]) + "_" + kNames[name(device)];
}

std::string statusText(const state::ContainerState& state, std::int64_t nowNs) {
  switch (state.status) {
    case state::ContainerStatus::Running:
      return "Up " + format::humanDuration(nowNs - state.startedNs) + " ago";
    case state::ContainerStatus::Paused:
      return "Paused";
    case state::ContainerStatus::Exited:
    case state::ContainerStatus::Stopped:
      return fmt::format("Exited ({}) {} ago", state.exitCode.value_or(0),
                         format::humanDuration(nowNs - state.finishedNs));
    case state::ContainerStatus::Configured:
    case state::ContainerStatus::Created:
      return "Created";
    case state::ContainerStatus::Stopping:
      return "Stopping";
    case state::ContainerStatus::Removing:
      return "Removing";
    case state::ContainerStatus::Unknown:
      break;
  }
  return "Unknown";
}

}  // namespace detail

namespace {

// inspect's Ports and PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
Json portBindings(const spec::ContainerSpec& spec) {
  Json out = Json::object();
  for (const auto& p : spec::expandPorts(spec.ports)) {
    Json& list = out[fmt::format("{}/{}", p.containerPort, p.protocol)];
    if (!list.is_array()) list = Json::array();
    list.push_back({{"HostIp", p.hostIp}, {"HostPort", std::to_string(p.hostPort)}});
  }
  return out;
}

using detail::ContainerRecord;

// Go's zero time.Time as Unix seconds, which Podman prints for "never".
constexpr std::int64_t kGoZeroUnix = -62135596800;

std::int64_t unixSeconds(std::int64_t ns) {
  return ns == 0 ? kGoZeroUnix : ns / 1000000000;
}

std::string goTime(std::int64_t ns) {
  return ns == 0 ? "0001-01-01T00:00:00Z" : format::formatRfc3339Nano(ns);
}

// The name of the pod `id` ("" for none or a pod gone meanwhile).
std::string podNameOf(const state::StorePaths& paths, const std::string& id) {
  if (id.empty()) return "";
  try {
    return state::PodStore(paths).read(id).name;
  } catch (const Error&) {
    return "";
  }
}

// ps's --filter: KEY=VALUE, values of one key ORed, keys ANDed (Podman).
struct Filters {
  std::map<std::string, std::vector<std::string>> byKey;
  std::int64_t before = 0;  ///< created strictly before (ns); 0 = no bound
  std::int64_t since = 0;   ///< created strictly after
};

Filters parseFilters(const std::vector<std::string>& filters) {
  static const std::vector<std::string> kKnown = {"status",         "name",   "id",     "label",
                                                  "ancestor",       "exited", "before", "since",
                                                  "restart-policy", "health", "pod"};
  Filters out;
  for (const auto& filter : filters) {
    const auto eq = filter.find('=');
    if (eq == std::string::npos)
      throwError(Errc::InvalidArgument, "invalid filter \"{}\": expected KEY=VALUE", filter);
    const std::string key = filter.substr(0, eq);
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      throwError(Errc::InvalidArgument, "{} is an invalid filter", key);
    const std::string value = filter.substr(eq + 1);
    if (key == "status") {
      static const std::vector<std::string> kStates = {"created",    "running",  "paused",
                                                       "stopped",    "exited",   "unknown",
                                                       "configured", "removing", "stopping"};
      if (std::find(kStates.begin(), kStates.end(), value) == kStates.end())
        throwError(Errc::InvalidArgument,
                   "{} is not a valid status: expected one of created, running, paused, stopped, "
                   "exited, unknown",
                   value);
    }
    if (key == "restart-policy" && value != "" && value != "no" && value != "on-failure" &&
        value != "always" && value != "unless-stopped")
      throwError(Errc::InvalidArgument, "{} invalid restart policy", value);
    if (key == "exited") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
        throwError(Errc::InvalidArgument, "exited code out of range \"{}\"", value);
    }
    out.byKey[key].push_back(value);
  }
  return out;
}

bool matchesName(const std::string& pattern, const std::string& name) {
  // Podman: a regular expression; plain substrings are by far the common use.
  try {
    return std::regex_search(name, std::regex(pattern));
  } catch (const std::regex_error&) {
    return name.find(pattern) != std::string::npos;
  }
}

/// The status in the container's health.json; "" when it has none.
std::string healthStatus(const state::StorePaths& paths, const std::string& id) {
  try {
    return state::readHealthLog(state::healthLogPath(paths.containerDir(id))).status;
  } catch (const Error&) {
    return "";
  }
}

bool matches(const Filters& filters, const ContainerRecord& record,
             const state::StorePaths& paths) {
  if (filters.before != 0 && record.config.createdNs >= filters.before) return false;
  if (filters.since != 0 && record.config.createdNs <= filters.since) return false;
  for (const auto& [key, values] : filters.byKey) {
    bool any = false;
    for (const auto& value : values) {
      if (key == "status") {
        const std::string status(state::toString(record.state.status));
        any = status == value || (value == "stopped" && status == "exited");
      } else if (key == "name") {
        any = matchesName(value, record.config.name);
      } else if (key == "id") {
        any = record.config.id.compare(0, value.size(), value) == 0;
      } else if (key == "label") {
        const auto eq = value.find('=');
        const auto it = record.config.labels.find(value.substr(0, eq));
        any = it != record.config.labels.end() &&
              (eq == std::string::npos || it->second == value.substr(eq + 1));
      } else if (key == "ancestor") {
        const auto& image = record.config.imageName;
        any = image == value || record.config.imageId.compare(0, value.size(), value) == 0 ||
              image.ends_with("/" + value) || image.ends_with("/" + value + ":latest") ||
              image == value + ":latest";
      } else if (key == "restart-policy") {
        // The full config only: listContainers reads it when this filter is given.
        const Json policy = record.config.spec.value("restartPolicy", Json::object());
        any = policy.value("name", "") == value;
      } else if (key == "health") {
        any = healthStatus(paths, record.config.id) == value;
      } else if (key == "pod") {
        // A pod's full id, name or id prefix (Podman).
        const std::string pod = record.config.extra.value("pod", "");
        if (!pod.empty()) {
          state::PodStore pods(paths);
          try {
            any = pods.resolve(value) == pod;
          } catch (const Error&) {
            any = false;
          }
        }
      } else if (key == "exited") {
        any = record.state.status == state::ContainerStatus::Exited &&
              std::to_string(record.state.exitCode.value_or(0)) == value;
      }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

Json containerSize(const state::StorePaths& paths, const ContainerRecord& record) {
  const std::int64_t rw = detail::treeSize(paths.containerDir(record.config.id) + "/upper");
  std::int64_t image = 0;
  image::ImageStore images(paths);
  if (auto found = images.lookup(record.config.imageId))
    for (const auto& chain : images.layerChainIds(*found))
      image += images.layerSize(chain);
  return Json{{"rwSize", rw}, {"rootFsSize", rw + image}};
}

}  // namespace

Json Engine::listContainers(bool all, const std::vector<std::string>& filters, bool size) const {
  Filters parsed = parseFilters(filters);
  state::ContainerStore store(paths_);
  // before= and since= name a container: compare creation times.
  for (const char* key : {"before", "since"}) {
    auto it = parsed.byKey.find(key);
    if (it == parsed.byKey.end()) continue;
    std::int64_t bound = 0;
    for (const auto& value : it->second) {
      const auto config = store.readConfigSummary(store.resolve(value));
      bound = std::string_view(key) == "before"
                  ? (bound == 0 ? config.createdNs : std::min(bound, config.createdNs))
                  : std::max(bound, config.createdNs);
    }
    parsed.byKey.erase(it);
    (std::string_view(key) == "before" ? parsed.before : parsed.since) = bound;
  }
  std::vector<ContainerRecord> records;
  for (const auto& id : store.listIds()) {
    try {
      ContainerRecord record =
          detail::loadContainer(store, id, !parsed.byKey.contains("restart-policy"));
      const bool running = record.state.status == state::ContainerStatus::Running;
      if (!all && !running && parsed.byKey.empty() && parsed.before == 0 && parsed.since == 0)
        continue;
      if (!matches(parsed, record, paths_)) continue;
      records.push_back(std::move(record));
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchContainer) throw;  // removed while listing
    }
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.config.createdNs > b.config.createdNs; });
  const std::int64_t now = format::nowNs();
  Json out = Json::array();
  out.get_ref<Json::array_t&>().reserve(records.size());
  for (const auto& record : records) {
    const auto& st = record.state;
    const bool exited = st.status == state::ContainerStatus::Exited;
    Json labels = record.config.labels.empty() ? Json(nullptr) : Json(record.config.labels);
    const Json command = record.config.extra.value("args", Json::array());
    // Built member by member into reserved space: an initializer list
    // copies every value, and a growing ordered_map copies them again.
    Json item = Json::object();
    auto& members = item.get_ref<Json::object_t&>();
    members.reserve(24);
    const auto put = [&members](const char* key, Json value) {
      members.emplace_back(key, std::move(value));
    };
    put("AutoRemove", record.config.spec.value("rm", false));
    put("Command", command.empty() ? Json(nullptr) : command);
    put("CreatedAt", format::timeAgo(record.config.createdNs, now));
    put("Exited", exited);
    put("ExitedAt", exited ? unixSeconds(st.finishedNs) : kGoZeroUnix);
    put("ExitCode", st.exitCode.value_or(0));
    put("Id", record.config.id);
    put("Image", record.config.imageName);
    put("ImageID", record.config.imageId);
    put("IsInfra", record.config.extra.value("isInfra", false));
    put("Labels", labels);
    put("Mounts", Json::array());
    put("Names", Json::array({record.config.name}));
    put("Namespaces", Json::object());
    put("Networks", Json::array());
    put("Pid", st.status == state::ContainerStatus::Running ? st.pid : 0);
    const std::string podId = record.config.extra.value("pod", "");
    put("Pod", podId);
    put("PodName", podNameOf(paths_, podId));
    put("Ports", detail::portMappingsJson(record.config));
    put("Size", size ? containerSize(paths_, record) : Json(nullptr));
    put("StartedAt", unixSeconds(st.startedNs));
    put("State", std::string(state::toString(st.status)));
    // Podman's ps: the health status, when there is one, after the state.
    std::string status = detail::statusText(st, now);
    if (const std::string health = healthStatus(paths_, record.config.id); !health.empty())
      status += " (" + health + ")";
    put("Status", std::move(status));
    put("Created", unixSeconds(record.config.createdNs));
    out.push_back(std::move(item));
  }
  return out;
}

Json Engine::inspectContainer(const std::string& nameOrId) const {
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  const ContainerRecord record = detail::loadContainer(store, id);
  const spec::ContainerSpec spec = detail::containerSpec(record.config);
  const Json runtime =
      readJsonFileIfExists(detail::runtimeSpecPath(paths_, id)).value_or(Json::object());
  const Json process = runtime.value("process", Json::object());
  const Json args = process.value("args", Json::array());
  const Json caps = process.value("capabilities", Json::object());
  const auto& st = record.state;
  const bool running = st.status == state::ContainerStatus::Running;
  // A paused container keeps its processes, monitor and cgroup.
  const bool live = running || st.status == state::ContainerStatus::Paused;
  const std::string runDir = paths_.runContainerDir(id);
  const std::string staticDir = paths_.containerDir(id);

  Json stateJson{
      {"OciVersion", runtime.value("ociVersion", "1.0.2-dev")},
      {"Status", std::string(state::toString(st.status))},
      {"Running", running},
      {"Paused", st.status == state::ContainerStatus::Paused},
      {"Restarting", false},
      {"OOMKilled", st.oomKilled},
      {"Dead", false},
      {"Pid", live ? st.pid : 0},
  };
  // Podman leaves these out when there is no monitor (omitempty).
  if (live) stateJson["ConmonPid"] = st.monitorPid;
  stateJson["ExitCode"] = st.exitCode.value_or(0);
  stateJson["Error"] = "";
  stateJson["StartedAt"] = goTime(st.startedNs);
  stateJson["FinishedAt"] = goTime(st.finishedNs);
  // The health check's record (health.json); Podman's zero value without one.
  state::HealthLog health;
  try {
    health = state::readHealthLog(state::healthLogPath(staticDir));
  } catch (const Error&) {
    // unreadable: shown as none
  }
  stateJson["Health"] = health.toJson();
  if (live && !paths_.rootless) stateJson["CgroupPath"] = "/berth/berth-" + id;
  stateJson["CheckpointedAt"] = "0001-01-01T00:00:00Z";
  stateJson["RestoredAt"] = "0001-01-01T00:00:00Z";
  // Podman lists named volumes first, then bind mounts; tmpfs mounts and
  // the files the engine binds (hosts, secrets, ...) are not shown.
  Json mounts = Json::array();
  Json bindMounts = Json::array();
  std::map<std::string, const spec::MountSpec*> volumeAt;
  std::map<std::string, const spec::MountSpec*> userMountAt;
  for (const auto* list : {&spec.mounts, &spec.volumes})
    for (const auto& m : *list) {
      userMountAt[m.destination] = &m;
      if (m.type == "volume") volumeAt[m.destination] = &m;
    }
  for (const auto& m : runtime.value("mounts", Json::array())) {
    const std::string type = m.value("type", "");
    const std::string destination = m.value("destination", "");
    const auto user = userMountAt.find(destination);
    const bool isVolume = volumeAt.count(destination) > 0;
    if (!isVolume && (type != "bind" || user == userMountAt.end() || user->second->type != "bind"))
      continue;
    const auto options = m.value("options", std::vector<std::string>{});
    bool readOnly = false;
    std::string propagation = "rprivate";
    Json shown = Json::array();
    for (const auto& o : options) {
      if (o == "ro") readOnly = true;
      if (o == "rw" || o == "ro") continue;
      if (o == "private" || o == "rprivate" || o == "shared" || o == "rshared" || o == "slave" ||
          o == "rslave" || o == "unbindable" || o == "runbindable") {
        propagation = o;
        continue;
      }
      if (o.starts_with("lowerdir=") || o.starts_with("upperdir=") || o.starts_with("workdir=") ||
          o == "userxattr")
        continue;
      shown.push_back(o);
    }
    std::string mode;
    if (user != userMountAt.end())
      for (const auto& o : user->second->options)
        if (o == "z" || o == "Z") mode = o;
    if (isVolume) {
      mounts.push_back(Json{
          {"Type", "volume"},
          {"Name", volumeAt[destination]->source},
          // A filesystem volume (tmpfs, ...) shows its
          // directory, as Podman's mount point.
          {"Source", type == "bind"
                         ? m.value("source", "")
                         : paths_.volumesDir() + "/" + volumeAt[destination]->source + "/_data"},
          {"Destination", destination},
          {"Driver", "local"},
          {"Mode", mode},
          {"Options", shown},
          {"RW", !readOnly},
          {"Propagation", propagation}});
    } else {
      bindMounts.push_back(Json{{"Type", "bind"},
                                {"Source", user->second->source},
                                {"Destination", destination},
                                {"Driver", ""},
                                {"Mode", mode},
                                {"Options", shown},
                                {"RW", !readOnly},
                                {"Propagation", propagation}});
    }
  }
  // Image mounts as Podman 4.3 lists them (before the bind of the overlay
  // it makes for them, which berth does not need).
  for (const auto& m : spec.mounts)
    if (m.type == "image")
      mounts.push_back(Json{{"Type", "image"},
                            {"Source", m.source},
                            {"Destination", m.destination},
                            {"Driver", ""},
                            {"Mode", ""},
                            {"Options", nullptr},
                            {"RW", m.options == std::vector<std::string>{"rw"}},
                            {"Propagation", ""}});
  for (auto& m : bindMounts)
    mounts.push_back(std::move(m));
  Json config{
      {"Hostname", runtime.value("hostname", "")},
      {"Domainname", ""},
      {"User", spec.user},
      {"AttachStdin", false},
      {"AttachStdout", false},
      {"AttachStderr", false},
      {"Tty", spec.tty},
      {"OpenStdin", spec.interactive},
      {"StdinOnce", false},
      {"Env", process.value("env", Json::array())},
      {"Cmd", spec.command.empty() ? Json(nullptr) : Json(spec.command)},
      {"Image", record.config.imageName},
      {"Volumes", nullptr},
      {"WorkingDir", process.value("cwd", "/")},
      {"Entrypoint", spec.entrypoint ? Json(*spec.entrypoint) : Json("")},
      {"OnBuild", nullptr},
      {"Labels", record.config.labels.empty() ? Json(nullptr) : Json(record.config.labels)},
      {"Annotations", runtime.value("annotations", Json::object())},
      {"StopSignal", spec.stopSignal},
  };
  if (spec.healthcheck) config["Healthcheck"] = spec.healthcheck->toJson();
  config["HealthcheckOnFailureAction"] = spec.healthOnFailure;
  config["CreateCommand"] = record.config.command;
  config["Umask"] = fmt::format("{:04o}", spec.umask.value_or(022));
  if (!spec.secrets.empty()) {
    // Names and ids, never the data (Podman's InspectSecret).
    const state::SecretStore secrets(paths_);
    Json list = Json::array();
    for (const auto& secret : spec.secrets) {
      std::string secretId;
      try {
        secretId = secrets.resolve(secret.name);
      } catch (const Error&) {
        // removed since: the name is all there is
      }
      list.push_back(Json{{"Name", secret.name},
                          {"ID", secretId},
                          {"UID", secret.uid},
                          {"GID", secret.gid},
                          {"Mode", secret.mode}});
    }
    config["Secrets"] = list;
  }
  config["Timeout"] = 0;
  config["StopTimeout"] = spec.stopTimeout.value_or(10);
  config["Passwd"] = true;
  const systemd::RecordedModes modes = systemd::recordedModes(record.config.command);
  config["sdNotifyMode"] = modes.sdNotify.value_or("container");
  const std::string networkMode =
      spec.network.kind == spec::NetworkMode::Kind::Host          ? "host"
      : spec.network.kind == spec::NetworkMode::Kind::None        ? "none"
      : spec.network.kind == spec::NetworkMode::Kind::Path        ? "ns:" + spec.network.path
      : spec.network.kind == spec::NetworkMode::Kind::Slirp4netns ? "slirp4netns"
      : spec.network.kind == spec::NetworkMode::Kind::Pasta       ? "pasta"
      : spec.network.kind == spec::NetworkMode::Kind::Container   ? "container:" + spec.network.path
      : spec.network.kind == spec::NetworkMode::Kind::Bridge      ? "bridge"
                                                                  : "private";
  Json tmpfs = Json::object();
  for (const auto& t : spec.tmpfs) {
    std::string options;
    for (const auto& o : t.options)
      options += (options.empty() ? "" : ",") + o;
    tmpfs[t.destination] = options;
  }
  Json binds = Json::array();
  for (const auto& m : spec.volumes) {
    std::string bind = m.source + ":" + m.destination;
    std::string options;
    for (const auto& o : m.options)
      options += (options.empty() ? "" : ",") + o;
    if (!options.empty()) bind += ":" + options;
    binds.push_back(bind);
  }
  const std::int64_t quota = spec.cpus ? static_cast<std::int64_t>(*spec.cpus * 100000) : 0;
  Json hostConfig{
      {"Binds", binds},
      {"CgroupManager", "cgroupfs"},
      {"CgroupMode", paths_.rootless ? "host" : "private"},
      {"ContainerIDFile", ""},
      {"LogConfig",
       {{"Type", spec.logDriver},
        {"Config", nullptr},
        {"Path", detail::logFilePath(paths_, id)},
        {"Tag", ""},
        {"Size", spec.logOpts.count("max-size") ? spec.logOpts.at("max-size") : "0B"}}},
      {"NetworkMode", networkMode},
      {"PortBindings", portBindings(spec)},
      {"RestartPolicy",
       {{"Name", spec.restart.name}, {"MaximumRetryCount", spec.restart.maxRetries}}},
      {"AutoRemove", spec.rm},
      {"VolumeDriver", ""},
      {"VolumesFrom", spec.volumesFrom.empty() ? Json(nullptr) : Json(spec.volumesFrom)},
      {"CapAdd", spec.capAdd},
      {"CapDrop", spec.capDrop},
      {"Dns", spec.dns},
      {"DnsOptions", spec.dnsOptions},
      {"DnsSearch", spec.dnsSearch},
      {"ExtraHosts", spec.addHosts},
      {"GroupAdd", Json::array()},
      {"IpcMode", "private"},
      {"Cgroup", ""},
      // Podman: "disabled" for --cgroups=disabled, else "default".
      {"Cgroups", modes.cgroups == "disabled" ? "disabled" : "default"},
      {"Links", nullptr},
      {"OomScoreAdj", 0},
      {"PidMode", "private"},
      {"Privileged", spec.privileged},
      {"PublishAllPorts", spec.publishAll},
      {"ReadonlyRootfs", spec.readOnly},
      {"SecurityOpt", Json::array()},
      {"Tmpfs", tmpfs},
      {"UTSMode", spec.network.kind == spec::NetworkMode::Kind::Host && spec.hostname.empty()
                      ? "host"
                      : "private"},
      {"UsernsMode", ""},
      {"ShmSize", 65536000},
      {"Runtime", "oci"},
      {"ConsoleSize", Json::array({0, 0})},
      {"Isolation", ""},
      {"CpuShares", spec.cpuShares.value_or(0)},
      {"Memory", spec.memory.value_or(0)},
      {"NanoCpus", static_cast<std::int64_t>(spec.cpus.value_or(0) * 1e9)},
      {"CgroupParent", ""},
      {"BlkioWeight", 0},
      {"BlkioWeightDevice", nullptr},
      {"BlkioDeviceReadBps", nullptr},
      {"BlkioDeviceWriteBps", nullptr},
      {"BlkioDeviceReadIOps", nullptr},
      {"BlkioDeviceWriteIOps", nullptr},
      {"CpuPeriod", quota != 0 ? 100000 : 0},
      {"CpuQuota", quota},
      {"CpuRealtimePeriod", 0},
      {"CpuRealtimeRuntime", 0},
      {"CpusetCpus", ""},
      {"CpusetMems", ""},
      {"Devices", Json::array()},
      {"DiskQuota", 0},
      {"KernelMemory", 0},
      {"MemoryReservation", 0},
      {"MemorySwap", spec.memory ? *spec.memory * 2 : 0},
      {"MemorySwappiness", 0},
      {"OomKillDisable", false},
      {"PidsLimit", spec.pidsLimit.value_or(paths_.rootless ? 0 : 2048)},
      {"Ulimits", Json::array()},
      {"CpuCount", 0},
      {"CpuPercent", 0},
      {"IOMaximumIOps", 0},
      {"IOMaximumBandwidth", 0},
      {"CgroupConf", nullptr},
  };
  // The limits the container really gets (Podman lists its defaults too).
  for (const auto& r : process.value("rlimits", Json::array()))
    hostConfig["Ulimits"].push_back(Json{
        {"Name", r.value("type", "")}, {"Soft", r.value("soft", 0)}, {"Hard", r.value("hard", 0)}});
  if (spec.noNewPrivileges) hostConfig["SecurityOpt"].push_back("no-new-privileges");
  if (!spec.seccompProfile.empty())
    hostConfig["SecurityOpt"].push_back("seccomp=" + spec.seccompProfile);

  Json networkSettings = {{"EndpointID", ""},
                          {"Gateway", ""},
                          {"IPAddress", ""},
                          {"IPPrefixLen", 0},
                          {"IPv6Gateway", ""},
                          {"GlobalIPv6Address", ""},
                          {"GlobalIPv6PrefixLen", 0},
                          {"MacAddress", ""},
                          {"Bridge", ""},
                          {"SandboxID", ""},
                          {"HairpinMode", false},
                          {"LinkLocalIPv6Address", ""},
                          {"LinkLocalIPv6PrefixLen", 0},
                          {"Ports", portBindings(spec)},
                          {"SandboxKey", ""},
                          {"Networks", detail::bridgeNetworksInspect(paths_, id, spec, running)}};
  // On the default network alone, Podman repeats its addresses on top.
  const Json& networks = networkSettings["Networks"];
  if (networks.is_object() && networks.size() == 1 && networks.contains(state::kDefaultNetworkName))
    for (const auto& [key, value] : networks.begin().value().items())
      if (networkSettings.contains(key)) networkSettings[key] = value;

  return Json{
      {"Id", id},
      {"Created", goTime(record.config.createdNs)},
      {"Path", args.empty() ? "" : args[0].get<std::string>()},
      {"Args", args.size() > 1 ? Json(std::vector<std::string>(args.begin() + 1, args.end()))
                               : Json::array()},
      {"State", stateJson},
      {"Image", record.config.imageId},
      {"ImageDigest", record.config.extra.value("imageDigest", "")},
      {"ImageName", record.config.imageName},
      {"Rootfs", ""},
      {"Pod", record.config.extra.value("pod", "")},
      {"ResolvConfPath", runDir + "/resolv.conf"},
      {"HostnamePath", runDir + "/hostname"},
      {"HostsPath", runDir + "/hosts"},
      {"StaticDir", staticDir},
      {"OCIConfigPath", detail::runtimeSpecPath(paths_, id)},
      {"OCIRuntime", "berth"},
      {"ConmonPidFile", ""},
      {"PidFile", ""},
      {"Name", record.config.name},
      {"RestartCount", st.restartCount},
      {"Driver", "overlay"},
      {"MountLabel", ""},
      {"ProcessLabel", ""},
      {"AppArmorProfile", ""},
      {"EffectiveCaps", caps.value("effective", Json::array())},
      {"BoundingCaps", caps.value("bounding", Json::array())},
      {"ExecIDs", running ? Json(detail::execSessionIds(paths_, id)) : Json::array()},
      {"GraphDriver",
       {{"Name", "overlay"},
        {"Data", {{"UpperDir", staticDir + "/upper"}, {"WorkDir", staticDir + "/work"}}}}},
      {"Mounts", mounts},
      {"Dependencies", Json::array()},
      {"NetworkSettings", networkSettings},
      {"Namespace", ""},
      {"IsInfra", record.config.extra.value("isInfra", false)},
      {"IsService", false},
      {"Config", config},
      {"HostConfig", hostConfig},
  };
}

}  // namespace berth::engine
