#pragma once
// Generative regularisers as Reconstructors: the batch of images is expanded to images x restarts,
// solved as one batch (each sample with its own lambda, step sizes and stopping), and per image
// the restart with the lowest objective is kept (never chosen with the ground truth). Parameter
// sweeps, validation and the discrepancy principle (pipeline/parameter_choice.h) then apply unchanged.
// The algorithm and the objective come from the LatentMethod (generative_methods.h).
#include <memory>
#include <string>
#include <vector>

#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

class GenerativeReconstructor : public Reconstructor {
 public:
  GenerativeReconstructor(LatentMethodPtr method, GeneratorPtr generator, GenerativeOptions options = {});
  std::string name() const override { return method_->name(); }
  int64_t starts_per_image() const override { return method_->deterministic() ? 1 : options_.restarts(); }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary,
                      const IterationCallback& callback) const override {
    return reconstruct(data, lambda, summary, callback).x;
  }
  Reconstruction reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                             SolverSummary* summary = nullptr,
                             const IterationCallback& callback = {}) const override;

  // Initial latent vectors (B * R, d), restart-major within each image: row b R + r.
  torch::Tensor initial_latents(const DataFidelity& data, int64_t restarts) const;

  const GenerativeOptions& options() const { return options_; }
  const GeneratorPtr& generator() const { return generator_; }
  const LatentMethod& method() const { return *method_; }

 private:
  LatentMethodPtr method_;
  GeneratorPtr generator_;
  GenerativeOptions options_;
};

}  // namespace genreg
