// SPDX-License-Identifier: Apache-2.0
#include "http_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <mutex>

#include "berth/base/log.hpp"

namespace berth::registry::detail {

namespace {

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  bool aborted = false;
  bool statusSent = false;
};

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or 100)
    t->response->headers.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.erase(0, 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.pop_back();
  t->response->headers[name] = value;
  return size * count;
}

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  HttpResponse& response = *t->response;
  if (t->request->sink && response.status / 100 == 2) {
    if (!t->statusSent && t->request->onStatus) t->request->onStatus(response.status);
    t->statusSent = true;
    if (!t->request->sink(data, n)) {
      t->aborted = true;
      return 0;
    }
    return n;
  }
  if (response.body.size() + n > t->request->maxBody) {
    response.bodyTooLarge = true;
    t->aborted = true;
    return 0;
  }
  response.body.append(data, n);
  return n;
}

std::size_t onRead(char* buffer, std::size_t size, std::size_t count, void* user) {
  const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(user));
  const ssize_t n = ::read(fd, buffer, size * count);
  if (n < 0) return CURL_READFUNC_ABORT;
  return static_cast<std::size_t>(n);
}

bool isRetriable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string goMethod(const std::string& method) {
  std::string out;
  for (std::size_t i = 0; i < method.size(); ++i)
    out +=
        static_cast<char>(i == 0 ? method[i] : std::tolower(static_cast<unsigned char>(method[i])));
  return out;
}

HttpClient::HttpClient() {
  globalInit();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throwError(Errc::Internal, "curl_easy_init failed");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

HttpResponse HttpClient::perform(const HttpRequest& request) {
  CURL* c = curl_;
  curl_easy_reset(c);
  HttpResponse response;
  Transfer transfer{&request, &response};
  char errorBuffer[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "berth/0.1 containers/image");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 byte/s for 60 s) is a connection error.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);
  if (!request.tls.verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!request.tls.caBundle.empty()) {
    curl_blob blob{const_cast<char*>(request.tls.caBundle.data()), request.tls.caBundle.size(),
                   CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!request.tls.clientCert.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, request.tls.clientCert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, request.tls.clientKey.c_str());
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.bodyFd >= 0) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
    curl_easy_setopt(c, CURLOPT_READDATA,
                     reinterpret_cast<void*>(static_cast<std::intptr_t>(request.bodyFd)));
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.bodySize));
  } else if (request.method == "PUT" || request.method == "PATCH" || request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.resumeFrom > 0)
    curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(request.resumeFrom));
  curl_slist* headers = nullptr;
  for (const auto& header : request.headers)
    headers = curl_slist_append(headers, header.c_str());
  // No "Expect: 100-continue" round trip on uploads.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  // The status must be known before the body arrives (the sink only takes
  // 2xx bodies): read it from the header callback's status line.
  struct StatusPeek {
    static std::size_t header(char* data, std::size_t size, std::size_t count, void* user) {
      auto* t = static_cast<Transfer*>(user);
      const std::string_view line(data, size * count);
      if (line.rfind("HTTP/", 0) == 0) {
        const auto space = line.find(' ');
        if (space != std::string_view::npos)
          t->response->status =
              std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
      }
      return onHeader(data, size, count, user);
    }
  };
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, StatusPeek::header);

  const CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) response.status = status;
  if (code != CURLE_OK && !(transfer.aborted && response.bodyTooLarge)) {
    if (transfer.aborted && code == CURLE_WRITE_ERROR)
      throw TransportError(
          fmt::format("{} \"{}\": transfer aborted", goMethod(request.method), request.url), code,
          false);
    std::string reason = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(code);
    // Go's wording for TLS spoken to a plain-HTTP server, which users know.
    if (reason.find("wrong version number") != std::string::npos)
      reason = "http: server gave HTTP response to HTTPS client";
    throw TransportError(
        fmt::format("{} \"{}\": {}", goMethod(request.method), request.url, reason), code,
        isRetriable(code));
  }
  logDebug("{} {} -> {}", request.method, request.url, response.status);
  return response;
}

}  // namespace berth::registry::detail
