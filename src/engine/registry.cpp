// SPDX-License-Identifier: Apache-2.0
// Engine::pull, push, login, logout: names resolved with registries.conf,
// credentials from the auth files, then the registry plugin (libcurl) does
// the network work.
#include <unistd.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/log.hpp"
#include "berth/base/prompt.hpp"
#include "berth/engine/engine.hpp"
#include "berth/image/reference.hpp"
#include "berth/image/store.hpp"
#include "berth/registry/auth.hpp"
#include "berth/registry/registries_conf.hpp"
#include "berth/registry/registry_plugin.hpp"
#include "berth/spec/healthcheck.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

using registry::ProgressEvent;

void note(const Engine::ProgressSink& progress, std::string text) {
  if (progress) progress(ProgressEvent{ProgressEvent::Kind::Note, "", 0, 0, std::move(text)});
}

/// The access options for the plugin; `insecure` from --tls-verify or, when
/// unset, registries.conf.
registry::AccessOptions accessOptions(const Engine::RegistryAccess& access, bool rootless) {
  registry::AccessOptions options;
  if (!access.creds.empty()) options.credentials = registry::parseCredsFlag(access.creds);
  options.authFiles = registry::authFilesToRead(access.authFile, rootless);
  options.certDir = access.certDir;
  options.rootless = rootless;
  if (access.retries) {
    if (*access.retries < 0)
      throwError(Errc::InvalidArgument, "invalid --retry {}: must not be negative",
                 *access.retries);
    options.retries = *access.retries;
  }
  if (!access.retryDelay.empty()) {
    const std::int64_t ns = spec::parseGoDuration(access.retryDelay, "--retry-delay");
    if (ns < 0)
      throwError(Errc::InvalidArgument, "invalid --retry-delay \"{}\": must not be negative",
                 access.retryDelay);
    options.retryDelayMs = static_cast<int>(ns / 1000000);
  }
  return options;
}

/// "docker://x" is x; other transports are not registries.
std::string stripDockerTransport(const std::string& name, std::string_view verb) {
  if (name.rfind("docker://", 0) == 0) return name.substr(9);
  const auto colon = name.find(':');
  if (colon != std::string::npos) {
    const std::string transport = name.substr(0, colon);
    for (const char* known : {"oci", "oci-archive", "docker-archive", "dir", "containers-storage",
                              "docker-daemon", "sif", "tarball"})
      if (transport == known)
        throwError(Errc::Unsupported, "{} {}: the {} transport is not supported, only docker://",
                   verb, name, transport);
  }
  return name;
}

/// The prompt for the ambiguous short name `name` when stdin and stdout are
/// a terminal (as containers/image checks), else none.
registry::ShortNameChooser terminalChooser(const std::string& name) {
  if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0) return {};
  return [name](const std::vector<std::string>& candidates) {
    try {
      return promptSelect("Please select an image", candidates, STDIN_FILENO, STDOUT_FILENO);
    } catch (const Error& e) {
      throw e.wrapped(fmt::format("short-name \"{}\" not resolved", name));
    }
  };
}

/// The registry part of a login argument ("quay.io/org" -> key
/// "quay.io/org", host "quay.io"), without a scheme.
std::string loginKey(std::string registry) {
  for (std::string_view scheme : {"http://", "https://"})
    if (registry.rfind(scheme, 0) == 0) registry = registry.substr(scheme.size());
  while (!registry.empty() && registry.back() == '/')
    registry.pop_back();
  if (registry == "index.docker.io" || registry == "registry-1.docker.io") registry = "docker.io";
  return registry;
}

}  // namespace

