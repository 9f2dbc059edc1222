// SPDX-License-Identifier: Apache-2.0
#include "berth/state/secret_store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/oci/json_fields.hpp"

namespace berth::state {

namespace {

constexpr std::string_view kHiddenPrefix = ".creating-";
constexpr std::size_t kSecretIdLength = 25;

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isSecretId(std::string_view text) {
  return text.size() == kSecretIdLength && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Json SecretRecord::toJson() const {
  Json j = extra.is_object() ? extra : Json::object();
  j["version"] = kSecretRecordVersion;
  j["id"] = id;
  j["name"] = name;
  j["driver"] = driver;
  j["createdNs"] = createdNs;
  j["labels"] = labels;
  return j;
}

SecretRecord SecretRecord::fromJson(const Json& json, std::string_view what) {
  const oci::JsonReader r(json, what, "");
  if (r.integer("version") > kSecretRecordVersion) r.fail("version", "written by a newer berth");
  SecretRecord s;
  s.id = r.string("id", true);
  s.name = r.string("name", true);
  if (r.has("driver")) s.driver = r.string("driver");
  s.createdNs = r.integer("createdNs");
  s.labels = r.stringMap("labels");
  s.extra = json;
  return s;
}

void validateSecretName(std::string_view name) {
  bool valid = !name.empty() && name.size() <= 253 && isAlnum(name.front()) && isAlnum(name.back());
  for (char c : name)
    valid = valid && (isAlnum(c) || c == '_' || c == '.' || c == '-');
  if (!valid)
    throwError(Errc::InvalidArgument,
               "only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must "
               "be [a-zA-Z0-9]: {}: invalid secret name",
               name);
}

SecretStore::SecretStore(StorePaths paths)
    : paths_(std::move(paths)),
      names_("secret", paths_.graphRoot + "/secret-names", paths_.graphRoot + "/secrets",
             paths_.locksDir() + "/secret-names.lock") {}

std::string SecretStore::dir(const std::string& id) const {
  return paths_.graphRoot + "/secrets/" + id;
}

void SecretStore::create(const SecretRecord& record, std::string_view data) const {
  validateSecretName(record.name);
  if (data.empty() || data.size() >= kSecretMaxSize)
    throwError(Errc::InvalidArgument, "secret data must be larger than 0 and less than {} bytes",
               kSecretMaxSize);
  makeDirs(paths_.graphRoot + "/secrets", 0700);
  makeDirs(paths_.graphRoot + "/secret-names", 0700);
  makeDirs(paths_.locksDir(), 0700);
  FileLock lock = names_.lock();
  if (const auto holder = names_.lookup(record.name);
      holder && pathExists(dir(*holder) + "/secret.json"))
    throwError(Errc::AlreadyExists, "{}: secret name in use", record.name);
  names_.reserve(record.name, record.id);
  ScopeExit releaseName([&] { names_.release(record.name, record.id); });
  const std::string hidden =
      paths_.graphRoot + "/secrets/" + std::string(kHiddenPrefix) + record.id;
  if (::mkdir(hidden.c_str(), 0700) != 0) throwErrno("mkdir '{}'", hidden);
  ScopeExit removeHidden([&] {
    try {
      removeAll(hidden);
    } catch (const Error&) {
    }
  });
  writeFile(hidden + "/data", data, 0600, true);
  writeJsonFileAtomic(hidden + "/secret.json", record.toJson(), true, 0600);
  if (::rename(hidden.c_str(), dir(record.id).c_str()) != 0)
    throwErrno("rename '{}' to '{}'", hidden, dir(record.id));
  removeHidden.dismiss();
  releaseName.dismiss();
  syncPath(paths_.graphRoot + "/secrets");
}

std::vector<std::string> SecretStore::listIds() const {
  std::vector<std::string> ids;
  const std::string root = paths_.graphRoot + "/secrets";
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return ids;
    throwErrno("open '{}'", root);
  }
  ScopeExit close([d] { ::closedir(d); });
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (isSecretId(name) && pathExists(dir(name) + "/secret.json")) ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string SecretStore::resolve(std::string_view nameOrId) const {
  const std::string key(nameOrId);
  if (!key.empty() && key.find('/') == std::string::npos) {
    if (const auto id = names_.lookup(key); id && pathExists(dir(*id) + "/secret.json")) return *id;
    if (isSecretId(key) && pathExists(dir(key) + "/secret.json")) return key;
    std::vector<std::string> matches;
    for (const auto& id : listIds())
      if (id.starts_with(key)) matches.push_back(id);
    if (matches.size() == 1) return matches.front();
    if (matches.size() > 1)
      throwError(Errc::InvalidArgument, "more than one result secret with prefix {}", key);
  }
  throwError(Errc::NoSuchObject, "no secret with name or id \"{}\": no such secret", nameOrId);
}

bool SecretStore::exists(std::string_view nameOrId) const {
  try {
    resolve(nameOrId);
    return true;
  } catch (const Error& e) {
    if (e.kind() == Errc::NoSuchObject) return false;
    throw;
  }
}

SecretRecord SecretStore::read(const std::string& id) const {
  const std::string path = dir(id) + "/secret.json";
  return SecretRecord::fromJson(readJsonFile(path), path);
}

std::string SecretStore::readData(const std::string& id) const {
  return readFile(dir(id) + "/data");
}

void SecretStore::remove(const std::string& id) const {
  const SecretRecord record = read(id);
  FileLock lock = names_.lock();
  const std::string doomed =
      paths_.graphRoot + "/secrets/" + std::string(kHiddenPrefix) + "rm-" + id;
  if (::rename(dir(id).c_str(), doomed.c_str()) != 0) throwErrno("remove secret '{}'", dir(id));
  names_.release(record.name, id);
  removeAll(doomed);
}

}  // namespace berth::state
