// SPDX-License-Identifier: Apache-2.0
#include "berth/net/etc_files.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <cstdio>
#include <sstream>

#include "berth/base/fs.hpp"

namespace berth::net {
namespace {

bool isLoopback(const std::string& address) {
  return address.starts_with("127.") || address == "::1";
}

}  // namespace

std::string resolvConf(std::string_view hostText, const ResolvOptions& options) {
  std::vector<std::string> servers = options.first;
  std::string rest;
  std::istringstream in{std::string(hostText)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "nameserver") {
      std::string address;
      words >> address;
      if (options.keepHostServers && !address.empty() && !isLoopback(address)) {
        bool seen = false;
        for (const auto& s : servers)
          seen = seen || s == address;
        if (!seen) servers.push_back(address);
      }
    } else if ((key == "search" || key == "domain") && options.search.empty()) {
      rest += line + "\n";
    } else if (key == "options" && options.options.empty()) {
      rest += line + "\n";
    }
  }
  if (!options.servers.empty()) {
    servers.clear();
    for (const auto& s : options.servers)
      if (s != "none") servers.push_back(s);
  }
  std::string out;
  if (!options.search.empty()) {
    out += "search";
    for (const auto& s : options.search)
      out += " " + s;
    out += "\n";
  }
  out += rest;
  if (!options.options.empty()) {
    out += "options";
    for (const auto& o : options.options)
      out += " " + o;
    out += "\n";
  }
  for (const auto& s : servers)
    out += "nameserver " + s + "\n";
  return out;
}

std::string hostsFile(const std::vector<HostEntry>& entries) {
  std::string out =
      "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
      "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
  for (const auto& e : entries) {
    if (e.address.empty() || e.names.empty()) continue;
    out += e.address + "\t";
    for (std::size_t i = 0; i < e.names.size(); ++i)
      out += (i ? " " : "") + e.names[i];
    out += "\n";
  }
  return out;
}

HostRoute hostDefaultRoute() {
  HostRoute route;
  const auto table = readFileIfExists("/proc/net/route");
  if (!table) return route;
  std::istringstream in(*table);
  std::string line;
  std::getline(in, line);  // header
  std::string interface;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string iface, destination, gateway;
    words >> iface >> destination >> gateway;
    if (destination != "00000000") continue;
    in_addr address{};
    address.s_addr = static_cast<in_addr_t>(std::stoul(gateway, nullptr, 16));
    char buffer[INET_ADDRSTRLEN] = {};
    route.gateway = ::inet_ntop(AF_INET, &address, buffer, sizeof(buffer));
    interface = iface;
    break;
  }
  if (interface.empty()) return route;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return route;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || interface != i->ifa_name) continue;
    char buffer[INET_ADDRSTRLEN] = {};
    route.address = ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr,
                                buffer, sizeof(buffer));
    break;
  }
  ::freeifaddrs(list);
  return route;
}

}  // namespace berth::net
