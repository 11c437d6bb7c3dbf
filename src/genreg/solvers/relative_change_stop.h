#pragma once
// Per-sample stopping on the relative change of the iterate, for batched fixed-point iterations:
// a sample is done once ||x_k - x_{k-1}|| <= tolerance ||x_k||; from then on it keeps its iterate
// (the batch is still computed as one, which costs time but keeps the code branch-free), so that a
// sample's result does not depend on the others in its batch.
#include <torch/torch.h>

#include "genreg/core/solver_summary.h"

namespace genreg {

class RelativeChangeStop {
 public:
  RelativeChangeStop(int64_t batch, double tolerance, torch::Device device);
  // The next iterate of every sample: `next` where the sample is still running, `current` where it
  // is done. Updates the done flags and the iteration counts.
  torch::Tensor step(const torch::Tensor& current, const torch::Tensor& next);
  // Blends any per-sample state the same way (ADMM's dual variable, momentum) without updating.
  torch::Tensor keep_done(const torch::Tensor& current, const torch::Tensor& next) const;
  bool all_done() const { return done_.all().item<bool>(); }
  // Fills iterations and status of a summary (objective and timing are the caller's).
  void fill(SolverSummary& summary) const;

 private:
  double tolerance_;
  torch::Tensor done_;        // (B,) bool on the iterate's device
  torch::Tensor iterations_;  // (B,) int64 on the CPU
};

}  // namespace genreg
