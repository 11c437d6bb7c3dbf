#pragma once
// A reconstruction method: given the data fidelity of a batch and one regularisation parameter per
// sample, return the batch of reconstructions. The classical baselines implement it here; the
// generative regularisers (hard, relaxed, sparse, ...) implement the same interface, so parameter
// sweeps, validation and the discrepancy principle work for every method alike.
#include <memory>
#include <string>

#include "genreg/functionals/data_fidelity.h"
#include "genreg/solvers/classical.h"
#include "genreg/solvers/solver_summary.h"

namespace genreg {

class Reconstructor {
 public:
  virtual ~Reconstructor() = default;
  virtual std::string name() const = 0;
  // lambda: (B,) float64, one parameter per sample of `data`.
  // `callback` (optional) is called after each iteration with the iterate and the objective.
  virtual torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda,
                              SolverSummary* summary = nullptr,
                              const IterationCallback& callback = {}) const = 0;
};

using ReconstructorPtr = std::shared_ptr<const Reconstructor>;

class TikhonovReconstructor : public Reconstructor {
 public:
  explicit TikhonovReconstructor(ConjugateGradientOptions options = {}) : options_(options) {}
  std::string name() const override { return "tikhonov"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary,
                      const IterationCallback& callback) const override {
    return solve_tikhonov(data, lambda, options_, summary, callback);
  }

 private:
  ConjugateGradientOptions options_;
};

class TvReconstructor : public Reconstructor {
 public:
  explicit TvReconstructor(PdhgOptions options = {}) : options_(options) {}
  std::string name() const override { return "tv"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary,
                      const IterationCallback& callback) const override {
    return solve_tv(data, lambda, options_, summary, callback);
  }

 private:
  PdhgOptions options_;
};

}  // namespace genreg
