// SPDX-License-Identifier: Apache-2.0
#include "berth/engine/engine.hpp"

namespace berth::engine {

Engine::Engine(const EngineOptions& options)
    : paths_(state::resolveStorePaths(options.paths, state::PathEnvironment::current())) {}

}  // namespace berth::engine
