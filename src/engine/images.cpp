// SPDX-License-Identifier: Apache-2.0
// Image operations of the engine: list, inspect, history, tag, untag, rmi,
// prune. The store does the writing; this file shapes Podman's reports.
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <set>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/image/reference.hpp"
#include "berth/image/store.hpp"
#include "berth/state/container_store.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

/// What listing and filtering need to know about one image.
struct ImageFacts {
  image::StoredImage stored;
  Json config;                 ///< the config blob
  format::TimeNs created = 0;  ///< from config.created
  std::int64_t size = 0;       ///< layers + config + manifest
  std::vector<std::string> chain;
  int containers = 0;
};

/// The containers using each image id: as their image or through
/// --mount type=image (config.json's imageMounts).
std::map<std::string, std::vector<std::string>> containerUsers(const state::StorePaths& paths) {
  std::map<std::string, std::vector<std::string>> users;
  state::ContainerStore containers(paths);
  for (const auto& id : containers.listIds()) {
    try {
      const state::ContainerConfig config = containers.readConfig(id);
      users[config.imageId].push_back(id);
      for (const auto& mounted : config.extra.value("imageMounts", std::vector<std::string>{})) {
        auto& list = users[mounted];
        if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
      }
    } catch (const Error&) {
      // A record being created or removed: not a user of any image yet.
    }
  }
  return users;
}

/// How many containers use each image id.
std::map<std::string, int> containerCounts(const state::StorePaths& paths) {
  std::map<std::string, int> counts;
  for (const auto& [image, users] : containerUsers(paths))
    counts[image] = static_cast<int>(users.size());
  return counts;
}

ImageFacts factsOf(const image::ImageStore& store, const image::StoredImage& stored,
                   const std::map<std::string, int>& counts) {
  ImageFacts facts;
  facts.stored = stored;
  facts.config = store.readConfig(stored);
  if (facts.config.contains("created") && facts.config["created"].is_string())
    facts.created = format::parseRfc3339(facts.config["created"].get<std::string>()).value_or(0);
  facts.chain = store.layerChainIds(stored);
  facts.size = stored.manifestSize;
  if (auto blob = readFileIfExists(store.blobPath(stored.configDigest)))
    facts.size += static_cast<std::int64_t>(blob->size());
  for (const auto& chain : facts.chain)
    facts.size += store.layerSize(chain);
  if (auto it = counts.find(stored.id()); it != counts.end()) facts.containers = it->second;
  return facts;
}

std::vector<ImageFacts> allFacts(const image::ImageStore& store,
                                 const std::map<std::string, int>& counts) {
  std::vector<ImageFacts> all;
  for (const auto& stored : store.images())
    all.push_back(factsOf(store, stored, counts));
  return all;
}

/// "repo@digest" for each distinct repository of the image's names.
Json repoDigests(const image::StoredImage& stored) {
  Json out = Json::array();
  std::set<std::string> seen;
  for (const auto& name : stored.names) {
    try {
      const std::string repo = image::parseReference(name).name();
      if (seen.insert(repo).second) out.push_back(repo + "@" + stored.manifestDigest);
    } catch (const Error&) {
    }
  }
  return out;
}

Json labelsOf(const Json& config) {
  if (auto c = config.find("config"); c != config.end() && c->is_object())
    if (auto l = c->find("Labels"); l != c->end() && l->is_object() && !l->empty()) return *l;
  return nullptr;
}

Json summaryOf(const ImageFacts& f) {
  Json names = Json::array();
  for (const auto& n : f.stored.names)
    names.push_back(n);
  Json history = Json::array();
  for (auto it = f.stored.names.rbegin(); it != f.stored.names.rend(); ++it)
    history.push_back(*it);
  Json out = Json::object();
  out["Id"] = f.stored.id();
  out["ParentId"] = "";
  out["RepoTags"] = nullptr;  // Podman 4.3 leaves it null; Names has them
  out["RepoDigests"] = repoDigests(f.stored);
  out["Size"] = f.size;
  out["SharedSize"] = 0;
  out["VirtualSize"] = f.size;
  out["Labels"] = labelsOf(f.config);
  out["Containers"] = f.containers;
  if (!names.empty()) out["Names"] = names;
  out["Digest"] = f.stored.manifestDigest;
  if (!history.empty()) out["History"] = history;
  out["Created"] = f.created / 1000000000;
  out["CreatedAt"] = format::formatRfc3339Nano(f.created / 1000000000 * 1000000000);
  return out;
}

