#pragma once
// `--nproc N`: the group of N ranks on this machine, started as torchrun starts one. The launcher
// runs N copies of this very program (/proc/self/exe) with the same arguments and torchrun's
// variables (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT: a free port), each
// with OMP_NUM_THREADS = cores / N unless the caller set the threads, so that N ranks do not
// oversubscribe the cores. The ranks die with the launcher (PR_SET_PDEATHSIG).
//
// When a rank fails, the others' next collective fails too (process_group.h) and they exit with
// their own message; any still running `grace_seconds` later is terminated. The launcher returns
// what happened to each rank.
#include <string>
#include <vector>

namespace genreg {

struct LocalLaunchOptions {
  int nproc = 2;
  int threads_per_rank = 0;  // 0: max(1, cores / nproc), unless OMP_NUM_THREADS is set
  int master_port = 0;       // 0: a free port
  double grace_seconds = 30.0;
};

struct RankExit {
  int rank = 0;
  int status = 0;  // exit status, or 128 + signal
  bool signalled = false;
};

struct LaunchSummary {
  std::vector<RankExit> ranks;  // in the order they ended
  bool ok() const;
  // "rank 1 of 2 was killed by signal 9; rank 0 exited with status 2"
  std::string describe() const;
  // The first failure's status (0 when every rank succeeded).
  int status() const;
};

// Runs `arguments` (argv[1..], without the program) as `nproc` ranks and waits for all of them.
LaunchSummary launch_local_ranks(const std::vector<std::string>& arguments,
                                 const LocalLaunchOptions& options);

}  // namespace genreg
