// SPDX-License-Identifier: Apache-2.0
#include "session.hpp"

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/base/log.hpp"

namespace berth::registry::detail {

namespace {

std::string urlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

/// The repository of a scope "repository:a/b:pull,push" ("" for none).
std::string scopeRepository(const std::string& scope) {
  if (scope.rfind("repository:", 0) != 0) return "";
  const std::string rest = scope.substr(11);
  return rest.substr(0, rest.rfind(':'));
}

/// containers/image's certificate directories for a host: --cert-dir, else
/// (rootless) ~/.config/containers/certs.d/HOST, /etc/containers/certs.d/HOST,
/// /etc/docker/certs.d/HOST. *.crt are CAs, NAME.cert + NAME.key a client pair.
TlsOptions loadTls(const std::string& host, const AccessOptions& access) {
  TlsOptions tls;
  tls.verify = true;
  std::vector<std::string> dirs;
  if (!access.certDir.empty()) {
    dirs.push_back(access.certDir);
  } else {
    if (access.rootless) {
      const char* home = ::getenv("HOME");
      if (home != nullptr)
        dirs.push_back(std::string(home) + "/.config/containers/certs.d/" + host);
    }
    dirs.push_back("/etc/containers/certs.d/" + host);
    dirs.push_back("/etc/docker/certs.d/" + host);
  }
  std::string extra;
  for (const auto& dir : dirs) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(d))
      names.emplace_back(entry->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const auto ends = [&](std::string_view suffix) {
        return name.size() > suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      if (ends(".crt")) {
        extra += readFile(dir + "/" + name) + "\n";
      } else if (ends(".cert")) {
        const std::string key = dir + "/" + name.substr(0, name.size() - 5) + ".key";
        if (!pathExists(key))
          throwError(Errc::InvalidArgument, "missing key {} for client certificate {}/{}", key, dir,
                     name);
        tls.clientCert = dir + "/" + name;
        tls.clientKey = key;
      }
    }
    if (!access.certDir.empty() || !extra.empty()) break;
  }
  if (!extra.empty()) {
    // CAINFO_BLOB replaces the default bundle: keep the system's CAs too.
    for (const char* bundle :
         {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"})
      if (auto text = readFileIfExists(bundle)) {
        extra = *text + "\n" + extra;
        break;
      }
    tls.caBundle = extra;
  }
  return tls;
}

}  // namespace

std::string describeErrorBody(const HttpResponse& response, std::string* code) {
  try {
    const Json body = Json::parse(response.body);
    if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
        !body["errors"].empty() && body["errors"][0].is_object()) {
      const Json& first = body["errors"][0];
      std::string errorCode = first.value("code", "");
      if (code != nullptr) *code = errorCode;
      std::string described = errorCode;
      std::transform(described.begin(), described.end(), described.begin(), [](char c) {
        return c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      });
      const std::string message = first.value("message", "");
      return message.empty() ? described : described + ": " + message;
    }
  } catch (const std::exception&) {
  }
  switch (response.status) {
    case 401:
      return "unauthorized: authentication required";
    case 403:
      return "denied: requested access to the resource is denied";
    case 404:
      return "not found";
    case 429:
      return "too many requests";
    default:
      break;
  }
  return fmt::format("received unexpected HTTP status: {}", response.status);
}

Session::Session(std::string host, AccessOptions access, ProgressSink progress)
    : host_(std::move(host)), access_(std::move(access)), progress_(std::move(progress)) {
  endpoint_ = host_ == "docker.io" ? "registry-1.docker.io" : host_;
  tls_ = loadTls(host_, access_);
  if (access_.insecure) tls_.verify = false;
}

std::string Session::baseUrl() const {
  return scheme_ + "://" + endpoint_;
}

void Session::ping(HttpClient& client) {
  const std::vector<std::string> schemes = access_.insecure
                                               ? std::vector<std::string>{"https", "http"}
                                               : std::vector<std::string>{"https"};
  for (std::size_t i = 0; i < schemes.size(); ++i) {
    HttpRequest request;
    request.url = schemes[i] + "://" + endpoint_ + "/v2/";
    request.tls = tls_;
    HttpResponse response;
    for (int attempt = 0;; ++attempt) {
      try {
        response = client.perform(request);
        break;
      } catch (const TransportError& e) {
        const bool last = i + 1 == schemes.size();
        if (!last) break;  // try the next scheme first
        if (!e.retriable() || attempt >= access_.retries) throw;
        const int delay = access_.retryDelayMs << std::min(attempt, 10);
        if (progress_)
          progress_(ProgressEvent{ProgressEvent::Kind::Retrying, "", 0, 0,
                                  fmt::format("Failed, retrying in {} ... ({}/{}). Error: {}",
                                              delay % 1000 == 0 ? fmt::format("{}s", delay / 1000)
                                                                : fmt::format("{}ms", delay),
                                              attempt + 1, access_.retries, e.what())});
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      }
    }
    if (response.status == 0) continue;  // transport failure on https: try http
    if (response.status != 200 && response.status != 401)
      throwError(Errc::Internal, "Get \"{}\": {}", request.url, describeErrorBody(response));
    scheme_ = schemes[i];
    std::lock_guard lock(mutex_);
    if (response.status == 401) {
      for (const auto& challenge : parseWwwAuthenticate(response.header("www-authenticate")))
        if (challenge.scheme == "bearer" || challenge.scheme == "basic") {
          challenge_ = challenge;
          break;
        }
    }
    return;
  }
}

std::optional<Credentials> Session::credentialsFor(const std::string& repository) const {
  if (access_.credentials) return access_.credentials;
  return lookupCredentials(access_.authFiles,
                           repository.empty() ? host_ : host_ + "/" + repository);
}

std::string Session::fetchToken(HttpClient& client, const std::string& scope) {
  Challenge challenge;
  {
    std::lock_guard lock(mutex_);
    challenge = *challenge_;
  }
  const std::string realm = challenge.param("realm");
  if (realm.empty())
    throwError(Errc::InvalidArgument, "registry {}: bearer challenge without a realm", host_);
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  std::string query;
  if (!challenge.param("service").empty())
    query += "service=" + urlEncode(challenge.param("service"));
  if (!scope.empty())
    query += (query.empty() ? "" : "&") + std::string("scope=") + urlEncode(scope);
  url += query;
  HttpRequest request;
  request.url = url;
  request.tls = tls_;
  request.maxBody = 1 << 20;
  const auto creds = credentialsFor(scopeRepository(scope));
  if (creds && !creds->empty())
    request.headers.push_back("Authorization: Basic " +
                              base64Encode(creds->username + ":" + creds->password));
  HttpResponse response = client.perform(request);
  if (response.status == 401)
    throwError(Errc::PermissionDenied,
               "unable to retrieve auth token: invalid username/password: {}",
               describeErrorBody(response));
  if (response.status != 200)
    throwError(Errc::Internal, "unable to retrieve auth token: {} {}: {}", url, response.status,
               describeErrorBody(response));
  Json body;
  try {
    body = Json::parse(response.body);
  } catch (const std::exception&) {
    throwError(Errc::Internal, "unable to retrieve auth token: {}: the answer is not JSON", realm);
  }
  std::string token = body.is_object() ? body.value("token", "") : "";
  if (token.empty() && body.is_object()) token = body.value("access_token", "");
  if (token.empty())
    throwError(Errc::Internal, "unable to retrieve auth token: {}: no token in the answer", realm);
  long expiresIn = body.is_object() && body.contains("expires_in") && body["expires_in"].is_number()
                       ? body["expires_in"].get<long>()
                       : 60;
  if (expiresIn < 1) expiresIn = 60;
  std::lock_guard lock(mutex_);
  // Renew a little early so a token does not expire between check and use.
  tokens_[scope] = Token{
      token, std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1L, expiresIn - 5))};
  return token;
}

