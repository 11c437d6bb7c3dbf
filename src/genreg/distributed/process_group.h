#pragma once
// A group of cooperating processes on torch's own distributed engine (c10d): Gloo's collectives
// over TCP, the rendezvous through c10d's TCPStore, as torch.distributed does it
// (init_process_group("gloo", init_method="env://")). Data-parallel training averages its
// gradients through it (gradient_averaging.h) and sharded jobs gather their results on rank 0.
//
// A rank that exits, is killed or loses its network makes every collective of the others throw
// genreg::Error at once (the peer's socket closes); a rank that stops without exiting makes them
// throw after the group's timeout. Nothing waits forever.
//
// c10d's headers stay in process_group.cpp: a LibTorch without Gloo's headers (CUDA wheels ship
// none) builds genreg without the group, and available() says so.
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace genreg {

struct DistributedOptions {
  TORCH_ARG(int, rank) = 0;
  TORCH_ARG(int, world_size) = 1;
  // The rank among the processes of its machine (torchrun's LOCAL_RANK): its CUDA device.
  TORCH_ARG(int, local_rank) = 0;
  // Where rank 0 serves the rendezvous store.
  TORCH_ARG(std::string, master_addr) = "127.0.0.1";
  TORCH_ARG(int, master_port) = 29500;
  // Seconds a collective or the rendezvous waits for a silent peer before failing.
  TORCH_ARG(double, timeout_seconds) = 600.0;

 public:
  // torchrun's variables: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; nullopt when
  // WORLD_SIZE is not set. Inconsistent values (RANK >= WORLD_SIZE, a port out of range) throw.
  static std::optional<DistributedOptions> from_environment();
};

class ProcessGroup {
 public:
  ~ProcessGroup();
  // Joins the group: rank 0 serves a TCP store at master_addr:master_port, every rank connects to
  // it and then to every other rank. Throws genreg::Error when the group does not assemble within
  // the timeout.
  static std::shared_ptr<ProcessGroup> connect(const DistributedOptions& options);
  // False when this build of genreg has no Gloo (connect then throws).
  static bool available();

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Element-wise sum over the ranks, in place (every rank holds the sum afterwards).
  void all_reduce_sum(torch::Tensor& tensor);
  // Rank `root`'s values into every rank's tensor (same shape and type everywhere).
  void broadcast(torch::Tensor& tensor, int root = 0);
  // The rows (first dimension) of every rank's tensor, in rank order, on every rank; the row
  // counts may differ between ranks, the other dimensions and the type may not.
  torch::Tensor all_gather_rows(const torch::Tensor& rows);
  // Returns once every rank has called it.
  void barrier();

  // Ranks as threads of one process, for tests: joins an in-memory rendezvous of `size` ranks
  // named `name` (each thread calls this with its rank; the call returns when all have).
  static std::shared_ptr<ProcessGroup> connect_in_process(const std::string& name, int rank, int size,
                                                          double timeout_seconds = 60.0);

 private:
  struct Impl;
  ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size);
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
};

using ProcessGroupPtr = std::shared_ptr<ProcessGroup>;

// True on the process that prints and writes a job's files: rank 0 of `group`, or the only process
// when there is no group.
inline bool is_root(const ProcessGroupPtr& group) { return !group || group->rank() == 0; }

// Where a job prints its progress: `os` on the root, and on the other ranks a stream that drops
// every line (they would repeat rank 0's).
class RootLog {
 public:
  RootLog(const ProcessGroupPtr& group, std::ostream& os)
      : root_(is_root(group)), os_(root_ ? &os : &discard_) {}
  RootLog(const RootLog&) = delete;
  RootLog& operator=(const RootLog&) = delete;
  bool root() const { return root_; }
  std::ostream& stream() const { return *os_; }

 private:
  bool root_;
  mutable std::ostream discard_{nullptr};
  std::ostream* os_;
};

// Rows [begin, end) of `count` that rank `rank` of `size` takes: contiguous shards whose sizes
// differ by at most one, in rank order.
std::pair<int64_t, int64_t> shard_rows(int64_t count, int rank, int size);
// Whether `count` rows are split over `group` by shard_rows: more than one rank and at least one
// row each. Otherwise every rank takes all of them (one process, or a few images that each rank
// solves alike, so that the ranks agree without a gather).
inline bool splits_rows(const ProcessGroupPtr& group, int64_t count) {
  return group && group->size() > 1 && count >= group->size();
}

}  // namespace genreg
