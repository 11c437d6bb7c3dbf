#pragma once
// The classical baselines (classical.h) as reconstruction methods, registered as "tikhonov" and
// "tv" (classical_methods.cpp).
#include "genreg/solvers/classical.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

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
