#pragma once
// Data parallelism's one synchronisation (as torch's DistributedDataParallel): before every
// optimiser step each rank's gradients, computed on its shard of the global batch, are replaced by
// their weighted sum over the ranks,
//
//   g = sum_r (B_r / B) g_r,
//
// with B_r / B rank r's share of the global batch of B images and g_r the gradient of its shard's
// mean loss: the gradient of the global batch's mean loss, whatever the shard sizes. The gradients
// travel flattened into buckets of at most `bucket_bytes` (one all-reduce per bucket instead of one
// per tensor), in the same order on every rank.
#include <torch/torch.h>

#include <vector>

#include "genreg/distributed/process_group.h"

namespace genreg {

class GradientAverager {
 public:
  explicit GradientAverager(ProcessGroupPtr group, int64_t bucket_bytes = 25 << 20);

  // The gradients of `parameters` (those that have one) replaced by the ranks' weighted sum;
  // `share` is this rank's B_r / B.
  void average(const std::vector<torch::Tensor>& parameters, double share);
  // The ranks' weighted sum of scalar values (loss terms): sum_r share_r v_r, on every rank.
  std::vector<double> average_values(const std::vector<double>& values, double share);

  const ProcessGroupPtr& group() const { return group_; }
  // Time spent in all-reduces (gradients and values), their count and the bytes each rank sent in.
  double seconds() const { return seconds_; }
  int64_t all_reduces() const { return all_reduces_; }
  int64_t bytes() const { return bytes_; }

 private:
  void reduce(torch::Tensor& flat);
  ProcessGroupPtr group_;
  int64_t bucket_bytes_;
  double seconds_ = 0.0;
  int64_t all_reduces_ = 0, bytes_ = 0;
};

// Rank `root`'s parameters and buffers copied into every rank's module (DDP does this when it
// wraps a model): all ranks start from the same weights, whatever their own initialisation drew.
void broadcast_module(ProcessGroup& group, torch::nn::Module& module, int root = 0);

}  // namespace genreg
