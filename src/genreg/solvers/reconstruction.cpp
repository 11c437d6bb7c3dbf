#include "genreg/solvers/reconstruction.h"

namespace genreg {

Reconstruction reconstruction_from_samples(const torch::Tensor& samples, const DataFidelity& data) {
  torch::NoGradGuard no_grad;
  const int64_t b = samples.size(0), k = samples.size(1);
  Reconstruction out;
  out.samples = samples;
  out.x = samples.mean(1);
  out.std = k > 1 ? samples.std(1, /*unbiased=*/true) : torch::zeros_like(out.x);
  const auto x = out.x.to(data.y().scalar_type());
  out.discrepancy = data.discrepancy(x).to(torch::kCPU, torch::kFloat64).view({b, 1});
  out.objective = data.value(x).to(torch::kCPU, torch::kFloat64).view({b, 1});
  out.chosen = torch::zeros({b}, torch::kLong);
  out.restarts_x = out.x.unsqueeze(1);
  return out;
}

}  // namespace genreg