/// libimage's reference filter: a glob against the name with and without
/// the tag, in full and in Docker's familiar form.
bool referenceMatches(const image::StoredImage& stored, const std::string& pattern) {
  for (const auto& name : stored.names) {
    image::Reference ref;
    try {
      ref = image::parseReference(name);
    } catch (const Error&) {
      continue;
    }
    std::vector<std::string> forms = {name, ref.name()};
    const std::string familiar = ref.familiar();
    forms.push_back(familiar);
    forms.push_back(familiar.substr(0, familiar.rfind(':')));
    // A bare name also matches the last path component ("busybox").
    const std::string last = ref.name().substr(ref.name().rfind('/') + 1);
    forms.push_back(last + (ref.isTagged() ? ":" + ref.tag : ""));
    forms.push_back(last);
    for (const auto& form : forms)
      if (::fnmatch(pattern.c_str(), form.c_str(), 0) == 0) return true;
  }
  return false;
}

bool parseBool(const std::string& key, const std::string& value) {
  if (value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
      value == "True")
    return true;
  if (value == "0" || value == "f" || value == "F" || value == "false" || value == "FALSE" ||
      value == "False")
    return false;
  // Podman's message has key and value swapped; keep it for scripts.
  throwError(Errc::InvalidArgument,
             "non-boolean value \"{}\" for {} filter: strconv.ParseBool: parsing \"{}\": "
             "invalid syntax",
             key, value, value);
}

using Predicate = std::function<bool(const ImageFacts&)>;

Predicate makeFilter(const std::string& filter, const image::ImageStore& store,
                     const std::vector<ImageFacts>& all) {
  const auto eq = filter.find('=');
  if (eq == std::string::npos || eq == 0)
    throwError(Errc::InvalidArgument,
               "invalid image filter \"{}\": must be in the format \"filter=value or "
               "filter!=value\"",
               filter);
  const bool negate = filter[eq - 1] == '!';
  const std::string key = filter.substr(0, negate ? eq - 1 : eq);
  const std::string value = filter.substr(eq + 1);
  Predicate p;
  if (key == "dangling") {
    const bool want = parseBool(key, value);
    p = [want](const ImageFacts& f) { return f.stored.names.empty() == want; };
  } else if (key == "reference") {
    p = [value](const ImageFacts& f) { return referenceMatches(f.stored, value); };
  } else if (key == "label") {
    const auto leq = value.find('=');
    const std::string lkey = value.substr(0, leq);
    const std::optional<std::string> lvalue =
        leq == std::string::npos ? std::nullopt : std::optional(value.substr(leq + 1));
    p = [lkey, lvalue](const ImageFacts& f) {
      const Json labels = labelsOf(f.config);
      if (!labels.is_object() || !labels.contains(lkey)) return false;
      return !lvalue || (labels[lkey].is_string() && labels[lkey].get<std::string>() == *lvalue);
    };
  } else if (key == "before" || key == "since") {
    const auto ref = store.lookup(value);
    if (!ref)
      throwError(Errc::InvalidArgument,
                 "could not find local image for filter filter \"{}\"=\"{}\": {}: image not known",
                 key, value, value);
    format::TimeNs when = 0;
    for (const auto& f : all)
      if (f.stored.manifestDigest == ref->manifestDigest) when = f.created;
    if (key == "before")
      p = [when](const ImageFacts& f) { return f.created < when; };
    else
      p = [when](const ImageFacts& f) { return f.created > when; };
  } else if (key == "id") {
    p = [value](const ImageFacts& f) { return f.stored.id().rfind(value, 0) == 0; };
  } else if (key == "digest") {
    p = [value](const ImageFacts& f) { return f.stored.manifestDigest == value; };
  } else if (key == "readonly") {
    const bool want = parseBool(key, value);
    p = [want](const ImageFacts&) { return !want; };
  } else if (key == "containers") {
    const bool want = parseBool(key, value);
    p = [want](const ImageFacts& f) { return (f.containers > 0) == want; };
  } else {
    throwError(Errc::InvalidArgument, "unsupported image filter \"{}\"", key);
  }
  if (negate) return [p](const ImageFacts& f) { return !p(f); };
  return p;
}

}  // namespace

