// SPDX-License-Identifier: Apache-2.0
// berth-monitor: one per container, started by `berth` with its whole
// configuration as JSON on an inherited fd (see DESIGN.md, "Monitor
// protocol"). The container lifecycle arrives with the Run issue; until then
// the executable only checks how it was invoked, so the build, install
// layout and link footprint are in place and measured.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "berth/base/error.hpp"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::puts("berth-monitor version " BERTH_MONITOR_VERSION);
    return 0;
  }
  std::fprintf(stderr,
               "Error: berth-monitor is started by berth itself, with its configuration on an "
               "inherited file descriptor\n");
  return berth::kExitEngineError;
}
