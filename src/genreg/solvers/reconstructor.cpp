#include "genreg/solvers/reconstructor.h"

namespace genreg {

Reconstruction Reconstructor::reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                                          SolverSummary* summary, const IterationCallback& callback) const {
  SolverSummary s;
  Reconstruction out;
  out.x = solve(data, lambda, &s, callback);
  const int64_t b = out.x.size(0);
  torch::NoGradGuard no_grad;
  out.discrepancy = data.discrepancy(out.x).to(torch::kCPU, torch::kFloat64).view({b, 1});
  out.objective = s.objective.defined() ? s.objective.to(torch::kCPU, torch::kFloat64).view({b, 1})
                                        : out.discrepancy / (2.0 * data.sigma() * data.sigma());
  out.chosen = torch::zeros({b}, torch::kLong);
  out.restarts_x = out.x.unsqueeze(1);
  if (summary) *summary = std::move(s);
  return out;
}

}  // namespace genreg
