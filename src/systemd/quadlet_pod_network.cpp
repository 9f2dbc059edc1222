// SPDX-License-Identifier: Apache-2.0
// berth-quadlet's .pod and .network files (Podman quadlet 5.x's shape): a
// forking pod unit around `pod create --replace`, a oneshot `network
// create --ignore`.
#include "berth/base/error.hpp"
#include "quadlet_internal.hpp"

namespace berth::systemd::detail {

namespace {

// The words of every BerthArgs= line (PodmanArgs= of Podman).
std::vector<std::string> berthArgs(std::string_view path, const std::vector<Section>& sections,
                                   std::string_view group) {
  std::vector<std::string> out;
  for (const Entry* e : lookupAll(sections, group, "BerthArgs"))
    for (auto& w : wordsOf(path, *e))
      out.push_back(std::move(w));
  return out;
}

// One flag per value of `key` (each line one value).
void addAll(std::vector<std::string>& args, const std::vector<Section>& sections,
            std::string_view group, std::string_view key, const std::string& flag) {
  for (const Entry* e : lookupAll(sections, group, key))
    args.insert(args.end(), {flag, e->value});
}

// One flag per word of every line of `key` (Label=a=b "c=d e").
void addWords(std::vector<std::string>& args, std::string_view path,
              const std::vector<Section>& sections, std::string_view group, std::string_view key,
              const std::string& flag) {
  for (const Entry* e : lookupAll(sections, group, key))
    for (auto& w : wordsOf(path, *e))
      args.insert(args.end(), {flag, std::move(w)});
}

}  // namespace

Unit podUnit(std::string_view path, const std::vector<Section>& sections,
             const QuadletContext& context, const UnitInfo& info, UnitInfos& infos) {
  checkKeys(path, sections, "Pod",
            {"PodName", "PublishPort", "Network", "Label", "HostName", "DNS", "AddHost",
             "ExitPolicy", "GlobalArgs", "BerthArgs"});
  const std::string berth = berthCommand(path, sections, "Pod", context);
  const std::string name = quadletWord(info.resource);
  std::vector<std::string> args;
  std::string exitPolicy = "stop";
  for (const Entry* e : lookupAll(sections, "Pod", "ExitPolicy")) {
    if (e->value != "stop" && e->value != "continue")
      throwError(Errc::InvalidArgument, "{}:{}: invalid ExitPolicy '{}': expected stop or continue",
                 path, e->line, e->value);
    exitPolicy = e->value;
  }
  args.insert(args.end(), {"--exit-policy", exitPolicy});
  for (const Entry* e : lookupAll(sections, "Pod", "PublishPort")) {
    checkPublish(path, *e);
    args.insert(args.end(), {"--publish", e->value});
  }
  addWords(args, path, sections, "Pod", "Label", "--label");
  // A .network of the set becomes its network's name and a dependency;
  // a pod cannot join another container's network namespace.
  std::string unitLines;
  for (const Entry* e : lookupAll(sections, "Pod", "Network")) {
    const std::string target = e->value.substr(0, e->value.find(':'));
    if (target.ends_with(".container"))
      throwError(Errc::InvalidArgument,
                 "{}:{}: Network={}: a pod cannot join another container's network", path, e->line,
                 e->value);
    args.insert(args.end(), {"--network", networkValue(path, *e, infos, unitLines)});
  }
  addAll(args, sections, "Pod", "HostName", "--hostname");
  addAll(args, sections, "Pod", "DNS", "--dns");
  addAll(args, sections, "Pod", "AddHost", "--add-host");
  args.insert(args.end(), {"--infra-name", info.resource + "-infra", "--name", info.resource});
  for (auto& w : berthArgs(path, sections, "Pod"))
    args.push_back(std::move(w));

  for (const auto& member : info.containersToStart)
    unitLines += "Wants=" + member + "\nBefore=" + member + "\n";
  std::string service = "Environment=BERTH_SYSTEMD_UNIT=%n\n";
  service += "Type=forking\nRestart=on-failure\nPIDFile=%t/%N.pid\n";
  service += "SyslogIdentifier=%N\n";
  service += "ExecStartPre=" + berth + " pod create --infra-conmon-pidfile=%t/%N.pid --replace " +
             commandLine(args) + "\n";
  service += "ExecStart=" + berth + " pod start " + name + "\n";
  service += "ExecStop=" + berth + " pod stop --ignore --time=10 " + name + "\n";
  service += "ExecStopPost=" + berth + " pod rm --ignore --force " + name + "\n";
  return Unit{info.service, assembleUnit(path, sections, "Pod", unitLines, service)};
}

Unit networkUnit(std::string_view path, const std::vector<Section>& sections,
                 const QuadletContext& context, const UnitInfo& info) {
  checkKeys(path, sections, "Network",
            {"NetworkName", "Driver", "Subnet", "Gateway", "IPRange", "Internal", "DisableDNS",
             "Label", "NetworkDeleteOnStop", "GlobalArgs", "BerthArgs"});
  const std::string berth = berthCommand(path, sections, "Network", context);
  std::vector<std::string> args;
  bool deleteOnStop = false;
  for (const auto& s : sections) {
    if (s.name != "Network") continue;
    for (const auto& e : s.entries) {
      if (e.key == "Internal" && parseBoolean(path, e)) args.push_back("--internal");
      if (e.key == "DisableDNS" && parseBoolean(path, e)) args.push_back("--disable-dns");
      if (e.key == "NetworkDeleteOnStop") deleteOnStop = parseBoolean(path, e);
    }
  }
  addAll(args, sections, "Network", "Driver", "--driver");
  // berth's networks have one IPv4 subnet: its gateway and range.
  const auto subnets = lookupAll(sections, "Network", "Subnet");
  if (subnets.size() > 1)
    throwError(Errc::InvalidArgument, "{}:{}: a second Subnet=: berth networks have one subnet",
               path, subnets[1]->line);
  for (const char* key : {"Gateway", "IPRange"}) {
    const auto values = lookupAll(sections, "Network", key);
    if (values.size() > subnets.size())
      throwError(Errc::InvalidArgument, "{}:{}: {}= without a Subnet= of its own", path,
                 values.back()->line, key);
  }
  addAll(args, sections, "Network", "Subnet", "--subnet");
  addAll(args, sections, "Network", "Gateway", "--gateway");
  addAll(args, sections, "Network", "IPRange", "--ip-range");
  addWords(args, path, sections, "Network", "Label", "--label");
  for (auto& w : berthArgs(path, sections, "Network"))
    args.push_back(std::move(w));
  args.push_back(info.resource);

  std::string service =
      "ExecStart=" + berth + " network create --ignore " + commandLine(args) + "\n";
  if (deleteOnStop)
    service += "ExecStopPost=" + berth + " network rm " + quadletWord(info.resource) + "\n";
  service += "Type=oneshot\nRemainAfterExit=yes\nSyslogIdentifier=%N\n";
  return Unit{info.service, assembleUnit(path, sections, "Network", "", service)};
}

}  // namespace berth::systemd::detail
