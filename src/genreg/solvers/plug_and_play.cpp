#include "genreg/solvers/plug_and_play.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/functionals/functional.h"

namespace genreg {

PlugAndPlayReconstructor::PlugAndPlayReconstructor(DenoiserPtr denoiser, PlugAndPlayOptions options)
    : denoiser_(std::move(denoiser)), options_(options) {
  require(static_cast<bool>(denoiser_), "plug-and-play needs a denoiser");
  require(options_.max_iterations() >= 1, "plug-and-play needs at least one iteration");
  require(options_.tolerance() >= 0 && std::isfinite(options_.tolerance()),
          "the tolerance must be finite and non-negative");
  require(options_.denoiser_sigma() >= 0 && std::isfinite(options_.denoiser_sigma()),
          "the denoiser strength must be finite and non-negative (0: the method's default)");
}

torch::Tensor PlugAndPlayReconstructor::denoise(const torch::Tensor& x, const torch::Tensor& strength) const {
  torch::NoGradGuard no_grad;
  auto s = strength.to(torch::kCPU, torch::kFloat32);
  if (s.dim() == 0) s = s.expand({x.size(0)}).contiguous();
  auto z = denoiser_->denoise(x, s).to(x.device(), x.scalar_type());
  return options_.box() ? z.clamp(0.0, 1.0) : z;
}

DataFidelity PlugAndPlayReconstructor::data_with_options(const DataFidelity& data) const {
  DataFidelity out = data;
  out.set_prox_options(options_.data_prox());
  return out;
}

torch::Tensor PlugAndPlayReconstructor::checked_lambda(const torch::Tensor& lambda, int64_t batch) const {
  require(lambda.dim() == 1 && lambda.size(0) == batch, "lambda must hold one value per sample (", batch,
          "), got shape ", lambda.sizes());
  auto l = lambda.to(torch::kCPU, torch::kFloat64);
  require((l > 0).all().item<bool>() && torch::isfinite(l).all().item<bool>(), name(),
          ": lambda must be positive and finite (it weighs the denoiser's prior against the data)");
  return l;
}

double PlugAndPlayReconstructor::strength(double fallback) const {
  return options_.denoiser_sigma() > 0 ? options_.denoiser_sigma() : fallback;
}

void PlugAndPlayReconstructor::report(SolverSummary* summary, const RelativeChangeStop& stop,
                                      const torch::Tensor& objective,
                                      std::chrono::steady_clock::time_point start) {
  if (!summary) return;
  SolverSummary local;
  stop.fill(local);
  local.objective = objective.to(torch::kCPU, torch::kFloat64);
  local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *summary = std::move(local);
}

}  // namespace genreg
