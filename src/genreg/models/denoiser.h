#pragma once
// The denoiser role: D(x, sigma) ~ E[x_clean | x = x_clean + sigma e], e ~ N(0, I), for a noise
// level sigma per sample. Plug-and-play methods use it as the proximal operator of an implicit
// prior, D_sigma ~ prox_{sigma^2 R} (Venkatakrishnan et al. 2013; Zhang et al. 2021, DPIR);
// by Tweedie's formula (D(x, sigma) - x) / sigma^2 is the score of the noisy density, which RED
// (Romano et al. 2017) and diffusion samplers use. Kinds of this role register in
// models/model_registry.h with ModelRole::denoiser.
//
// Contract: deterministic in eval mode, differentiable in x, each sample processed alone (batched
// denoising equals denoising each sample), sigma on the data's [0, 1] intensity scale.
#include <torch/torch.h>

#include <vector>

namespace genreg {

class Denoiser {
 public:
  virtual ~Denoiser() = default;
  // x: (B, 1, H, W); sigma: (B) noise standard deviations, one per sample. Returns (B, 1, H, W).
  virtual torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma) = 0;
  // The range of sigma the denoiser was trained on, {low, high}; outside it results are
  // extrapolation, which methods report.
  virtual std::vector<double> noise_range() const = 0;
};

}  // namespace genreg
