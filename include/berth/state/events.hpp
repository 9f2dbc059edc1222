// SPDX-License-Identifier: Apache-2.0
// The events log: every lifecycle event as one JSON line in the run root,
// in Podman's file event-logger format (libpod/events, Podman 4.3.1), with
// rotation; filters for `berth events`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/state/paths.hpp"

namespace berth::state {

/// One event, Podman 4.3.1's events.Event.
struct Event {
  std::string type;    ///< "container", "image", "system", "volume", "pod", "network"
  std::string status;  ///< "create", "start", "died", "pull", "log-rotation", ...
  std::int64_t timeNs = 0;
  std::string id;
  std::string image;
  std::string name;
  /// ContainerExitCode (died, exec_died). Podman 4.3.1 marks it omitempty:
  /// an exit code 0 is not written.
  int containerExitCode = 0;
  std::string healthStatus;
  /// Details.Attributes: a container's labels (plus berth's "signal" for
  /// kill); nullopt writes `null`, as Podman does for image events.
  std::optional<std::map<std::string, std::string>> attributes;

  /// The JSON object Podman writes, in its key order: ContainerExitCode,
  /// ID, Image, Name, Status, Time, Type, health_status, Attributes (empty
  /// strings left out).
  Json toJson() const;
  /// One line of events.log (Go's json.Marshal of toJson(), no newline).
  std::string toLine() const;
  /// Parses one line. Throws Error(InvalidArgument) for a malformed one.
  static Event fromJson(const Json& json);

  /// `podman events` human output (libpod events.ToHumanReadable): "<Go
  /// time> container start <id> (image=I, name=N, k=v...)" (attributes in
  /// sorted order), "<time> image tag <id> <name>", "<time> system refresh".
  /// The id is cut to 12 characters when `truncate`.
  std::string humanLine(bool truncate) const;
};

/// A container event with the container's facts (labels as attributes).
Event containerEvent(std::string_view status, const std::string& id, const std::string& name,
                     const std::string& image, const std::map<std::string, std::string>& labels);
/// An image event (attributes null, as Podman writes them).
Event imageEvent(std::string_view status, const std::string& id, const std::string& name);

/// Podman's events_logfile_max_size default: 1 MB.
inline constexpr std::uint64_t kEventsLogMaxSize = 1000000;

/// <run root>/events/events.log.
std::string eventsLogPath(const StorePaths& paths);

/// Appends `event` (its time set to now when 0) as one line with a single
/// write() on an O_APPEND descriptor, so concurrent writers never
/// interleave, creating the directory and file (0600) as needed. When the
/// file then exceeds `maxSize`, rotates it under events.log.lock:
/// events.log becomes events.log.1 (replacing the older one) and the new
/// events.log starts with a system "log-rotation" event. Throws Error.
void appendEvent(const std::string& path, Event event, std::uint64_t maxSize = kEventsLogMaxSize);

/// appendEvent to eventsLogPath(paths), never throwing: an event that
/// cannot be written is dropped with a debug log (a command never fails for
/// its event). Any process context.
void emitEvent(const StorePaths& paths, const Event& event) noexcept;

/// What `berth events --filter` keeps, as Podman's generateEventFilters:
/// values of the same key are alternatives, different keys must all match.
class EventFilter {
 public:
  /// Parses KEY=VALUE filters: container=, event= (or status=), image=,
  /// label= (KEY or KEY=VALUE), pod=, volume=, network=, type= (container,
  /// image, network, pod, system, volume). Throws Error(InvalidArgument)
  /// naming a filter without '=' or with an unknown key or type.
  static EventFilter parse(const std::vector<std::string>& filters);

  bool matches(const Event& event) const;

 private:
  std::map<std::string, std::vector<std::string>> byKey_;
};

/// Reads the events of `path` (events.log.1 first, then events.log),
/// calling `sink` for each well-formed line in order; malformed lines are
/// skipped. Returns the read position in events.log (for follow). Missing
/// files are empty. Throws Error for other read failures.
struct EventsPosition {
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;
};
EventsPosition readEvents(const std::string& path, const std::function<void(const Event&)>& sink);

/// Follows events.log from `position`: calls `sink` for each new event,
/// across rotations (a new inode at `path` is read from its start once the
/// old file is drained), polling every 100 ms, until `sink` returns false
/// or `stop` (asked at every poll) returns true.
void followEvents(const std::string& path, EventsPosition position,
                  const std::function<bool(const Event&)>& sink, const std::function<bool()>& stop);

}  // namespace berth::state
