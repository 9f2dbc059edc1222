// SPDX-License-Identifier: Apache-2.0
// Secrets (Podman's pkg/domain/infra/abi/secrets.go with the file driver):
// create, inspect, ls, rm, exists. The data never leaves the store except
// into a starting container (mount_sources.cpp).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/spec/parse.hpp"
#include "berth/state/secret_store.hpp"

namespace berth::engine {

namespace {

std::string newSecretId() {
  std::random_device random;
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  while (id.size() < 25)
    id += kHex[random() & 15U];
  return id;
}

// Reads at most the limit plus one byte: enough to refuse an oversize one.
std::string readSecretSource(int fd, const std::string& what) {
  std::string data;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read {}", what);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
    if (data.size() >= state::kSecretMaxSize) break;
  }
  return data;
}

Json secretJson(const state::StorePaths& paths, const state::SecretRecord& record) {
  const std::string created = format::formatRfc3339Nano(record.createdNs);
  return Json{{"ID", record.id},
              {"CreatedAt", created},
              {"UpdatedAt", created},
              {"Spec",
               {{"Name", record.name},
                {"Driver",
                 {{"Name", record.driver}, {"Options", {{"path", paths.graphRoot + "/secrets"}}}}},
                {"Labels", record.labels.empty() ? Json::object() : Json(record.labels)}}}};
}

}  // namespace

std::string Engine::createSecret(const SecretCreateRequest& request) const {
  enterUserNamespace();
  state::prepareStore(paths_);
  if (!request.driver.empty() && request.driver != "file")
    throwError(Errc::InvalidArgument, "secret driver \"{}\" is not supported: expected file",
               request.driver);
  state::validateSecretName(request.name);
  state::SecretRecord record;
  record.id = newSecretId();
  record.name = request.name;
  record.createdNs = format::nowNs();
  for (const auto& label : request.labels)
    spec::parseKeyValue(label, "label", record.labels);
  std::string data;
  if (request.data) {
    data = *request.data;
    if (data.empty() || data.size() >= 512000)
      throwError(Errc::InvalidArgument, "secret {}: data must be 1 byte to 512000 bytes",
                 request.name);
  } else if (request.fromEnv) {
    const char* value = std::getenv(request.source.c_str());
    if (value == nullptr)
      throwError(Errc::InvalidArgument,
                 "cannot create store secret data: environment variable {} is not set",
                 request.source);
    data = value;
  } else if (request.source == "-") {
    data = readSecretSource(STDIN_FILENO, "standard input");
  } else {
    const UniqueFd fd = openFile(request.source, O_RDONLY);
    data = readSecretSource(fd.get(), request.source);
  }
  state::SecretStore(paths_).create(record, data);
  return record.id;
}

Json Engine::inspectSecret(const std::string& nameOrId) const {
  const state::SecretStore store(paths_);
  return secretJson(paths_, store.read(store.resolve(nameOrId)));
}

bool Engine::secretExists(const std::string& nameOrId) const {
  return state::SecretStore(paths_).exists(nameOrId);
}

std::vector<std::string> Engine::secretIds() const {
  return state::SecretStore(paths_).listIds();
}

Json Engine::listSecrets(const std::vector<std::string>& filters) const {
  std::vector<std::pair<std::string, std::string>> parsed;
  for (const auto& filter : filters) {
    const auto eq = filter.find('=');
    const std::string key = filter.substr(0, eq);
    if (eq == std::string::npos || (key != "name" && key != "id"))
      throwError(Errc::InvalidArgument, "invalid filter \"{}\"", filter);
    parsed.emplace_back(key, filter.substr(eq + 1));
  }
  const state::SecretStore store(paths_);
  std::vector<state::SecretRecord> records;
  for (const auto& id : store.listIds()) {
    const auto record = store.read(id);
    std::map<std::string, bool> byKey;
    for (const auto& [key, value] : parsed) {
      const bool match = key == "name" ? record.name.find(value) != std::string::npos
                                       : record.id.starts_with(value);
      byKey[key] = byKey[key] || match;
    }
    if (std::all_of(byKey.begin(), byKey.end(), [](const auto& kv) { return kv.second; }))
      records.push_back(record);
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.createdNs < b.createdNs; });
  Json out = Json::array();
  for (const auto& record : records)
    out.push_back(secretJson(paths_, record));
  return out;
}

std::string Engine::removeSecret(const std::string& nameOrId) const {
  enterUserNamespace();
  const state::SecretStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  store.remove(id);
  return id;
}

}  // namespace berth::engine
