// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/sha256.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/oci/json_fields.hpp"

namespace berth::runtime {

namespace {

using oci::JsonReader;

constexpr std::array<std::string_view, 9> kActions = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
};

struct OperatorName {
  std::string_view name;
  scmp_compare op;
};
constexpr std::array<OperatorName, 7> kOperators = {{
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
}};

struct FlagName {
  std::string_view name;
  unsigned int bit;
};
// The values of linux/seccomp.h, spelled out: older kernel headers lack the
// newer ones, and the kernel rejects a flag it does not know with EINVAL.
constexpr std::array<FlagName, 4> kFlags = {{
    {"SECCOMP_FILTER_FLAG_TSYNC", 1U << 0},
    {"SECCOMP_FILTER_FLAG_LOG", 1U << 1},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1U << 2},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5},
}};

// Native architecture: libseccomp's (Go's) name -> the profile's archMap key.
struct ArchName {
  std::string_view native;
  std::string_view scmp;
};
constexpr std::array<ArchName, 14> kArchMap = {{
    {"x86", "SCMP_ARCH_X86"},
    {"amd64", "SCMP_ARCH_X86_64"},
    {"x32", "SCMP_ARCH_X32"},
    {"arm", "SCMP_ARCH_ARM"},
    {"arm64", "SCMP_ARCH_AARCH64"},
    {"mips64", "SCMP_ARCH_MIPS64"},
    {"mips64n32", "SCMP_ARCH_MIPS64N32"},
    {"mipsel64", "SCMP_ARCH_MIPSEL64"},
    {"mipsel64n32", "SCMP_ARCH_MIPSEL64N32"},
    {"ppc64", "SCMP_ARCH_PPC64"},
    {"ppc64le", "SCMP_ARCH_PPC64LE"},
    {"s390", "SCMP_ARCH_S390"},
    {"s390x", "SCMP_ARCH_S390X"},
    {"riscv64", "SCMP_ARCH_RISCV64"},
}};

constexpr std::string_view nativeArch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return "x32";
#elif defined(__x86_64__)
  return "amd64";
#elif defined(__i386__)
  return "x86";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__powerpc64__)
  return "ppc64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "";
#endif
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool knownAction(std::string_view action) {
  return std::find(kActions.begin(), kActions.end(), action) != kActions.end();
}

const OperatorName* findOperator(std::string_view name) {
  for (const auto& op : kOperators)
    if (op.name == name) return &op;
  return nullptr;
}

// "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when unknown.
std::uint32_t resolveArch(std::string_view name) {
  if (!name.starts_with("SCMP_ARCH_")) return 0;
  std::string lower(name.substr(10));
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (lower == "native") return seccomp_arch_native();
  return seccomp_arch_resolve_name(lower.c_str());
}

// An errno name ("EPERM") as glibc knows it; 0 when unknown.
std::uint32_t errnoByName(std::string_view name) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  for (int err = 1; err < 4096; ++err) {
    const char* known = ::strerrorname_np(err);
    if (known && name == known) return static_cast<std::uint32_t>(err);
  }
#else
  (void)name;
#endif
  return 0;
}

struct KernelVersion {
  unsigned major = 0;
  unsigned minor = 0;
};

// "4.8", "3.12.25-gentoo", "3.12-1-amd64": only the first two numbers count.
std::optional<KernelVersion> parseKernelVersion(std::string_view text) {
  KernelVersion version;
  if (std::sscanf(std::string(text).c_str(), "%u.%u", &version.major, &version.minor) != 2)
    return std::nullopt;
  return version;
}

bool kernelAtLeast(const SeccompHost& host, const KernelVersion& wanted) {
  if (host.kernelMajor != wanted.major) return host.kernelMajor > wanted.major;
  return host.kernelMinor >= wanted.minor;
}

// One includes/excludes object of a Docker profile rule.
struct Condition {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::optional<KernelVersion> minKernel;
};

Condition readCondition(const JsonReader& rule, std::string_view key) {
  Condition condition;
  const auto reader = rule.optionalObject(key);
  if (!reader) return condition;
  condition.caps = reader->strings("caps");
  condition.arches = reader->strings("arches");
  if (const auto text = reader->string("minKernel"); !text.empty()) {
    condition.minKernel = parseKernelVersion(text);
    if (!condition.minKernel)
      reader->fail("minKernel",
                   fmt::format("invalid kernel version \"{}\": expected like \"4.8\"", text));
  }
  return condition;
}