std::string Session::authorization(HttpClient& client, const std::string& scope, bool refresh) {
  std::optional<Challenge> challenge;
  {
    std::lock_guard lock(mutex_);
    challenge = challenge_;
  }
  if (!challenge) return "";
  if (challenge->scheme == "basic") {
    const auto creds = credentialsFor(scopeRepository(scope));
    if (!creds || creds->empty()) return "";
    return "Authorization: Basic " + base64Encode(creds->username + ":" + creds->password);
  }
  if (!refresh) {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(scope);
    if (it != tokens_.end() && it->second.expires > std::chrono::steady_clock::now())
      return "Authorization: Bearer " + it->second.value;
  }
  return "Authorization: Bearer " + fetchToken(client, scope);
}

void Session::authenticate(HttpClient& client, const std::string& scope) {
  std::optional<Challenge> challenge;
  {
    std::lock_guard lock(mutex_);
    challenge = challenge_;
  }
  if (!challenge) return;  // the registry asks for nothing
  if (challenge->scheme == "bearer") {
    fetchToken(client, scope);
    return;
  }
  HttpRequest request;
  request.url = baseUrl() + "/v2/";
  request.tls = tls_;
  const std::string header = authorization(client, scope, false);
  if (!header.empty()) request.headers.push_back(header);
  const HttpResponse response = client.perform(request);
  if (response.status == 401) throwError(Errc::PermissionDenied, "invalid username/password");
  if (response.status != 200)
    throwError(Errc::Internal, "Get \"{}\": {}", request.url, describeErrorBody(response));
}

