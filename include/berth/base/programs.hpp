// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace berth {

/// The absolute path of `name` on $PATH, or "" when not found.
std::string findInPath(const std::string& name);

/// Where berth's own helper programs (berth-monitor, berth-pause) are: next
/// to an installed berth (<bindir>/../libexec/berth/NAME), in a build tree
/// (src/cli/berth -> src/monitor/NAME or src/pause/NAME), else the
/// configured libexec directory. Returns the first that exists, else "".
std::string findBerthHelper(const std::string& name);

}  // namespace berth