// containers/common setupSeccomp (plus moby's minKernel): false when the
// rule does not apply to this container on this host.
bool ruleApplies(const Condition& includes, const Condition& excludes, const SeccompHost& host,
                 const std::vector<std::string>& boundingCaps) {
  if (contains(excludes.arches, host.arch)) return false;
  for (const auto& cap : excludes.caps)
    if (contains(boundingCaps, cap)) return false;
  if (excludes.minKernel && kernelAtLeast(host, *excludes.minKernel)) return false;
  if (!includes.arches.empty() && !contains(includes.arches, host.arch)) return false;
  for (const auto& cap : includes.caps)
    if (!contains(boundingCaps, cap)) return false;
  if (includes.minKernel && !kernelAtLeast(host, *includes.minKernel)) return false;
  return true;
}

std::string readAction(const JsonReader& reader, std::string_view key) {
  std::string action = reader.string(key);
  if (!knownAction(action))
    reader.fail(key, fmt::format("unknown action \"{}\": expected SCMP_ACT_ALLOW, "
                                 "SCMP_ACT_ERRNO, SCMP_ACT_KILL, ...",
                                 action));
  return action;
}

// errnoRet (a number) or errno (a name, newer profiles); errnoRet wins.
std::optional<std::uint32_t> readErrno(const JsonReader& reader, std::string_view retKey,
                                       std::string_view nameKey) {
  if (reader.has(retKey)) {
    const auto value = reader.integer(retKey);
    if (value < 0 || value > 0xffff)
      reader.fail(retKey, fmt::format("{} is not an errno number", value));
    return static_cast<std::uint32_t>(value);
  }
  if (const auto name = reader.string(nameKey); !name.empty()) {
    const auto value = errnoByName(name);
    if (value == 0) reader.fail(nameKey, fmt::format("unknown errno \"{}\"", name));
    return value;
  }
  return std::nullopt;
}

oci::LinuxSeccompArg readArg(const JsonReader& reader) {
  oci::LinuxSeccompArg arg = oci::LinuxSeccompArg::fromJson(reader);
  if (arg.index > 5)
    reader.fail("index", fmt::format("{} is not a syscall argument (0-5)", arg.index));
  if (!findOperator(arg.op))
    reader.fail("op", fmt::format("unknown operator \"{}\": expected SCMP_CMP_EQ, SCMP_CMP_NE, ...",
                                  arg.op));
  return arg;
}

std::optional<oci::LinuxSeccomp> convertProfile(const JsonReader& profile, const SeccompHost& host,
                                                const std::vector<std::string>& boundingCaps) {
  const auto rules = profile.objects("syscalls");
  // Neither a default action nor rules: seccomp disabled, as containers/common decides.
  if (profile.string("defaultAction").empty() && rules.empty()) return std::nullopt;

  oci::LinuxSeccomp result;
  result.defaultAction = readAction(profile, "defaultAction");
  result.defaultErrnoRet = readErrno(profile, "defaultErrnoRet", "defaultErrno");

  const auto architectures = profile.strings("architectures");
  const auto archMap = profile.objects("archMap");
  if (!architectures.empty() && !archMap.empty())
    profile.fail("",
                 "'architectures' and 'archMap' were specified in the seccomp profile, use "
                 "either 'architectures' or 'archMap'");
  result.architectures = architectures;
  const auto native = std::find_if(kArchMap.begin(), kArchMap.end(),
                                   [&](const ArchName& a) { return a.native == host.arch; });
  for (const auto& entry : archMap) {
    const auto arch = entry.string("architecture");
    if (native == kArchMap.end() || arch != native->scmp) continue;
    result.architectures.push_back(arch);
    for (const auto& sub : entry.strings("subArchitectures"))
      result.architectures.push_back(sub);
    break;
  }
  for (std::size_t i = 0; i < result.architectures.size(); ++i)
    if (resolveArch(result.architectures[i]) == 0)
      profile.fail(architectures.empty() ? "archMap" : fmt::format("architectures[{}]", i),
                   fmt::format("unknown architecture \"{}\"", result.architectures[i]));

  result.flags = profile.strings("flags");
  for (const auto& flag : result.flags)
    if (std::none_of(kFlags.begin(), kFlags.end(),
                     [&](const FlagName& f) { return f.name == flag; }))
      profile.fail("flags", fmt::format("unknown flag \"{}\"", flag));

  for (const auto& rule : rules) {
    // Validate every rule, not only those that apply here: a profile that
    // works on one host must not fail on another.
    oci::LinuxSyscall call;
    call.action = readAction(rule, "action");
    call.errnoRet = readErrno(rule, "errnoRet", "errno");
    for (const auto& arg : rule.objects("args"))
      call.args.push_back(readArg(arg));
    const auto name = rule.string("name");
    call.names = rule.strings("names");
    if (!name.empty() && !call.names.empty())
      rule.fail("",
                "'name' and 'names' were specified in the seccomp profile, use either 'name' "
                "or 'names'");
    if (!name.empty()) call.names = {name};
    const auto includes = readCondition(rule, "includes");
    const auto excludes = readCondition(rule, "excludes");
    if (call.names.empty() || !ruleApplies(includes, excludes, host, boundingCaps)) continue;
    result.syscalls.push_back(std::move(call));
  }
  return result;
}

