#include "genreg/distributed/local_launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "genreg/core/error.h"

extern char** environ;

namespace genreg {
namespace {

// A port that was free a moment ago (bound to port 0, then released), as torchrun's standalone
// rendezvous picks one.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  require(fd >= 0, "cannot open a socket to find a free port: ", std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  require(ok, "cannot find a free port on 127.0.0.1: ", std::strerror(errno));
  return ntohs(address.sin_port);
}

RankExit decode(int rank, int status) {
  RankExit e;
  e.rank = rank;
  if (WIFSIGNALED(status)) {
    e.signalled = true;
    e.status = 128 + WTERMSIG(status);
  } else {
    e.status = WEXITSTATUS(status);
  }
  return e;
}

}  // namespace

bool LaunchSummary::ok() const { return status() == 0; }

int LaunchSummary::status() const {
  for (const auto& r : ranks)
    if (r.status != 0) return r.status;
  return 0;
}

std::string LaunchSummary::describe() const {
  std::ostringstream out;
  bool first = true;
  for (const auto& r : ranks) {
    if (r.status == 0) continue;
    out << (first ? "" : "; ") << "rank " << r.rank << " of " << ranks.size();
    if (r.signalled)
      out << " was killed by signal " << r.status - 128 << " (" << strsignal(r.status - 128) << ")";
    else
      out << " exited with status " << r.status;
    first = false;
  }
  return first ? "every rank succeeded" : out.str();
}

LaunchSummary launch_local_ranks(const std::vector<std::string>& arguments,
                                 const LocalLaunchOptions& options) {
  require(options.nproc >= 1 && options.nproc <= 1024, "--nproc must be in [1, 1024], got ", options.nproc);
  const int port = options.master_port > 0 ? options.master_port : free_port();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = options.threads_per_rank > 0 ? options.threads_per_rank
                                                   : std::max(1, static_cast<int>(cores) / options.nproc);

  // Everything the children need is built before fork: after it, in a process with LibTorch's
  // threads, only async-signal-safe calls are allowed.
  std::string program = "/proc/self/exe";
  char resolved[4096];
  const ssize_t n = ::readlink("/proc/self/exe", resolved, sizeof resolved - 1);
  if (n > 0) program.assign(resolved, static_cast<size_t>(n));
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  const bool omp_set = std::getenv("OMP_NUM_THREADS") != nullptr;
  std::vector<std::vector<std::string>> env_strings(static_cast<size_t>(options.nproc));
  std::vector<std::vector<char*>> envs(static_cast<size_t>(options.nproc));
  for (int r = 0; r < options.nproc; ++r) {
    auto& e = env_strings[static_cast<size_t>(r)];
    for (char** v = environ; *v != nullptr; ++v) {
      const std::string entry = *v;
      bool ours = false;
      for (const char* name : {"RANK=", "LOCAL_RANK=", "WORLD_SIZE=", "MASTER_ADDR=", "MASTER_PORT="})
        ours = ours || entry.rfind(name, 0) == 0;
      if (!ours && !(options.threads_per_rank > 0 && entry.rfind("OMP_NUM_THREADS=", 0) == 0))
        e.push_back(entry);
    }
    e.push_back("RANK=" + std::to_string(r));
    e.push_back("LOCAL_RANK=" + std::to_string(r));
    e.push_back("WORLD_SIZE=" + std::to_string(options.nproc));
    e.push_back("MASTER_ADDR=127.0.0.1");
    e.push_back("MASTER_PORT=" + std::to_string(port));
    if (options.threads_per_rank > 0 || !omp_set) e.push_back("OMP_NUM_THREADS=" + std::to_string(threads));
    for (auto& s : e) envs[static_cast<size_t>(r)].push_back(s.data());
    envs[static_cast<size_t>(r)].push_back(nullptr);
  }

  const pid_t parent = ::getpid();
  std::map<pid_t, int> running;  // pid -> rank
  for (int r = 0; r < options.nproc; ++r) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(1);  // the launcher died before prctl
      ::execve(argv[0], argv.data(), envs[static_cast<size_t>(r)].data());
      ::_exit(127);
    }
    if (pid < 0) {
      for (const auto& [p, rank] : running) ::kill(p, SIGTERM);
      fail("cannot start rank ", r, ": ", std::strerror(errno));
    }
    running[pid] = r;
  }

  LaunchSummary summary;
  using clock = std::chrono::steady_clock;
  std::optional<clock::time_point> terminate_at, kill_at;
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const auto exit = decode(running[pid], status);
      running.erase(pid);
      summary.ranks.push_back(exit);
      // A failure: the others fail at their next collective and say why; those that do not
      // within the grace period are stopped.
      if (exit.status != 0 && !terminate_at)
        terminate_at =
            clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options.grace_seconds * 1000));
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    const auto now = clock::now();
    if (terminate_at && now >= *terminate_at && !kill_at) {
      for (const auto& [p, rank] : running) ::kill(p, SIGTERM);
      kill_at = now + std::chrono::seconds(5);
    }
    if (kill_at && now >= *kill_at) {
      for (const auto& [p, rank] : running) ::kill(p, SIGKILL);
      kill_at = now + std::chrono::hours(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return summary;
}

}  // namespace genreg
