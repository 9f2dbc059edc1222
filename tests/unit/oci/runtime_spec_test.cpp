// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "berth/base/error.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::oci;

namespace {

// The config.json Podman 4.3.1 wrote for `podman run --name web ...`
// (/work/shared/reference/podman-4.3.1-samples/oci-runtime-config-web.json,
// embedded verbatim).
const std::string kPodmanWebConfig =
    R"JSON({"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0,"umask":18},"args":["httpd",")JSON"
    R"JSON(-f","-p","80","-h","/var/www"],"env":["FOO=bar","GREETING=hello world","PATH=/usr/local/sb)JSON"
    R"JSON(in:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm","container=podman","HOSTNAME)JSON"
    R"JSON(=webhost","HOME=/root"],"cwd":"/var/www","capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_)JSON"
    R"JSON(OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_S)JSON"
    R"JSON(ETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"],"effective":["CAP_CHOWN","CAP_DAC_OVER)JSON"
    R"JSON(RIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGI)JSON"
    R"JSON(D","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"],"permitted":["CAP_CHOWN","CAP_DAC_OVERRIDE)JSON"
    R"JSON(","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID",")JSON"
    R"JSON(CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":200)JSON"
    R"JSON(00,"soft":20000},{"type":"RLIMIT_NPROC","hard":32768,"soft":32768}]},"root":{"path":"/home)JSON"
    R"JSON(/user/.local/share/containers/storage/overlay/211f3673d3d00033189eac4557a3231cd378a72a37c0)JSON"
    R"JSON(e119186924b7172fbb72/merged"},"hostname":"webhost","mounts":[{"destination":"/data","type")JSON"
    R"JSON(:"bind","source":"/home/user/vol1","options":["ro","rprivate","rbind"]},{"destination":"/p)JSON"
    R"JSON(roc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},{"destination":")JSON"
    R"JSON(/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","noexec","strictatime","mode=755)JSON"
    R"JSON(","size=65536k"]},{"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid)JSON"
    R"JSON(","noexec","nodev","ro"]},{"destination":"/dev/pts","type":"devpts","source":"devpts","opt)JSON"
    R"JSON(ions":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},{"destination)JSON"
    R"JSON(":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},{)JSON"
    R"JSON("destination":"/etc/resolv.conf","type":"bind","source":"/run/user/1001/containers/overlay)JSON"
    R"JSON(-containers/3327c63c36c0a7550c6d143b79b62c158170f60f564b6ca24eba20e64d2d18b9/userdata/reso)JSON"
    R"JSON(lv.conf","options":["bind","rprivate"]},{"destination":"/etc/hosts","type":"bind","source")JSON"
    R"JSON(:"/run/user/1001/containers/overlay-containers/3327c63c36c0a7550c6d143b79b62c158170f60f564)JSON"
    R"JSON(b6ca24eba20e64d2d18b9/userdata/hosts","options":["bind","rprivate"]},{"destination":"/dev/)JSON"
    R"JSON(shm","type":"bind","source":"/home/user/.local/share/containers/storage/overlay-containers)JSON"
    R"JSON(/3327c63c36c0a7550c6d143b79b62c158170f60f564b6ca24eba20e64d2d18b9/userdata/shm","options":)JSON"
    R"JSON(["bind","rprivate","nosuid","noexec","nodev"]},{"destination":"/run/.containerenv","type":)JSON"
    R"JSON("bind","source":"/run/user/1001/containers/overlay-containers/3327c63c36c0a7550c6d143b79b6)JSON"
    R"JSON(2c158170f60f564b6ca24eba20e64d2d18b9/userdata/.containerenv","options":["bind","rprivate"])JSON"
    R"JSON(},{"destination":"/etc/hostname","type":"bind","source":"/run/user/1001/containers/overlay)JSON"
    R"JSON(-containers/3327c63c36c0a7550c6d143b79b62c158170f60f564b6ca24eba20e64d2d18b9/userdata/host)JSON"
    R"JSON(name","options":["bind","rprivate"]},{"destination":"/sys/fs/cgroup","type":"cgroup","sour)JSON"
    R"JSON(ce":"cgroup","options":["rprivate","nosuid","noexec","nodev","relatime","ro"]}],"annotatio)JSON"
    R"JSON(ns":{"io.container.manager":"libpod","io.kubernetes.cri-o.Created":"2026-11-27T23:46:37.65)JSON"
    R"JSON(8365807Z","io.kubernetes.cri-o.TTY":"false","io.podman.annotations.autoremove":"FALSE","io)JSON"
    R"JSON(.podman.annotations.init":"FALSE","io.podman.annotations.privileged":"FALSE","io.podman.an)JSON"
    R"JSON(notations.publish-all":"FALSE","org.opencontainers.image.stopSignal":"15"},"linux":{"sysct)JSON"
    R"JSON(l":{"net.ipv4.ping_group_range":"0 0"},"resources":{},"namespaces":[{"type":"pid"},{"type")JSON"
    R"JSON(:"network","path":"/run/user/1001/netns/netns-e4e9123e-e937-30e3-2edc-443c1f0b7d14"},{"typ)JSON"
    R"JSON(e":"ipc"},{"type":"uts"},{"type":"mount"}],"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","de)JSON"
    R"JSON(faultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"sy)JSON"
    R"JSON(scalls":[{"names":["bdflush","io_pgetevents","kexec_file_load","kexec_load","migrate_pages)JSON"
    R"JSON(","move_pages","nfsservctl","nice","oldfstat","oldlstat","oldolduname","oldstat","olduname)JSON"
    R"JSON(","pciconfig_iobase","pciconfig_read","pciconfig_write","sgetmask","ssetmask","swapcontext)JSON"
    R"JSON(","swapoff","swapon","sysfs","uselib","userfaultfd","ustat","vm86","vm86old","vmsplice"],")JSON"
    R"JSON(action":"SCMP_ACT_ERRNO","errnoRet":1},{"names":["_llseek","_newselect","accept","accept4")JSON"
    R"JSON(,"access","adjtimex","alarm","bind","brk","capget","capset","chdir","chmod","chown","chown)JSON"
    R"JSON(32","clock_adjtime","clock_adjtime64","clock_getres","clock_getres_time64","clock_gettime")JSON"
    R"JSON(,"clock_gettime64","clock_nanosleep","clock_nanosleep_time64","clone","clone3","close","cl)JSON"
    R"JSON(ose_range","connect","copy_file_range","creat","dup","dup2","dup3","epoll_create","epoll_c)JSON"
    R"JSON(reate1","epoll_ctl","epoll_ctl_old","epoll_pwait","epoll_pwait2","epoll_wait","epoll_wait_)JSON"
    R"JSON(old","eventfd","eventfd2","execve","execveat","exit","exit_group","faccessat","faccessat2")JSON"
    R"JSON(,"fadvise64","fadvise64_64","fallocate","fanotify_mark","fchdir","fchmod","fchmodat","fcho)JSON"
    R"JSON(wn","fchown32","fchownat","fcntl","fcntl64","fdatasync","fgetxattr","flistxattr","flock",")JSON"
    R"JSON(fork","fremovexattr","fsconfig","fsetxattr","fsmount","fsopen","fspick","fstat","fstat64",)JSON"
    R"JSON("fstatat64","fstatfs","fstatfs64","fsync","ftruncate","ftruncate64","futex","futex_time64")JSON"
    R"JSON(,"futimesat","get_mempolicy","get_robust_list","get_thread_area","getcpu","getcwd","getden)JSON"
    R"JSON(ts","getdents64","getegid","getegid32","geteuid","geteuid32","getgid","getgid32","getgroup)JSON"
    R"JSON(s","getgroups32","getitimer","getpeername","getpgid","getpgrp","getpid","getppid","getprio)JSON"
    R"JSON(rity","getrandom","getresgid","getresgid32","getresuid","getresuid32","getrlimit","getrusa)JSON"
    R"JSON(ge","getsid","getsockname","getsockopt","gettid","gettimeofday","getuid","getuid32","getxa)JSON"
    R"JSON(ttr","inotify_add_watch","inotify_init","inotify_init1","inotify_rm_watch","io_cancel","io)JSON"
    R"JSON(_destroy","io_getevents","io_setup","io_submit","ioctl","ioprio_get","ioprio_set","ipc","k)JSON"
    R"JSON(eyctl","kill","landlock_add_rule","landlock_create_ruleset","landlock_restrict_self","lcho)JSON"
    R"JSON(wn","lchown32","lgetxattr","link","linkat","listen","listxattr","llistxattr","lremovexattr)JSON"
    R"JSON(","lseek","lsetxattr","lstat","lstat64","madvise","mbind","membarrier","memfd_create","mem)JSON"
    R"JSON(fd_secret","mincore","mkdir","mkdirat","mknod","mknodat","mlock","mlock2","mlockall","mmap)JSON"
    R"JSON(","mmap2","mount","mount_setattr","move_mount","mprotect","mq_getsetattr","mq_notify","mq_)JSON"
    R"JSON(open","mq_timedreceive","mq_timedreceive_time64","mq_timedsend","mq_timedsend_time64","mq_)JSON"
    R"JSON(unlink","mremap","msgctl","msgget","msgrcv","msgsnd","msync","munlock","munlockall","munma)JSON"
    R"JSON(p","name_to_handle_at","nanosleep","newfstatat","open","open_tree","openat","openat2","pau)JSON"
    R"JSON(se","pidfd_getfd","pidfd_open","pidfd_send_signal","pipe","pipe2","pivot_root","pkey_alloc)JSON"
    R"JSON(","pkey_free","pkey_mprotect","poll","ppoll","ppoll_time64","prctl","pread64","preadv","pr)JSON"
    R"JSON(eadv2","prlimit64","process_mrelease","process_vm_readv","process_vm_writev","pselect6","p)JSON"
    R"JSON(select6_time64","ptrace","pwrite64","pwritev","pwritev2","read","readahead","readdir","rea)JSON"
    R"JSON(dlink","readlinkat","readv","reboot","recv","recvfrom","recvmmsg","recvmmsg_time64","recvm)JSON"
    R"JSON(sg","remap_file_pages","removexattr","rename","renameat","renameat2","restart_syscall","rm)JSON"
    R"JSON(dir","rseq","rt_sigaction","rt_sigpending","rt_sigprocmask","rt_sigqueueinfo","rt_sigretur)JSON"
    R"JSON(n","rt_sigsuspend","rt_sigtimedwait","rt_sigtimedwait_time64","rt_tgsigqueueinfo","sched_g)JSON"
    R"JSON(et_priority_max","sched_get_priority_min","sched_getaffinity","sched_getattr","sched_getpa)JSON"
    R"JSON(ram","sched_getscheduler","sched_rr_get_interval","sched_rr_get_interval_time64","sched_se)JSON"
    R"JSON(taffinity","sched_setattr","sched_setparam","sched_setscheduler","sched_yield","seccomp",")JSON"
    R"JSON(select","semctl","semget","semop","semtimedop","semtimedop_time64","send","sendfile","send)JSON"
    R"JSON(file64","sendmmsg","sendmsg","sendto","set_mempolicy","set_robust_list","set_thread_area",)JSON"
    R"JSON("set_tid_address","setfsgid","setfsgid32","setfsuid","setfsuid32","setgid","setgid32","set)JSON"
    R"JSON(groups","setgroups32","setitimer","setns","setpgid","setpriority","setregid","setregid32",)JSON"
    R"JSON("setresgid","setresgid32","setresuid","setresuid32","setreuid","setreuid32","setrlimit","s)JSON"
    R"JSON(etsid","setsockopt","setuid","setuid32","setxattr","shmat","shmctl","shmdt","shmget","shut)JSON"
    R"JSON(down","sigaction","sigaltstack","signal","signalfd","signalfd4","sigpending","sigprocmask")JSON"
    R"JSON(,"sigreturn","sigsuspend","socketcall","socketpair","splice","stat","stat64","statfs","sta)JSON"
    R"JSON(tfs64","statx","symlink","symlinkat","sync","sync_file_range","syncfs","syscall","sysinfo")JSON"
    R"JSON(,"syslog","tee","tgkill","time","timer_create","timer_delete","timer_getoverrun","timer_ge)JSON"
    R"JSON(ttime","timer_gettime64","timer_settime","timer_settime64","timerfd","timerfd_create","tim)JSON"
    R"JSON(erfd_gettime","timerfd_gettime64","timerfd_settime","timerfd_settime64","times","tkill","t)JSON"
    R"JSON(runcate","truncate64","ugetrlimit","umask","umount","umount2","uname","unlink","unlinkat",)JSON"
    R"JSON("unshare","utime","utimensat","utimensat_time64","utimes","vfork","wait4","waitid","waitpi)JSON"
    R"JSON(d","write","writev"],"action":"SCMP_ACT_ALLOW"},{"names":["personality"],"action":"SCMP_AC)JSON"
    R"JSON(T_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]},{"names":["personality"],"acti)JSON"
    R"JSON(on":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},{"names":["persona)JSON"
    R"JSON(lity"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":131072,"op":"SCMP_CMP_EQ"}]},{)JSON"
    R"JSON("names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":131080,"op":")JSON"
    R"JSON(SCMP_CMP_EQ"}]},{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"val)JSON"
    R"JSON(ue":4294967295,"op":"SCMP_CMP_EQ"}]},{"names":["arch_prctl"],"action":"SCMP_ACT_ALLOW"},{")JSON"
    R"JSON(names":["modify_ldt"],"action":"SCMP_ACT_ALLOW"},{"names":["open_by_handle_at"],"action":")JSON"
    R"JSON(SCMP_ACT_ERRNO","errnoRet":1},{"names":["bpf","fanotify_init","lookup_dcookie","perf_event)JSON"
    R"JSON(_open","quotactl","setdomainname","sethostname","setns"],"action":"SCMP_ACT_ERRNO","errnoR)JSON"
    R"JSON(et":1},{"names":["chroot"],"action":"SCMP_ACT_ALLOW"},{"names":["delete_module","finit_mod)JSON"
    R"JSON(ule","init_module","query_module"],"action":"SCMP_ACT_ERRNO","errnoRet":1},{"names":["acct)JSON"
    R"JSON("],"action":"SCMP_ACT_ERRNO","errnoRet":1},{"names":["kcmp","process_madvise"],"action":"S)JSON"
    R"JSON(CMP_ACT_ERRNO","errnoRet":1},{"names":["ioperm","iopl"],"action":"SCMP_ACT_ERRNO","errnoRe)JSON"
    R"JSON(t":1},{"names":["clock_settime","clock_settime64","settimeofday","stime"],"action":"SCMP_A)JSON"
    R"JSON(CT_ERRNO","errnoRet":1},{"names":["vhangup"],"action":"SCMP_ACT_ERRNO","errnoRet":1},{"nam)JSON"
    R"JSON(es":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":22,"args":[{"index":0,"value":16,"op":)JSON"
    R"JSON("SCMP_CMP_EQ"},{"index":2,"value":9,"op":"SCMP_CMP_EQ"}]},{"names":["socket"],"action":"SC)JSON"
    R"JSON(MP_ACT_ALLOW","args":[{"index":2,"value":9,"op":"SCMP_CMP_NE"}]},{"names":["socket"],"acti)JSON"
    R"JSON(on":"SCMP_ACT_ALLOW","args":[{"index":0,"value":16,"op":"SCMP_CMP_NE"}]},{"names":["socket)JSON"
    R"JSON("],"action":"SCMP_ACT_ALLOW","args":[{"index":2,"value":9,"op":"SCMP_CMP_NE"}]}]},"maskedP)JSON"
    R"JSON(aths":["/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/)JSON"
    R"JSON(proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware","/sys/fs/selinux","/sys)JSON"
    R"JSON(/dev/block"],"readonlyPaths":["/proc/asound","/proc/bus","/proc/fs","/proc/irq","/proc/sys)JSON"
    R"JSON(","/proc/sysrq-trigger"]}})JSON";