Engine::PullReport Engine::pull(const PullRequest& request, const ProgressSink& progress) const {
  if (request.image.empty()) throwError(Errc::InvalidArgument, "requires at least 1 arg(s)");
  const registry::PlatformWant platform =
      registry::parsePlatformFlags(request.platform, request.os, request.arch, request.variant);
  registry::AccessOptions access = accessOptions(request.access, paths_.rootless);
  std::string name = stripDockerTransport(request.image, "pull");
  // A short name that names a local image is pulled under that image's
  // name, without short-name resolution (libimage, containers/podman#12698).
  if (image::isShortName(name)) {
    try {
      if (const auto local = image::ImageStore(paths_).lookup(name))
        for (const auto& stored : local->names)
          if (image::matchesShortName(image::parseReference(stored), name)) {
            name = stored;
            break;
          }
    } catch (const Error&) {
      // Not a name the store can look up: resolution reports it below.
    }
  }
  const registry::RegistriesConf conf = registry::RegistriesConf::load(paths_.rootless);
  const registry::ShortNameResolution resolution =
      registry::resolveShortName(conf, name, terminalChooser(name));
  if (!resolution.note.empty()) note(progress, resolution.note);

  // Layers are extracted with the image's owners: inside the user namespace,
  // entered before the plugin can start threads.
  enterUserNamespace();
  state::prepareStore(paths_);
  const registry::RegistryPlugin& plugin = registry::registryPlugin();
  std::vector<std::string> errors;
  std::optional<Error> only;
  for (const auto& candidate : resolution.candidates) {
    std::vector<registry::PullSource> sources;
    try {
      sources = conf.pullSources(candidate);
    } catch (const Error& e) {
      errors.push_back(e.message());
      only = e;
      continue;
    }
    note(progress, "Trying to pull " + candidate + "...");
    for (const auto& source : sources) {
      registry::PullOptions options;
      options.reference = source.reference;
      const image::Reference ref = image::parseReference(candidate);
      // By digest the image is named repository@digest (no tag), as
      // Podman names it: `images` shows it with tag <none>, `run` finds it.
      options.name = ref.isDigested() ? ref.name() + "@" + ref.digest : candidate;
      options.platform = platform;
      options.access = access;
      options.access.insecure =
          request.access.tlsVerify ? !*request.access.tlsVerify : source.insecure;
      try {
        const registry::PullResult result = plugin.pull(paths_, options, progress);
        detail::emitImageEvent(paths_, "pull", result.imageId, candidate);
        // As libimage: a failure to record is logged, the pull stands.
        if (!resolution.aliasToRecord.empty()) try {
            registry::recordShortNameAlias(registry::shortNameAliasesFile(paths_.rootless),
                                           resolution.aliasToRecord, ref.name());
          } catch (const Error& e) {
            logAt(LogLevel::Error, "recording short-name alias \"{}\"=\"{}\": {}",
                  resolution.aliasToRecord, ref.name(), e.message());
          }
        return PullReport{result.imageId, candidate, result.warnings};
      } catch (const Error& e) {
        errors.push_back(e.message());
        only = e;
      }
    }
  }
  if (errors.size() == 1) throw *only;
  std::string message = fmt::format("{} errors occurred while pulling:", errors.size());
  for (const auto& error : errors)
    message += "\n * " + error;
  throw Error(only ? only->kind() : Errc::Internal, message);
}

std::vector<Engine::PullReport> Engine::pullAllTags(const PullRequest& request,
                                                    const ProgressSink& progress) const {
  const std::string name = stripDockerTransport(request.image, "pull");
  const image::Reference parsed = image::parseReference(name);
  if (parsed.isTagged() || parsed.isDigested())
    throwError(Errc::InvalidArgument, "{}: tag can't be used with --all-tags/-a", request.image);
  registry::AccessOptions access = accessOptions(request.access, paths_.rootless);
  const registry::RegistriesConf conf = registry::RegistriesConf::load(paths_.rootless);
  const registry::ShortNameResolution resolution =
      registry::resolveShortName(conf, name, terminalChooser(name));
  if (!resolution.note.empty()) note(progress, resolution.note);
  // The repository of the first candidate, without its default tag.
  const image::Reference repo = image::parseReference(resolution.candidates.front());
  access.insecure =
      request.access.tlsVerify ? !*request.access.tlsVerify : conf.isInsecure(repo.name());
  conf.checkNotBlocked(repo.name());
  enterUserNamespace();
  const std::vector<std::string> tags = registry::registryPlugin().listTags(repo.name(), access);
  std::vector<PullReport> reports;
  for (const auto& tag : tags) {
    PullRequest one = request;
    one.image = repo.name() + ":" + tag;
    reports.push_back(pull(one, progress));
  }
  return reports;
}

