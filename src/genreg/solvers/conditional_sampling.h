#pragma once
// Reconstruction with a conditional model (models/conditional_generator.h): x ~ G(z, A^T y) with
// z drawn K times per measurement, the samples' mean as the estimate and their per-pixel standard
// deviation as the uncertainty, as the diffusion samplers report them (reconstruction.h); a
// deterministic network (postprocess) gives its one output with a zero spread.
//
// A conditional model learned p(x | y) for the acquisition it was trained on: measurements of
// another operator or noise level are refused unless `allow_operator_shift` is set (the
// operator-shift experiment measures what that costs). No lambda: the model's training fixed the
// balance between data and prior.
#include <memory>

#include "genreg/models/conditional_generator.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

using ConditionalGeneratorPtr = std::shared_ptr<ConditionalGenerator>;

struct ConditionalSamplingOptions {
  TORCH_ARG(int64_t, samples) = 8;
  // ODE steps of a flow model (0: the model's default) and its solver.
  TORCH_ARG(int64_t, steps) = 0;
  TORCH_ARG(std::string, solver) = "heun";
  TORCH_ARG(uint64_t, seed) = 0;
  TORCH_ARG(bool, allow_operator_shift) = false;
  // Generations run at once (0: default_batch_rows, core/runtime.h).
  TORCH_ARG(int64_t, batch) = 0;
};

class ConditionalSampling : public Reconstructor {
 public:
  // `name`: the registered method's.
  ConditionalSampling(ConditionalGeneratorPtr model, ConditionalSamplingOptions options, std::string name);
  std::string name() const override { return name_; }
  const ConditionalSamplingOptions& options() const { return options_; }
  // Samples actually drawn per image (1 for a deterministic network).
  int64_t samples_per_image() const;
  int64_t batch_per_image() const override { return samples_per_image(); }

  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary = nullptr,
                      const IterationCallback& callback = {}) const override;
  Reconstruction reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                             SolverSummary* summary = nullptr,
                             const IterationCallback& callback = {}) const override;

 private:
  // Throws genreg::Error when `data` was not measured as the model was trained (unless allowed).
  void check_acquisition(const DataFidelity& data) const;

  ConditionalGeneratorPtr model_;
  ConditionalSamplingOptions options_;
  std::string name_;
};

}  // namespace genreg