Json Engine::listImages(const std::vector<std::string>& filters) const {
  const image::ImageStore store(paths_);
  const auto all = allFacts(store, containerCounts(paths_));
  std::map<std::string, std::vector<Predicate>> byKey;  // same key: any; keys: all
  for (const auto& filter : filters) {
    const std::string key = filter.substr(0, filter.find_first_of("!="));
    byKey[key].push_back(makeFilter(filter, store, all));
  }
  Json out = Json::array();
  for (const auto& f : all) {
    bool keep = true;
    for (const auto& [key, predicates] : byKey)
      keep = keep && std::any_of(predicates.begin(), predicates.end(),
                                 [&](const Predicate& p) { return p(f); });
    if (keep) out.push_back(summaryOf(f));
  }
  return out;
}

bool Engine::imageExists(const std::string& nameOrId) const {
  return image::ImageStore(paths_).lookup(nameOrId).has_value();
}

Json Engine::inspectImage(const std::string& nameOrId) const {
  const image::ImageStore store(paths_);
  const auto stored = store.resolve(nameOrId);
  const auto facts = factsOf(store, stored, containerCounts(paths_));
  const Json& config = facts.config;
  const Json manifest = store.readManifest(stored);
  // A name pulled by digest is a RepoDigest, not a tag.
  Json tags = Json::array();
  for (const auto& n : stored.names) {
    bool digested = false;
    try {
      digested = image::parseReference(n).isDigested();
    } catch (const Error&) {
    }
    if (!digested) tags.push_back(n);
  }
  Json out = Json::object();
  out["Id"] = stored.id();
  out["Digest"] = stored.manifestDigest;
  out["RepoTags"] = tags;
  out["RepoDigests"] = repoDigests(stored);
  out["Parent"] = "";
  std::string comment;
  if (auto h = config.find("history"); h != config.end() && h->is_array() && !h->empty())
    comment = (*h)[0].value("comment", "");
  out["Comment"] = comment;
  out["Created"] = format::formatRfc3339Nano(facts.created);
  Json inner = config.value("config", Json::object());
  if (!inner.is_object()) inner = Json::object();
  out["Config"] = inner;
  out["Version"] = config.value("docker_version", "");
  out["Author"] = config.value("author", "");
  out["Architecture"] = config.value("architecture", "");
  if (config.contains("variant")) out["Variant"] = config["variant"];
  out["Os"] = config.value("os", "");
  out["Size"] = facts.size;
  out["VirtualSize"] = facts.size;
  Json driverData = Json::object();
  if (!facts.chain.empty()) {
    std::string lower;
    for (std::size_t i = facts.chain.size() - 1; i-- > 0;)
      lower += (lower.empty() ? "" : ":") + store.layerPath(facts.chain[i]);
    if (!lower.empty()) driverData["LowerDir"] = lower;
    driverData["UpperDir"] = store.layerPath(facts.chain.back());
  }
  out["GraphDriver"] = Json{{"Name", "overlay"}, {"Data", driverData}};
  Json layers = Json::array();
  if (auto r = config.find("rootfs"); r != config.end() && r->is_object())
    layers = r->value("diff_ids", Json::array());
  out["RootFS"] = Json{{"Type", "layers"}, {"Layers", layers}};
  out["Labels"] = labelsOf(config);
  out["Annotations"] = manifest.value("annotations", Json::object());
  out["ManifestType"] = stored.manifestMediaType;
  out["User"] = inner.value("User", "");
  out["History"] = config.value("history", Json::array());
  Json namesHistory = Json::array();
  for (auto it = stored.names.rbegin(); it != stored.names.rend(); ++it)
    namesHistory.push_back(*it);
  out["NamesHistory"] = namesHistory;
  return out;
}

