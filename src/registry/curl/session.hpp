// SPDX-License-Identifier: Apache-2.0
// One registry host as the distribution protocol sees it: the scheme found
// by the /v2/ ping, the auth challenge, credentials and bearer tokens per
// scope, retries. Thread-safe: layer workers share it, each with its own
// HttpClient. Internal to the registry plugin.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "berth/registry/auth.hpp"
#include "berth/registry/registry_plugin.hpp"
#include "http_client.hpp"

namespace berth::registry::detail {

/// An HTTP error answer of the registry, with the distribution spec's
/// error code ("MANIFEST_UNKNOWN") when the body had one.
class RegistryError : public Error {
 public:
  RegistryError(Errc kind, std::string message, long status, std::string code)
      : Error(kind, std::move(message)), status_(status), code_(std::move(code)) {}
  long status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  long status_;
  std::string code_;
};

class Session {
 public:
  /// `host` as in a reference ("docker.io" is reached at registry-1.docker.io).
  Session(std::string host, AccessOptions access, ProgressSink progress);

  const std::string& host() const noexcept { return host_; }
  /// "https://host" or "http://host" (after ping()).
  std::string baseUrl() const;

  /// GET /v2/: picks the scheme (https; with `insecure` also http when
  /// https fails) and remembers the auth challenge. Throws the transport
  /// error of the last scheme tried.
  void ping(HttpClient& client);

  /// Sends `request` (its url relative to baseUrl() when it starts with
  /// "/") with authorization for `scope` ("repository:a/b:pull"), fetching
  /// a token on a 401 (once more when a cached token has expired).
  /// Connection errors and 5xx/429 answers are retried with back-off;
  /// `onRetry` runs before each retry (to rewind a body or resume a
  /// download with a Range).
  HttpResponse send(HttpClient& client, HttpRequest request, const std::string& scope,
                    const std::function<void(HttpRequest&)>& onRetry = {});

  /// Whether credentials were given or found for this host/repository.
  std::optional<Credentials> credentialsFor(const std::string& repository) const;

  /// Forces authentication now for `scope` (login): a token for bearer
  /// registries, a Basic-authenticated GET /v2/ otherwise.
  void authenticate(HttpClient& client, const std::string& scope);

  TlsOptions tls() const { return tls_; }

 private:
  std::string authorization(HttpClient& client, const std::string& scope, bool refresh);
  std::string fetchToken(HttpClient& client, const std::string& scope);

  std::string host_;
  std::string endpoint_;  ///< host[:port] to connect to
  AccessOptions access_;
  ProgressSink progress_;
  TlsOptions tls_;
  std::string scheme_ = "https";

  std::mutex mutex_;  // guards the members below
  std::optional<Challenge> challenge_;
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, Token> tokens_;
  std::string repositoryHint_;  ///< the first repository seen, for credential lookup
};

/// "manifest unknown: manifest unknown" from a distribution error body
/// ({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}),
/// else "<status text>"; sets `code` to the first error code.
std::string describeErrorBody(const HttpResponse& response, std::string* code = nullptr);

/// Runs job(client, i) for every i below `count` on up to `parallel`
/// threads (the caller's among them), each thread with its own connection.
/// Once a job throws no new one starts; the first exception is rethrown
/// after every thread has stopped.
void runParallel(std::size_t count, int parallel,
                 const std::function<void(HttpClient&, std::size_t)>& job);

}  // namespace berth::registry::detail
