#pragma once
// A reconstruction method: given the data fidelity of a batch and one regularisation parameter per
// sample, return the batch of reconstructions. Every method implements it (the classical baselines
// in classical_methods.h, the generative regularisers through GenerativeReconstructor), and every
// method is found by name in the method registry (method_registry.h), so parameter sweeps,
// validation, the discrepancy principle, experiments and reports work for every method alike.
#include <memory>
#include <string>

#include "genreg/core/solver_summary.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/solvers/reconstruction.h"

namespace genreg {

class Reconstructor {
 public:
  virtual ~Reconstructor() = default;
  virtual std::string name() const = 0;
  // Starts solved per image (restarts); the kept one has the lowest objective.
  virtual int64_t starts_per_image() const { return 1; }
  // Samples solved at once per image (starts, or posterior samples): what batching divides by.
  virtual int64_t batch_per_image() const { return starts_per_image(); }
  // lambda: (B,) float64, one parameter per sample of `data`.
  // `callback` (optional) is called after each iteration with the iterate and the objective.
  virtual torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda,
                              SolverSummary* summary = nullptr,
                              const IterationCallback& callback = {}) const = 0;
  // The whole result (reconstruction.h). The default runs solve(): one start, whose objective is
  // the solver summary's.
  virtual Reconstruction reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                                     SolverSummary* summary = nullptr,
                                     const IterationCallback& callback = {}) const;
};

using ReconstructorPtr = std::shared_ptr<const Reconstructor>;

}  // namespace genreg
