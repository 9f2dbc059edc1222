// SPDX-License-Identifier: Apache-2.0
// berth cp's path rules: Podman's cmd/podman/containers/cp.go, expressed as
// a pure function of the facts both sides reported.
#include "berth/engine/copy_plan.hpp"

#include <vector>

#include "berth/base/error.hpp"

namespace berth::engine {

namespace {

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// "DIR/." or ".": the directory's contents, not the directory.
bool namesContents(const std::string& path) {
  return path == "." || endsWith(path, "/.");
}

std::string baseName(const std::string& path) {
  if (path == "/") return "/";
  return path.substr(path.rfind('/') + 1);
}

std::string parentOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return path.substr(0, slash);
}

[[noreturn]] void notFound(const CopySide& side) {
  throwError(Errc::InvalidArgument, "\"{}\" could not be found on {}: no such file or directory",
             side.path, side.where);
}

/// The directory-or-file the copy lands in, and the name it gets when the
/// destination is missing (Podman's resolvedToParentDir).
struct Landing {
  CopyPathFacts facts;
  std::string newName;  ///< set when the destination does not exist yet
};

Landing landing(const CopySide& destination) {
  if (destination.facts.exists) return {destination.facts, ""};
  if (endsWith(destination.path, "/") || !destination.parent || !destination.parent->exists ||
      !destination.parent->isDir)
    notFound(destination);
  return {*destination.parent, baseName(destination.facts.resolved)};
}

}  // namespace

CopyArgument parseCopyArgument(const std::string& argument) {
  CopyArgument parsed;
  parsed.path = argument;
  if (argument.empty() || argument[0] == '.' || argument[0] == '/') return parsed;
  if (const auto colon = argument.find(':'); colon != std::string::npos) {
    parsed.container = argument.substr(0, colon);
    parsed.path = argument.substr(colon + 1);
  }
  return parsed;
}

std::string cleanPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    const std::string part = path.substr(pos, next - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = next + 1;
  }
  std::string out;
  for (const auto& part : parts)
    out += "/" + part;
  return out.empty() ? "/" : out;
}

CopyPlan planCopy(const CopySide& source, const CopySide& destination) {
  if (!source.facts.exists) notFound(source);
  const Landing land = landing(destination);
  if (source.facts.isDir && !land.facts.isDir)
    throwError(Errc::InvalidArgument, "destination must be a directory when copying a directory");

  CopyPlan plan;
  plan.sourcePath = source.facts.resolved;
  const bool contents =
      source.facts.isDir && (namesContents(source.path) || plan.sourcePath == "/");
  if (!land.newName.empty()) {
    // A new file or directory named as the destination: with "DIR/." the
    // directory itself is copied under the new name, which is the same.
    plan.topName = land.newName;
    plan.destinationDir = land.facts.resolved;
  } else if (!source.facts.isDir && !land.facts.isDir) {
    plan.topName = baseName(land.facts.resolved);  // replaces the existing file
    plan.destinationDir = parentOf(land.facts.resolved);
  } else {
    plan.topName = contents ? "" : baseName(plan.sourcePath);
    plan.destinationDir = land.facts.resolved;
  }
  return plan;
}

CopyPlan planCopyToStream(const CopySide& source) {
  if (!source.facts.exists) notFound(source);
  CopyPlan plan;
  plan.sourcePath = source.facts.resolved;
  const bool contents =
      source.facts.isDir && (namesContents(source.path) || plan.sourcePath == "/");
  plan.topName = contents ? "" : baseName(plan.sourcePath);
  return plan;
}

std::string planCopyFromStream(const CopySide& destination) {
  if (!destination.facts.exists && endsWith(destination.path, "/")) notFound(destination);
  if (!destination.facts.exists || !destination.facts.isDir)
    throwError(Errc::InvalidArgument, "destination must be a directory when copying from stdin");
  return destination.facts.resolved;
}

}  // namespace berth::engine
