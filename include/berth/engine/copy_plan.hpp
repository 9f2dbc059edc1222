// SPDX-License-Identifier: Apache-2.0
// The path rules of `berth cp` (Podman's, which follow `docker cp`), as a
// pure function of what the source and destination turned out to be.
#pragma once

#include <optional>
#include <string>

namespace berth::engine {

/// One argument of `cp`: "[CONTAINER:]PATH". Podman's rule: an argument
/// that starts with '.' or '/' is a host path (so "./a:b" is one); else the
/// text before the first ':' names a container. `container` is empty for a
/// host path.
struct CopyArgument {
  std::string container;
  std::string path;
};

/// Splits an argument as Podman's copy.ParseSourceAndDestination does.
CopyArgument parseCopyArgument(const std::string& argument);

/// What one side's path is, found out inside its root (container or host).
struct CopyPathFacts {
  bool exists = false;
  bool isDir = false;
  /// The path with every symlink resolved inside the root (absolute, clean).
  /// For a missing path: its parent resolved, plus its last component.
  std::string resolved;
};

/// What to copy where, once both sides were looked at.
struct CopyPlan {
  std::string sourcePath;  ///< resolved path of what is archived
  /// Name of sourcePath's own entry in the stream; "" for its contents only
  /// (a directory given as "DIR/.", or "/").
  std::string topName;
  std::string destinationDir;  ///< resolved directory the stream is extracted into
};

/// The facts the planner needs about one side, and how to name it in errors
/// ("container NAME" or "the host").
struct CopySide {
  std::string path;  ///< as the user gave it
  CopyPathFacts facts;
  /// For a missing destination: its parent directory (must exist).
  std::optional<CopyPathFacts> parent;
  std::string where;  ///< "container ctr" / "the host"
};

/// Plans a copy from `source` to `destination` (neither standard input nor
/// output) with Podman's rules:
///  - a missing source: `"PATH" could not be found on WHERE: no such file or directory`;
///  - a missing destination ending in '/', or whose parent is missing: the same
///    for the destination;
///  - a directory onto an existing non-directory: "destination must be a
///    directory when copying a directory";
///  - SRC/. copies the directory's contents; a missing destination is created
///    with the source's contents (file or directory) under its own name; an
///    existing file is replaced; an existing directory receives the source
///    under the source's (resolved) name.
/// Throws Error(InvalidArgument) with those messages.
CopyPlan planCopy(const CopySide& source, const CopySide& destination);

/// Plans `cp CTR:PATH -`: the tar holds the source under its resolved name
/// (its contents for "DIR/.").
CopyPlan planCopyToStream(const CopySide& source);

/// Checks the destination of `cp - CTR:PATH`: it must be an existing
/// directory ("destination must be a directory when copying from stdin");
/// returns the directory to extract into.
std::string planCopyFromStream(const CopySide& destination);

/// Lexically cleans an absolute path as Go's path.Clean ("/a/./b/../c" ->
/// "/a/c"; ".." never climbs above "/").
std::string cleanPath(const std::string& path);

}  // namespace berth::engine
