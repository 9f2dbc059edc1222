// SPDX-License-Identifier: Apache-2.0
// Volumes: Podman's local driver (libpod/volume*.go, pkg/domain/infra/abi/
// volumes.go) on berth's store: volume create/ls/inspect/rm/prune/exists/
// export/import, and what containers need of them (volume_internal.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/engine/copy_stream.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/spec/parse.hpp"
#include "berth/state/container_store.hpp"
#include "berth/state/events.hpp"
#include "berth/state/volume_store.hpp"
#include "container_internal.hpp"
#include "volume_internal.hpp"

namespace berth::engine {

namespace detail {

namespace {

bool hasOption(const spec::MountSpec& mount, std::string_view word) {
  return std::find(mount.options.begin(), mount.options.end(), word) != mount.options.end();
}

template <class F>
void forEachVolumeMount(const spec::ContainerSpec& spec, F&& f) {
  for (const auto& m : spec.volumes)
    if (m.type == "volume") f(m);
  for (const auto& m : spec.mounts)
    if (m.type == "volume") f(m);
}

void emitVolumeEvent(const state::StorePaths& paths, std::string_view status,
                     const std::string& name) noexcept {
  state::Event event;
  event.type = "volume";
  event.status = std::string(status);
  event.name = name;
  state::emitEvent(paths, event);
}

// The o= words of a volume's options, split at commas.
std::vector<std::string> mountWords(const std::map<std::string, std::string>& options) {
  std::vector<std::string> words;
  if (auto o = options.find("o"); o != options.end()) {
    std::string_view rest = o->second;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto word = rest.substr(0, comma);
      if (!word.empty()) words.emplace_back(word);
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
  }
  return words;
}

// A volume backed by nothing but its _data directory: the ones copy-up
// and first-use ownership apply to.
bool plainVolume(const state::VolumeRecord& record) {
  return record.options.find("type") == record.options.end() &&
         record.options.find("device") == record.options.end();
}

}  // namespace

std::vector<std::string> specVolumeNames(const spec::ContainerSpec& spec) {
  std::vector<std::string> names;
  forEachVolumeMount(spec, [&](const spec::MountSpec& m) {
    if (!m.source.empty()) names.push_back(m.source);
  });
  return names;
}

std::vector<std::string> volumeUsers(const state::StorePaths& paths, const std::string& name) {
  state::ContainerStore store(paths);
  std::vector<std::string> users;
  for (const auto& id : store.listIds()) {
    try {
      const auto config = store.readConfig(id);
      const auto names = specVolumeNames(containerSpec(config));
      if (std::find(names.begin(), names.end(), name) != names.end()) users.push_back(id);
    } catch (const Error&) {
      // removed meanwhile
    }
  }
  std::sort(users.begin(), users.end());
  return users;
}

bool usesVolumes(const spec::ContainerSpec& spec, const oci::ImageConfig& image) {
  if (!image.config.volumes.empty()) return true;
  bool any = false;
  forEachVolumeMount(spec, [&](const spec::MountSpec&) { any = true; });
  return any;
}

std::vector<std::string> prepareVolumes(const state::StorePaths& paths, spec::ContainerSpec& spec,
                                        const oci::ImageConfig& image) {
  // Podman's default image_volume_mode "bind": each VOLUME of the image is
  // an anonymous volume unless the user mounts something there.
  auto covered = [&](const std::string& destination) {
    for (const auto* list : {&spec.volumes, &spec.mounts, &spec.tmpfs})
      for (const auto& m : *list)
        if (m.destination == destination) return true;
    return false;
  };
  for (const auto& path : image.config.volumes) {
    if (path.empty() || path.front() != '/') continue;
    std::string destination = path;
    while (destination.size() > 1 && destination.back() == '/')
      destination.pop_back();
    if (covered(destination)) continue;
    spec.volumes.push_back(spec::MountSpec{"volume", "", destination, {}});
  }
  state::VolumeStore store(paths);
  std::vector<std::string> made;
  ScopeExit undo([&] { removeVolumesQuietly(paths, made); });
  auto prepare = [&](spec::MountSpec& m) {
    if (m.type != "volume") return;
    state::VolumeRecord record;
    if (m.source.empty()) {
      m.source = generateId();
      record.anonymous = true;
    }
    if (store.exists(m.source)) return;
    record.name = m.source;
    record.createdNs = format::nowNs();
    store.create(record);
    made.push_back(record.name);
    emitVolumeEvent(paths, "create", record.name);
  };
  for (auto& m : spec.volumes)
    prepare(m);
  for (auto& m : spec.mounts)
    prepare(m);
  undo.dismiss();
  return made;
}

void removeVolumesQuietly(const state::StorePaths& paths, const std::vector<std::string>& names) {
  state::VolumeStore store(paths);
  for (const auto& name : names) {
    try {
      store.remove(name);
    } catch (const Error&) {
    }
  }
}

spec::VolumeSource volumeSource(const state::StorePaths& paths, const spec::MountSpec& mount) {
  const state::VolumeStore store(paths);
  const state::VolumeRecord record = store.read(mount.source);
  spec::VolumeSource source;
  const auto type = record.options.find("type");
  const auto device = record.options.find("device");
  std::vector<std::string> words = mountWords(record.options);
  const bool bindWord = std::find(words.begin(), words.end(), "bind") != words.end() ||
                        std::find(words.begin(), words.end(), "rbind") != words.end();
  if (type == record.options.end() && device == record.options.end()) {
    source.source = store.dataPath(record.name);
    return source;
  }
  if ((type == record.options.end() || type->second == "none" || bindWord) &&
      device != record.options.end()) {
    source.source = device->second;  // a local bind-backed volume
    return source;
  }
  source.type = type != record.options.end() ? type->second : "tmpfs";
  source.source = device != record.options.end() ? device->second : source.type;
  for (auto& word : words)
    if (word != "bind" && word != "rbind") source.options.push_back(std::move(word));
  return source;
}

std::vector<runtime::VolumeInit> pendingVolumeInits(const state::StorePaths& paths,
                                                    const spec::ContainerSpec& spec) {
  const state::VolumeStore store(paths);
  std::vector<runtime::VolumeInit> inits;
  forEachVolumeMount(spec, [&](const spec::MountSpec& m) {
    if (m.source.empty() || hasOption(m, "O") || !store.exists(m.source)) return;
    const state::VolumeRecord record = store.read(m.source);
    if (!plainVolume(record)) return;
    runtime::VolumeInit init;
    init.destination = m.destination;
    init.copyUp = record.needsCopyUp && !hasOption(m, "nocopy");
    init.initOwner = record.needsChown && !record.uid && !record.gid;
    if (init.copyUp || init.initOwner) inits.push_back(std::move(init));
  });
  return inits;
}

void markVolumesInitialised(const state::StorePaths& paths, const spec::ContainerSpec& spec) {
  const state::VolumeStore store(paths);
  forEachVolumeMount(spec, [&](const spec::MountSpec& m) {
    try {
      if (m.source.empty() || hasOption(m, "O") || !store.exists(m.source)) return;
      state::VolumeRecord record = store.read(m.source);
      if (!plainVolume(record) || (!record.needsCopyUp && !record.needsChown)) return;
      if (!hasOption(m, "nocopy")) record.needsCopyUp = false;
      record.needsChown = false;
      store.write(record);
    } catch (const Error&) {
      // removed meanwhile (volume rm -f): nothing to mark
    }
  });
}

void removeAnonymousVolumes(const state::StorePaths& paths,
                            const spec::ContainerSpec& spec) noexcept {
  try {
    const state::VolumeStore store(paths);
    FileLock lock = store.lock();
    for (const auto& name : specVolumeNames(spec)) {
      if (!store.exists(name) || !store.read(name).anonymous) continue;
      if (!volumeUsers(paths, name).empty()) continue;  // --volumes-from shares it
      store.remove(name);
      emitVolumeEvent(paths, "remove", name);
    }
  } catch (const Error&) {
    // the container is gone; a volume left over shows in volume ls
  }
}

}  // namespace detail

// ------------------------------------------------------------------ create

namespace {

// Podman's local driver accepts these --opt keys (libpod/options.go).
constexpr std::array<std::string_view, 3> kVolumeOptionKeys = {"type", "o", "device"};

std::uint32_t parseId(std::string_view value, std::string_view what) {
  std::uint32_t id = 0;
  if (value.empty()) throwError(Errc::InvalidArgument, "cannot convert {} \"\" to integer", what);
  for (char c : value) {
    if (c < '0' || c > '9' || id > 429496729)
      throwError(Errc::InvalidArgument, "cannot convert {} \"{}\" to integer: invalid argument",
                 what, value);
    id = id * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return id;
}

Json volumeInspectJson(const state::VolumeStore& store, const state::VolumeRecord& v) {
  Json out{
      {"Name", v.name},
      {"Driver", v.driver},
      {"Mountpoint", store.dataPath(v.name)},
      {"CreatedAt", format::formatRfc3339Nano(v.createdNs)},
      {"Labels", v.labels.empty() ? Json::object() : Json(v.labels)},
      {"Scope", "local"},
      {"Options", v.options.empty() ? Json::object() : Json(v.options)},
  };
  if (v.uid && *v.uid != 0) out["UID"] = *v.uid;
  if (v.gid && *v.gid != 0) out["GID"] = *v.gid;
  if (v.anonymous) out["Anonymous"] = true;
  out["MountCount"] = 0;
  if (v.needsCopyUp) out["NeedsCopyUp"] = true;
  if (v.needsChown && !v.uid && !v.gid) out["NeedsChown"] = true;
  return out;
}

}  // namespace

std::string Engine::createVolume(const VolumeCreateRequest& request) const {
  enterUserNamespace();
  state::prepareStore(paths_);
  if (!request.driver.empty() && request.driver != "local")
    throwError(Errc::InvalidArgument,
               "volume driver \"{}\" is not supported: only the local driver is available",
               request.driver);
  state::VolumeRecord record;
  record.name = request.name.empty() ? generateId() : request.name;
  state::validateVolumeName(record.name);
  record.createdNs = format::nowNs();
  for (const auto& label : request.labels)
    spec::parseKeyValue(label, "label", record.labels);
  for (const auto& option : request.options) {
    const auto eq = option.find('=');
    const std::string key = option.substr(0, eq);
    if (std::find(kVolumeOptionKeys.begin(), kVolumeOptionKeys.end(), key) ==
        kVolumeOptionKeys.end())
      throwError(Errc::InvalidArgument,
                 "invalid mount option {} for driver 'local': invalid argument", key);
    record.options[key] = eq == std::string::npos ? "" : option.substr(eq + 1);
  }
  // o=uid=N,gid=N: the owner of the volume (and of a tmpfs mounted for it).
  if (auto o = record.options.find("o"); o != record.options.end()) {
    std::string_view rest = o->second;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto word = rest.substr(0, comma);
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      if (word.starts_with("uid=")) {
        record.uid = parseId(word.substr(4), "UID");
        record.options["UID"] = std::string(word.substr(4));
      } else if (word.starts_with("gid=")) {
        record.gid = parseId(word.substr(4), "GID");
        record.options["GID"] = std::string(word.substr(4));
      }
    }
  }
  const auto type = record.options.find("type");
  const auto device = record.options.find("device");
  if (type != record.options.end() && type->second != "tmpfs" && type->second != "none" &&
      device == record.options.end())
    throwError(Errc::InvalidArgument, "volume type \"{}\" needs a device: --opt device=SOURCE",
               type->second);
  if (type != record.options.end() && type->second == "none" &&
      (device == record.options.end() || !device->second.starts_with('/')))
    throwError(Errc::InvalidArgument,
               "a volume of type none binds a host directory: --opt device=/ABSOLUTE/PATH");
  if (request.uid) {
    record.uid = *request.uid;
    record.options["UID"] = std::to_string(*request.uid);
  }
  if (request.gid) {
    record.gid = *request.gid;
    record.options["GID"] = std::to_string(*request.gid);
  }
  if (record.uid || record.gid) record.needsChown = false;

