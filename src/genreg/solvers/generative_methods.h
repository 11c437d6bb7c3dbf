#pragma once
// The generative regularisers of the paper (sections 3 and 5), each solving a batch in which every
// sample (an image, or one restart of it) has its own lambda, step sizes, acceptance and stopping.
// With D(x) = ||A x - y||^2 / (2 sigma^2) and the latent prior R_z:
//   hard       min_z D(G(z)) + lambda R_z(z)                                (eq. 18, Algorithm 1)
//   relaxed    min_{x,z} D(x) + lambda (||G(z) - x||^2 + mu R_z(z))         (eq. 19, Algorithm 2)
//   sparse     min_{z,u} D(G(z) + u) + lambda (||u||_1 + mu R_z(z))         (eq. 20, Algorithm 3, PALM)
//   sparse-tv  as sparse with TV(u) in place of ||u||_1                     (section 5.3)
//   pgd        x <- P_G(x - sigma^2/||A||^2 grad D(x)), P_G(w) = G(argmin_z ||G(z) - w||^2)
//              (Shah & Hegde, eq. 14); lambda is not used
//   encoder    min_x D(x) + lambda ||x - G(E(x))||^2                        (section 3.4)
#include <torch/torch.h>

#include <string>

#include "genreg/functionals/data_fidelity.h"
#include "genreg/models/generator.h"
#include "genreg/solvers/backtracking.h"
#include "genreg/solvers/latent_prior.h"
#include "genreg/solvers/solver_summary.h"

namespace genreg {

struct GenerativeOptions {
  // Initial latent vectors per image; the restart with the lowest objective is kept.
  TORCH_ARG(int64_t, restarts) = 1;
  // Weight of R_z inside the regulariser (relaxed, sparse).
  TORCH_ARG(double, mu) = 1.0;
  // "l2", "sphere" or "none".
  TORCH_ARG(std::string, prior) = "l2";
  // "backtracking" (the paper's algorithms) or "adam" (Adam on z, for hard and pgd's projection).
  TORCH_ARG(std::string, optimizer) = "backtracking";
  TORCH_ARG(int64_t, iterations) = 200;
  TORCH_ARG(double, adam_lr) = 0.05;
  // pgd: descent steps of each projection; sparse-tv: dual iterations of each TV prox.
  TORCH_ARG(int64_t, inner_iterations) = 20;
  TORCH_ARG(double, tolerance) = 1e-6;
  // Seed of the random initial latent vectors: restart r starts every image at the same z_r.
  TORCH_ARG(uint64_t, seed) = 0;
  // Start the first restart at the encoder mean of the clipped back-projection, where there is one.
  TORCH_ARG(bool, encoder_start) = true;
  TORCH_ARG(BacktrackingOptions, backtracking) = BacktrackingOptions().max_backtracks(20);
};

// One solve over a batch (images x restarts flattened).
struct LatentProblem {
  Generator* generator = nullptr;
  const DataFidelity* data = nullptr;
  torch::Tensor lambda;  // (B,) in the generator's dtype
  torch::Tensor z0;      // (B, d)
  LatentPrior prior;
  const GenerativeOptions* options = nullptr;
  IterationCallback callback;
};

struct LatentRun {
  torch::Tensor x;          // (B, 1, H, W) the reconstruction
  torch::Tensor gz;         // G(z)
  torch::Tensor u;          // sparse deviation (sparse, sparse-tv); undefined otherwise
  torch::Tensor z;          // (B, d); undefined for encoder
  torch::Tensor objective;  // (B,) float64, the method's objective at the end
  SolverSummary summary;
};

LatentRun solve_hard(const LatentProblem& p);
LatentRun solve_relaxed(const LatentProblem& p);
LatentRun solve_sparse(const LatentProblem& p, bool tv);
LatentRun solve_projected_gradient(const LatentProblem& p);
LatentRun solve_encoder_regulariser(const LatentProblem& p);

// The per-sample objective of `method` (for reporting and restart selection) at a solution.
torch::Tensor generative_objective(const std::string& method, const LatentProblem& p, const LatentRun& run);

}  // namespace genreg
