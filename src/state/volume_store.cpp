// SPDX-License-Identifier: Apache-2.0
#include "berth/state/volume_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/oci/json_fields.hpp"

namespace berth::state {

namespace {

constexpr std::string_view kHiddenPrefix = ".creating-";

}  // namespace

Json VolumeRecord::toJson() const {
  Json j = extra.is_object() ? extra : Json::object();
  j["version"] = kVolumeRecordVersion;
  j["name"] = name;
  j["driver"] = driver;
  j["createdNs"] = createdNs;
  j["labels"] = labels;
  j["options"] = options;
  if (uid)
    j["uid"] = *uid;
  else
    j.erase("uid");
  if (gid)
    j["gid"] = *gid;
  else
    j.erase("gid");
  j["anonymous"] = anonymous;
  j["needsCopyUp"] = needsCopyUp;
  j["needsChown"] = needsChown;
  return j;
}

VolumeRecord VolumeRecord::fromJson(const Json& json, std::string_view what) {
  const oci::JsonReader r(json, what, "");
  if (r.integer("version") > kVolumeRecordVersion)
    r.fail("version", "written by a newer berth (schema version " +
                          std::to_string(r.integer("version")) + ")");
  VolumeRecord v;
  v.name = r.string("name", true);
  v.driver = r.has("driver") ? r.string("driver") : "local";
  v.createdNs = r.integer("createdNs");
  v.labels = r.stringMap("labels");
  v.options = r.stringMap("options");
  if (r.has("uid")) v.uid = static_cast<uid_t>(r.integer("uid"));
  if (r.has("gid")) v.gid = static_cast<gid_t>(r.integer("gid"));
  v.anonymous = r.boolean("anonymous");
  v.needsCopyUp = r.boolean("needsCopyUp");
  v.needsChown = r.boolean("needsChown");
  v.extra = json;
  return v;
}

void validateVolumeName(std::string_view name) {
  const auto isAlnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  bool valid = !name.empty() && name.size() <= 253 && isAlnum(name.front());
  for (char c : name)
    valid = valid && (isAlnum(c) || c == '_' || c == '.' || c == '-');
  if (!valid)
    throwError(Errc::InvalidArgument,
               "volume name \"{}\" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
               "invalid argument",
               name);
}

VolumeStore::VolumeStore(StorePaths paths) : paths_(std::move(paths)) {}

FileLock VolumeStore::lock() const {
  makeDirs(paths_.locksDir(), 0700);
  return FileLock(paths_.locksDir() + "/volumes.lock");
}

std::string VolumeStore::dir(const std::string& name) const {
  return paths_.volumesDir() + "/" + name;
}

std::string VolumeStore::dataPath(const std::string& name) const {
  return dir(name) + "/_data";
}

bool VolumeStore::exists(std::string_view name) const {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string_view::npos) return false;
  return pathExists(dir(std::string(name)) + "/volume.json");
}

void VolumeStore::create(const VolumeRecord& record) const {
  validateVolumeName(record.name);
  makeDirs(paths_.volumesDir(), 0700);
  if (exists(record.name))
    throwError(Errc::AlreadyExists, "volume with name {} already exists: volume already exists",
               record.name);
  const std::string hidden = paths_.volumesDir() + "/" + std::string(kHiddenPrefix) + generateId();
  if (::mkdir(hidden.c_str(), 0700) != 0) throwErrno("mkdir '{}'", hidden);
  ScopeExit removeHidden([&] {
    try {
      removeAll(hidden);
    } catch (const Error&) {
    }
  });
  const std::string data = hidden + "/_data";
  if (::mkdir(data.c_str(), 0755) != 0) throwErrno("mkdir '{}'", data);
  // mkdir applies the umask; the mode is Podman's 0755 whatever it is.
  if (::chmod(data.c_str(), 0755) != 0) throwErrno("chmod '{}'", data);
  if (record.uid || record.gid) {
    if (::lchown(data.c_str(), record.uid ? *record.uid : static_cast<uid_t>(-1),
                 record.gid ? *record.gid : static_cast<gid_t>(-1)) != 0)
      throwErrno("chown '{}' to {}:{}", data, record.uid ? std::to_string(*record.uid) : "-",
                 record.gid ? std::to_string(*record.gid) : "-");
  }
  writeJsonFileAtomic(hidden + "/volume.json", record.toJson(), true, 0600);
  const std::string target = dir(record.name);
  // RENAME_NOREPLACE: a volume of that name made meanwhile (or a stale
  // empty directory) is never replaced.
  if (::renameat2(AT_FDCWD, hidden.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST || errno == ENOTEMPTY) {
      if (pathExists(target + "/volume.json"))
        throwError(Errc::AlreadyExists, "volume with name {} already exists: volume already exists",
                   record.name);
      removeAll(target);  // left by a crash between mkdir and rename: never a volume
      if (::renameat2(AT_FDCWD, hidden.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
        removeHidden.dismiss();
        syncPath(paths_.volumesDir());
        return;
      }
    }
    throwErrno("rename '{}' to '{}'", hidden, target);
  }
  removeHidden.dismiss();
  syncPath(paths_.volumesDir());
}

VolumeRecord VolumeStore::read(const std::string& name) const {
  if (!exists(name))
    throwError(Errc::NoSuchObject, "no volume with name \"{}\" found: no such volume", name);
  const std::string path = dir(name) + "/volume.json";
  return VolumeRecord::fromJson(readJsonFile(path), path);
}

void VolumeStore::write(const VolumeRecord& record) const {
  writeJsonFileAtomic(dir(record.name) + "/volume.json", record.toJson(), true, 0600);
}

std::vector<std::string> VolumeStore::list() const {
  std::vector<std::string> names;
  DIR* d = ::opendir(paths_.volumesDir().c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return names;
    throwErrno("open '{}'", paths_.volumesDir());
  }
  ScopeExit close([d] { ::closedir(d); });
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.front() == '.') continue;
    if (exists(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void VolumeStore::remove(const std::string& name) const {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos) return;
  const std::string path = dir(name);
  if (!pathExists(path)) return;
  // Renamed away first: a volume is there whole or not at all.
  const std::string doomed =
      paths_.volumesDir() + "/" + std::string(kHiddenPrefix) + "rm-" + generateId();
  if (::rename(path.c_str(), doomed.c_str()) != 0) throwErrno("remove volume '{}'", path);
  removeAll(doomed);
}

}  // namespace berth::state
