// SPDX-License-Identifier: Apache-2.0
#include "berth/state/events.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/log.hpp"
#include "berth/format/human.hpp"
#include "berth/format/report.hpp"

namespace berth::state {

// ------------------------------------------------------------------ format

Json Event::toJson() const {
  Json out = Json::object();
  if (containerExitCode != 0) out["ContainerExitCode"] = containerExitCode;
  if (!id.empty()) out["ID"] = id;
  if (!image.empty()) out["Image"] = image;
  if (!name.empty()) out["Name"] = name;
  out["Status"] = status;
  out["Time"] = format::formatRfc3339Nano(timeNs);
  out["Type"] = type;
  if (!healthStatus.empty()) out["health_status"] = healthStatus;
  out["Attributes"] = attributes ? Json(*attributes) : Json(nullptr);
  return out;
}

std::string Event::toLine() const {
  return format::marshalJson(toJson());
}

Event Event::fromJson(const Json& json) {
  if (!json.is_object()) throwError(Errc::InvalidArgument, "event is not a JSON object");
  Event e;
  const auto text = [&json](const char* key) {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  e.type = text("Type");
  e.status = text("Status");
  e.id = text("ID");
  e.image = text("Image");
  e.name = text("Name");
  e.healthStatus = text("health_status");
  if (auto it = json.find("ContainerExitCode"); it != json.end() && it->is_number_integer())
    e.containerExitCode = it->get<int>();
  const auto time = format::parseRfc3339(text("Time"));
  if (!time || e.type.empty() || e.status.empty())
    throwError(Errc::InvalidArgument, "event without Type, Status or a valid Time");
  e.timeNs = *time;
  if (auto it = json.find("Attributes"); it != json.end() && it->is_object()) {
    e.attributes.emplace();
    for (const auto& [key, value] : it->items())
      if (value.is_string()) (*e.attributes)[key] = value.get<std::string>();
  }
  return e;
}

std::string Event::humanLine(bool truncate) const {
  const std::string when = format::formatGoTime(timeNs);
  const std::string shownId = truncate && id.size() > 12 ? id.substr(0, 12) : id;
  if (type == "container" || type == "pod") {
    std::string line =
        fmt::format("{} {} {} {} (image={}, name={}", when, type, status, shownId, image, name);
    if (!healthStatus.empty()) line += ", health_status=" + healthStatus;
    if (attributes)
      for (const auto& [key, value] : *attributes)
        line += fmt::format(", {}={}", key, value);
    return line + ")";
  }
  if (type == "image") return fmt::format("{} {} {} {} {}", when, type, status, shownId, name);
  if (type == "system" && name.empty()) return fmt::format("{} {} {}", when, type, status);
  return fmt::format("{} {} {} {}", when, type, status, name);
}

Event containerEvent(std::string_view status, const std::string& id, const std::string& name,
                     const std::string& image, const std::map<std::string, std::string>& labels) {
  Event e;
  e.type = "container";
  e.status = std::string(status);
  e.id = id;
  e.name = name;
  e.image = image;
  e.attributes = labels;
  return e;
}

Event imageEvent(std::string_view status, const std::string& id, const std::string& name) {
  Event e;
  e.type = "image";
  e.status = std::string(status);
  e.id = id;
  e.name = name;
  return e;
}

// ------------------------------------------------------------------- write

std::string eventsLogPath(const StorePaths& paths) {
  return paths.runRoot + "/events/events.log";
}

namespace {

void writeLine(int fd, const std::string& line, const std::string& path) {
  // One write() per line: O_APPEND makes each one land whole at the end,
  // whatever other processes append at the same time.
  const ssize_t n = ::write(fd, line.data(), line.size());
  if (n < 0) throwErrno("write event to {}", path);
  if (static_cast<std::size_t>(n) != line.size())
    throwError(Errc::Internal, "short write of an event to {}", path);
}

UniqueFd openForAppend(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd && errno == ENOENT) {
    makeDirs(dirName(path), 0700);
    fd.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  }
  if (!fd) throwErrno("open {}", path);
  return fd;
}

void rotate(const std::string& path, const struct stat& written, std::uint64_t maxSize) {
  FileLock lock(path + ".lock");
  struct stat now {};
  // Someone else rotated it already (another inode), or it shrank.
  if (::stat(path.c_str(), &now) != 0 || now.st_ino != written.st_ino ||
      static_cast<std::uint64_t>(now.st_size) <= maxSize)
    return;
  if (::rename(path.c_str(), (path + ".1").c_str()) != 0)
    throwErrno("rename {} to {}.1", path, path);
  Event rotated;
  rotated.type = "system";
  rotated.status = "log-rotation";
  rotated.name = path + ".1";
  rotated.timeNs = format::nowNs();
  UniqueFd fd = openForAppend(path);
  writeLine(fd.get(), rotated.toLine() + "\n", path);
}

}  // namespace

void appendEvent(const std::string& path, Event event, std::uint64_t maxSize) {
  if (event.timeNs == 0) event.timeNs = format::nowNs();
  UniqueFd fd = openForAppend(path);
  writeLine(fd.get(), event.toLine() + "\n", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) > maxSize)
    rotate(path, st, maxSize);
}

void emitEvent(const StorePaths& paths, const Event& event) noexcept {
  try {
    appendEvent(eventsLogPath(paths), event);
  } catch (const std::exception& e) {
    logDebug("event {} {} not written: {}", event.type, event.status, e.what());
  }
}

// ------------------------------------------------------------------ filter

