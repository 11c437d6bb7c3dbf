#pragma once
// The forward (noising) process of a diffusion model, q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)
// for t = 0 .. T-1, given by its variances beta_t and abar_t = prod_{s <= t} (1 - beta_s):
//   linear  beta_t from beta_start to beta_end, evenly spaced (Ho et al. 2020: 1e-4 .. 0.02, T = 1000);
//   cosine  abar_t = f(t + 1) / f(0), f(u) = cos^2((u / T + s) / (1 + s) pi / 2), s = 0.008, each
//           beta clipped to 0.999 (Nichol & Dhariwal 2021, eq. 17), which spends fewer steps on
//           nearly pure noise, better for small images.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

namespace genreg {

struct NoiseSchedule {
  std::string kind = "linear";                // linear | cosine
  int64_t steps = 1000;                       // T
  double beta_start = 1e-4, beta_end = 0.02;  // linear only

  // abar_t for t = 0 .. T-1: (T) float64 on the CPU, strictly decreasing in (0, 1).
  torch::Tensor alphas_cumprod() const;
  nlohmann::json to_json() const;
  // Missing fields: the defaults above.
  static NoiseSchedule from_json(const nlohmann::json& json);
  // Throws genreg::Error for an unknown kind, T outside 2..100000 or betas outside (0, 1).
  void validate() const;
};

}  // namespace genreg