  state::VolumeStore store(paths_);
  FileLock lock = store.lock();
  if (request.ignore && store.exists(record.name)) return record.name;
  store.create(record);
  detail::emitVolumeEvent(paths_, "create", record.name);
  return record.name;
}

// ------------------------------------------------------- inspect, ls, exists

Json Engine::inspectVolume(const std::string& name) const {
  const state::VolumeStore store(paths_);
  return volumeInspectJson(store, store.read(name));
}

bool Engine::volumeExists(const std::string& name) const {
  return state::VolumeStore(paths_).exists(name);
}

namespace {

struct VolumeFilter {
  std::string key;
  std::string value;
};

std::vector<VolumeFilter> parseVolumeFilters(const std::vector<std::string>& filters,
                                             std::initializer_list<std::string_view> keys,
                                             std::string_view what) {
  std::vector<VolumeFilter> out;
  for (const auto& filter : filters) {
    const auto eq = filter.find('=');
    if (eq == std::string::npos)
      throwError(Errc::InvalidArgument, "invalid filter \"{}\": expected KEY=VALUE", filter);
    VolumeFilter f{filter.substr(0, eq), filter.substr(eq + 1)};
    if (std::find(keys.begin(), keys.end(), f.key) == keys.end())
      throwError(Errc::InvalidArgument, "\"{}\" is an invalid {} filter", f.key, what);
    if (f.key == "dangling" && f.value != "true" && f.value != "false" && f.value != "1" &&
        f.value != "0")
      throwError(Errc::InvalidArgument,
                 "failed to parse dangling filter \"{}\": expected true or false", f.value);
    out.push_back(std::move(f));
  }
  return out;
}

bool labelMatches(const std::map<std::string, std::string>& labels, const std::string& filter) {
  const auto eq = filter.find('=');
  const std::string key = filter.substr(0, eq);
  const auto it = labels.find(key);
  if (it == labels.end()) return false;
  return eq == std::string::npos || it->second == filter.substr(eq + 1);
}

// Values of one key are alternatives; different keys must all match.
bool volumePasses(const state::StorePaths& paths, const state::VolumeRecord& v,
                  const std::vector<VolumeFilter>& filters) {
  std::map<std::string, bool> byKey;
  for (const auto& f : filters) {
    bool match = false;
    if (f.key == "name") {
      match = v.name.find(f.value) != std::string::npos;
    } else if (f.key == "driver") {
      match = v.driver == f.value;
    } else if (f.key == "scope") {
      match = f.value == "local";
    } else if (f.key == "label") {
      match = labelMatches(v.labels, f.value);
    } else if (f.key == "label!") {
      match = !labelMatches(v.labels, f.value);
    } else if (f.key == "opt") {
      const auto eq = f.value.find('=');
      const auto it = v.options.find(f.value.substr(0, eq));
      match = it != v.options.end() &&
              (eq == std::string::npos || it->second == f.value.substr(eq + 1));
    } else if (f.key == "dangling") {
      const bool dangling = detail::volumeUsers(paths, v.name).empty();
      match = dangling == (f.value == "true" || f.value == "1");
    } else if (f.key == "until") {
      const auto until = format::parseTimeFlag(f.value, "until");
      match = v.createdNs < until;
    }
    byKey[f.key] = byKey[f.key] || match;
  }
  return std::all_of(byKey.begin(), byKey.end(), [](const auto& kv) { return kv.second; });
}

}  // namespace

Json Engine::listVolumes(const std::vector<std::string>& filters) const {
  const auto parsed = parseVolumeFilters(
      filters, {"name", "driver", "scope", "label", "label!", "opt", "dangling", "until"},
      "volume");
  const state::VolumeStore store(paths_);
  Json out = Json::array();
  for (const auto& name : store.list()) {
    try {
      const auto record = store.read(name);
      if (volumePasses(paths_, record, parsed)) out.push_back(volumeInspectJson(store, record));
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchObject) throw;
    }
  }
  return out;
}