std::string Engine::push(const PushRequest& request, const ProgressSink& progress) const {
  if (request.image.empty()) throwError(Errc::InvalidArgument, "requires at least 1 arg(s)");
  if (!request.format.empty() && request.format != "oci" && request.format != "v2s2")
    throwError(Errc::InvalidArgument,
               "unsupported manifest type \"{}\": expected oci or v2s2 (v2s1 is not supported)",
               request.format);
  if (!request.compression.empty() && request.compression != "gzip" &&
      request.compression != "zstd")
    throwError(Errc::InvalidArgument,
               "unsupported compression format \"{}\": expected gzip or zstd", request.compression);
  // Local destinations: what save writes (the archive plugin).
  for (const auto& [transport, format] : {std::pair<std::string, std::string>{"oci:", "oci-dir"},
                                          {"oci-archive:", "oci-archive"},
                                          {"docker-archive:", "docker-archive"}}) {
    if (request.destination.rfind(transport, 0) != 0) continue;
    const std::string path = request.destination.substr(transport.size());
    if (path.empty() || path.find(':') != std::string::npos)
      throwError(Errc::InvalidArgument,
                 "invalid destination \"{}\": expected {}PATH (a reference after the path is "
                 "not supported)",
                 request.destination, transport);
    if (!request.format.empty() || !request.compression.empty())
      throwError(Errc::InvalidArgument,
                 "--format and --compression-format apply to docker:// destinations only");
    SaveRequest save;
    save.images = {request.image};
    save.format = format;
    save.output = path;
    this->save(save);
    return image::ImageStore(paths_).resolve(request.image).manifestDigest;
  }
  registry::AccessOptions access = accessOptions(request.access, paths_.rootless);
  image::ImageStore store(paths_);
  const image::StoredImage image = store.resolve(request.image);
  std::string destination = request.destination.empty() ? request.image : request.destination;
  destination = stripDockerTransport(destination, "push");
  const image::Reference ref = image::parseNormalizedReference(destination);
  if (image::isShortName(destination) || ref.domain == "localhost")
    throwError(Errc::InvalidArgument,
               "{}: the destination must name a registry (host[:port]/repository[:tag])",
               destination);
  registry::PushOptions options;
  options.source = image.id();
  options.destination = ref.str();
  options.format = request.format;
  options.compression = request.compression;
  options.access = access;
  const registry::RegistriesConf conf = registry::RegistriesConf::load(paths_.rootless);
  conf.checkNotBlocked(options.destination);
  options.access.insecure =
      request.access.tlsVerify ? !*request.access.tlsVerify : conf.isInsecure(options.destination);
  // The plugin only reads the store: no user namespace needed.
  const registry::PushResult result = registry::registryPlugin().push(paths_, options, progress);
  if (!request.digestFile.empty()) writeFileAtomic(request.digestFile, result.manifestDigest, 0644);
  detail::emitImageEvent(paths_, "push", image.id(), ref.str());
  return result.manifestDigest;
}

void Engine::login(const LoginRequest& request) const {
  std::string registry = request.registry;
  if (registry.empty()) {
    const auto conf = registry::RegistriesConf::load(paths_.rootless);
    if (conf.searchRegistries.empty())
      throwError(Errc::InvalidArgument, "please provide a registry to login to");
    registry = conf.searchRegistries.front();
  }
  if (registry.rfind("docker://", 0) == 0) registry = registry.substr(9);
  const std::string key = loginKey(registry);
  if (request.username.empty()) throwError(Errc::InvalidArgument, "username is required");
  if (request.password.empty()) throwError(Errc::InvalidArgument, "password is required");
  const std::string authFile = request.access.authFile.empty()
                                   ? registry::defaultAuthFile(paths_.rootless)
                                   : request.access.authFile;
  registry::LoginOptions options;
  options.registry = key;
  options.credentials = registry::Credentials{request.username, request.password};
  options.access = accessOptions(request.access, paths_.rootless);
  const registry::RegistriesConf conf = registry::RegistriesConf::load(paths_.rootless);
  options.access.insecure =
      request.access.tlsVerify ? !*request.access.tlsVerify : conf.isInsecure(key);
  registry::registryPlugin().checkLogin(options);
  registry::storeCredentials(authFile, key, options.credentials);
}

std::string Engine::loginUser(const std::string& registry, const std::string& authFile) const {
  if (registry.empty()) throwError(Errc::InvalidArgument, "please provide a registry");
  const std::string key = loginKey(registry);
  const auto creds =
      registry::lookupCredentials(registry::authFilesToRead(authFile, paths_.rootless), key);
  if (!creds) throwError(Errc::InvalidArgument, "not logged into {}", key);
  return creds->username;
}

void Engine::logout(const std::string& registry, const std::string& authFile, bool all) const {
  const std::string file = authFile.empty() ? registry::defaultAuthFile(paths_.rootless) : authFile;
  if (all) {
    registry::removeAllCredentials(file);
    return;
  }
  if (registry.empty()) throwError(Errc::InvalidArgument, "registry must be given");
  const std::string key = loginKey(registry);
  if (!registry::removeCredentials(file, key)) {
    // Podman: credentials found only in Docker's file are not removed.
    const auto other =
        registry::lookupCredentials(registry::authFilesToRead("", paths_.rootless), key);
    if (other && authFile.empty())
      throwError(Errc::InvalidArgument,
                 "not logged into {} with berth; credentials come from another auth file (e.g. "
                 "~/.docker/config.json)",
                 key);
    throwError(Errc::InvalidArgument, "not logged into {}", key);
  }
}

}  // namespace berth::engine