HttpResponse Session::send(HttpClient& client, HttpRequest request, const std::string& scope,
                           const std::function<void(HttpRequest&)>& onRetry) {
  if (!request.url.empty() && request.url[0] == '/') request.url = baseUrl() + request.url;
  request.tls = tls_;
  const std::vector<std::string> baseHeaders = request.headers;
  bool refreshed = false;
  int attempt = 0;
  const auto backOff = [&](const std::string& why) {
    const int delay = access_.retryDelayMs << std::min(attempt, 10);
    ++attempt;
    if (progress_)
      progress_(ProgressEvent{ProgressEvent::Kind::Retrying, "", 0, 0,
                              fmt::format("Failed, retrying in {} ... ({}/{}). Error: {}",
                                          delay % 1000 == 0 ? fmt::format("{}s", delay / 1000)
                                                            : fmt::format("{}ms", delay),
                                          attempt, access_.retries, why)});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (onRetry) onRetry(request);
  };
  bool forceRefresh = false;
  const int retries = request.maxRetries >= 0 ? request.maxRetries : access_.retries;
  while (true) {
    request.headers = baseHeaders;
    const std::string header = authorization(client, scope, forceRefresh);
    forceRefresh = false;
    if (!header.empty()) request.headers.push_back(header);
    HttpResponse response;
    try {
      response = client.perform(request);
    } catch (const TransportError& e) {
      if (!e.retriable() || attempt >= retries) throw;
      backOff(e.what());
      continue;
    }
    if (response.status == 401 && !refreshed) {
      // An expired token, or a registry that wants auth only for this
      // repository: take its challenge, fetch a fresh token, try once more.
      refreshed = true;
      for (const auto& challenge : parseWwwAuthenticate(response.header("www-authenticate")))
        if (challenge.scheme == "bearer" || challenge.scheme == "basic") {
          std::lock_guard lock(mutex_);
          challenge_ = challenge;
          tokens_.erase(scope);
          break;
        }
      bool haveChallenge;
      {
        std::lock_guard lock(mutex_);
        haveChallenge = challenge_.has_value();
      }
      if (haveChallenge) {
        forceRefresh = true;
        if (onRetry) onRetry(request);
        continue;
      }
    }
    if ((response.status >= 500 || response.status == 429) && attempt < retries) {
      backOff(fmt::format("{} \"{}\": {}", goMethod(request.method), request.url,
                          describeErrorBody(response)));
      continue;
    }
    return response;
  }
}

void runParallel(std::size_t count, int parallel,
                 const std::function<void(HttpClient&, std::size_t)>& job) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  const auto worker = [&] {
    HttpClient own;
    for (;;) {
      const std::size_t i = next++;
      if (i >= count) return;
      {
        std::lock_guard lock(failureMutex);
        if (failure) return;
      }
      try {
        job(own, i);
      } catch (...) {
        std::lock_guard lock(failureMutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  const std::size_t threads = std::max<std::size_t>(
      1, std::min<std::size_t>(static_cast<std::size_t>(std::max(1, parallel)), count));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& thread : pool)
    thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace berth::registry::detail