// ---------------------------------------------------------------- rm, prune

Engine::RemoveVolumesReport Engine::removeVolumes(const std::vector<std::string>& names, bool force,
                                                  bool all, std::optional<unsigned> timeout) const {
  enterUserNamespace();
  RemoveVolumesReport report;
  if (all && !names.empty())
    throwError(Errc::InvalidArgument,
               "when using the --all switch, you may not pass any volumes names");
  if (!all && names.empty())
    throwError(Errc::InvalidArgument, "choose either one or more volumes or all");
  state::VolumeStore store(paths_);
  FileLock lock = store.lock();
  const std::vector<std::string> targets = all ? store.list() : names;
  for (const auto& name : targets) {
    if (!store.exists(name)) {
      report.errors.push_back(
          fmt::format("no volume with name \"{}\" found: no such volume", name));
      report.exitCode = 1;
      continue;
    }
    const auto users = detail::volumeUsers(paths_, name);
    if (!users.empty() && !force) {
      std::string list;
      for (const auto& id : users)
        list += (list.empty() ? "" : ", ") + id;
      report.errors.push_back(fmt::format(
          "volume {} is being used by the following container(s): {}: volume is being used", name,
          list));
      report.exitCode = 2;
      continue;
    }
    try {
      for (const auto& id : users)
        removeContainer(id, true, timeout);
      store.remove(name);
      detail::emitVolumeEvent(paths_, "remove", name);
      report.removed.push_back(name);
    } catch (const Error& e) {
      report.errors.push_back(e.what());
      report.exitCode = kExitEngineError;
    }
  }
  return report;
}