std::string specError(const std::string& text) {
  try {
    Spec::fromJson(Json::parse(text), "config.json");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("no error for " << text);
  return "";
}

}  // namespace

TEST_CASE("Podman's config.json parses into the model") {
  const Spec spec = Spec::fromJson(Json::parse(kPodmanWebConfig), "config.json");
  CHECK(spec.ociVersion == "1.0.2-dev");
  REQUIRE(spec.process);
  const Process& process = *spec.process;
  CHECK_FALSE(process.terminal);
  CHECK(process.user.uid == 0);
  CHECK(process.user.gid == 0);
  CHECK(process.user.umask == 18u);
  CHECK(process.user.additionalGids.empty());
  CHECK(process.args == std::vector<std::string>{"httpd", "-f", "-p", "80", "-h", "/var/www"});
  CHECK(process.env.size() == 7);
  CHECK(process.env[1] == "GREETING=hello world");
  CHECK(process.cwd == "/var/www");
  REQUIRE(process.capabilities);
  CHECK(process.capabilities->bounding.size() == 11);
  CHECK(process.capabilities->bounding.front() == "CAP_CHOWN");
  CHECK(process.capabilities->effective == process.capabilities->bounding);
  CHECK(process.capabilities->inheritable.empty());
  CHECK(process.capabilities->ambient.empty());
  REQUIRE(process.rlimits.size() == 2);
  CHECK(process.rlimits[0].type == "RLIMIT_NOFILE");
  CHECK(process.rlimits[0].hard == 20000);
  CHECK(process.rlimits[1].soft == 32768);
  CHECK_FALSE(process.noNewPrivileges);
  CHECK_FALSE(process.oomScoreAdj);

  REQUIRE(spec.root);
  CHECK(spec.root->path.ends_with("/merged"));
  CHECK_FALSE(spec.root->readonly);
  CHECK(spec.hostname == "webhost");

  REQUIRE(spec.mounts.size() == 12);
  CHECK(spec.mounts[0].destination == "/data");
  CHECK(spec.mounts[0].type == "bind");
  CHECK(spec.mounts[0].source == "/home/user/vol1");
  CHECK(spec.mounts[0].options == std::vector<std::string>{"ro", "rprivate", "rbind"});
  CHECK(spec.mounts[4].destination == "/dev/pts");
  CHECK(spec.mounts[4].type == "devpts");
  CHECK(spec.mounts[11].destination == "/sys/fs/cgroup");

  CHECK(spec.annotations.at("io.container.manager") == "libpod");
  CHECK(spec.annotations.size() == 8);

  REQUIRE(spec.linuxConfig);
  const Linux& linux_ = *spec.linuxConfig;
  CHECK(linux_.sysctl.at("net.ipv4.ping_group_range") == "0 0");
  REQUIRE(linux_.resources);
  CHECK_FALSE(linux_.resources->memory);
  CHECK_FALSE(linux_.resources->pidsLimit);
  REQUIRE(linux_.namespaces.size() == 5);
  CHECK(linux_.namespaces[0].type == "pid");
  CHECK(linux_.namespaces[0].path.empty());
  REQUIRE(linux_.findNamespace("network"));
  CHECK(linux_.findNamespace("network")->path.starts_with("/run/user/1001/netns/netns-"));
  CHECK(linux_.findNamespace("cgroup") == nullptr);
  REQUIRE(linux_.seccomp);
  CHECK((*linux_.seccomp)["defaultAction"] == "SCMP_ACT_ERRNO");
  CHECK(linux_.maskedPaths.size() == 11);
  CHECK(linux_.maskedPaths[1] == "/proc/kcore");
  CHECK(linux_.readonlyPaths.back() == "/proc/sysrq-trigger");
  CHECK(linux_.uidMappings.empty());
  CHECK(linux_.cgroupsPath.empty());
}