EventFilter EventFilter::parse(const std::vector<std::string>& filters) {
  static const std::set<std::string> kKeys = {"container", "event", "image",  "label",
                                              "pod",       "type",  "volume", "network"};
  static const std::set<std::string> kTypes = {"container", "image",  "network",
                                               "pod",       "system", "volume"};
  EventFilter filter;
  for (const auto& text : filters) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throwError(Errc::InvalidArgument, "invalid filter \"{}\": expected KEY=VALUE", text);
    std::string key = text.substr(0, eq);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key == "status") key = "event";
    const std::string value = text.substr(eq + 1);
    if (kKeys.count(key) == 0)
      throwError(Errc::InvalidArgument,
                 "invalid filter \"{}\": expected one of container, event (status), image, "
                 "label, network, pod, type, volume",
                 text);
    if (key == "type" && kTypes.count(value) == 0)
      throwError(Errc::InvalidArgument,
                 "invalid filter \"{}\": type must be one of container, image, network, pod, "
                 "system, volume",
                 text);
    filter.byKey_[key].push_back(value);
  }
  return filter;
}

namespace {

bool matchesOne(const std::string& key, const std::string& value, const Event& e) {
  const auto idOrName = [&] {
    return e.name == value || (!value.empty() && e.id.starts_with(value));
  };
  if (key == "container") return e.type == "container" && idOrName();
  if (key == "event") return e.status == value;
  if (key == "type") return e.type == value;
  if (key == "pod") return e.type == "pod" && idOrName();
  if (key == "volume") return e.type == "volume" && idOrName();
  if (key == "network") return e.type == "network" && idOrName();
  if (key == "image") {
    if (e.type == "image") return idOrName();
    return e.image == value || e.image == value + ":latest" || e.image.ends_with("/" + value) ||
           e.image.ends_with("/" + value + ":latest");
  }
  if (key == "label") {
    if (!e.attributes) return false;
    const auto eq = value.find('=');
    const auto it = e.attributes->find(value.substr(0, eq));
    if (it == e.attributes->end()) return false;
    return eq == std::string::npos || it->second == value.substr(eq + 1);
  }
  return false;
}

}  // namespace

bool EventFilter::matches(const Event& event) const {
  for (const auto& [key, values] : byKey_) {
    const bool any = std::any_of(values.begin(), values.end(),
                                 [&](const std::string& v) { return matchesOne(key, v, event); });
    if (!any) return false;
  }
  return true;
}

// -------------------------------------------------------------------- read

namespace {

// Calls `sink` for each complete line of `fd` from `offset`; returns the
// offset after the last complete line.
std::uint64_t readLines(int fd, std::uint64_t offset, const std::function<bool(const Event&)>& sink,
                        bool& stopped) {
  std::string pending;
  char buffer[65536];
  std::uint64_t consumed = offset;
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof(buffer), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throwErrno("read the events log");
    if (n == 0) break;
    offset += static_cast<std::uint64_t>(n);
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl = pending.find('\n'); nl != std::string::npos;
         nl = pending.find('\n', start)) {
      const std::string_view line(pending.data() + start, nl - start);
      consumed += nl - start + 1;
      start = nl + 1;
      std::optional<Event> event;
      try {
        event = Event::fromJson(parseJson(line, "an event"));
      } catch (const Error&) {
        // a malformed line (a crash mid-write cannot make one, but an
        // editor can): skipped, as Podman's reader does
      }
      if (event && !sink(*event)) {
        stopped = true;
        return consumed;
      }
    }
    pending.erase(0, start);
  }
  return consumed;
}

}  // namespace

EventsPosition readEvents(const std::string& path, const std::function<void(const Event&)>& sink) {
  bool stopped = false;
  const auto each = [&sink](const Event& e) {
    sink(e);
    return true;
  };
  if (UniqueFd old{::open((path + ".1").c_str(), O_RDONLY | O_CLOEXEC)})
    readLines(old.get(), 0, each, stopped);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return {};
    throwErrno("open {}", path);
  }
  struct stat st {};
  ::fstat(fd.get(), &st);
  EventsPosition position{static_cast<std::uint64_t>(st.st_ino), 0};
  position.offset = readLines(fd.get(), 0, each, stopped);
  return position;
}

void followEvents(const std::string& path, EventsPosition position,
                  const std::function<bool(const Event&)>& sink,
                  const std::function<bool()>& stop) {
  UniqueFd fd;
  if (position.inode != 0) {
    fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    // Rotated between the read and now: the old file is events.log.1.
    if (fd && (::fstat(fd.get(), &st) != 0 || st.st_ino != position.inode))
      fd.reset(::open((path + ".1").c_str(), O_RDONLY | O_CLOEXEC));
  }
  bool stopped = false;
  for (;;) {
    if (fd) position.offset = readLines(fd.get(), position.offset, sink, stopped);
    if (stopped) return;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_ino) != position.inode) {
      // A new file at the path (created or rotated): the old one is drained
      // (the read above), so continue at the new one's start. If the path
      // rotated twice since the last poll, events.log.1 is a file between
      // the two: read it whole first (a third rotation within one poll,
      // 2 MB of events in 100 ms, would lose one).
      if (fd) position.offset = readLines(fd.get(), position.offset, sink, stopped);
      if (stopped) return;
      if (position.inode != 0) {
        UniqueFd between(::open((path + ".1").c_str(), O_RDONLY | O_CLOEXEC));
        struct stat bst {};
        if (between && ::fstat(between.get(), &bst) == 0 &&
            static_cast<std::uint64_t>(bst.st_ino) != position.inode && bst.st_ino != st.st_ino) {
          readLines(between.get(), 0, sink, stopped);
          if (stopped) return;
        }
      }
      fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      position = {static_cast<std::uint64_t>(st.st_ino), 0};
      continue;
    }
    if (stop && stop()) return;
    ::usleep(100000);
  }
}

}  // namespace berth::state
