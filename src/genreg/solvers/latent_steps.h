#pragma once
// The building blocks that the generative regularisers (solvers/hard_constraint.cpp, ...) share:
// per-sample stopping, the active-row restriction of alternating methods, and the smooth parts
// D(G(z) + offset) + w R_z(z) and w (||G(z) - target||^2 + mu R_z(z)) with their gradients.
#include <torch/torch.h>

#include <chrono>
#include <optional>
#include <vector>

#include "genreg/solvers/backtracking_step.h"
#include "genreg/solvers/generative_methods.h"

namespace genreg::latent {

using Clock = std::chrono::steady_clock;

torch::Tensor squared_norm(const torch::Tensor& t);

torch::Tensor decode_no_grad(Generator& g, const torch::Tensor& z);

// The projection onto the latent constraint as a prox step (the sphere prior); empty otherwise.
ProxStep latent_projection(const LatentPrior& prior);

// Samples whose last steps moved less than tolerance * max(||v||, 1), or could not move at all.
torch::Tensor settled(const BacktrackingStep& s, const torch::Tensor& v, double tolerance);

// Samples that had settled before an iteration keep their values: each sample stops on its own,
// so a batch solves exactly as its samples one by one.
torch::Tensor keep_settled(const torch::Tensor& settled_before, const torch::Tensor& old_value,
                           const torch::Tensor& new_value);

// The samples of a batch still iterating, and the problem restricted to them: the alternating
// methods work on these rows alone, so that settled samples cost nothing (as in Algorithm 1's
// minimize_backtracking). Not copyable: `problem.data` points into the object itself.
class ActiveRows {
 public:
  ActiveRows(const LatentProblem& p, const torch::Tensor& done);
  ActiveRows(const ActiveRows&) = delete;
  ActiveRows& operator=(const ActiveRows&) = delete;

  // Rows of a full-batch tensor (the tensor itself when every row is active).
  torch::Tensor of(const torch::Tensor& full) const { return all ? full : full.index_select(0, index); }
  // The full-batch tensor with the active rows replaced by `part`.
  torch::Tensor put(const torch::Tensor& full, const torch::Tensor& part) const {
    return all ? part : full.index_copy(0, index, part);
  }

  const torch::Tensor index;
  const bool all;
  LatentProblem problem;

 private:
  std::optional<DataFidelity> data_;
};

// Summary of a fixed-iteration alternating method.
SolverSummary alternating_summary(const torch::Tensor& objective, int64_t iterations,
                                  const torch::Tensor& done, const torch::Tensor& stalled,
                                  std::vector<double> history, int64_t evaluations, Clock::time_point start);

// f(z) = D(G(z) + offset) + weight R_z(z) for a batch, with its gradient through the generator
// (the data term's gradient A^T (A x - y) / sigma^2 pulled back by the generator's Jacobian).
SmoothPart data_through_generator(const LatentProblem& p, const torch::Tensor& offset,
                                  const torch::Tensor& weight);

// f(z) = weight (||G(z) - target||^2 + prior_weight R_z(z)): fitting the generator to an image.
SmoothPart fit_generator(const LatentProblem& p, const torch::Tensor& target, const torch::Tensor& weight,
                         const torch::Tensor& prior_weight);

// Every sample's initial Lipschitz estimate, (batch,) float64.
torch::Tensor lipschitz_start(const LatentProblem& p, int64_t batch);

}  // namespace genreg::latent