std::vector<std::string> Engine::pruneVolumes(const std::vector<std::string>& filters) const {
  enterUserNamespace();
  const auto parsed = parseVolumeFilters(filters, {"label", "label!", "until"}, "volume prune");
  state::VolumeStore store(paths_);
  FileLock lock = store.lock();
  std::vector<std::string> pruned;
  for (const auto& name : store.list()) {
    const auto record = store.read(name);
    if (!volumePasses(paths_, record, parsed) || !detail::volumeUsers(paths_, name).empty())
      continue;
    store.remove(name);
    detail::emitVolumeEvent(paths_, "prune", name);
    pruned.push_back(name);
  }
  return pruned;
}

// ------------------------------------------------------- export, import

void Engine::exportVolume(const std::string& name, const std::string& output) const {
  enterUserNamespace();
  const state::VolumeStore store(paths_);
  const state::VolumeRecord record = store.read(name);
  const std::string data = store.dataPath(record.name);
  const UniqueFd root = openFile(data, O_PATH | O_DIRECTORY);
  UniqueFd file;
  std::string temp;
  int fd = STDOUT_FILENO;
  if (!output.empty()) {
    temp = output + ".berth-tmp-" + std::string(shortId(generateId()));
    file = openFile(temp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    fd = file.get();
  }
  ScopeExit removeTemp([&] {
    if (!temp.empty()) ::unlink(temp.c_str());
  });
  detail::TarWriterSink sink(fd, output.empty() ? "standard output" : output);
  detail::walkTree(root.get(), "/", "", sink);
  sink.finish();
  if (!temp.empty()) {
    if (::fsync(fd) != 0) throwErrno("fsync '{}'", temp);
    if (::rename(temp.c_str(), output.c_str()) != 0)
      throwErrno("rename '{}' to '{}'", temp, output);
    removeTemp.dismiss();
  }
}

void Engine::importVolume(const std::string& name, const std::string& input) const {
  enterUserNamespace();
  const state::VolumeStore store(paths_);
  const state::VolumeRecord record = store.read(name);
  UniqueFd file;
  int fd = STDIN_FILENO;
  if (!input.empty() && input != "-") {
    file = openFile(input, O_RDONLY);
    fd = file.get();
  }
  const UniqueFd root = openFile(store.dataPath(record.name), O_PATH | O_DIRECTORY);
  detail::ExtractPolicy policy;
  policy.overwrite = true;
  policy.where = "volume " + record.name;
  detail::ExtractSink sink(root.get(), "/", policy);
  detail::readTar(fd, sink);
  sink.finish();
}

}  // namespace berth::engine