TEST_CASE("Podman's config.json is written back to its exact bytes") {
  const Spec spec = Spec::fromJson(Json::parse(kPodmanWebConfig), "config.json");
  CHECK(encodeJson(spec.toJson()) == kPodmanWebConfig);
  // Through a copy of each record too: the model, not just the kept JSON.
  Spec copy = spec;
  copy.extra = Json::object();
  copy.process->extra = Json::object();
  copy.process->user.extra = Json::object();
  copy.process->capabilities->extra = Json::object();
  for (auto& limit : copy.process->rlimits)
    limit.extra = Json::object();
  copy.root->extra = Json::object();
  for (auto& mount : copy.mounts)
    mount.extra = Json::object();
  copy.linuxConfig->extra = Json::object();
  copy.linuxConfig->resources->extra = Json::object();
  CHECK(encodeJson(copy.toJson()) == kPodmanWebConfig);
}

TEST_CASE("a spec built from scratch follows Go's order and omitempty") {
  Spec spec;
  spec.process.emplace();
  spec.process->args = {"sh"};
  spec.process->cwd = "/";
  spec.process->user.umask = 0;
  spec.process->user.additionalGids = {10, 20};
  spec.process->oomScoreAdj = 0;
  spec.process->noNewPrivileges = true;
  spec.root = Root{"/rootfs", true, Json::object()};
  spec.mounts.push_back({"/tmp", "tmpfs", "tmpfs", {}, Json::object()});
  spec.linuxConfig.emplace();
  spec.linuxConfig->namespaces = {{"pid", ""}, {"network", "/run/netns/x"}};
  spec.linuxConfig->uidMappings = {{0, 1000, 1}};
  spec.linuxConfig->resources.emplace();
  spec.linuxConfig->resources->pidsLimit = 100;
  spec.linuxConfig->resources->memory.emplace();
  spec.linuxConfig->resources->memory->limit = 1 << 20;
  spec.linuxConfig->resources->cpu.emplace();
  spec.linuxConfig->resources->cpu->quota = 50000;
  spec.linuxConfig->resources->cpu->period = 100000;
  CHECK(encodeJson(spec.toJson()) ==
        R"({"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0,"umask":0,)"
        R"("additionalGids":[10,20]},"args":["sh"],"cwd":"/","noNewPrivileges":true,)"
        R"("oomScoreAdj":0},"root":{"path":"/rootfs","readonly":true},)"
        R"("mounts":[{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}],)"
        R"("linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],)"
        R"("resources":{"memory":{"limit":1048576},"cpu":{"quota":50000,"period":100000},)"
        R"("pids":{"limit":100}},"namespaces":[{"type":"pid"},)"
        R"({"type":"network","path":"/run/netns/x"}]}})");
  // And it reads back to the same document.
  const Spec again = Spec::fromJson(spec.toJson(), "built");
  CHECK(encodeJson(again.toJson()) == encodeJson(spec.toJson()));
  CHECK(again.process->user.umask == 0u);
  CHECK(again.linuxConfig->resources->pidsLimit == 100);
  CHECK(again.linuxConfig->resources->cpu->period == 100000u);
}

