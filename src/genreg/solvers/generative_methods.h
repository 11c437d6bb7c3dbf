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

#include <memory>
#include <string>

#include "genreg/core/solver_summary.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/models/generator.h"
#include "genreg/solvers/backtracking.h"
#include "genreg/solvers/latent_prior.h"

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

// One generative regulariser: its algorithm and its objective, defined once. GenerativeReconstructor
// runs any of them over images x restarts; each registers itself in the method registry from its
// own file (solvers/hard_constraint.cpp, ...).
class LatentMethod {
 public:
  virtual ~LatentMethod() = default;
  virtual std::string name() const = 0;
  virtual LatentRun solve(const LatentProblem& p) const = 0;
  // The per-sample objective at a solution (restart selection, reports), float64 (B,).
  virtual torch::Tensor objective(const LatentProblem& p, const LatentRun& run) const = 0;
  // A deterministic method runs one start per image whatever the restarts.
  virtual bool deterministic() const { return false; }
  virtual bool needs_encoder() const { return false; }
  // Whether --optimizer adam applies (else the paper's backtracking algorithm only).
  virtual bool supports_adam() const { return false; }
};

using LatentMethodPtr = std::shared_ptr<const LatentMethod>;

class HardConstraint : public LatentMethod {
 public:
  std::string name() const override { return "hard"; }
  LatentRun solve(const LatentProblem& p) const override;
  torch::Tensor objective(const LatentProblem& p, const LatentRun& run) const override;
  bool supports_adam() const override { return true; }
};

class RelaxedConstraint : public LatentMethod {
 public:
  std::string name() const override { return "relaxed"; }
  LatentRun solve(const LatentProblem& p) const override;
  torch::Tensor objective(const LatentProblem& p, const LatentRun& run) const override;
};

// sparse (||u||_1) or sparse-tv (TV(u)).
class SparseDeviation : public LatentMethod {
 public:
  explicit SparseDeviation(bool tv) : tv_(tv) {}
  std::string name() const override { return tv_ ? "sparse-tv" : "sparse"; }
  LatentRun solve(const LatentProblem& p) const override;
  torch::Tensor objective(const LatentProblem& p, const LatentRun& run) const override;

 private:
  bool tv_;
};

class ProjectedGradient : public LatentMethod {
 public:
  std::string name() const override { return "pgd"; }
  LatentRun solve(const LatentProblem& p) const override;
  torch::Tensor objective(const LatentProblem& p, const LatentRun& run) const override;
  bool supports_adam() const override { return true; }
};

class EncoderRegulariser : public LatentMethod {
 public:
  std::string name() const override { return "encoder"; }
  LatentRun solve(const LatentProblem& p) const override;
  torch::Tensor objective(const LatentProblem& p, const LatentRun& run) const override;
  bool deterministic() const override { return true; }
  bool needs_encoder() const override { return true; }
};

}  // namespace genreg
