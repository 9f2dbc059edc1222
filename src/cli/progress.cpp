// SPDX-License-Identifier: Apache-2.0
#include "progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "berth/base/log.hpp"
#include "berth/format/human.hpp"

namespace berth::cli {

namespace {

using Event = registry::ProgressEvent;
using Clock = std::chrono::steady_clock;

std::string shortDigest(const std::string& digest) {
  const auto colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

/// Terminal mode: one line per blob, redrawn in place.
class Bars {
 public:
  void handle(const Event& event) {
    switch (event.kind) {
      case Event::Kind::BlobStart:
      case Event::Kind::BlobSkipped: {
        Bar bar;
        bar.digest = event.digest;
        bar.total = event.total;
        bar.started = Clock::now();
        bar.skipped = event.kind == Event::Kind::BlobSkipped;
        bar.done = bar.skipped;
        bars_.push_back(bar);
        std::fputs("\n", stderr);
        redraw();
        return;
      }
      case Event::Kind::BlobBytes:
      case Event::Kind::BlobDone:
        for (auto& bar : bars_)
          if (bar.digest == event.digest) {
            bar.bytes = event.done;
            if (event.kind == Event::Kind::BlobDone) bar.done = true;
          }
        if (event.kind == Event::Kind::BlobDone ||
            Clock::now() - lastDraw_ > std::chrono::milliseconds(100))
          redraw();
        return;
      default:
        return;
    }
  }

 private:
  struct Bar {
    std::string digest;
    std::uint64_t total = 0;
    std::uint64_t bytes = 0;
    Clock::time_point started;
    bool skipped = false;
    bool done = false;
  };

  void redraw() {
    lastDraw_ = Clock::now();
    std::string out = fmt::format("\x1b[{}A", bars_.size());
    for (const auto& bar : bars_) {
      std::string line = "Copying blob " + shortDigest(bar.digest) + " ";
      if (bar.skipped) {
        line += "skipped: already exists";
      } else if (bar.done) {
        line += "done";
      } else {
        const double seconds = std::chrono::duration<double>(Clock::now() - bar.started).count();
        const double fraction =
            bar.total > 0 ? static_cast<double>(bar.bytes) / static_cast<double>(bar.total) : 0;
        const int width = 30;
        const int filled = static_cast<int>(fraction * width);
        line += "[" + std::string(static_cast<std::size_t>(filled), '=') +
                (filled < width ? ">" : "") +
                std::string(static_cast<std::size_t>(std::max(0, width - filled - 1)), '-') + "] ";
        line += format::humanSize(static_cast<double>(bar.bytes)) + " / " +
                format::humanSize(static_cast<double>(bar.total));
        if (seconds > 0.2)
          line += " | " + format::humanSize(static_cast<double>(bar.bytes) / seconds) + "/s";
      }
      out += "\r\x1b[2K" + line + "\n";
    }
    std::fputs(out.c_str(), stderr);
    std::fflush(stderr);
  }

  std::vector<Bar> bars_;
  Clock::time_point lastDraw_;
};

}  // namespace

engine::Engine::ProgressSink progressPrinter(bool quiet) {
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto bars = std::make_shared<Bars>();
  return [quiet, terminal, bars](const Event& event) {
    if (event.kind == Event::Kind::Retrying) {
      logWarn("{}", event.text);
      return;
    }
    if (quiet) return;
    std::string line;
    switch (event.kind) {
      case Event::Kind::Note:
        line = event.text;
        break;
      case Event::Kind::GettingSignatures:
        line = "Getting image source signatures";
        break;
      case Event::Kind::BlobStart:
      case Event::Kind::BlobSkipped:
        if (!terminal) line = "Copying blob " + event.digest;
        break;
      case Event::Kind::Config:
        line = "Copying config " + event.digest;
        break;
      case Event::Kind::WritingManifest:
        line = "Writing manifest to image destination";
        break;
      case Event::Kind::StoringSignatures:
        line = "Storing signatures";
        break;
      default:
        break;
    }
    if (terminal) bars->handle(event);
    if (!line.empty()) {
      line += "\n";
      std::fputs(line.c_str(), stderr);
      std::fflush(stderr);
    }
  };
}

engine::Engine::RegistryAccess RegistryFlags::resolved() const {
  engine::Engine::RegistryAccess out = access;
  if (tlsOption != nullptr && tlsOption->count() > 0) out.tlsVerify = tlsVerify;
  if (retryOption != nullptr && retryOption->count() > 0) out.retries = retry;
  return out;
}

void addRegistryFlags(CLI::App* app, RegistryFlags& flags, bool creds, bool certDir, bool retry) {
  app->add_option("--authfile", flags.access.authFile,
                  "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable "
                  "to override");
  if (certDir)
    app->add_option("--cert-dir", flags.access.certDir,
                    "Pathname of a directory containing TLS certificates and keys");
  if (creds)
    app->add_option("--creds", flags.access.creds,
                    "Credentials (USERNAME:PASSWORD) to use for authenticating to a registry");
  flags.tlsOption =
      app->add_flag("--tls-verify", flags.tlsVerify,
                    "Require HTTPS and verify certificates when contacting registries (default "
                    "true)");
  if (retry) {
    flags.retryOption = app->add_option(
        "--retry", flags.retry, "number of times to retry in case of failure when performing pull");
    app->add_option("--retry-delay", flags.access.retryDelay,
                    "delay between retries in case of pull failures");
  }
}

}  // namespace berth::cli
