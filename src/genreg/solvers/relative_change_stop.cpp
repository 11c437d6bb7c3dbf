#include "genreg/solvers/relative_change_stop.h"

#include <vector>

namespace genreg {

RelativeChangeStop::RelativeChangeStop(int64_t batch, double tolerance, torch::Device device)
    : tolerance_(tolerance),
      done_(torch::zeros({batch}, torch::TensorOptions().dtype(torch::kBool).device(device))),
      iterations_(torch::zeros({batch}, torch::kLong)) {}

torch::Tensor RelativeChangeStop::keep_done(const torch::Tensor& current, const torch::Tensor& next) const {
  std::vector<int64_t> shape(next.dim(), 1);
  shape[0] = next.size(0);
  return torch::where(done_.view(shape), current, next);
}

torch::Tensor RelativeChangeStop::step(const torch::Tensor& current, const torch::Tensor& next) {
  auto out = keep_done(current, next);
  const auto change = (out - current).flatten(1).norm(2, 1);
  const auto size = out.flatten(1).norm(2, 1).clamp_min(1e-12);
  iterations_ += (~done_).to(torch::kCPU).to(torch::kLong);
  done_ = done_ | (change <= tolerance_ * size);
  return out;
}

void RelativeChangeStop::fill(SolverSummary& summary) const {
  summary.iterations = iterations_.clone();
  summary.status = done_.to(torch::kCPU).to(torch::kLong);  // 1 = converged, 0 = max_iterations
  summary.evaluations = iterations_.max().item<int64_t>();
}

}  // namespace genreg