Json Engine::imageHistory(const std::string& nameOrId) const {
  const image::ImageStore store(paths_);
  const auto stored = store.resolve(nameOrId);
  const Json config = store.readConfig(stored);
  const auto chain = store.layerChainIds(stored);
  // Which image has each layer as its top layer (Podman names the history
  // entry of that layer after it).
  std::map<std::string, std::string> topOf;
  for (const auto& other : store.images()) {
    try {
      const auto otherChain = store.layerChainIds(other);
      if (!otherChain.empty()) topOf.emplace(otherChain.back(), other.id());
    } catch (const Error&) {
    }
  }
  topOf[chain.empty() ? "" : chain.back()] = stored.id();
  const Json history = config.value("history", Json::array());
  Json out = Json::array();
  std::set<std::string> usedIds;
  std::ptrdiff_t layer = static_cast<std::ptrdiff_t>(chain.size()) - 1;
  for (std::size_t i = history.size(); i-- > 0;) {
    const Json& entry = history[i];
    const bool empty = entry.value("empty_layer", false);
    std::string id = i + 1 == history.size() ? stored.id() : "<missing>";
    std::int64_t size = 0;
    if (layer >= 0) {
      const std::string& current = chain[static_cast<std::size_t>(layer)];
      if (!empty) size = store.layerSize(current);
      if (auto it = topOf.find(current); it != topOf.end() && !usedIds.count(it->second)) {
        id = it->second;
        usedIds.insert(id);
      }
      if (!empty) --layer;
    }
    Json item = Json::object();
    item["id"] = id;
    item["created"] = entry.value("created", "");
    item["createdBy"] = entry.value("created_by", "");
    item["size"] = size;
    item["comment"] = entry.value("comment", "");
    out.push_back(item);
  }
  return out;
}

void Engine::tagImage(const std::string& nameOrId, const std::vector<std::string>& targets) const {
  enterUserNamespace();
  std::vector<std::string> names;
  for (const auto& target : targets) {
    try {
      names.push_back(image::parseLocalName(target).str());
    } catch (const Error& e) {
      throwError(Errc::InvalidArgument, "normalizing name \"{}\": {}", target, e.what());
    }
  }
  const image::ImageStore store(paths_);
  FileLock writing = store.writerLock();
  image::StoredImage stored = store.resolve(nameOrId);
  stored.names = names;
  store.addImage(stored);
  for (const auto& target : targets)
    detail::emitImageEvent(paths_, "tag", stored.id(), target);
}

void Engine::untagImage(const std::string& nameOrId, const std::vector<std::string>& names) const {
  enterUserNamespace();
  const image::ImageStore store(paths_);
  FileLock writing = store.writerLock();
  const image::StoredImage stored = store.resolve(nameOrId);
  std::vector<std::string> remove;
  for (const auto& name : names) {
    std::string normalized;
    try {
      normalized = image::parseLocalName(name).str();
    } catch (const Error& e) {
      throwError(Errc::InvalidArgument, "normalizing name \"{}\": {}", name, e.what());
    }
    if (std::find(stored.names.begin(), stored.names.end(), normalized) == stored.names.end())
      throwError(Errc::InvalidArgument, "{}: tag not known", normalized);
    remove.push_back(normalized);
  }
  if (names.empty()) remove = stored.names;
  for (const auto& name : remove) {
    store.removeName(name);
    detail::emitImageEvent(paths_, "untag", stored.id(), name);
  }
}