struct FilterDeleter {
  void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using FilterContext = std::unique_ptr<void, FilterDeleter>;

std::uint32_t actionValue(std::string_view action, std::optional<std::uint32_t> errnoRet,
                          std::string_view where) {
  if (action == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (action == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errnoRet.value_or(EPERM));
  if (action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (action == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (action == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (action == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errnoRet.value_or(EPERM));
  if (action == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (action == "SCMP_ACT_NOTIFY")
    throwError(Errc::Unsupported, "seccomp {}: SCMP_ACT_NOTIFY is not supported", where);
  throwError(Errc::InvalidArgument, "seccomp {}: unknown action \"{}\"", where, action);
}

void addRule(scmp_filter_ctx ctx, std::uint32_t action, int syscallNumber, std::string_view name,
             const std::vector<scmp_arg_cmp>& comparisons) {
  const int rc = seccomp_rule_add_array(ctx, action, syscallNumber,
                                        static_cast<unsigned int>(comparisons.size()),
                                        comparisons.empty() ? nullptr : comparisons.data());
  // -EDOM/-EINVAL for a pseudo syscall that none of the filter's
  // architectures has: nothing to filter, as crun treats unknown names.
  if (rc < 0 && !(syscallNumber < 0 && (rc == -EDOM || rc == -EINVAL)))
    throwErrnoValue(-rc, fmt::format("add the seccomp rule for {}", name));
}

}  // namespace

SeccompHost SeccompHost::current() {
  SeccompHost host;
  host.arch = std::string(nativeArch());
  utsname uts{};
  if (::uname(&uts) == 0)
    if (const auto version = parseKernelVersion(uts.release)) {
      host.kernelMajor = version->major;
      host.kernelMinor = version->minor;
    }
  return host;
}

oci::LinuxSeccomp defaultSeccompProfile(const std::vector<std::string>& boundingCaps,
                                        const SeccompHost& host) {
  return *parseSeccompProfile(defaultSeccompProfileJson(), "default", boundingCaps, host);
}

std::optional<oci::LinuxSeccomp> parseSeccompProfile(std::string_view json, std::string_view source,
                                                     const std::vector<std::string>& boundingCaps,
                                                     const SeccompHost& host) {
  const std::string context = fmt::format("loading seccomp profile ({}) failed", source);
  Json document;
  try {
    document = parseJson(json, "decoding seccomp profile failed");
  } catch (const Error& e) {
    throw e.wrapped(context);
  }
  return convertProfile(JsonReader(document, context, "profile"), host, boundingCaps);
}

std::optional<oci::LinuxSeccomp> seccompForContainer(std::string_view profile,
                                                     const std::vector<std::string>& boundingCaps,
                                                     bool privileged) {
  if (profile == "unconfined") return std::nullopt;
  if (profile.empty()) {
    if (privileged) return std::nullopt;
    return defaultSeccompProfile(boundingCaps);
  }
  std::string text;
  try {
    text = readFile(std::string(profile));
  } catch (const Error& e) {
    throw e.wrapped("opening seccomp profile failed");
  }
  return parseSeccompProfile(text, profile, boundingCaps);
}

SeccompProgram compileSeccomp(const oci::LinuxSeccomp& seccomp) {
  if (!seccomp.listenerPath.empty())
    throwError(Errc::Unsupported, "seccomp listenerPath \"{}\": SCMP_ACT_NOTIFY is not supported",
               seccomp.listenerPath);
  const std::uint32_t defaultAction =
      actionValue(seccomp.defaultAction, seccomp.defaultErrnoRet, "defaultAction");
  FilterContext ctx(seccomp_init(defaultAction));
  if (!ctx) throwError(Errc::Internal, "seccomp_init failed");

  for (const auto& name : seccomp.architectures) {
    const std::uint32_t arch = resolveArch(name);
    if (arch == 0) throwError(Errc::InvalidArgument, "unknown seccomp architecture \"{}\"", name);
    const int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc < 0 && rc != -EEXIST)
      throwErrnoValue(-rc, fmt::format("add seccomp architecture {}", name));
  }

  SeccompProgram program;
  for (const auto& flag : seccomp.flags) {
    const auto known = std::find_if(kFlags.begin(), kFlags.end(),
                                    [&](const FlagName& f) { return f.name == flag; });
    if (known == kFlags.end())
      throwError(Errc::InvalidArgument, "unknown seccomp flag \"{}\"", flag);
    program.flags |= known->bit;
  }

  for (const auto& call : seccomp.syscalls) {
    const std::string where = call.names.empty() ? "rule" : "rule for " + call.names.front();
    const std::uint32_t action = actionValue(call.action, call.errnoRet, where);
    if (action == defaultAction) continue;  // libseccomp refuses these; they change nothing

    std::vector<scmp_arg_cmp> comparisons;
    bool sameIndexTwice = false;
    for (const auto& arg : call.args) {
      const OperatorName* op = findOperator(arg.op);
      if (!op)
        throwError(Errc::InvalidArgument, "seccomp {}: unknown operator \"{}\"", where, arg.op);
      if (arg.index > 5)
        throwError(Errc::InvalidArgument, "seccomp {}: argument index {} out of range", where,
                   arg.index);
      for (const auto& seen : comparisons)
        if (seen.arg == arg.index) sameIndexTwice = true;
      comparisons.push_back({arg.index, op->op, arg.value, arg.valueTwo});
    }

    for (const auto& name : call.names) {
      const int number = seccomp_syscall_resolve_name(name.c_str());
      if (number == __NR_SCMP_ERROR) continue;  // unknown to libseccomp: skip, as crun does
      if (!sameIndexTwice) {
        addRule(ctx.get(), action, number, name, comparisons);
        continue;
      }
      // libseccomp allows one comparison per argument; runc and crun make
      // each comparison its own rule (so they match if any one does).
      for (const auto& comparison : comparisons)
        addRule(ctx.get(), action, number, name, {comparison});
    }
  }

  UniqueFd memory(::memfd_create("berth-seccomp", MFD_CLOEXEC));
  if (!memory) throwErrno("memfd_create for the seccomp filter");
  if (const int rc = seccomp_export_bpf(ctx.get(), memory.get()); rc < 0)
    throwErrnoValue(-rc, "export the seccomp filter");
  const off_t size = ::lseek(memory.get(), 0, SEEK_END);
  if (size < 0) throwErrno("seek in the seccomp filter");
  program.instructions.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  const auto bytes = program.instructions.size() * sizeof(sock_filter);
  if (::pread(memory.get(), program.instructions.data(), bytes, 0) != static_cast<ssize_t>(bytes))
    throwErrno("read back the seccomp filter");
  return program;
}

void loadSeccomp(const SeccompProgram& program) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.instructions.size());
  prog.filter = const_cast<sock_filter*>(program.instructions.data());
  if (program.instructions.size() > 0xffff)
    throwError(Errc::InvalidArgument, "seccomp filter of {} instructions is too long",
               program.instructions.size());
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog);
  if (rc == 0) return;
  if (rc > 0)  // SECCOMP_FILTER_FLAG_TSYNC: a thread that could not be synchronised
    throwError(Errc::Internal, "load the seccomp filter: thread {} cannot be synchronised", rc);
  // COMPAT(kernel 3.17): seccomp(2) is missing before; prctl takes no flags.
  if (errno == ENOSYS && program.flags == 0 &&
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
    return;
  throwErrno("load the seccomp filter");
}

std::optional<SeccompProgram> readSeccompProgram(const std::string& path) {
  const auto bytes = readFileIfExists(path);
  if (!bytes || bytes->size() <= 4 || (bytes->size() - 4) % sizeof(sock_filter) != 0)
    return std::nullopt;
  SeccompProgram program;
  std::memcpy(&program.flags, bytes->data(), 4);
  program.instructions.resize((bytes->size() - 4) / sizeof(sock_filter));
  std::memcpy(program.instructions.data(), bytes->data() + 4, bytes->size() - 4);
  return program;
}

void writeSeccompProgram(const std::string& path, const SeccompProgram& program) {
  std::string bytes(4 + program.instructions.size() * sizeof(sock_filter), '\0');
  std::memcpy(bytes.data(), &program.flags, 4);
  std::memcpy(bytes.data() + 4, program.instructions.data(),
              program.instructions.size() * sizeof(sock_filter));
  writeFileAtomic(path, bytes, 0600, false);
}

SeccompProgram cachedSeccomp(const oci::LinuxSeccomp& profile, const std::string& cacheDir) {
  if (cacheDir.empty()) return compileSeccomp(profile);
  const std::string path = cacheDir + "/" + sha256Hex(profile.toJson().dump()) + "-" +
                           std::to_string(sizeof(sock_filter)) + ".bpf";
  if (auto program = readSeccompProgram(path)) return std::move(*program);
  SeccompProgram program = compileSeccomp(profile);
  try {
    makeDirs(cacheDir, 0700);
    writeSeccompProgram(path, program);
  } catch (const Error&) {
    // a cache: the next container compiles again
  }
  return program;
}

void installSeccomp(const oci::LinuxSeccomp& seccomp) {
  loadSeccomp(compileSeccomp(seccomp));
}

}  // namespace berth::runtime
