// SPDX-License-Identifier: Apache-2.0
// `berth events` (reading the events log) and the engine's emit helper.
#include <algorithm>

#include "berth/base/error.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace detail {

void emitContainerEvent(const state::StorePaths& paths, const state::ContainerConfig& config,
                        std::string_view status, const std::map<std::string, std::string>& extra,
                        int exitCode) noexcept {
  try {
    state::Event event =
        state::containerEvent(status, config.id, config.name, config.imageName, config.labels);
    for (const auto& [key, value] : extra)
      (*event.attributes)[key] = value;
    event.containerExitCode = exitCode;
    state::emitEvent(paths, event);
  } catch (const std::exception&) {
    // an event never fails the command (emitEvent itself does not throw;
    // this covers the copies above running out of memory)
  }
}

void emitImageEvent(const state::StorePaths& paths, std::string_view status, const std::string& id,
                    const std::string& name) noexcept {
  try {
    state::emitEvent(paths, state::imageEvent(status, id, name));
  } catch (const std::exception&) {
  }
}

}  // namespace detail

void Engine::events(const EventsRequest& request,
                    const std::function<bool(const state::Event&)>& sink) const {
  const state::EventFilter filter = state::EventFilter::parse(request.filters);
  if (request.sinceNs && request.untilNs && *request.untilNs < *request.sinceNs)
    throwError(Errc::InvalidArgument, "--since must be before --until");
  const auto wanted = [&](const state::Event& e) {
    if (request.sinceNs && e.timeNs < *request.sinceNs) return false;
    if (request.untilNs && e.timeNs > *request.untilNs) return false;
    return filter.matches(e);
  };
  const std::string path = state::eventsLogPath(paths_);
  bool open = true;
  const auto position = state::readEvents(path, [&](const state::Event& e) {
    if (open && wanted(e)) open = sink(e);
  });
  if (!open || !request.stream) return;
  state::followEvents(
      path, position,
      [&](const state::Event& e) {
        if (request.untilNs && e.timeNs > *request.untilNs) return false;
        return !wanted(e) || sink(e);
      },
      [&] { return request.untilNs && format::nowNs() > *request.untilNs; });
}

}  // namespace berth::engine