Engine::RemoveImagesReport Engine::removeImages(const std::vector<std::string>& names, bool force,
                                                bool all) const {
  if (all && !names.empty())
    throwError(Errc::InvalidArgument,
               "when using the --all switch, you may not pass any images names or IDs");
  if (!all && names.empty())
    throwError(Errc::InvalidArgument, "image name or ID must be specified");
  enterUserNamespace();
  const image::ImageStore store(paths_);
  RemoveImagesReport report;
  const auto users = containerUsers(paths_);
  bool unknown = false, inUse = false, other = false;
  std::vector<image::StoredImage> doomed;
  const auto fail = [&](const std::string& message, bool& kind) {
    report.errors.push_back(message);
    kind = true;
  };
  {
    FileLock writing = store.writerLock();
    std::vector<std::pair<std::string, image::StoredImage>> targets;
    if (all) {
      for (const auto& stored : store.images())
        targets.emplace_back(stored.id(), stored);
    } else {
      for (const auto& name : names) {
        std::optional<image::StoredImage> stored;
        try {
          stored = store.lookup(name);
        } catch (const Error& e) {
          fail(e.what(), other);
          continue;
        }
        if (!stored) {
          fail(name + ": image not known", unknown);
          continue;
        }
        targets.emplace_back(name, *stored);
      }
    }
    for (auto& [given, stored] : targets) {
      if (std::any_of(doomed.begin(), doomed.end(), [&](const image::StoredImage& d) {
            return d.manifestDigest == stored.manifestDigest;
          }))
        continue;
      // By name, an image with other names only loses that name.
      const bool byId =
          all || stored.id().rfind(given, 0) == 0 || given == "sha256:" + stored.id() ||
          (given.rfind("sha256:", 0) == 0 && stored.id().rfind(given.substr(7), 0) == 0);
      if (!byId && stored.names.size() > 1) {
        for (const auto& candidate : image::shortNameCandidates(given))
          if (std::find(stored.names.begin(), stored.names.end(), candidate) !=
              stored.names.end()) {
            store.removeName(candidate);
            report.untagged.push_back(candidate);
            detail::emitImageEvent(paths_, "untag", stored.id(), candidate);
            break;
          }
        continue;
      }
      if (byId && !all && !force && stored.names.size() > 1) {
        std::string list;
        for (const auto& n : stored.names)
          list += (list.empty() ? "" : " ") + n;
        fail(fmt::format("unable to delete image \"{}\" by ID with more than one tag ([{}]): "
                         "please force removal",
                         stored.id(), list),
             other);
        continue;
      }
      if (auto it = users.find(stored.id()); it != users.end() && !force) {
        std::string ids;
        for (const auto& user : it->second)
          ids += (ids.empty() ? "" : " ") + user;
        fail(fmt::format("image used by {}: image is in use by a container: consider listing "
                         "external containers and force-removing image",
                         ids),
             inUse);
        continue;
      }
      for (const auto& n : stored.names)
        report.untagged.push_back(n);
      store.removeImage(stored.manifestDigest);
      report.deleted.push_back(stored.id());
      for (const auto& n : stored.names)
        detail::emitImageEvent(paths_, "untag", stored.id(), n);
      detail::emitImageEvent(paths_, "remove", stored.id(), "");
      doomed.push_back(stored);
    }
  }
  if (!report.deleted.empty()) store.garbageCollect();
  if (other || (unknown && inUse))
    report.exitCode = kExitEngineError;
  else if (inUse)
    report.exitCode = 2;
  else if (unknown)
    report.exitCode = 1;
  return report;
}

std::vector<std::string> Engine::pruneImages(bool all) const {
  enterUserNamespace();
  const image::ImageStore store(paths_);
  const auto counts = containerCounts(paths_);
  std::vector<std::string> removed;
  {
    FileLock writing = store.writerLock();
    for (const auto& stored : store.images()) {
      if (counts.count(stored.id()) != 0) continue;
      if (!all && !stored.names.empty()) continue;
      store.removeImage(stored.manifestDigest);
      removed.push_back(stored.id());
      detail::emitImageEvent(paths_, "remove", stored.id(), "");
    }
  }
  store.garbageCollect();
  return removed;
}

}  // namespace berth::engine
