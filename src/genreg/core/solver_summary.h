#pragma once
// Ceres' habit: an options struct in, a summary out. Every batched solver reports per sample.
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

enum class SampleStatus : int64_t {
  max_iterations = 0,  // ran out of iterations
  converged = 1,       // met the stopping rule
  stalled = 2,         // no step size passed the sufficient-decrease test (backtracking safeguard)
};

struct SolverSummary {
  torch::Tensor objective;      // (B,) float64: final objective per sample
  torch::Tensor iterations;     // (B,) int64: iterations each sample took
  torch::Tensor status;         // (B,) int64: SampleStatus
  std::vector<double> history;  // mean objective over the batch after each iteration
  int64_t evaluations = 0;      // objective evaluations (counted per batch call)
  double seconds = 0.0;

  int64_t count(SampleStatus s) const;
  std::string brief()
      const;  // "100 samples: 97 converged, 3 stalled, 0 at max iterations; 212 iterations max"
  nlohmann::json to_json() const;
};

// Called after each iteration with the iteration number (from 1), the full current batch and the
// per-sample objective. Return false to stop early.
using IterationCallback =
    std::function<bool(int64_t iteration, const torch::Tensor& x, const torch::Tensor& objective)>;

}  // namespace genreg
