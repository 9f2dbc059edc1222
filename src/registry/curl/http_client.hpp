// SPDX-License-Identifier: Apache-2.0
// A small HTTP client on libcurl's easy interface (one per thread). Internal
// to the registry plugin.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "berth/base/error.hpp"

typedef void CURL;

namespace berth::registry::detail {

struct TlsOptions {
  bool verify = true;
  std::string caBundle;    ///< PEM text of extra CAs ("" = the system's only)
  std::string clientCert;  ///< a PEM file path
  std::string clientKey;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;                  ///< sent when bodyFd is -1 and method needs one
  int bodyFd = -1;                   ///< streamed instead of body
  std::uint64_t bodySize = 0;
  std::uint64_t resumeFrom = 0;  ///< Range: bytes=N-
  /// Receives the response body of a 2xx answer; return false to abort.
  /// Without it, the body is collected into HttpResponse::body up to maxBody.
  std::function<bool(const char* data, std::size_t size)> sink;
  std::size_t maxBody = 4 << 20;
  /// Called with the status of a 2xx answer before its first body byte (a
  /// 200 to a Range request means the body starts over).
  std::function<void(long status)> onStatus;
  bool followRedirects = true;
  int maxRetries = -1;  ///< Session::send: -1 = the session's --retry
  TlsOptions tls;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  ///< names lower case; last value wins
  std::string body;
  bool bodyTooLarge = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// A transport failure (no HTTP answer): connection refused, DNS, TLS,
/// reset. `retriable()` for the ones worth another attempt.
class TransportError : public Error {
 public:
  TransportError(std::string message, int curlCode, bool retriable)
      : Error(Errc::Internal, std::move(message)), curlCode_(curlCode), retriable_(retriable) {}
  int curlCode() const noexcept { return curlCode_; }
  bool retriable() const noexcept { return retriable_; }

 private:
  int curlCode_;
  bool retriable_;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs the request. Throws TransportError "Get \"URL\": <reason>" when
  /// there is no answer; any HTTP status is returned.
  HttpResponse perform(const HttpRequest& request);

 private:
  CURL* curl_;
};

/// Go's net/http verb spelling for messages: "Get", "Head", "Put", ...
std::string goMethod(const std::string& method);

}  // namespace berth::registry::detail
