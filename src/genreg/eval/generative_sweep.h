#pragma once
// A lambda sweep of a generative regulariser that keeps every restart: the objective, the data
// discrepancy and the PSNR of each restart against lambda (paper Figures 8, 9 and 11), besides the
// kept (lowest-objective) restart that parameter choice uses.
#include <functional>
#include <string>
#include <vector>

#include "genreg/eval/parameter_choice.h"
#include "genreg/solvers/generative_reconstructor.h"

namespace genreg {

struct GenerativeSweep {
  SweepResult kept;           // the kept restart per image, as sweep_lambdas returns it
  torch::Tensor objective;    // (L, N, R)
  torch::Tensor discrepancy;  // (L, N, R)
  torch::Tensor psnr;         // (L, N, R), undefined without ground truth
};

// `log` (optional) gets a line about the running solve every `interval` seconds.
GenerativeSweep sweep_generative(const GenerativeReconstructor& method, const Measurements& m,
                                 const std::vector<double>& lambdas, int64_t max_images = 256,
                                 const ProgressReport& progress = {},
                                 const std::function<void(const std::string&)>& log = {},
                                 double interval = 30.0);

// Solves every image of `m` with its own lambda (N,), in chunks of at most `max_samples` samples
// (images x restarts), keeping the generator part and the deviation besides the reconstruction.
// `log` gets a progress line about every `interval` seconds.
GenerativeResult solve_generative(const GenerativeReconstructor& method, const Measurements& m,
                                  const torch::Tensor& lambda, int64_t max_samples = 2048,
                                  const std::function<void(const std::string&)>& log = {},
                                  double interval = 2.0);

}  // namespace genreg