// process.user is a struct, not a pointer, in Go: always written.
TEST_CASE("unknown fields survive a change to a known one") {
  const Spec original = Spec::fromJson(
      Json::parse(R"({"ociVersion":"1.0.2","process":{"cwd":"/","apparmorProfile":"x",)"
                  R"("args":["a"]},"hooks":{"prestart":[]},"linux":{"devices":[]}})"),
      "config.json");
  Spec spec = original;
  spec.process->args = {"b", "c"};
  spec.hostname = "h";
  CHECK(encodeJson(spec.toJson()) ==
        R"({"ociVersion":"1.0.2","process":{"cwd":"/","apparmorProfile":"x",)"
        R"("args":["b","c"],"user":{"uid":0,"gid":0}},"hooks":{"prestart":[]},)"
        R"("linux":{"devices":[]},"hostname":"h"})");
}

TEST_CASE("rlimit values above INT64_MAX are accepted") {
  const Spec spec =
      Spec::fromJson(Json::parse(R"({"ociVersion":"1.0.2","process":{"cwd":"/","rlimits":[{"type":)"
                                 R"("RLIMIT_CORE","hard":18446744073709551615,"soft":0}]}})"),
                     "config.json");
  CHECK(spec.process->rlimits[0].hard == UINT64_MAX);
  CHECK(encodeJson(spec.toJson()).find("18446744073709551615") != std::string::npos);
}

