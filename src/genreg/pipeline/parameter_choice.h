#pragma once
// Choosing the regularisation parameter (PROTOCOL.md, "Parameter choice"):
//   - a geometric grid of lambdas, solved for all images at once (one batch of images x lambdas);
//   - by validation: the lambda with the best mean PSNR on validation images;
//   - by the discrepancy principle, per image and without ground truth: the largest lambda whose
//     reconstruction fits the data to the noise level, ||A x - y||^2 <= M sigma^2.
#include <functional>
#include <string>
#include <vector>

#include "genreg/operators/measurements.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

// "A:B:N": N values from A to B, equally spaced on a log scale (A, B > 0).
std::vector<double> parse_lambda_grid(const std::string& text);

// A sweep over a lambda grid, for any method. Per image the kept start (the lowest objective)
// gives x, discrepancy and psnr; every start's values are kept too (paper Figures 8, 9, 11).
struct SweepResult {
  std::vector<double> lambdas;      // L values
  torch::Tensor x;                  // (L, N, 1, H, W) reconstructions (kept start), on the CPU
  torch::Tensor discrepancy;        // (L, N) ||A x - y||^2
  torch::Tensor psnr;               // (L, N), undefined without ground truth
  torch::Tensor start_objective;    // (L, N, R) every start's final objective
  torch::Tensor start_discrepancy;  // (L, N, R)
  torch::Tensor start_psnr;         // (L, N, R), undefined without ground truth
  torch::Tensor samples;            // (L, N, K, 1, H, W) of a sampling method, on the CPU; else undefined
  SolverSummary summary;            // of the last chunk; `seconds` is the total
  double seconds = 0.0;
};

using ProgressReport = std::function<void(int64_t done, int64_t total, double seconds)>;
// Called with a progress line about every `interval` seconds of a long solve.
using ProgressLog = std::function<void(const std::string& line)>;

// Solves every image of `m` for every lambda: one batch holds every lambda for a chunk of images,
// at most `max_samples` samples (images x lambdas x starts) at once.
SweepResult sweep_lambdas(const Reconstructor& method, const Measurements& m,
                          const std::vector<double>& lambdas, int64_t max_samples = 2048,
                          const ProgressReport& progress = {}, const ProgressLog& log = {},
                          double interval = 30.0);

// Solves every image with its own lambda (N,), in chunks of at most `max_samples` samples (images x
// starts). With `log`, long solves report the iteration and the mean objective.
Reconstruction reconstruct(const Reconstructor& method, const Measurements& m, const torch::Tensor& lambda,
                           int64_t max_samples = 2048, SolverSummary* summary = nullptr,
                           const ProgressLog& log = {}, double interval = 2.0);

// Index of the lambda with the best mean PSNR (needs ground truth).
int64_t choose_by_validation(const SweepResult& sweep);

// Per image, the index of the largest lambda with discrepancy <= M sigma^2 (the smallest lambda
// when none fits). Returns (N,) int64.
torch::Tensor choose_by_discrepancy(const SweepResult& sweep, int64_t measurements, double sigma);

}  // namespace genreg
