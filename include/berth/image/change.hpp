// SPDX-License-Identifier: Apache-2.0
// Podman's --change instructions (import, commit): a small subset of
// Dockerfile instructions turned into image config settings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/oci/image_config.hpp"

namespace berth::image {

/// The instructions --change accepts, in Podman's order (for help texts).
inline constexpr std::string_view kChangeInstructions =
    "CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR";

/// Applies Podman's --change values (libimage ImageConfigFromChanges) to an
/// empty config, in order, and returns it. Each value is "INSTRUCTION
/// VALUE" (or "INSTRUCTION=VALUE" when it has no space); the instruction is
/// case-insensitive:
///  - CMD, ENTRYPOINT: a JSON array of strings, else the shell form
///    ["/bin/sh", "-c", VALUE] (an empty ENTRYPOINT clears it; an empty CMD
///    is ["/bin/sh", "-c"]).
///  - ENV KEY=VALUE (one pair; surrounding double quotes of key and value
///    are stripped), LABEL KEY=VALUE (likewise, "=" required).
///  - EXPOSE PORT[/tcp|udp]; VOLUME: a JSON array or space-separated paths.
///  - USER, ONBUILD (appends); WORKDIR joins onto the previous WORKDIR and
///    is cleaned as Go's filepath.Join does.
///  - STOPSIGNAL: a name (KILL, SIGKILL, RTMIN+3, any case) or a non-zero
///    number; stored as the number ("9").
/// Throws Error(InvalidArgument) with Podman's message, quoting the whole
/// change as Go's %q does: `invalid change "EXPOSE 0" - EXPOSE port must be
/// a valid port number`. Pure: no I/O.
oci::RunConfig configFromChanges(const std::vector<std::string>& changes);

/// Go's path.Clean for "/"-separated paths: "a/../b" -> "b", "//x/./y/" ->
/// "/x/y", "" -> ".".
std::string goCleanPath(std::string_view path);

/// The number of a signal name as Podman's signal.ParseSignal knows it on
/// Linux ("TERM", "SIGTERM", "sigterm" -> 15, "RTMIN+3" -> 37), or a
/// non-zero decimal number as is (Go's strconv.Atoi: a sign is allowed).
/// Throws Error(InvalidArgument) "invalid signal: NAME".
long long parseSignal(std::string_view text);

}  // namespace berth::image
