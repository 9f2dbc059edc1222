// SPDX-License-Identifier: Apache-2.0
// Listing reads: config.json and state.json parsed with nlohmann's SAX
// interface into the fields `ps` shows, without building a DOM (its
// ordered_map copies whole subtrees as it grows; building and freeing the
// trees was most of `ps -a` of 1,000 containers).
#include <limits>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/state/container_store.hpp"

namespace berth::state {

namespace {

// Scalars and string lists of a flat record. Members of depth-1 objects and
// arrays are delivered with the depth-1 key; deeper values are skipped.
class FlatSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  virtual ~FlatSax() = default;

  bool null() { return value(Value{}); }
  bool boolean(bool v) { return value(Value{Kind::Bool, v, 0, {}}); }
  bool number_integer(number_integer_t v) { return value(Value{Kind::Int, false, v, {}}); }
  bool number_unsigned(number_unsigned_t v) {
    const auto clamped =
        v > static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max())
            ? std::numeric_limits<std::int64_t>::max()
            : static_cast<std::int64_t>(v);
    return value(Value{Kind::Int, false, clamped, {}});
  }
  bool number_float(number_float_t v, const string_t&) {
    return value(Value{Kind::Int, false, static_cast<std::int64_t>(v), {}});
  }
  bool string(string_t& v) { return value(Value{Kind::String, false, 0, std::move(v)}); }
  bool binary(binary_t&) { return true; }
  bool start_object(std::size_t) {
    ++depth_;
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool key(string_t& k) {
    if (depth_ == 1) topKey_ = std::move(k);
    if (depth_ == 2) innerKey_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 protected:
  enum class Kind { Null, Bool, Int, String };
  struct Value {
    Kind kind = Kind::Null;
    bool b = false;
    std::int64_t i = 0;
    std::string s;
  };
  /// A value of top-level key `key`: directly (depth 1) or as a member of
  /// its object or array (depth 2, `inner` = the member's key, "" in arrays).
  virtual void take(const std::string& key, const std::string& inner, int depth, Value&& v) = 0;

 private:
  bool value(Value&& v) {
    if (depth_ == 1 || depth_ == 2)
      take(topKey_, depth_ == 2 ? innerKey_ : std::string(), depth_, std::move(v));
    return true;
  }
  int depth_ = 0;
  std::string topKey_;
  std::string innerKey_;
};

class ConfigSax final : public FlatSax {
 public:
  ContainerConfig config;
  bool autoRemove = false;
  bool publishesPorts = false;  ///< its spec has ports: read in full
  int version = 0;
  std::vector<std::string> args;
  std::string pod;  ///< the pod's id, for pod members and infras
  bool isInfra = false;

 private:
  void take(const std::string& key, const std::string& inner, int depth, Value&& v) override {
    if (depth == 1) {
      if (v.kind == Kind::String) {
        if (key == "id")
          config.id = std::move(v.s);
        else if (key == "name")
          config.name = std::move(v.s);
        else if (key == "imageName")
          config.imageName = std::move(v.s);
        else if (key == "imageId")
          config.imageId = std::move(v.s);
        else if (key == "pod")
          pod = std::move(v.s);
      } else if (v.kind == Kind::Int) {
        if (key == "created")
          config.createdNs = v.i;
        else if (key == "version")
          version = static_cast<int>(v.i);
      } else if (v.kind == Kind::Bool && key == "autoRemove") {
        autoRemove = v.b;
      } else if (v.kind == Kind::Bool && key == "publishesPorts") {
        publishesPorts = v.b;
      } else if (v.kind == Kind::Bool && key == "isInfra") {
        isInfra = v.b;
      }
    } else if (v.kind == Kind::String) {
      if (key == "args")
        args.push_back(std::move(v.s));
      else if (key == "labels")
        config.labels[inner] = std::move(v.s);
    }
  }
};

class StateSax final : public FlatSax {
 public:
  ContainerState state;
  int version = 0;

 private:
  void take(const std::string& key, const std::string&, int depth, Value&& v) override {
    if (depth != 1) return;
    if (v.kind == Kind::String) {
      if (key == "status")
        state.status = parseContainerStatus(v.s);
      else if (key == "bootId")
        state.bootId = std::move(v.s);
    } else if (v.kind == Kind::Int) {
      if (key == "pid")
        state.pid = static_cast<pid_t>(v.i);
      else if (key == "pidStartTime")
        state.pidStartTime = static_cast<std::uint64_t>(v.i);
      else if (key == "monitorPid")
        state.monitorPid = static_cast<pid_t>(v.i);
      else if (key == "monitorStartTime")
        state.monitorStartTime = static_cast<std::uint64_t>(v.i);
      else if (key == "exitCode")
        state.exitCode = static_cast<int>(v.i);
      else if (key == "started")
        state.startedNs = v.i;
      else if (key == "finished")
        state.finishedNs = v.i;
      else if (key == "restartCount")
        state.restartCount = static_cast<int>(v.i);
      else if (key == "version")
        version = static_cast<int>(v.i);
    } else if (v.kind == Kind::Bool && key == "oomKilled") {
      state.oomKilled = v.b;
    }
  }
};

std::string readRecord(const std::string& path, const std::string& id) {
  auto text = readFileIfExists(path);
  if (!text)
    throwError(Errc::NoSuchContainer,
               "no container with name or ID \"{}\" found: no such container", id);
  return std::move(*text);
}

}  // namespace

ContainerConfig ContainerStore::readConfigSummary(const std::string& id) const {
  const std::string path = configPath(id);
  const std::string text = readRecord(path, id);
  ConfigSax sax;
  // Anything unusual (not an object, a newer schema, missing fields, bad
  // JSON) goes through the full reader, which reports it properly.
  if (!Json::sax_parse(text, &sax) || text.empty() || text.front() != '{' ||
      sax.version > kContainerConfigVersion || sax.config.id.empty() || sax.config.name.empty() ||
      sax.publishesPorts)
    return readConfig(id);
  ContainerConfig config = std::move(sax.config);
  config.spec = Json{{"rm", sax.autoRemove}};
  config.extra = Json{{"args", std::move(sax.args)}};
  if (!sax.pod.empty()) config.extra["pod"] = std::move(sax.pod);
  if (sax.isInfra) config.extra["isInfra"] = true;
  return config;
}

ContainerState ContainerStore::readStateSummary(const std::string& id) const {
  const std::string text = readRecord(statePath(id), id);
  StateSax sax;
  if (!Json::sax_parse(text, &sax) || text.empty() || text.front() != '{' ||
      sax.version > kContainerStateVersion)
    return readState(id);
  return std::move(sax.state);
}

}  // namespace berth::state