TEST_CASE("malformed specs are rejected with the field's path") {
  CHECK(specError(R"({"process":{"cwd":"/"}})") ==
        "config.json: spec.ociVersion: missing required field");
  CHECK(specError(R"({"ociVersion":"1","process":{"args":["a"]}})") ==
        "config.json: spec.process.cwd: missing required field");
  CHECK(specError(R"({"ociVersion":"1","process":{"cwd":"/","user":{"uid":-1}}})") ==
        "config.json: spec.process.user.uid: -1 is out of range: expected 0..4294967295");
  CHECK(specError(R"({"ociVersion":"1","root":{}})") ==
        "config.json: spec.root.path: missing required field");
  CHECK(specError(R"({"ociVersion":"1","mounts":[{"type":"tmpfs"}]})") ==
        "config.json: spec.mounts[0].destination: missing required field");
  CHECK(specError(R"({"ociVersion":"1","linux":{"namespaces":[{"path":"/x"}]}})") ==
        "config.json: spec.linux.namespaces[0].type: missing required field");
  CHECK(specError(R"({"ociVersion":"1","process":{"cwd":"/","oomScoreAdj":5000}})") ==
        "config.json: spec.process.oomScoreAdj: 5000 is out of range: expected -1000..1000");
  CHECK(specError(R"({"ociVersion":"1","process":{"cwd":"/","user":{"additionalGids":["x"]}}})") ==
        "config.json: spec.process.user.additionalGids[0]: expected a group id 0..4294967295");
}
