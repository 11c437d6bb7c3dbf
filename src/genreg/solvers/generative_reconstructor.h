#pragma once
// Generative regularisers as Reconstructors: the batch of images is expanded to images x restarts,
// solved as one batch (each sample with its own lambda, step sizes and stopping), and per image
// the restart with the lowest objective is kept (never chosen with the ground truth). Parameter
// sweeps, validation and the discrepancy principle (eval/parameter_choice.h) then apply unchanged.
#include <memory>
#include <string>
#include <vector>

#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

struct GenerativeResult {
  torch::Tensor x;            // (B, 1, H, W) the kept reconstructions
  torch::Tensor gz;           // (B, 1, H, W) their generator part G(z)
  torch::Tensor u;            // (B, 1, H, W) deviation (sparse, sparse-tv); undefined otherwise
  torch::Tensor z;            // (B, d)
  torch::Tensor objective;    // (B, R) final objective of every restart
  torch::Tensor discrepancy;  // (B, R) ||A x - y||^2 of every restart
  torch::Tensor chosen;       // (B,) the kept restart
  torch::Tensor restarts_x;   // (B, R, 1, H, W) every restart's reconstruction
};

class GenerativeReconstructor : public Reconstructor {
 public:
  // method: hard, relaxed, sparse, sparse-tv, pgd or encoder.
  GenerativeReconstructor(std::string method, GeneratorPtr generator, GenerativeOptions options = {});
  std::string name() const override { return method_; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary,
                      const IterationCallback& callback) const override {
    return solve_full(data, lambda, summary, callback).x;
  }
  GenerativeResult solve_full(const DataFidelity& data, const torch::Tensor& lambda,
                              SolverSummary* summary = nullptr, const IterationCallback& callback = {}) const;

  // Initial latent vectors (B * R, d), restart-major within each image: row b R + r.
  torch::Tensor initial_latents(const DataFidelity& data, int64_t restarts) const;

  const GenerativeOptions& options() const { return options_; }
  const GeneratorPtr& generator() const { return generator_; }

 private:
  std::string method_;
  GeneratorPtr generator_;
  GenerativeOptions options_;
};

std::vector<std::string> generative_method_names();
bool is_generative_method(const std::string& method);

}  // namespace genreg
